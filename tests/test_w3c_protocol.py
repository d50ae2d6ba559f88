"""The W3C SPARQL 1.1 Protocol tests, replayed against our /sparql.

The manifest and data come from ../shared/vendor/w3c-sparql11-protocol (w3c/rdf-tests,
sparql/sparql11/protocol; read from there, never copied). Each test's requests are
replayed in order through the real app (Flask test client) over a store holding the
tests' graph data, and the responses are checked as the manifest says: status class,
boolean result, result or RDF format. Tests that perform SPARQL Update are not
applicable to a read-only endpoint and are reported as such; the negative update tests
(4XX expected) do apply and must pass. The Service Description tests are checked too.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from gongkai.store import atomic_build
from tests.conftest import shared_path

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"

SOLUTION_TYPES = {"application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                  "text/tab-separated-values"}
RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
             "application/ld+json": "json-ld"}


def manifest() -> tuple[Graph, Path]:
    path = shared_path("vendor/w3c-sparql11-protocol/manifest.ttl")
    return Graph().parse(path, format="turtle"), path.parent


def protocol_tests() -> list[tuple[str, URIRef]]:
    path = Path(__file__).resolve().parents[2] / "shared/vendor/w3c-sparql11-protocol/manifest.ttl"
    if not path.is_file():
        return [("manifest-missing", URIRef("urn:missing"))]
    graph = Graph().parse(path, format="turtle")
    entries = graph.value(next(graph.subjects(RDF.type, MF.Manifest)), MF.entries)
    return [(str(test).rsplit("#", 1)[-1], test) for test in Collection(graph, entries)]


def _requests(graph: Graph, test: URIRef) -> list[dict]:
    action = graph.value(test, MF.action)
    requests = []
    for request in Collection(graph, graph.value(action, HT.requests)):
        body = graph.value(request, HT.body)
        headers = {}
        header_list = graph.value(request, HT.headers)
        if header_list is not None:
            for header in Collection(graph, header_list):
                headers[str(graph.value(header, HT.fieldName))] = str(graph.value(header, HT.fieldValue))
        response = graph.value(request, HT.resp)
        requests.append({
            "method": str(graph.value(request, HT.methodName)),
            "path": str(graph.value(request, HT.absolutePath)),
            "body": str(graph.value(body, CNT.chars)) if body is not None else None,
            "headers": headers,
            "status": {str(s).rsplit("#", 1)[-1] for s in graph.objects(response, MF.expectedStatus)},
            "format": str(graph.value(response, MF.expectedFormat) or ""),
            "boolean": graph.value(response, MF.expectedBoolean),
        })
    return requests


def _is_update(req: dict) -> bool:
    content_type = req["headers"].get("content-type", "")
    body = req["body"] or ""
    return content_type.startswith("application/sparql-update") or (
        content_type.startswith("application/x-www-form-urlencoded") and body.startswith("update="))


@pytest.fixture(scope="module")
def protocol_app(tmp_path_factory):
    graph, folder = manifest()
    data: dict[str, Path] = {}
    for spec in graph.objects(None, UT.graphData):
        data[str(graph.value(spec, RDFS.label))] = folder / Path(str(graph.value(spec, UT.graph))).name
    store = tmp_path_factory.mktemp("w3c") / "store"

    def fill(target: pyoxigraph.Store) -> None:
        for name, file in sorted(data.items()):
            target.load(path=str(file), format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=pyoxigraph.NamedNode(name))

    atomic_build(store, fill, {"base": "http://www.example/"})
    from webapp import create_app

    app = create_app({"GONGKAI_STORE": str(store), "GONGKAI_QUERY_TIMEOUT": 20, "TESTING": True})
    yield app
    app.extensions["gongkai"].close()


def _status_class(code: int) -> str:
    return f"StatusCode{code // 100}xx"


def _check_response(req: dict, response) -> None:
    assert _status_class(response.status_code) in req["status"], (
        f"{req['method']} {req['path']}: status {response.status_code}, expected {sorted(req['status'])}: "
        f"{response.get_data(as_text=True)[:300]}")
    media_type = response.mimetype
    if req["format"] == "boolean":
        if media_type == "application/sparql-results+json":
            value = json.loads(response.get_data(as_text=True))["boolean"]
        else:
            assert media_type == "application/sparql-results+xml", media_type
            value = ET.fromstring(response.get_data()).find(f"{RESULTS_NS}boolean").text == "true"
        if req["boolean"] is not None:
            assert value == bool(req["boolean"].toPython())
    elif req["format"] == "RDF":
        assert media_type in RDF_TYPES, media_type
        Graph().parse(data=response.get_data(as_text=True), format=RDF_TYPES[media_type])
    elif req["format"]:
        assert media_type in SOLUTION_TYPES, f"{req['format']}: {media_type}"


@pytest.mark.parametrize(("name", "test"), protocol_tests(), ids=[n for n, _ in protocol_tests()])
def test_w3c_protocol(protocol_app, name, test):
    graph, _ = manifest()
    requests = _requests(graph, test)
    if any(_is_update(r) and "StatusCode2xx" in r["status"] for r in requests):
        pytest.skip("not applicable: performs SPARQL Update, and this endpoint is read-only")
    client = protocol_app.test_client()
    for req in requests:
        parts = urlsplit(req["path"])
        path = "/sparql" + parts.path[len("/sparql"):] + (f"?{parts.query}" if parts.query else "")
        headers = {k: v for k, v in req["headers"].items() if k.lower() != "content-type"}
        response = client.open(
            path, method=req["method"], headers=headers, base_url="http://www.example",
            data=req["body"].encode("utf-8") if req["body"] is not None else None,
            content_type=req["headers"].get("content-type"),
        )
        _check_response(req, response)


# --- Service Description (w3c-sparql11-service-description) ------------------------


def service_description(app) -> tuple[Graph, object]:
    response = app.test_client().get("/sparql", base_url="http://www.example", headers={"Accept": "text/turtle"})
    return Graph().parse(data=response.get_data(as_text=True), format="turtle"), response


def test_sd_returns_rdf(protocol_app):
    shared_path("vendor/w3c-sparql11-service-description/manifest.ttl")
    graph, response = service_description(protocol_app)
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    assert len(graph) > 0


def test_sd_has_endpoint_triple(protocol_app):
    graph, _ = service_description(protocol_app)
    assert (None, SD.endpoint, URIRef("http://www.example/sparql")) in graph


def test_sd_conforms_to_schema(protocol_app):
    graph, _ = service_description(protocol_app)
    (service,) = graph.subjects(RDF.type, SD.Service)
    assert set(graph.objects(service, SD.supportedLanguage)) <= {SD.SPARQL10Query, SD.SPARQL11Query, SD.SPARQL11Update}
    assert set(graph.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query}  # read-only
    for feature in graph.objects(service, SD.feature):
        assert feature in {SD.DereferencesURIs, SD.UnionDefaultGraph, SD.RequiresDataset, SD.EmptyGraphs, SD.BasicFederatedQuery}
    assert all(str(f).startswith("http://www.w3.org/ns/formats/") for f in graph.objects(service, SD.resultFormat))
    dataset = graph.value(service, SD.defaultDataset)
    assert (dataset, RDF.type, SD.Dataset) in graph
    names = {graph.value(named, SD.name) for named in graph.objects(dataset, SD.namedGraph)}
    assert URIRef("http://kasei.us/2009/09/sparql/data/data1.rdf") in names
    for named in graph.objects(dataset, SD.namedGraph):
        assert (named, RDF.type, SD.NamedGraph) in graph
