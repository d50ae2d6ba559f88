"""National views window by window (gongkai.national) give the query's own answers; so
do the pages of a query whose sub-SELECT keeps the rows up to the page (``#LIMIT``).

Every keyed saved query is run with its key left empty, once as one plain query
and once window by window, on the seed store, on a store built from 12 generated
catalogs and on that store with unlisted laws cited; every page of several sizes must be the same rows in the same order. Small
row caps force the path where a window's result is cut and the next window resumes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph
import pytest

from gongkai.manifest import load_manifest
from gongkai.national import FIRST_WINDOW, MAX_WINDOW, WINDOW_TEXT_BUDGET, _keys_for, run_saved
from gongkai.pipeline import build_store
from gongkai.query_service import QueryTimeout, execute
from gongkai.saved_queries import PLACE_KEYS_QUERY, Window, bind, load_queries
from gongkai.store import OxigraphStore
from tests.conftest import corpus_generator

QUERIES = load_queries()
KEYED = sorted(name for name, query in QUERIES.items() if query.window)


def build_corpus(folder: Path) -> Path:
    """12 generated catalogs (more places than the first window), built in ``folder``."""
    corpus_generator().generate(12, folder / "corpus", seed=7)
    build_store(load_manifest(folder / "corpus" / "sources.toml"), folder / "store", full=True, workers=1)
    return folder / "store"


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory) -> Path:
    return build_corpus(tmp_path_factory.mktemp("national"))


BASE = "https://w3id.org/gongkai/"
GK = "https://w3id.org/gongkai/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DCT_TITLE = "http://purl.org/dc/terms/title"


def with_unlisted_laws(path: Path, laws: int = 11, *, citations=lambda n: 1 + n % 6,
                       item_at=lambda n, k: n * 13 + k * 5, iri=lambda n, graph: f"{BASE}law/x-test{n:02d}",
                       title=lambda n: f"未列明文件{(n * 7) % 11:02d}") -> OxigraphStore:
    """The store at ``path`` in memory, its items citing ``laws`` laws of no reference
    list. By default 11 laws, 1 to 6 citations each, titled so that title order is not
    IRI order: the reference list names every law the seeds and the small corpus cite,
    so unlisted-legal-bases and its windows of laws (8 in the first) have rows to compare
    only here. Law ``n``'s ``k``-th citation is by the ``item_at(n, k)``-th item;
    ``iri(n, graph)`` names the law from its first citing catalog's graph."""
    memory = pyoxigraph.Store()
    with OxigraphStore.open(path, read_only=True) as store:
        memory.extend(store.quads())
    kind = pyoxigraph.NamedNode(GK + "DisclosureItem")
    items = sorted((q.subject.value, q.graph_name.value)
                   for q in memory.quads_for_pattern(None, pyoxigraph.NamedNode(RDF_TYPE), kind, None))
    for n in range(laws):
        law = pyoxigraph.NamedNode(iri(n, items[item_at(n, 0) % len(items)][1]))
        for k in range(citations(n)):
            item, graph = items[item_at(n, k) % len(items)]
            graph_node = pyoxigraph.NamedNode(graph)
            memory.add(pyoxigraph.Quad(pyoxigraph.NamedNode(item), pyoxigraph.NamedNode(GK + "legalBasis"), law,
                                       graph_node))
            memory.add(pyoxigraph.Quad(law, pyoxigraph.NamedNode(GK + "unlisted"), pyoxigraph.Literal(True), graph_node))
            memory.add(pyoxigraph.Quad(law, pyoxigraph.NamedNode(DCT_TITLE), pyoxigraph.Literal(title(n), language="zh"),
                                       graph_node))
    return OxigraphStore(memory, Path(":memory:"), read_only=True)


@pytest.fixture(scope="module", params=["seeds", "corpus", "unlisted"])
def store(request, seed_store, corpus_store):
    if request.param == "unlisted":
        yield with_unlisted_laws(corpus_store)
        return
    path = seed_store if request.param == "seeds" else corpus_store
    with OxigraphStore.open(path, read_only=True) as opened:
        yield opened


def runner(store, max_rows: int = 100_000, calls: list[str] | None = None):
    def run(sparql, substitutions, timeout):
        if calls is not None:
            calls.append(sparql)
        return execute(store, sparql, substitutions=substitutions, max_rows=max_rows)
    return run


def test_the_keyed_queries_are_the_ones_ordered_by_place_first_or_declaring_their_keys():
    assert KEYED == [
        "anomalies-per-place", "catalogs", "channels-per-place", "compare-anomalies", "compare-channel-types",
        "compare-coverage", "compare-legal-bases", "compare-matrix", "content-element-coverage", "items-by-channel-type",
        "items-citing-law", "items-per-place", "law-citation-network", "legal-bases-per-place",
        "search-items", "standard-category-matrix", "tick-distribution",
        "ticks-lost-items", "time-limits-per-place", "unlisted-legal-bases",
    ]
    assert QUERIES["compare-anomalies"].window == Window("place", "place_code", PLACE_KEYS_QUERY)
    assert QUERIES["items-per-place"].window == Window("place", "__place", PLACE_KEYS_QUERY)
    assert QUERIES["compare-matrix"].window.key == "place_code"
    assert QUERIES["law-citation-network"].window.key == "__place"
    # ordered by a law's title and the law: windows of laws, declared in the header
    unlisted = QUERIES["unlisted-legal-bases"].window
    assert (unlisted.parameter, unlisted.key) == ("law", "__law")
    assert unlisted.keys.startswith("PREFIX gk: <https://w3id.org/gongkai/ontology#>\n")
    assert unlisted.keys.endswith("ORDER BY ?law_title ?__law\n")
    # ranked by a count: windows of counts, which the keys query also tallies (to size them)
    coverage = QUERIES["compare-coverage"].window
    assert (coverage.parameter, coverage.key) == ("present", "present")
    assert "(COUNT(?catalog) AS ?rows)" in coverage.keys
    # ordered by place, but sparse: their national view is one query (national: one-query)
    assert QUERIES["on-request-only-items"].window is None
    assert QUERIES["other-place-mentions"].window is None


@pytest.mark.parametrize("name", KEYED)
def test_every_page_equals_the_plain_national_result(store, name):
    query = QUERIES[name]
    everything = bind(query, {"page_size": "10000"}, max_page_size=10_000, extra_row=True)
    whole = execute(store, everything.text, substitutions=everything.substitutions, max_rows=100_000).bindings
    assert len(whole) < 10_000  # the plain result fits one page: it is the whole national view
    assert run_saved(runner(store), everything).bindings == whole
    for size in (1, 7, query.pagination):
        last = len(whole) // size + 1  # the last page, partly filled or empty
        for page in sorted({1, 2, 3, last - 1, last} - {0}):
            bound = bind(query, {"page": str(page), "page_size": str(size)}, extra_row=True)
            assert bound.window_parameter is not None
            got = run_saved(runner(store), bound).bindings
            assert got == whole[(page - 1) * size : page * size + 1], (name, size, page)


PAGE_LIMITED = sorted(name for name, query in QUERIES.items() if query.page_limit)


def test_the_queries_that_keep_rows_up_to_the_page():
    assert PAGE_LIMITED == ["compare-coverage"]


@pytest.mark.parametrize("name", PAGE_LIMITED)
def test_every_page_of_a_page_limited_query_equals_its_unpaged_result(store, name):
    """A ``#LIMIT`` sub-SELECT keeps the rows up to the page: every page, nationally and
    for a few places, is the stretch of the result its text gives without that limit."""
    query = QUERIES[name]
    national = execute(store, bind(query, {}).unpaged, max_rows=100_000).bindings
    places = sorted(row["place_code"]["value"] for row in national)
    assert len(places) > 1 and len(set(places)) == len(places)
    for args in ({}, {"place": places[1::3][:5]}):
        unpaged = bind(query, args).unpaged
        assert "#LIMIT" in unpaged
        whole = execute(store, unpaged, max_rows=100_000).bindings
        assert len(whole) == len(args.get("place", places))
        for size in (1, 7, query.pagination):
            for page in range(1, len(whole) // size + 2):
                bound = bind(query, {**args, "page": str(page), "page_size": str(size)}, extra_row=True)
                assert f"LIMIT {page * size + 1}\n  }}" in bound.text
                got = execute(store, bound.text, max_rows=100_000).bindings
                assert got == whole[(page - 1) * size : page * size + 1], (name, args, size, page)


def test_a_cut_window_resumes_at_the_place_it_cut(corpus_store):
    query = QUERIES["items-per-place"]
    with OxigraphStore.open(corpus_store, read_only=True) as store:
        bound = bind(query, {"page_size": "60"}, extra_row=True)
        plain = execute(store, bound.text, substitutions=bound.substitutions).bindings
        assert len(plain) == 61 and len({row["__place"]["value"] for row in plain}) > 2
        calls: list[str] = []
        # a window's rows are cut at 25: places before the cut place are kept, the cut one
        # is asked again at the start of the next window
        outcome = run_saved(runner(store, max_rows=25, calls=calls), bound)
        assert outcome.bindings == plain and not outcome.truncated
        assert len(calls) > 3


def test_one_place_with_more_rows_than_the_cap_is_truncated_as_the_plain_query_would_be(corpus_store):
    query = QUERIES["items-per-place"]
    with OxigraphStore.open(corpus_store, read_only=True) as store:
        bound = bind(query, {"page_size": "60"}, extra_row=True)
        outcome = run_saved(runner(store, max_rows=2), bound)
        plain = execute(store, bound.text, substitutions=bound.substitutions).bindings
        assert outcome.truncated and outcome.bindings == plain[:2]


def test_a_given_key_or_place_or_a_query_without_windows_runs_once(seed_store):
    """Windows make the national view: with a key or a place given, the rows are few
    and one query finds them faster."""
    with OxigraphStore.open(seed_store, read_only=True) as store:
        for query, args in ((QUERIES["items-per-place"], {"place": "654002"}),
                            (QUERIES["compare-coverage"], {"present": ["54"]}),
                            (QUERIES["compare-coverage"], {"place": ["152202"]}),
                            (QUERIES["unlisted-legal-bases"], {"place": "152202"}),
                            (QUERIES["on-request-only-items"], {})):
            calls: list[str] = []
            bound = bind(query, args, extra_row=True)
            assert bound.window_parameter is None
            outcome = run_saved(runner(store, calls=calls), bound)
            assert calls == [bound.text]
            if query.name == "compare-coverage":
                assert [row["place_code"]["value"] for row in outcome.bindings] == ["152202"]


def test_keys_for_takes_the_keys_holding_the_rows_asked():
    counts = [1, 2, 4, 12]
    assert [_keys_for(counts, 0, rows) for rows in (0, 1, 2, 3, 4, 7, 8, 100)] == [1, 1, 2, 2, 3, 3, 4, 4]
    assert _keys_for(counts, 2, 5) == 2 and _keys_for(counts, 3, 1) == 1
    assert _keys_for([1] * (MAX_WINDOW + 5), 0, 10_000) == MAX_WINDOW


def test_counted_keys_size_the_window_to_the_page_and_cut_it_there(corpus_store):
    """compare-coverage's keys tally the catalogs of each count: page 1 is one window of
    the top counts holding its rows, and that window's ranking keeps the page's rows
    alone (its '#LIMIT' becomes the rows still needed)."""
    query = QUERIES["compare-coverage"]
    with OxigraphStore.open(corpus_store, read_only=True) as store:
        tally = execute(store, query.window.keys).bindings
        counts = [int(row["rows"]["value"]) for row in tally]
        assert sum(counts) == 12 and len(counts) > 2
        plain = execute(store, bind(query, {}).unpaged).bindings
        for size in (1, counts[0] + 1, 5):
            calls: list[str] = []
            bound = bind(query, {"page_size": str(size)}, extra_row=True)
            got = run_saved(runner(store, calls=calls), bound).bindings
            assert got == plain[: size + 1]
            assert len(calls) == 2 and calls[0] == query.window.keys
            window = re.search(r"VALUES \?__present \{([^}]*)\}", calls[1])
            assert window is not None
            assert re.findall(r'"(\d+)"', window.group(1)) == [
                row["__present"]["value"] for row in tally[:_keys_for(counts, 0, size + 1)]]
            assert f"LIMIT {size + 1}\n  }}" in calls[1]
        # a page that needs every count's rows is the plain query, in one call
        calls = []
        bound = bind(query, {"page": "2", "page_size": "6"}, extra_row=True)
        assert run_saved(runner(store, calls=calls), bound).bindings == plain[6:]
        assert calls == [query.window.keys, bound.text]


def test_the_first_window_is_small_and_a_page_of_the_seeds_takes_two_queries(seed_store):
    with OxigraphStore.open(seed_store, read_only=True) as store:
        calls: list[str] = []
        bound = bind(QUERIES["items-per-place"], {}, extra_row=True)
        run_saved(runner(store, calls=calls), bound)
        assert FIRST_WINDOW >= 2
        assert len(calls) == 2  # the place codes, then one window with both seed places
        assert "VALUES ?__place" in calls[1] and '"152202"' in calls[1] and '"654002"' in calls[1]


def test_windows_of_laws_follow_the_title_order(corpus_store):
    """unlisted-legal-bases sorts laws by title, which is not the order of their IRIs:
    its windows bind the laws in that order, and page 2 starts inside the second window.
    (The corpus may cite an unlisted law of its own beside the eleven added here.)"""
    store = with_unlisted_laws(corpus_store)
    query = QUERIES["unlisted-legal-bases"]
    everything = bind(query, {"page_size": "1000"})
    whole = execute(store, everything.text, substitutions=everything.substitutions).bindings
    added = [row for row in whole if row["__law"]["value"].startswith(BASE + "law/x-test")]
    assert len(added) == 36 and len(whole) < 60
    assert [row["law_title"]["value"] for row in added][:4] == ["未列明文件00", "未列明文件01", "未列明文件01",
                                                                  "未列明文件01"]
    calls: list[str] = []
    bound = bind(query, {"page": "2", "page_size": "20"}, extra_row=True)
    assert run_saved(runner(store, calls=calls), bound).bindings == whole[20:41]
    assert len(calls) == 3  # the laws, then a window of 8 laws, then the others
    first_window = set(re.findall(r"<(https://w3id.org/gongkai/law/(?:[^>]*/)?x-[^>]+)>", calls[1]))
    assert len(first_window) == 8
    assert BASE + "law/x-test08" in first_window  # 未列明文件01: x-test00's successor by title


def test_the_timeout_covers_every_window(corpus_store):
    with OxigraphStore.open(corpus_store, read_only=True) as store:
        bound = bind(QUERIES["items-per-place"], {"page_size": "1000"}, extra_row=True)
        with pytest.raises(QueryTimeout):
            run_saved(runner(store), bound, timeout=1e-9)


def test_the_comparisons_have_rows_to_compare(seed_store, corpus_store):
    """The page checks above mean something only where the national view has rows."""
    empty = []
    for name in KEYED:
        bound = bind(QUERIES[name], {"page_size": "1000"})
        counts = []
        for path in (seed_store, corpus_store):
            with OxigraphStore.open(path, read_only=True) as store:
                counts.append(len(execute(store, bound.text, substitutions=bound.substitutions).bindings))
        unlisted = with_unlisted_laws(corpus_store)
        counts.append(len(execute(unlisted, bound.text, substitutions=bound.substitutions).bindings))
        if not any(counts):
            empty.append(name)
    assert empty == []


def test_a_window_of_long_keys_stays_under_the_query_length_limit(corpus_store):
    """Laws of a catalog's own have IRIs of some 70 characters: a window of 400 of them
    would be a 28 kB query, over the services' 20,000-character limit (the web app
    answered 500 for the national unlisted-legal-bases at 2,850 catalogs). Windows are
    cut to a budget of characters instead, and still give the plain query's rows."""
    store = with_unlisted_laws(
        corpus_store, 600, citations=lambda n: 1, item_at=lambda n, k: n, title=lambda n: f"未列明文件{n:04d}",
        iri=lambda n, graph: f"{BASE}law/{graph.split('/')[-2]}/social-insurance/x-{n:010d}-a-long-key-{n:04d}")
    query = QUERIES["unlisted-legal-bases"]
    everything = bind(query, {"page_size": "1000"})
    whole = execute(store, everything.text, substitutions=everything.substitutions).bindings
    assert len(whole) >= 600
    calls: list[str] = []
    bound = bind(query, {"page": "1", "page_size": "1000"}, extra_row=True)
    assert run_saved(runner(store, calls=calls), bound).bindings == whole[:1001]
    windows = calls[1:]
    assert len(windows) > 2 and max(len(text) for text in windows) <= WINDOW_TEXT_BUDGET < 20_000
    assert max(len(re.findall(r"/x-\d{10}-a-long-key-", text)) for text in windows) > FIRST_WINDOW
