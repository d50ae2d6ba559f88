"""/sparql against real clients on a live server, and hostile requests refused cleanly."""

from __future__ import annotations

import csv
import io
import json
import logging
import socket
import threading
import time
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest
from flask import Flask
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TSV, XML, SPARQLWrapper

from webapp import create_app
from webapp.serve import serving_in_thread

ITEMS_OF_YINING = """
PREFIX gk: <https://w3id.org/gongkai/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?name WHERE {
  ?item gk:inCatalog <https://w3id.org/gongkai/catalog/654002/social-insurance> ; skos:prefLabel ?name .
} ORDER BY ?name LIMIT 3
"""
FIRST_THREE = ["一次性工伤医疗补助金申请", "一次性趸缴职工养老保险费申报", "个人权益记录（参保证明）查询打印"]


@pytest.fixture(scope="module")
def live(seed_store):
    """The real app under waitress on a random loopback port."""
    app = create_app({"GONGKAI_STORE": str(seed_store), "GONGKAI_QUERY_TIMEOUT": 3.0, "GONGKAI_MAX_ROWS": 500,
                      "GONGKAI_MAX_QUERY_LENGTH": 4000})
    with serving_in_thread(app, threads=6) as port:
        yield f"http://127.0.0.1:{port}"
    app.extensions["gongkai"].close()


def http(url: str, data: bytes | None = None, headers: dict | None = None, method: str | None = None):
    request = Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.parametrize(("fmt", "parse"), [
    (JSON, lambda r: [b["name"]["value"] for b in r.convert()["results"]["bindings"]]),
    (XML, lambda r: [n.firstChild.data for n in r.convert().getElementsByTagName("literal")]),
    (CSV, lambda r: [row[0] for row in list(csv.reader(io.StringIO(r.convert().decode("utf-8"))))[1:]]),
    (TSV, lambda r: [line.split('"')[1] for line in r.convert().decode("utf-8").splitlines()[1:]]),
])
def test_sparqlwrapper_in_every_format(live, fmt, parse):
    client = SPARQLWrapper(f"{live}/sparql")
    client.setQuery(ITEMS_OF_YINING)
    client.setReturnFormat(fmt)
    assert parse(client.query()) == FIRST_THREE


def test_sparqlwrapper_post_and_construct(live):
    client = SPARQLWrapper(f"{live}/sparql")
    client.setMethod("POST")
    client.setQuery("CONSTRUCT { ?i a ?t } WHERE { ?i a ?t ; <https://w3id.org/gongkai/ontology#inCatalog> ?c } LIMIT 5")
    client.setReturnFormat("turtle")
    graph = Graph().parse(data=client.query().convert(), format="turtle")
    assert len(graph) == 5


def test_rdflib_sparqlstore(live):
    store = SPARQLStore(f"{live}/sparql", returnFormat="json")
    rows = list(store.query(ITEMS_OF_YINING))
    assert [str(r[0]) for r in rows] == FIRST_THREE
    count = list(store.query("SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE { ?i a <https://w3id.org/gongkai/ontology#DisclosureItem> }"))
    assert int(count[0][0]) == 148


@pytest.mark.parametrize(("accept", "media_type"), [
    ("text/turtle", "text/turtle"), ("application/ld+json", "application/ld+json"),
    ("application/n-triples", "application/n-triples"), ("application/rdf+xml", "application/rdf+xml"),
])
def test_construct_parses_as_the_format_claimed(live, accept, media_type):
    query = "CONSTRUCT { ?i <http://www.w3.org/2004/02/skos/core#prefLabel> ?n } WHERE { ?i a <https://w3id.org/gongkai/ontology#DisclosureItem> ; <http://www.w3.org/2004/02/skos/core#prefLabel> ?n }"
    status, headers, body = http(f"{live}/sparql?{urlencode({'query': query})}", headers={"Accept": accept})
    assert status == 200 and headers["Content-Type"].split(";")[0] == media_type
    fmt = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt", "application/rdf+xml": "xml"}[media_type]
    graph = Graph().parse(data=body.decode("utf-8"), format=fmt)
    assert len(set(graph.subjects())) == 148


def test_negotiation_headers(live):
    query = urlencode({"query": "ASK {}"})
    status, headers, _ = http(f"{live}/sparql?{query}", headers={"Accept": "image/png"})
    assert status == 406 and headers["Vary"] == "Accept"
    status, headers, body = http(f"{live}/sparql?{query}&format=xml", headers={"Accept": "application/json"})
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+xml")
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_syntax_error_is_400_with_the_parser_message(live):
    status, _, body = http(f"{live}/sparql?{urlencode({'query': 'SELECT * WHERE { ?s ?p }'})}")
    assert status == 400 and b"SPARQL syntax error" in body


@pytest.mark.parametrize("update", [
    "INSERT DATA { <http://e/s> <http://e/p> <http://e/o> }",
    "DELETE WHERE { ?s ?p ?o }",
    "DROP ALL",
])
def test_updates_are_refused_and_nothing_changes(live, update):
    for data, content_type in ((urlencode({"update": update}).encode(), "application/x-www-form-urlencoded"),
                               (update.encode(), "application/sparql-update")):
        status, _, body = http(f"{live}/sparql", data=data, headers={"Content-Type": content_type})
        assert status == 403 and b"read-only" in body
    status, _, body = http(f"{live}/sparql?{urlencode({'query': update})}")
    assert status == 400 and b"read-only" in body
    _, _, count = http(f"{live}/sparql?{urlencode({'query': 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }', 'format': 'csv'})}")
    assert int(count.decode().split()[-1]) > 6000


def test_service_never_contacts_anyone(live):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
    status, _, body = http(f"{live}/sparql?{urlencode({'query': query})}")
    assert status == 400 and b"SERVICE is disabled" in body
    with pytest.raises(TimeoutError):
        listener.accept()  # no connection ever arrived
    listener.close()


def test_remote_from_is_refused(live):
    for query in ("SELECT * FROM <http://example.org/remote.ttl> WHERE { ?s ?p ?o }",
                  "SELECT * FROM NAMED <http://example.org/remote.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }"):
        status, _, body = http(f"{live}/sparql?{urlencode({'query': query})}")
        assert status == 400 and b"never loads remote data" in body
    local = "ASK FROM <https://w3id.org/gongkai/catalog/654002/social-insurance> { ?s ?p ?o }"
    status, _, body = http(f"{live}/sparql?{urlencode({'query': local, 'format': 'json'})}")
    assert status == 200 and json.loads(body)["boolean"] is True


def test_over_long_query_is_refused(live):
    query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 5000
    status, _, body = http(f"{live}/sparql", data=query.encode(), headers={"Content-Type": "application/sparql-query"})
    assert status == 413 and b"4,000" in body


def test_row_cap_is_visible(live):
    query = urlencode({"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", "format": "json"})
    status, headers, body = http(f"{live}/sparql?{query}")
    assert status == 200
    assert headers["X-Gongkai-Truncated"].startswith("true")
    assert len(json.loads(body)["results"]["bindings"]) == 500
    status, _, page = http(f"{live}/sparql?{urlencode({'query': 'SELECT ?s ?p ?o WHERE { ?s ?p ?o }'})}",
                           headers={"Accept": "text/html"})
    assert b'id="truncated"' in page


def test_heavy_query_times_out_while_others_are_answered(live):
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    outcome = {}

    def run_heavy():
        started = time.monotonic()
        outcome["status"], _, outcome["body"] = http(f"{live}/sparql?{urlencode({'query': heavy})}")
        outcome["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=run_heavy)
    thread.start()
    time.sleep(0.5)
    answered = []
    while thread.is_alive():
        status, _, body = http(f"{live}/sparql?{urlencode({'query': 'ASK { ?s ?p ?o }', 'format': 'json'})}")
        answered.append(status == 200 and json.loads(body)["boolean"] is True)
        time.sleep(0.2)
    thread.join()
    assert outcome["status"] == 503 and b"timed out" in outcome["body"]
    assert 2.9 <= outcome["elapsed"] < 8.0  # timeout is 3 s
    assert answered and all(answered)


def test_service_description_on_plain_get(live):
    status, headers, body = http(f"{live}/sparql", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=body.decode(), format="turtle")
    assert status == 200
    assert (None, URIRef("http://www.w3.org/ns/sparql-service-description#endpoint"), URIRef(f"{live}/sparql")) in graph


def test_browser_gets_the_editor(live):
    status, headers, body = http(f"{live}/sparql", headers={"Accept": "text/html,application/xhtml+xml"})
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b'<textarea class="sparql" name="query"' in body


def test_a_server_in_a_thread_stops_cleanly(seed_store, monkeypatch):
    # the loop's sockets are closed from its own thread: no EBADF from select() in the
    # server thread, the thread ends and the port stops answering
    failures: list = []
    monkeypatch.setattr(threading, "excepthook", failures.append)
    before = set(threading.enumerate())
    app = create_app({"GONGKAI_STORE": str(seed_store)})
    try:
        for _ in range(5):
            with serving_in_thread(app, threads=2) as port:
                assert http(f"http://127.0.0.1:{port}/queries")[0] == 200
            with pytest.raises(OSError):
                urlopen(f"http://127.0.0.1:{port}/queries", timeout=5)
    finally:
        app.extensions["gongkai"].close()
    assert failures == []
    assert not [t for t in set(threading.enumerate()) - before if t.name == "gongkai-waitress"]


def test_a_request_in_flight_when_the_server_stops_is_answered(caplog):
    # a request thread that finished after the loop had closed its trigger could not wake
    # it (waitress: "Exception when servicing", EBADF) and its answer was lost: the
    # request threads stop first, then the loop
    app = Flask("slow")
    started = threading.Event()

    @app.get("/slow")
    def slow():
        started.set()
        time.sleep(0.5)
        return "done"

    answers: list = []
    with caplog.at_level(logging.ERROR, logger="waitress"):
        with serving_in_thread(app, threads=2) as port:
            client = threading.Thread(target=lambda: answers.append(http(f"http://127.0.0.1:{port}/slow")))
            client.start()
            assert started.wait(5)
        client.join(10)
    assert [(status, body) for status, _headers, body in answers] == [(200, b"done")]
    assert "Exception when servicing" not in caplog.text
