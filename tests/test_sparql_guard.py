"""The pre-flight check: what it refuses, what it must never mistake for a keyword."""

from __future__ import annotations

import pyoxigraph
import pytest

from gongkai.namespaces import sparql_prefixes
from gongkai.sparql_guard import (
    NO_FORM_MESSAGE,
    READ_ONLY_MESSAGE,
    SERVICE_MESSAGE,
    QueryInfo,
    QueryRefused,
    inspect_query,
)


def refused(text: str, **kwargs) -> QueryRefused:
    with pytest.raises(QueryRefused) as caught:
        inspect_query(text, **kwargs)
    return caught.value


# --------------------------------------------------------------------------- forms


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
        ("select ?s { ?s ?p ?o }", "SELECT"),
        ("ASK { ?s ?p ?o }", "ASK"),
        ("ask{}", "ASK"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("Describe <http://example.org/x>", "DESCRIBE"),
        ("PREFIX ex: <http://example.org/>\nBASE <http://b/>\nASK { ex:a ex:b ex:c }", "ASK"),
        # the outer form counts, not a sub-select
        ("CONSTRUCT { ?s ?p ?o } WHERE { { SELECT ?s WHERE { ?s ?p ?o } } }", "CONSTRUCT"),
        (sparql_prefixes() + "SELECT ?i WHERE { ?i a gk:DisclosureItem }", "SELECT"),
    ],
)
def test_query_forms(text: str, form: str) -> None:
    assert inspect_query(text).form == form


@pytest.mark.parametrize(
    "text",
    ["", "   ", "# SELECT only in a comment", '"SELECT"', "PREFIX ex: <http://e/>", "{ ?s ?p ?o }"],
)
def test_no_query_form_is_refused(text: str) -> None:
    error = refused(text)
    assert error.status == 400
    assert error.message == NO_FORM_MESSAGE


# --------------------------------------------------------------------------- length


def test_over_long_query_is_413_and_names_the_limit() -> None:
    text = "SELECT * WHERE { ?s ?p ?o } # " + "x" * 20_000
    error = refused(text)
    assert error.status == 413
    assert "20,000" in error.message
    assert str(error) == error.message
    assert inspect_query("SELECT * {}" + " " * 89, max_length=100).form == "SELECT"
    assert refused("SELECT * {}" + " " * 90, max_length=100).status == 413


# --------------------------------------------------------------------------- update


@pytest.mark.parametrize(
    "text",
    [
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "insert data { <http://a> <http://b> <http://c> }",
        "DELETE DATA { <http://a> <http://b> <http://c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "WITH <http://g> DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
        "LOAD <http://example.org/data.ttl>",
        "LOAD SILENT <http://example.org/data.ttl> INTO GRAPH <http://g>",
        "CLEAR ALL",
        "CREATE GRAPH <http://g>",
        "DROP ALL",
        "drop graph <http://g>",
        "COPY <http://a> TO <http://b>",
        "MOVE DEFAULT TO <http://b>",
        "ADD <http://a> TO <http://b>",
        "PREFIX ex: <http://e/> INSERT DATA { ex:a ex:b ex:c }",
        # a query form does not excuse an update smuggled after it
        "SELECT * WHERE { ?s ?p ?o } ; DROP ALL",
        "SELECT * WHERE { ?s ?p ?o }\nDROP ALL",
        'ASK { ?s ?p "x" } DELETE WHERE { ?s ?p ?o }',
    ],
)
def test_update_is_refused(text: str) -> None:
    error = refused(text)
    assert error.status == 400
    assert error.message == READ_ONLY_MESSAGE
    assert READ_ONLY_MESSAGE == "this endpoint is read-only: SPARQL Update is not accepted"


# --------------------------------------------------------------------------- SERVICE


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { service silent <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?x ?y ?z SERVICE ?endpoint { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o.SERVICE <http://e/>{} }",  # '.' ends the triple
        "SELECT*{SERVICE<http://169.254.169.254/>{?s?p?o}}",
        'SELECT * WHERE { ?s ?p "a" SERVICE <http://e/> { } }',
        "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3) SERVICE <http://e/> { } FILTER(?o > 1) }",
        "SELECT * WHERE { FILTER(?a<?b) SERVICE<http://e/>{?s ?p ?o} FILTER(?c>?d) }",
        'SELECT * WHERE { ?s ?p "" SERVICE <http://e/> {} }',
        # the engine needs no space before a keyword: all of these call the service
        "SELECT * WHERE { ?s ?p 9SERVICE <http://e/> {} }",
        "SELECT * WHERE { ?s ?p 1.SERVICE <http://e/> {} }",
        "SELECT * WHERE { ?s ?p 1.5SERVICE <http://e/> {} }",
        "SELECT * WHERE { ?s ?p 1e5.SERVICE <http://e/> {} }",
        "SELECT * WHERE { ?s ?p trueSERVICE <http://e/> {} }",
        "SELECT * WHERE { ?s ?p true.SERVICE <http://e/> {} }",
        'SELECT * WHERE { ?s ?p "x"SERVICE <http://e/> {} }',
        'SELECT * WHERE { ?s ?p "x"@enSERVICE <http://e/> {} }',
        "SELECT * WHERE { ?s ?p ?o BIND(1 AS ?x)SERVICE <http://e/> {} }",
        # ... and a keyword glued to a prefixed name: SERVICE then ":x"
        "PREFIX : <http://127.0.0.1/> SELECT * WHERE { ?s ?p ?o . SERVICE:x {} }",
        "PREFIX ex: <http://127.0.0.1/> SELECT * WHERE { ?s ?p trueSERVICEex:x {} }",
        # an unterminated long string is read as '' and then ' by the engine
        "SELECT * WHERE { VALUES ?x { '" + "''x' } SERVICE <http://e/> {} }",
        'SELECT * WHERE { VALUES ?x { "' + '""x" } SERVICE <http://e/> {} }',
    ],
)
def test_service_is_refused(text: str) -> None:
    error = refused(text)
    assert error.status == 400
    assert error.message == SERVICE_MESSAGE
    assert SERVICE_MESSAGE == "SERVICE is disabled: this endpoint never fetches remote data"


# --------------------------------------------------------------------------- false positives


TRAPS = [
    'SELECT * WHERE { ?s ?p "SERVICE" }',
    "SELECT * WHERE { ?s ?p 'DROP ALL' }",
    'SELECT * WHERE { ?s ?p """multi\nline DELETE WHERE { ?s ?p ?o }\n INSERT""" }',
    "SELECT * WHERE { ?s ?p '''it's ''quoted'' SERVICE <http://e/> {}''' }",
    r'SELECT * WHERE { ?s ?p "escaped \" SERVICE <http://e/> {} \\" }',
    r"SELECT * WHERE { ?s ?p 'escaped \' DROP ALL' }",
    'SELECT * WHERE { ?s ?p "CLEAR"@en , "LOAD"^^<http://www.w3.org/2001/XMLSchema#string> }',
    "SELECT * WHERE { ?s <http://x/insert> <http://x/SERVICE#delete> }",
    "SELECT * WHERE { ?s <http://example.org/drop/all> ?o }",
    "SELECT * WHERE { ?s ?p ?o } # DELETE WHERE { ?s ?p ?o }",
    "# SERVICE <http://e/>\nSELECT * WHERE { ?s ?p ?o }",
    "SELECT ?service ?insert $delete ?drop ?load ?clear ?create ?copy ?move ?add "
    "WHERE { ?service ?insert ?delete }",
    "PREFIX drop: <http://e/drop#> PREFIX ex: <http://e/> PREFIX : <http://e/>\n"
    "SELECT * WHERE { ?s drop:all ex:service . ?s :insert _:delete }",
    "PREFIX cpsv: <http://purl.org/vocab/cpsv#> SELECT * WHERE { ?s a cpsv:PublicService }",
    "PREFIX ex: <http://e/> SELECT * WHERE { ?s ?p ex:a.SERVICE }  # one name, read greedily",
    "PREFIX ex: <http://e/> SELECT * WHERE { ?s ?p ex:SERVICE\\.x }",
    "PREFIX ex: <http://e/> SELECT * WHERE { ?s ex:DELETE ex:service }",
    "PREFIX ex: <http://e/> SELECT * WHERE { ?s ex:a\\#b ?o } # the escaped '#' is not a comment",
    "PREFIX ex: <http://e/> SELECT * WHERE { ?s ex:it\\'s ?o }  # nor is the quote a string",
    'SELECT * WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), "INSERT")) }',
    "SELECT * WHERE { ?s <http://x/\\u0041/insert> ?o }",
    "SELECT (COUNT(*) AS ?addCount) WHERE { ?s ?p ?o }",
]


@pytest.mark.parametrize("text", TRAPS)
def test_words_in_strings_iris_comments_names_are_ignored(text: str) -> None:
    assert inspect_query(text).form == "SELECT"


@pytest.mark.parametrize("text", TRAPS)
def test_traps_are_queries_the_engine_accepts(text: str) -> None:
    """So the guard is shown to let real, valid queries through (not just odd text)."""
    pyoxigraph.Store().query(text)


def test_unterminated_short_string_hides_the_rest_of_its_line() -> None:
    # no reading of it is valid SPARQL, so the engine refuses the query anyway
    assert inspect_query('SELECT * WHERE { ?s ?p "unterminated SERVICE <x> {} }').form == "SELECT"
    assert inspect_query("SELECT * WHERE { ?s ?p '''never closed DROP ALL").form == "SELECT"


def test_a_prefix_named_like_service_is_refused_deliberately() -> None:
    # "service:x" can reach the engine as the keyword SERVICE and the name ":x"
    text = "PREFIX service: <http://e/> SELECT * WHERE { ?s ?p service:x }"
    assert refused(text).message == SERVICE_MESSAGE


def test_service_refusals_agree_with_the_engine() -> None:
    """Differential check: wherever pyoxigraph would evaluate SERVICE, the guard refused.

    The endpoint is 127.0.0.1 port 9, which the engine refuses to contact, so reaching
    SERVICE shows as an immediate error and nothing goes over the network.
    """
    store = pyoxigraph.Store()
    data = '<http://a> <http://p> 9, 1.5, 1e5, true, "x", "x"@en, <http://a>, <http://e/a> .'
    store.load(data, format=pyoxigraph.RdfFormat.TURTLE)
    objects = ["9", "1.5", "1e5", "true", '"x"', '"x"@en', "ex:a", "<http://a>", "_:b", "?o"]
    long_open = "'" * 3  # unterminated: read as '' then a new string
    objects += ["ex:a.", "'x'", f"?x VALUES ?x {{ {long_open}x' }}"]
    separators = ["", " ", ".", "\n", "#c\n", ";", "}"]
    services = ["SERVICE <http://127.0.0.1:9/> {}", "service silent<http://127.0.0.1:9/>{}"]
    services += ["SERVICE:x {}"]
    reached = 0
    for obj in objects:
        for separator in separators:
            for service in services:
                text = (
                    "PREFIX ex: <http://e/> PREFIX : <http://127.0.0.1:9/>\n"
                    f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ ?s ?p {obj}{separator}{service} }} }}"
                )
                try:
                    list(store.query(text))
                    continue
                except SyntaxError:
                    continue
                except (OSError, RuntimeError):
                    reached += 1  # the engine got as far as calling the service
                with pytest.raises(QueryRefused):
                    inspect_query(text)
    assert reached > 100  # the check exercised the engine, not only its syntax errors


def test_error_is_an_exception_with_message_and_status() -> None:
    error = QueryRefused("nope", 418)
    assert isinstance(error, Exception)
    assert (error.message, error.status, str(error)) == ("nope", 418, "nope")
    assert QueryRefused("x").status == 400


# --------------------------------------------------------------------------- FROM


def test_from_and_from_named_iris() -> None:
    info = inspect_query(
        "SELECT * FROM <http://example.org/g1> FROM NAMED <http://example.org/g2>\n"
        "FROM <http://example.org/g3> WHERE { ?s ?p ?o }"
    )
    assert info == QueryInfo(
        form="SELECT",
        from_graphs=("http://example.org/g1", "http://example.org/g3"),
        from_named_graphs=("http://example.org/g2",),
    )


def test_no_from_gives_empty_tuples() -> None:
    info = inspect_query("SELECT * WHERE { GRAPH <http://g> { ?s ?p ?o } }")
    assert info.from_graphs == () and info.from_named_graphs == ()


def test_from_with_prefixed_names() -> None:
    info = inspect_query(
        "PREFIX cat: <https://w3id.org/gongkai/catalog/>\n"
        "prefix : <http://example.org/>\n"
        "SELECT * FROM cat:654002\\/social-insurance from named :g2 FROM NAMED cat:x\n"
        "WHERE { ?s ?p ?o }"
    )
    assert info.from_graphs == ("https://w3id.org/gongkai/catalog/654002/social-insurance",)
    assert info.from_named_graphs == ("http://example.org/g2", "https://w3id.org/gongkai/catalog/x")


def test_an_escaped_dot_may_end_a_graph_name_as_the_engine_reads_it() -> None:
    query = "PREFIX ex: <http://e/> SELECT ?g FROM NAMED ex:a\\. WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert inspect_query(query).from_named_graphs == ("http://e/a.",)
    store = pyoxigraph.Store()
    e = pyoxigraph.NamedNode
    store.add(pyoxigraph.Quad(e("http://e/s"), e("http://e/p"), e("http://e/o"), e("http://e/a.")))
    assert [row["g"] for row in store.query(query)] == [e("http://e/a.")]


def test_from_resolved_against_base() -> None:
    info = inspect_query(
        "BASE <https://w3id.org/gongkai/>\nPREFIX c: <catalog/>\n"
        "SELECT * FROM <graph/vocabulary> FROM NAMED c:a WHERE { ?s ?p ?o }"
    )
    assert info.from_graphs == ("https://w3id.org/gongkai/graph/vocabulary",)
    assert info.from_named_graphs == ("https://w3id.org/gongkai/catalog/a",)


def test_from_with_unicode_escape_in_iri() -> None:
    info = inspect_query("ASK FROM <http://example.org/\\u00E9> { }")
    assert info.from_graphs == ("http://example.org/\u00e9",)


def test_from_inside_strings_or_comments_is_not_a_dataset() -> None:
    info = inspect_query(
        'SELECT * WHERE { ?s ?p "FROM <http://evil/>" } # FROM NAMED <http://evil2/>'
    )
    assert info.from_graphs == () and info.from_named_graphs == ()


def test_construct_and_describe_take_from_too() -> None:
    info = inspect_query("DESCRIBE ?s FROM <http://g> WHERE { ?s ?p ?o }")
    assert info.form == "DESCRIBE" and info.from_graphs == ("http://g",)
    info = inspect_query("CONSTRUCT { ?s ?p ?o } FROM NAMED <http://n> WHERE { ?s ?p ?o }")
    assert info.form == "CONSTRUCT" and info.from_named_graphs == ("http://n",)


def test_from_resolved_against_the_given_base_iri() -> None:
    info = inspect_query(
        "SELECT * FROM <g1> FROM NAMED <sub/g2> WHERE { ?s ?p ?o }",
        base_iri="http://example.org/sparql",
    )
    assert info.from_graphs == ("http://example.org/g1",)
    assert info.from_named_graphs == ("http://example.org/sub/g2",)
    # the query's own BASE is resolved against the given one and then wins
    info = inspect_query("BASE <other/> ASK FROM <g> { }", base_iri="http://example.org/a/b")
    assert info.from_graphs == ("http://example.org/a/other/g",)
