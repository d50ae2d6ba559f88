"""National views window by window (gongkai.national) give the query's own answers.

Every place-keyed saved query is run with its place left empty, once as one plain query
and once window by window, on the seed store and on a store built from 12 generated
catalogs; every page of several sizes must be the same rows in the same order. Small
row caps force the path where a window's result is cut and the next window resumes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gongkai.manifest import load_manifest
from gongkai.national import FIRST_WINDOW, run_saved
from gongkai.pipeline import build_store
from gongkai.query_service import QueryTimeout, execute
from gongkai.saved_queries import bind, load_queries
from gongkai.store import OxigraphStore
from tests.conftest import corpus_generator

QUERIES = load_queries()
PLACE_KEYED = sorted(name for name, query in QUERIES.items() if query.place_key)


def build_corpus(folder: Path) -> Path:
    """12 generated catalogs (more places than the first window), built in ``folder``."""
    corpus_generator().generate(12, folder / "corpus", seed=7)
    build_store(load_manifest(folder / "corpus" / "sources.toml"), folder / "store", full=True, workers=1)
    return folder / "store"


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory) -> Path:
    return build_corpus(tmp_path_factory.mktemp("national"))


@pytest.fixture(scope="module", params=["seeds", "corpus"])
def store(request, seed_store, corpus_store):
    path = seed_store if request.param == "seeds" else corpus_store
    with OxigraphStore.open(path, read_only=True) as opened:
        yield opened


def runner(store, max_rows: int = 100_000, calls: list[str] | None = None):
    def run(sparql, substitutions, timeout):
        if calls is not None:
            calls.append(sparql)
        return execute(store, sparql, substitutions=substitutions, max_rows=max_rows)
    return run


def test_the_place_keyed_queries_are_the_ones_ordered_by_place_first():
    assert PLACE_KEYED == [
        "anomalies-per-place", "catalogs", "channels-per-place", "compare-anomalies", "compare-channel-types",
        "compare-legal-bases", "compare-matrix", "content-element-coverage", "items-by-channel-type",
        "items-citing-law", "items-per-place", "law-citation-network", "legal-bases-per-place",
        "other-place-mentions", "search-items", "standard-category-matrix", "tick-distribution",
        "ticks-lost-items", "time-limits-per-place",
    ]
    assert QUERIES["compare-anomalies"].place_key == "place_code"
    assert QUERIES["items-per-place"].place_key == "__place"
    assert QUERIES["compare-matrix"].place_key == "place_code"
    assert QUERIES["law-citation-network"].place_key == "__place"
    # ordered by something else first (a ranking, a law): no windows
    assert QUERIES["compare-coverage"].place_key is None
    assert QUERIES["unlisted-legal-bases"].place_key is None
    # ordered by place, but sparse: its national view is one query (national: one-query)
    assert QUERIES["on-request-only-items"].place_key is None


@pytest.mark.parametrize("name", PLACE_KEYED)
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
            assert bound.place_parameter is not None
            got = run_saved(runner(store), bound).bindings
            assert got == whole[(page - 1) * size : page * size + 1], (name, size, page)


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


def test_a_given_place_or_a_query_without_a_place_key_runs_once(seed_store):
    with OxigraphStore.open(seed_store, read_only=True) as store:
        for query, args in ((QUERIES["items-per-place"], {"place": "654002"}), (QUERIES["compare-coverage"], {})):
            calls: list[str] = []
            bound = bind(query, args, extra_row=True)
            assert bound.place_parameter is None
            outcome = run_saved(runner(store, calls=calls), bound)
            assert calls == [bound.text] and outcome.bindings


def test_the_first_window_is_small_and_a_page_of_the_seeds_takes_two_queries(seed_store):
    with OxigraphStore.open(seed_store, read_only=True) as store:
        calls: list[str] = []
        bound = bind(QUERIES["items-per-place"], {}, extra_row=True)
        run_saved(runner(store, calls=calls), bound)
        assert FIRST_WINDOW >= 2
        assert len(calls) == 2  # the place codes, then one window with both seed places
        assert "VALUES ?__place" in calls[1] and '"152202"' in calls[1] and '"654002"' in calls[1]


def test_the_timeout_covers_every_window(corpus_store):
    with OxigraphStore.open(corpus_store, read_only=True) as store:
        bound = bind(QUERIES["items-per-place"], {"page_size": "1000"}, extra_row=True)
        with pytest.raises(QueryTimeout):
            run_saved(runner(store), bound, timeout=1e-9)


def test_the_comparisons_have_rows_to_compare(seed_store, corpus_store):
    """The page checks above mean something only where the national view has rows."""
    empty = []
    for name in PLACE_KEYED:
        bound = bind(QUERIES[name], {"page_size": "1000"})
        counts = []
        for path in (seed_store, corpus_store):
            with OxigraphStore.open(path, read_only=True) as store:
                counts.append(len(execute(store, bound.text, substitutions=bound.substitutions).bindings))
        if not any(counts):
            empty.append(name)
    assert empty == []
