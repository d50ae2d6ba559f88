"""`/sparql`: the SPARQL 1.1 Protocol, query side, read-only.

GET, URL-encoded POST and direct POST; `default-graph-uri` / `named-graph-uri` from the
URL or the form body; results negotiated by Accept (q-values) or `?format=`, `Vary:
Accept`, 406 when nothing fits. Updates, SERVICE and over-long queries are refused
before anything runs; the query service enforces the timeout and the row cap. A GET
without a query returns the Service Description (RDF), or the editor to a browser.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request, url_for
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from gongkai.namespaces import sparql_prefixes
from gongkai.query_service import (
    QueryFailed,
    QueryOutcome,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
)
from gongkai.results import GRAPH_FORMATS, SOLUTION_FORMATS, serialize
from gongkai.sparql_guard import inspect_query
from webapp.data import GraphData
from webapp.negotiation import choose, prefers_html

bp = Blueprint("sparql", __name__)

SD = "http://www.w3.org/ns/sparql-service-description#"
TRUNCATED_HEADER = "X-Gongkai-Truncated"
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"


class ProtocolError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _data() -> GraphData:
    return current_app.extensions["gongkai"]


def _plain(status: int, message: str) -> Response:
    response = Response(message.rstrip("\n") + "\n", status=status, mimetype="text/plain")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _read_request() -> tuple[str | None, list[str], list[str]]:
    """(query, default graphs, named graphs) of a protocol request; ProtocolError if malformed."""
    args = request.args
    if request.method == "GET":
        if args.getlist("update"):
            raise ProtocolError(405, "SPARQL Update is not accepted: this endpoint is read-only (and updates never come by GET)")
        queries = args.getlist("query")
        default, named = args.getlist("default-graph-uri"), args.getlist("named-graph-uri")
    else:
        media_type = request.mimetype
        charset = (request.mimetype_params.get("charset") or "utf-8").lower()
        if media_type == UPDATE:
            raise ProtocolError(403, "SPARQL Update is not accepted: this endpoint is read-only")
        if media_type == FORM:
            form = request.form
            if form.getlist("update"):
                raise ProtocolError(403, "SPARQL Update is not accepted: this endpoint is read-only")
            queries = form.getlist("query") + args.getlist("query")
            default = form.getlist("default-graph-uri") + args.getlist("default-graph-uri")
            named = form.getlist("named-graph-uri") + args.getlist("named-graph-uri")
        elif media_type == DIRECT:
            if charset not in ("utf-8", "utf8"):
                raise ProtocolError(415, f"a direct POST must be UTF-8 encoded, not {charset}")
            try:
                queries = [request.get_data().decode("utf-8")]
            except UnicodeDecodeError:
                raise ProtocolError(400, "the query is not valid UTF-8") from None
            default, named = args.getlist("default-graph-uri"), args.getlist("named-graph-uri")
        else:
            raise ProtocolError(415, f"POST a query as {FORM} or {DIRECT}, not {media_type or 'no media type'}")
    if len(queries) > 1:
        raise ProtocolError(400, "more than one query given")
    return (queries[0] if queries else None), default, named


@bp.route("/sparql", methods=["GET", "POST"], strict_slashes=False)
def endpoint():
    try:
        query, default, named = _read_request()
    except ProtocolError as error:
        return _plain(error.status, error.message)
    data = _data()
    if query is None:
        if request.method == "GET" and prefers_html(request.headers.get("Accept")):
            return editor()
        return service_description()
    browser = prefers_html(request.headers.get("Accept")) and not request.values.get("format")
    base_iri = url_for("sparql.endpoint", _external=True)
    try:
        info = inspect_query(query, data.max_query_length, base_iri=base_iri)
    except QueryRefused as refused:
        return _plain(refused.status, refused.message)
    if not default and not named:
        remote = sorted(set(info.from_graphs + info.from_named_graphs) - set(_named_graphs()))
        if remote:
            return _plain(400, f"FROM <{remote[0]}>: this endpoint never loads remote data; "
                               "FROM and FROM NAMED may only name graphs of this store")
    offers = SOLUTION_FORMATS if info.form in ("SELECT", "ASK") else GRAPH_FORMATS
    fmt = None if browser else choose(request.headers.get("Accept"), offers, request.values.get("format"))
    if fmt is None and not browser:
        response = _plain(406, "none of the accepted media types is offered; offered: " + ", ".join(offers.values()))
        response.headers["Vary"] = "Accept"
        return response
    try:
        outcome = data.run(query, default_graphs=default or None, named_graphs=named or None, base_iri=base_iri)
    except QueryRefused as refused:
        return _plain(refused.status, refused.message)
    except QuerySyntaxError as error:
        return _plain(400, f"SPARQL syntax error: {error}")
    except QueryTimeout as error:
        return _plain(503, f"query timed out: {error}")
    except ValueError as error:
        return _plain(400, f"bad request: {error}")
    except QueryFailed as error:
        return _plain(500, f"query failed: {error}")
    if browser:
        return editor(query=query, outcome=outcome)
    response = Response(serialize(outcome, fmt), mimetype=offers[fmt])
    if offers[fmt].startswith("text/"):
        response.mimetype_params["charset"] = "utf-8"
    response.headers["Vary"] = "Accept"
    response.headers["Access-Control-Allow-Origin"] = "*"
    if outcome.truncated:
        response.headers[TRUNCATED_HEADER] = f"true; max-rows={data.max_rows}"
    return response


def editor(query: str | None = None, outcome: QueryOutcome | None = None):
    """The HTML editor: a plain form that works without JavaScript (YASGUI enhances it)."""
    from webapp.examples import example_queries

    examples = example_queries()
    if query is None:
        query = examples[0]["query"] if examples else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
    return render_template("sparql.html", query=query, outcome=outcome, examples=examples,
                           prefixes=sparql_prefixes(), max_rows=_data().max_rows)


def service_description() -> Response:
    """SPARQL 1.1 Service Description of this endpoint, in the negotiated RDF syntax."""
    endpoint_iri = URIRef(url_for("sparql.endpoint", _external=True))
    graph = Graph()
    graph.bind("sd", SD)
    sd = lambda name: URIRef(SD + name)  # noqa: E731
    service = URIRef(str(endpoint_iri) + "#service")
    graph.add((service, RDF.type, sd("Service")))
    graph.add((service, sd("endpoint"), endpoint_iri))
    graph.add((service, sd("supportedLanguage"), sd("SPARQL11Query")))
    graph.add((service, sd("feature"), sd("UnionDefaultGraph")))
    for media_type in list(SOLUTION_FORMATS.values()) + list(GRAPH_FORMATS.values()):
        graph.add((service, sd("resultFormat"), URIRef("http://www.w3.org/ns/formats/" + _format_name(media_type))))
    dataset = BNode("dataset")
    graph.add((service, sd("defaultDataset"), dataset))
    graph.add((dataset, RDF.type, sd("Dataset")))
    default_graph = BNode("default")
    graph.add((dataset, sd("defaultGraph"), default_graph))
    graph.add((default_graph, RDF.type, sd("Graph")))
    meta = _data().metadata()
    graph.add((default_graph, URIRef("http://rdfs.org/ns/void#triples"), Literal(int(meta.get("quads", 0)), datatype=XSD.integer)))
    for name in _named_graphs():
        node = BNode()
        graph.add((dataset, sd("namedGraph"), node))
        graph.add((node, RDF.type, sd("NamedGraph")))
        graph.add((node, sd("name"), URIRef(name)))
    fmt = choose(request.headers.get("Accept"), GRAPH_FORMATS, request.args.get("format")) or "turtle"
    rdflib_format = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}[fmt]
    response = Response(graph.serialize(format=rdflib_format), mimetype=GRAPH_FORMATS[fmt])
    response.headers["Vary"] = "Accept"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _named_graphs() -> list[str]:
    rows = _data().select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } } ORDER BY ?g")
    return [row["g"] for row in rows]


def _format_name(media_type: str) -> str:
    return {
        "application/sparql-results+json": "SPARQL_Results_JSON",
        "application/sparql-results+xml": "SPARQL_Results_XML",
        "text/csv": "SPARQL_Results_CSV",
        "text/tab-separated-values": "SPARQL_Results_TSV",
        "text/turtle": "Turtle",
        "application/n-triples": "N-Triples",
        "application/ld+json": "JSON-LD",
        "application/rdf+xml": "RDF_XML",
    }[media_type]
