"""Parameters as VALUES (gongkai.prebind): the same answers as pyoxigraph's substitutions.

What a remote server gets instead of ``substitutions`` is checked on the embedded store
itself: every saved query and every page query of the web app, bound both ways.
"""

from __future__ import annotations

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Store

from gongkai.namespaces import sparql_prefixes
from gongkai.prebind import has_relative_iri, prebind
from gongkai.query_service import execute, term_from_json
from gongkai.saved_queries import bind, load_queries
from gongkai.store import OxigraphStore
from tests.outcomes import canonical, order_keys
from webapp import pages, resources

BASE = "https://w3id.org/gongkai/"


@pytest.fixture(scope="module")
def store(seed_store):
    with OxigraphStore.open(seed_store) as opened:
        yield opened




def same_both_ways(store, sparql: str, substitutions: dict[str, dict]) -> int:
    bound = execute(store, sparql, substitutions=substitutions, max_rows=100_000)
    terms = {name: term_from_json(term) for name, term in substitutions.items()}
    rewritten = execute(store, prebind(sparql, terms), max_rows=100_000)
    assert canonical(rewritten) == canonical(bound), sparql
    assert order_keys(sparql, rewritten) == order_keys(sparql, bound), sparql
    return len(bound.bindings) or len((bound.ntriples or "").splitlines())


def test_every_saved_query(store):
    rows = 0
    for query in load_queries().values():
        for arguments in ({}, query.example_arguments()):
            bound = bind(query, arguments)
            rows += same_both_ways(store, bound.text, bound.substitutions)
    assert rows > 500


PAGE_QUERIES = [
    (resources, name) for name in ("OUTGOING", "OBJECT_LABELS", "INCOMING", "INCOMING_COUNT", "GRAPHS",
                                    "GRAPH_SUMMARY", "GRAPH_SIZE", "PROVENANCE", "VALIDATION", "OTHER_PLACE",
                                    "DESCRIBE", "BACKLINKS")
]


@pytest.mark.parametrize(("module", "name"), PAGE_QUERIES, ids=[n for _, n in PAGE_QUERIES])
def test_every_page_query(store, module, name):
    item = execute(store, sparql_prefixes() + "SELECT ?i WHERE { ?i a gk:DisclosureItem } ORDER BY ?i LIMIT 1")
    law = execute(store, sparql_prefixes() + "SELECT ?l WHERE { ?i gk:legalBasis ?l } ORDER BY ?l LIMIT 1")
    for this in (
        {"type": "uri", "value": BASE + "catalog/654002/social-insurance"},
        item.bindings[0]["i"],
        law.bindings[0]["l"],
    ):
        same_both_ways(store, sparql_prefixes() + getattr(module, name), {"this": this})


def test_the_other_page_queries(store):
    catalog = {"type": "uri", "value": BASE + "catalog/654002/social-insurance"}
    dataset = {"type": "uri", "value": BASE + "dataset"}
    validation = {"type": "uri", "value": BASE + "graph/validation"}
    vocabulary = {"type": "uri", "value": BASE + "graph/vocabulary"}
    same_both_ways(store, sparql_prefixes() + resources.DESCRIBE_GRAPH, {"this": catalog, "dataset": dataset})
    for name in ("VALIDATION_COUNTS", "VALIDATION_CONFORMS", "VALIDATION_LABELS"):
        same_both_ways(store, sparql_prefixes() + getattr(pages, name), {"vg": validation})
    same_both_ways(store, sparql_prefixes() + pages.GRAPH_DUMP, {"this": validation})
    same_both_ways(store, sparql_prefixes() + pages.ONTOLOGY_TRIPLES, {"vg": vocabulary})


def test_sub_selects_see_the_value_only_when_they_project_it():
    text = prebind("SELECT ?x ?n WHERE { { SELECT ?x WHERE { ?x ?p ?o } LIMIT 1 } "
                   "{ SELECT (COUNT(*) AS ?n) WHERE { ?x ?q ?r } } }", {"x": NamedNode("http://a")})
    projected, hidden = text.split("{ SELECT (COUNT")
    assert projected.count("VALUES ?x") == 2  # the outer pattern and the projecting sub-SELECT's
    assert "VALUES" not in hidden
    wrapped = prebind("SELECT ?x ?n WHERE { SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o } }", {"x": Literal("v")})
    assert wrapped == ('SELECT ?x ?n WHERE { VALUES ?x { "v" } { SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o } } }')


def test_strings_comments_iris_and_values_blocks_are_not_patterns():
    sparql = ('SELECT ?x WHERE { # { ?x }\n  ?s <http://e/a?x> "{ ?x }" , """ } ?x { """ .\n'
              '  VALUES ?k { 1 2 } OPTIONAL { ?s ?p ?k } }')
    text = prebind(sparql, {"x": Literal("a\"b", language="zh")})
    assert text.count("VALUES ?x") == 1 and 'VALUES ?x { "a\\"b"@zh }' in text
    assert text.endswith('VALUES ?k { 1 2 } OPTIONAL { ?s ?p ?k } }')


def test_construct_forms():
    where = prebind("CONSTRUCT WHERE { ?s ?p ?o }", {"s": NamedNode("http://a")})
    assert where == "CONSTRUCT { ?s ?p ?o } WHERE { VALUES ?s { <http://a> }  ?s ?p ?o }"
    template = prebind("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", {"s": NamedNode("http://a")})
    assert template.startswith("CONSTRUCT { ?s ?p ?o } WHERE { VALUES ?s")


def test_what_cannot_be_bound():
    with pytest.raises(ValueError, match="projection does not contain"):
        prebind("SELECT ?a WHERE { ?s ?p ?o }", {"s": Literal("x")})
    with pytest.raises(ValueError, match="only IRIs and literals"):
        prebind("SELECT * WHERE { ?s ?p ?o }", {"s": BlankNode("b")})
    with pytest.raises(ValueError, match="no WHERE pattern"):
        prebind("DESCRIBE ?s", {"s": NamedNode("http://a")})
    assert prebind("SELECT * WHERE { ?s ?p ?o }", {}) == "SELECT * WHERE { ?s ?p ?o }"


def test_relative_iris_are_found():
    assert has_relative_iri("SELECT * WHERE { <s> ?p ?o }")
    assert has_relative_iri("SELECT * WHERE { <#x> ?p <> }")
    assert not has_relative_iri("SELECT * WHERE { <http://e/s> ?p ?o FILTER(?o < 3) } # <s>")
    assert not has_relative_iri('SELECT * WHERE { ?s ?p "<s>" }')


def test_escapes_in_names_and_iris_and_unterminated_long_strings():
    """Read as the engine (and the guard) reads them, by the shared scanner: a '#' or a
    quote escaped in a local name starts no comment or string, and an unterminated
    ''' hides nothing after its line."""
    sparql = "PREFIX ex: <http://e/>\nSELECT ?x WHERE { ?x ex:p ex:a\\#b , ex:c\\'d }"
    text = prebind(sparql, {"x": NamedNode("http://e/s")})
    assert text.endswith("{ VALUES ?x { <http://e/s> }  ?x ex:p ex:a\\#b , ex:c\\'d }")
    assert len(list(Store().query(text))) == 0  # valid SPARQL
    assert has_relative_iri("SELECT * WHERE { <\\u0073> ?p ?o }")
    # '''x' is '' then 'x' (not a string to the end): the braces still pair up; the
    # query is not valid SPARQL, which the server, not prebind, reports
    broken = "SELECT ?x WHERE { ?x ?p '''x'\n?x ?p ?o }"
    assert "VALUES ?x" in prebind(broken, {"x": NamedNode("http://e/s")})


def test_a_value_only_filtered_in_a_nested_group_is_written_into_the_filter():
    sparql = ("SELECT ?t ?x WHERE { ?x ?p ?o { { ?x ?q ?label FILTER (CONTAINS(?label, ?t)) } ?x ?r ?s } "
              "OPTIONAL { ?x ?q ?v BIND (?t AS ?copy) FILTER regex(?v, ?t) } }")
    text = prebind(sparql, {"t": Literal("a")})
    # the outermost pattern still binds it (the projection shows it); no nested group does
    assert text.count('VALUES ?t { "a" }') == 1 and text.startswith('SELECT ?t ?x WHERE { VALUES ?t { "a" }')
    assert 'FILTER (CONTAINS(?label, "a"))' in text
    assert 'BIND ("a" AS ?copy) FILTER regex(?v, "a")' in text
    assert len(list(Store().query(text))) == 0  # valid SPARQL


def test_a_value_a_nested_pattern_uses_is_bound_there_by_values():
    both = prebind("SELECT ?t WHERE { ?s ?p ?o { ?s ?q ?t FILTER (?t != ?o) } }", {"t": Literal("a")})
    assert both.count('VALUES ?t { "a" }') == 2 and "FILTER (?t != ?o)" in both
    exists = prebind("SELECT ?t WHERE { ?s ?p ?o FILTER NOT EXISTS { ?s ?q ?t } }", {"t": Literal("a")})
    assert exists.count('VALUES ?t { "a" }') == 2  # EXISTS { ... } is a pattern
    inside = prebind("SELECT ?t WHERE { ?s ?p ?o FILTER (EXISTS { ?s ?q ?t }) }", {"t": Literal("a")})
    assert inside.count('VALUES ?t { "a" }') == 2
    # a window of keys is never written into an expression (it stands for several values)
    window = prebind("SELECT ?k WHERE { ?s ?p ?o { ?s ?q ?v FILTER (?v = ?k) } }", {"k": [Literal("a"), Literal("b")]})
    assert window.count('VALUES ?k { "a" "b" }') == 2 and "FILTER (?v = ?k)" in window
    # a sub-SELECT that does not project it has a variable of its own by that name
    hidden = prebind("SELECT ?t WHERE { ?s ?p ?o { { SELECT ?s WHERE { ?s ?q ?t FILTER (?t > 1) } } } "
                     "{ ?s ?r ?v FILTER (?v = ?t) } }", {"t": Literal("a")})
    assert "FILTER (?t > 1)" in hidden and 'FILTER (?v = "a")' in hidden


def test_written_into_the_filter_it_finds_what_substitution_finds(store):
    sparql = sparql_prefixes() + """SELECT ?text ?item ?label WHERE {
      ?catalog a gk:Catalog .
      { { GRAPH ?catalog { ?item skos:prefLabel ?label } FILTER (CONTAINS(STR(?label), ?text)) } }
    } ORDER BY ?item"""
    assert 'CONTAINS(STR(?label), "养老")' in prebind(sparql, {"text": Literal("养老")})
    assert same_both_ways(store, sparql, {"text": {"type": "literal", "value": "养老"}}) > 5
