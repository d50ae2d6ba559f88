"""The query service against a real store: results, caps, parameters, datasets, timeouts."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pyoxigraph
import pytest

from gongkai.errors import GongkaiError
from gongkai.namespaces import sparql_prefixes
from gongkai.query_service import (
    QueryOutcome,
    QueryRefused,
    QueryService,
    QuerySyntaxError,
    QueryTimeout,
    execute,
    term_from_json,
    term_to_json,
)
from gongkai.remote import RemoteQueryService, RemoteStore
from gongkai.store import OxigraphStore, atomic_build

P = sparql_prefixes()
CATALOG = "https://w3id.org/gongkai/catalog/"
YINING = CATALOG + "654002/social-insurance"
ARXAN = CATALOG + "152202/social-insurance"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
COUNT_ITEMS = P + "SELECT (COUNT(?i) AS ?n) WHERE { ?i a gk:DisclosureItem }"
ITEMS_PER_GRAPH = (
    P + "SELECT ?g (COUNT(?i) AS ?n) WHERE { GRAPH ?g { ?i a gk:DisclosureItem } } GROUP BY ?g"
)
TITLE = "工伤协议医疗机构的确认"  # an item of the 阿尔山市 catalog (listed twice there)
# every triple joined with every other, three times over: ~2e15 combinations
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def service(seed_store: Path):
    with QueryService(seed_store, timeout=30, workers=2) as running:
        yield running


def count(outcome: QueryOutcome) -> int:
    return int(outcome.bindings[0]["n"]["value"])


def per_graph(outcome: QueryOutcome) -> dict[str, int]:
    return {row["g"]["value"]: int(row["n"]["value"]) for row in outcome.bindings}


# --------------------------------------------------------------------------- forms


def test_select(service: QueryService) -> None:
    outcome = service.run(COUNT_ITEMS)
    assert outcome.form == "SELECT"
    assert outcome.variables == ["n"]
    assert outcome.bindings == [{"n": {"type": "literal", "value": "148", "datatype": XSD_INTEGER}}]
    assert outcome.boolean is None and outcome.ntriples is None
    assert outcome.truncated is False
    assert outcome.elapsed > 0


def test_select_items_per_city(service: QueryService) -> None:
    outcome = service.run(
        P
        + """SELECT ?code ?name (COUNT(?i) AS ?n) WHERE {
            ?i a gk:DisclosureItem ; gk:inCatalog/dct:spatial ?place .
            ?place gk:divisionCode ?code ; skos:prefLabel ?name FILTER(LANG(?name) = "zh")
        } GROUP BY ?code ?name ORDER BY ?code"""
    )
    assert outcome.variables == ["code", "name", "n"]
    rows = [(r["code"]["value"], r["name"], count_of(r)) for r in outcome.bindings]
    assert rows == [
        ("152202", {"type": "literal", "value": "阿尔山市", "xml:lang": "zh"}, 67),
        ("654002", {"type": "literal", "value": "伊宁市", "xml:lang": "zh"}, 81),
    ]


def count_of(row: dict[str, dict]) -> int:
    return int(row["n"]["value"])


def test_unbound_variables_are_left_out_of_a_row(service: QueryService) -> None:
    outcome = service.run(P + "SELECT ?i ?nothing WHERE { ?i a gk:DisclosureItem } LIMIT 1")
    assert outcome.variables == ["i", "nothing"]
    assert list(outcome.bindings[0]) == ["i"]
    assert outcome.bindings[0]["i"]["type"] == "uri"


def test_ask(service: QueryService) -> None:
    yes = service.run(P + 'ASK { ?place skos:prefLabel "伊宁市"@zh }')
    assert (yes.form, yes.boolean, yes.variables, yes.bindings) == ("ASK", True, [], [])
    no = service.run(P + 'ASK { ?place skos:prefLabel "北京市"@zh }')
    assert no.boolean is False


def test_construct(service: QueryService) -> None:
    outcome = service.run(
        P + "CONSTRUCT { ?i gk:inCatalog ?c } WHERE { ?i a gk:DisclosureItem ; gk:inCatalog ?c }"
    )
    assert outcome.form == "CONSTRUCT"
    assert outcome.boolean is None and outcome.bindings == [] and not outcome.truncated
    triples = list(pyoxigraph.parse(outcome.ntriples, format=pyoxigraph.RdfFormat.N_TRIPLES))
    assert len(triples) == 148
    assert sum(1 for t in triples if t.object.value == YINING) == 81


def test_describe(service: QueryService) -> None:
    outcome = service.run(
        P + f'DESCRIBE ?i WHERE {{ ?i a gk:DisclosureItem ; dct:title "{TITLE}"@zh }}'
    )
    assert outcome.form == "DESCRIBE"
    lines = outcome.ntriples.splitlines()
    assert len(lines) == len(set(lines)) > 0  # a graph: no duplicate triples
    assert f'<http://purl.org/dc/terms/title> "{TITLE}"@zh .' in outcome.ntriples
    assert "<https://w3id.org/gongkai/ontology#DisclosureItem> ." in outcome.ntriples


# --------------------------------------------------------------------------- row cap


def test_row_cap_truncates_a_select(service: QueryService) -> None:
    items = P + "SELECT ?i WHERE { ?i a gk:DisclosureItem }"
    capped = service.run(items, max_rows=10)
    assert len(capped.bindings) == 10 and capped.truncated is True
    exact = service.run(items, max_rows=148)
    assert len(exact.bindings) == 148 and exact.truncated is False
    one_short = service.run(items, max_rows=145)
    assert len(one_short.bindings) == 145 and one_short.truncated is True


def test_row_cap_truncates_a_construct(service: QueryService) -> None:
    query = P + "CONSTRUCT { ?i a gk:DisclosureItem } WHERE { ?i a gk:DisclosureItem }"
    capped = service.run(query, max_rows=10)
    assert len(capped.ntriples.splitlines()) == 10 and capped.truncated is True
    whole = service.run(query, max_rows=148)
    assert len(whole.ntriples.splitlines()) == 148 and whole.truncated is False


def test_service_default_row_cap(seed_store: Path) -> None:
    with QueryService(seed_store, max_rows=5, workers=1) as small:
        outcome = small.run(P + "SELECT ?i WHERE { ?i a gk:DisclosureItem }")
    assert len(outcome.bindings) == 5 and outcome.truncated


def test_bad_row_cap(service: QueryService) -> None:
    with pytest.raises(ValueError):
        service.run(COUNT_ITEMS, max_rows=0)


# --------------------------------------------------------------------------- substitutions


def test_substitution_binds_a_literal(service: QueryService) -> None:
    query = P + "SELECT ?i ?title WHERE { ?i a gk:DisclosureItem ; dct:title ?title }"
    title = {"type": "literal", "value": TITLE, "xml:lang": "zh"}
    outcome = service.run(query, substitutions={"title": title})
    assert len(outcome.bindings) >= 1
    assert all("/item/152202/" in row["i"]["value"] for row in outcome.bindings)


def test_substitution_is_never_spliced_into_the_text(service: QueryService) -> None:
    query = P + "SELECT ?i ?title WHERE { ?i a gk:DisclosureItem ; dct:title ?title }"
    for value in ['" } ; DROP ALL #', '"@zh } } UNION { ?i ?p ?o } #', "x' } #"]:
        hostile = {"type": "literal", "value": value, "xml:lang": "zh"}
        assert service.run(query, substitutions={"?title": hostile}).bindings == []
    assert count(service.run(COUNT_ITEMS)) == 148
    assert len(per_graph(service.run(ITEMS_PER_GRAPH))) == 2


def test_substitution_binds_an_iri_and_a_typed_literal(service: QueryService) -> None:
    # SEP-0007 as pyoxigraph implements it: a SELECT must project the bound variable
    query = P + (
        "SELECT ?catalog (COUNT(?i) AS ?n) WHERE { ?i gk:inCatalog ?catalog } GROUP BY ?catalog"
    )
    outcome = service.run(query, substitutions={"catalog": {"type": "uri", "value": YINING}})
    assert outcome.bindings == [
        {
            "catalog": {"type": "uri", "value": YINING},
            "n": {"type": "literal", "value": "81", "datatype": XSD_INTEGER},
        }
    ]
    days = {"type": "literal", "value": "20", "datatype": XSD_INTEGER}
    query = P + "SELECT ?i ?days WHERE { ?i gk:timeLimitWorkingDays ?days }"
    assert len(service.run(query, substitutions={"days": days}).bindings) > 0
    as_string = {"type": "literal", "value": "20"}  # a different term: matches nothing
    assert service.run(query, substitutions={"days": as_string}).bindings == []


def test_substituted_variable_must_be_projected(service: QueryService) -> None:
    query = P + "SELECT (COUNT(?i) AS ?n) WHERE { ?i gk:inCatalog ?catalog }"
    with pytest.raises(ValueError, match="projection"):
        service.run(query, substitutions={"catalog": {"type": "uri", "value": YINING}})
    assert count(service.run(COUNT_ITEMS)) == 148


def test_substitution_in_ask_and_construct(service: QueryService) -> None:
    catalog = {"catalog": {"type": "uri", "value": YINING}}
    assert service.run(P + "ASK { ?i gk:inCatalog ?catalog }", substitutions=catalog).boolean
    outcome = service.run(
        P + "CONSTRUCT { ?i gk:inCatalog ?catalog } WHERE { ?i gk:inCatalog ?catalog }",
        substitutions=catalog,
    )
    assert len(outcome.ntriples.splitlines()) == 81


def test_bad_substitution_is_a_value_error(service: QueryService) -> None:
    with pytest.raises(ValueError, match="catalog"):
        service.run(COUNT_ITEMS, substitutions={"catalog": {"type": "uri", "value": "not an iri"}})
    with pytest.raises(ValueError):
        service.run(COUNT_ITEMS, substitutions={"x": {"type": "nonsense", "value": "1"}})


def test_terms_round_trip() -> None:
    terms = [
        {"type": "uri", "value": YINING},
        {"type": "bnode", "value": "b0"},
        {"type": "literal", "value": "伊宁市"},
        {"type": "literal", "value": "伊宁市", "xml:lang": "zh"},
        {"type": "literal", "value": "5", "datatype": XSD_INTEGER},
    ]
    for term in terms:
        assert term_to_json(term_from_json(term)) == term


# --------------------------------------------------------------------------- datasets


def test_default_dataset_is_the_union(service: QueryService) -> None:
    assert count(service.run(COUNT_ITEMS)) == 148
    assert per_graph(service.run(ITEMS_PER_GRAPH)) == {ARXAN: 67, YINING: 81}


def test_protocol_default_graphs(service: QueryService) -> None:
    assert count(service.run(COUNT_ITEMS, default_graphs=[YINING])) == 81
    assert count(service.run(COUNT_ITEMS, default_graphs=[ARXAN, YINING])) == 148
    # the protocol's dataset is exactly what it names: no named graphs here
    assert service.run(ITEMS_PER_GRAPH, default_graphs=[YINING]).bindings == []


def test_protocol_named_graphs(service: QueryService) -> None:
    assert per_graph(service.run(ITEMS_PER_GRAPH, named_graphs=[ARXAN])) == {ARXAN: 67}
    # named graphs alone: the default graph is empty
    assert count(service.run(COUNT_ITEMS, named_graphs=[ARXAN])) == 0


def test_from_and_from_named_in_the_query(service: QueryService) -> None:
    from_yining = COUNT_ITEMS.replace("WHERE", f"FROM <{YINING}> WHERE")
    assert count(service.run(from_yining)) == 81
    prefixed = (
        P
        + "PREFIX cat: <"
        + CATALOG
        + ">\n"
        + (
            "SELECT (COUNT(?i) AS ?n) FROM cat:152202\\/social-insurance "
            "WHERE { ?i a gk:DisclosureItem }"
        )
    )
    assert count(service.run(prefixed)) == 67
    named = ITEMS_PER_GRAPH.replace("WHERE", f"FROM NAMED <{YINING}> WHERE")
    assert per_graph(service.run(named)) == {YINING: 81}
    # the protocol's parameters override the query's FROM
    assert count(service.run(from_yining, default_graphs=[ARXAN])) == 67


def test_unknown_graph_is_empty_never_fetched(service: QueryService) -> None:
    query = COUNT_ITEMS.replace("WHERE", "FROM <http://example.org/remote.ttl> WHERE")
    assert count(service.run(query)) == 0


def test_base_iri_resolves_relative_iris(service: QueryService) -> None:
    query = "CONSTRUCT { <s> <p> 1 } WHERE {}"
    outcome = service.run(query, base_iri="http://example.org/sparql")
    assert outcome.ntriples == (
        f'<http://example.org/s> <http://example.org/p> "1"^^<{XSD_INTEGER}> .\n'
    )
    with pytest.raises(QuerySyntaxError):
        service.run(query)


def test_bad_graph_iri_is_a_value_error(service: QueryService) -> None:
    with pytest.raises(ValueError, match="graph IRI"):
        service.run(COUNT_ITEMS, default_graphs=["not an iri"])


# --------------------------------------------------------------------------- refusals, errors


def test_guard_runs_first(service: QueryService) -> None:
    with pytest.raises(QueryRefused) as caught:
        service.run("DROP ALL")
    assert caught.value.status == 400
    with pytest.raises(QueryRefused, match="SERVICE"):
        service.run("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    with pytest.raises(QueryRefused) as caught:
        service.run("SELECT * WHERE { ?s ?p ?o } #" + "x" * 20_000)
    assert caught.value.status == 413
    assert count(service.run(COUNT_ITEMS)) == 148


def test_syntax_error_carries_the_engine_message(service: QueryService) -> None:
    bad = "SELECT * WHERE { ?s ?p ?o "
    with pytest.raises(SyntaxError) as engine:
        pyoxigraph.Store().query(bad)
    with pytest.raises(QuerySyntaxError) as caught:
        service.run(bad)
    assert caught.value.message == str(engine.value) == str(caught.value)
    assert "error at 1:" in caught.value.message
    assert count(service.run(COUNT_ITEMS)) == 148


def test_missing_or_empty_store_is_a_gongkai_error(tmp_path: Path) -> None:
    with pytest.raises(GongkaiError, match="does not exist"):
        QueryService(tmp_path / "nothing-here")
    (tmp_path / "empty").mkdir()
    with pytest.raises(GongkaiError, match="empty"):
        QueryService(tmp_path / "empty")


@pytest.mark.parametrize("workers", [0, -1])
def test_both_services_refuse_the_same_arguments(tmp_path: Path, workers: int) -> None:
    """The embedded and the remote service share one argument check (checked before
    anything is opened, so neither a store nor a server is needed here)."""
    with pytest.raises(ValueError, match="^workers must be at least 1$"):
        QueryService(tmp_path / "nothing-here", workers=workers)
    with pytest.raises(ValueError, match="^workers must be at least 1$"):
        RemoteQueryService(RemoteStore("http://127.0.0.1:9/query"), workers=workers)


def test_closed_service_refuses_work(seed_store: Path) -> None:
    running = QueryService(seed_store, workers=1)
    pids = running.worker_pids()
    running.close()
    running.close()  # idempotent
    with pytest.raises(GongkaiError, match="closed"):
        running.run(COUNT_ITEMS)
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


# --------------------------------------------------------------------------- in-process


def test_execute_in_process_matches_the_pool(service: QueryService, seed_store: Path) -> None:
    with OxigraphStore.open(seed_store) as store:
        local = execute(store, ITEMS_PER_GRAPH)
        assert per_graph(local) == per_graph(service.run(ITEMS_PER_GRAPH))
        from_yining = COUNT_ITEMS.replace("WHERE", f"FROM <{YINING}> WHERE")
        assert count(execute(store, from_yining)) == 81
        capped = execute(store, P + "SELECT ?i WHERE { ?i a gk:DisclosureItem }", max_rows=3)
        assert len(capped.bindings) == 3 and capped.truncated
        with pytest.raises(QueryRefused):
            execute(store, "CLEAR ALL")
        with pytest.raises(QuerySyntaxError):
            execute(store, "SELECT")


# --------------------------------------------------------------------------- rebuilds


def _build(path: Path, names: list[str]) -> None:
    def fill(store: pyoxigraph.Store) -> None:
        graph = pyoxigraph.NamedNode("http://example.org/g")
        for name in names:
            store.add(
                pyoxigraph.Quad(
                    pyoxigraph.NamedNode(f"http://example.org/{name}"),
                    pyoxigraph.NamedNode("http://example.org/p"),
                    pyoxigraph.Literal(name),
                    graph,
                )
            )

    atomic_build(path, fill)


def test_workers_reopen_a_rebuilt_store(tmp_path: Path) -> None:
    store = tmp_path / "store"
    _build(store, ["a", "b"])
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    with QueryService(store, workers=1) as small:
        assert count(small.run(query)) == 2
        _build(store, ["a", "b", "c"])
        assert count(small.run(query)) == 3


# --------------------------------------------------------------------------- timeouts


def test_timeout_kills_the_query_and_others_are_still_served(seed_store: Path) -> None:
    with QueryService(seed_store, workers=2) as pool:
        assert count(pool.run(COUNT_ITEMS)) == 148  # workers up
        pids_before = set(pool.worker_pids())
        heavy: dict[str, object] = {}

        def run_heavy() -> None:
            start = time.monotonic()
            try:
                pool.run(HEAVY, timeout=1.5)
                heavy["error"] = None
            except Exception as exc:  # noqa: BLE001 - recorded and asserted below
                heavy["error"] = exc
            heavy["took"] = time.monotonic() - start
            heavy["done"] = time.monotonic()

        thread = threading.Thread(target=run_heavy)
        thread.start()
        time.sleep(0.3)  # the heavy query is running in one worker now
        simple = pool.run(COUNT_ITEMS, timeout=10)
        simple_done = time.monotonic()
        thread.join(30)
        assert not thread.is_alive()

        assert count(simple) == 148
        assert isinstance(heavy["error"], QueryTimeout), heavy["error"]
        assert 1.5 <= heavy["took"] <= 4.0
        assert simple_done < heavy["done"]  # answered while the heavy query still ran

        # the overrunning worker is gone (its work really stopped) and was replaced
        pids_after = set(pool.worker_pids())
        assert len(pids_after) == 2
        killed = pids_before - pids_after
        assert len(killed) == 1
        with pytest.raises(ProcessLookupError):
            os.kill(killed.pop(), 0)

        # and the service keeps working, on both workers at once
        results: list[int] = []
        threads = [
            threading.Thread(target=lambda: results.append(count(pool.run(COUNT_ITEMS))))
            for _ in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert results == [148] * 4


def test_waiting_for_a_worker_counts_toward_the_timeout(seed_store: Path) -> None:
    with QueryService(seed_store, workers=1) as single:
        assert count(single.run(COUNT_ITEMS)) == 148
        thread = threading.Thread(
            target=lambda: pytest.raises(QueryTimeout, single.run, HEAVY, timeout=3)
        )
        thread.start()
        time.sleep(0.3)
        start = time.monotonic()
        with pytest.raises(QueryTimeout, match="no query worker"):
            single.run(COUNT_ITEMS, timeout=0.5)
        assert time.monotonic() - start < 2.5
        thread.join(30)
        assert count(single.run(COUNT_ITEMS)) == 148
