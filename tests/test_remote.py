"""The remote SPARQL server backend against a real ``oxigraph serve`` (PyPI ``oxigraph``).

Each server runs on 127.0.0.1 with a free port and a temporary location, started with
``--union-default-graph`` (our queries assume the default graph is the union of all
graphs) and its own ``--timeout-s``; every wait is bounded, and every server is
terminated (then killed if it lingers) at the end. Loopback only.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from gongkai.errors import GongkaiError
from gongkai.manifest import load_manifest
from gongkai.namespaces import sparql_prefixes
from gongkai.pipeline import build_store, push_store
from gongkai.query_service import QueryFailed, QueryRefused, QuerySyntaxError, QueryTimeout, execute
from gongkai.remote import RemoteError, RemoteQueryService, RemoteStore, store_graph_sources
from gongkai.saved_queries import bind, load_queries
from gongkai.store import OxigraphStore
from tests.conftest import REPO, seeds_naming_what_no_list_has
from tests.outcomes import canonical, order_keys
from webapp import create_app

pytestmark = pytest.mark.slow

START_TIMEOUT = 30.0  # seconds to wait for a server to answer
SERVER_QUERY_TIMEOUT = 60  # oxigraph's own --timeout-s
ITEMS_QUERY = (
    "SELECT ?catalog (COUNT(?item) AS ?items) WHERE { ?item a gk:DisclosureItem ; gk:inCatalog ?catalog } "
    "GROUP BY ?catalog ORDER BY ?catalog"
)
SAVED = load_queries()


# --------------------------------------------------------------------------- servers


def oxigraph_binary() -> str:
    candidates = [shutil.which("oxigraph"), Path(sys.prefix) / "bin" / "oxigraph",
                  Path(sys.executable).parent / "oxigraph"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return str(candidate)
    if os.environ.get("CI") == "true":
        pytest.fail("the oxigraph server binary is missing in CI (pip install oxigraph: the test extra)")
    pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port_url(path: str = "/query") -> str:
    """A loopback URL where nothing listens."""
    return f"http://127.0.0.1:{free_port()}{path}"


def wait_until_answers(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited ({process.returncode}): "
                               f"{log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT:g} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class Oxigraph:
    """One ``oxigraph serve`` process."""

    def __init__(self, folder: Path, *, union: bool = True) -> None:
        binary = oxigraph_binary()
        folder.mkdir(parents=True, exist_ok=True)
        self.log = folder / "oxigraph.log"
        for _attempt in range(3):  # the free port may be taken before the server binds it
            port = free_port()
            self.url = f"http://127.0.0.1:{port}"
            args = [binary, "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{port}",
                    "--timeout-s", str(SERVER_QUERY_TIMEOUT)]
            if union:
                args.append("--union-default-graph")
            with open(self.log, "wb") as log:
                self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
            try:
                wait_until_answers(self.query + "?query=ASK%7B%7D", self.process, self.log)
                return
            except RuntimeError:
                stop(self.process)
        raise RuntimeError(f"oxigraph serve did not start: {self.log.read_text(errors='replace')[-2000:]}")

    @property
    def query(self) -> str:
        return self.url + "/query"

    @property
    def store(self) -> str:
        return self.url + "/store"

    @property
    def update(self) -> str:
        return self.url + "/update"

    def remote(self, **kwargs) -> RemoteStore:
        return RemoteStore(self.query, self.store, self.update, **kwargs)

    def stop(self) -> None:
        stop(self.process)


@contextlib.contextmanager
def oxigraph(folder: Path, *, union: bool = True) -> Iterator[Oxigraph]:
    server = Oxigraph(folder, union=union)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def server(seed_store, tmp_path_factory) -> Iterator[Oxigraph]:
    """A server holding the seed store, pushed with Graph Store PUTs and one MOVE update."""
    with oxigraph(tmp_path_factory.mktemp("oxigraph")) as running:
        push_store(seed_store, running.remote())
        yield running


@pytest.fixture(scope="module")
def embedded(seed_store) -> Iterator[OxigraphStore]:
    with OxigraphStore.open(seed_store) as store:
        yield store


def gongkai(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gongkai.cli", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})




# --------------------------------------------------------------------------- same answers


@pytest.mark.parametrize("name", sorted(SAVED))
def test_saved_query_gives_the_same_results_on_the_server(name, embedded, server):
    query = SAVED[name]
    remote = RemoteStore(server.query)
    for arguments in ({}, query.example_arguments()):
        bound = bind(query, arguments)
        local = execute(embedded, bound.text, substitutions=bound.substitutions, max_rows=100_000)
        there = remote.query(bound.text, substitutions=bound.substitutions, max_rows=100_000)
        assert not local.truncated and not there.truncated
        assert canonical(there) == canonical(local), (name, arguments)
        assert order_keys(bound.text, there) == order_keys(bound.text, local), (name, arguments)


def test_a_title_two_catalogs_print_counts_once_in_the_servers_union(tmp_path):
    """Oxigraph's union default graph is a multiset: a triple stated in two named graphs
    comes back twice. Two catalogs citing the same unlisted law (and naming the same
    unlisted content element) must still give the embedded store's rows."""
    store = tmp_path / "store"
    built = build_store(load_manifest(seeds_naming_what_no_list_has(tmp_path / "data")), store, full=True,
                        workers=1)
    assert built.repeated_triples == 0
    with OxigraphStore.open(store) as local_store, oxigraph(tmp_path / "oxigraph") as running:
        push_store(store, running.remote())
        remote = RemoteStore(running.query)
        for name in ("unlisted-legal-bases", "legal-bases-per-place", "law-citation-network",
                     "content-element-coverage", "anomalies-per-place"):
            bound = bind(SAVED[name], {})
            local = execute(local_store, bound.text, substitutions=bound.substitutions, max_rows=100_000)
            there = remote.query(bound.text, substitutions=bound.substitutions, max_rows=100_000)
            assert canonical(there) == canonical(local), name
        unlisted = execute(local_store, bind(SAVED["unlisted-legal-bases"], {}).text).bindings
        assert {row["law_title"]["value"] for row in unlisted} == {"某某地方社保暂行规定"}
        assert len({row["__law"]["value"] for row in unlisted}) == 2  # one law node per citing catalog


def test_the_saved_queries_find_something(embedded, server):
    """The comparison above is not between two empty answers."""
    remote = RemoteStore(server.query)
    found = sum(len(remote.query(bind(q, {}).text, substitutions=bind(q, {}).substitutions).bindings)
                for q in SAVED.values())
    assert found > 300


def test_the_server_holds_the_store_graphs_and_its_metadata(seed_store, embedded, server):
    remote = server.remote()
    metadata = remote.metadata()
    local = embedded.metadata()
    assert metadata["data_version"] == local["data_version"]
    assert metadata["quads"] == local["quads"] > 10_000
    assert metadata["validation"] == local["validation"]
    assert metadata["graphs"] == embedded.graphs()
    assert remote.graphs() == sorted([*embedded.graphs(), "https://w3id.org/gongkai/graph/build"])
    assert remote.default_graph_is_union() is True
    # each graph holds exactly what the embedded store's does
    for name, read in store_graph_sources(embedded):
        assert set(remote.get_graph(name).decode().splitlines()) == set(read().decode().splitlines())


def test_dataset_rules_match_the_embedded_store(embedded, server):
    dataset = "https://w3id.org/gongkai/dataset"
    d = f"<{dataset}>"
    remote = RemoteStore(server.query)
    cases = [
        # FROM: `oxigraph serve --union-default-graph` ignores it, so it is sent as default-graph-uri
        ("SELECT ?s ?p ?o FROM " + d + " WHERE { ?s ?p ?o }", {}),
        ("SELECT ?g (COUNT(*) AS ?n) FROM NAMED " + d + " WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", {}),
        ("SELECT (COUNT(*) AS ?n) FROM NAMED " + d + " WHERE { ?s ?p ?o }", {}),  # empty default graph
        ("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", {"default_graphs": [dataset]}),
        ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", {"named_graphs": [dataset]}),
        ("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", {"named_graphs": [dataset]}),
    ]
    for sparql, options in cases:
        local = execute(embedded, sparql, max_rows=100_000, **options)
        there = remote.query(sparql, max_rows=100_000, **options)
        assert canonical(there) == canonical(local), sparql


def test_construct_ask_and_base_iri(embedded, server):
    remote = RemoteStore(server.query)
    construct = sparql_prefixes() + "CONSTRUCT { ?c dct:title ?t } WHERE { ?c a gk:Catalog ; dct:title ?t }"
    assert canonical(remote.query(construct)) == canonical(execute(embedded, construct))
    assert remote.query("ASK { ?s ?p ?o }").boolean is True
    relative = "SELECT ?x WHERE { BIND(<catalog/654002/social-insurance> AS ?x) }"
    base = "https://w3id.org/gongkai/"
    assert remote.query(relative, base_iri=base).bindings == execute(embedded, relative, base_iri=base).bindings


# --------------------------------------------------------------------------- limits and errors


def test_the_row_cap_stops_reading(server):
    remote = RemoteStore(server.query)
    outcome = remote.query("SELECT * WHERE { ?s ?p ?o }", max_rows=7)
    assert len(outcome.bindings) == 7 and outcome.truncated
    graph = remote.query("CONSTRUCT WHERE { ?s ?p ?o }", max_rows=5)
    assert len(graph.ntriples.splitlines()) == 5 and graph.truncated


def test_the_timeout_is_the_clients(server):
    service = RemoteQueryService(RemoteStore(server.query), timeout=0.5, max_rows=10**9)
    start = time.monotonic()
    with pytest.raises(QueryTimeout):
        service.run("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }")  # 10^8 rows: streams for long
    assert time.monotonic() - start < 5  # 0.5 s, plus a loaded machine's slack
    assert service.run("ASK { ?s ?p ?o }").boolean is True  # the service still works


def test_the_guard_runs_before_anything_is_sent():
    service = RemoteQueryService(RemoteStore(closed_port_url()), timeout=5)
    with pytest.raises(QueryRefused):
        service.run("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    with pytest.raises(QueryRefused):
        service.run("INSERT DATA { <http://x> <http://y> <http://z> }")
    with pytest.raises(QueryRefused) as refused:
        service.run("SELECT * WHERE { ?s ?p ?o } #" + "x" * 30_000)
    assert refused.value.status == 413
    with pytest.raises(QueryFailed, match="cannot reach"):  # what passes the guard is sent
        service.run("ASK { ?s ?p ?o }")


def test_syntax_errors_and_http_errors(server):
    remote = RemoteStore(server.query)
    with pytest.raises(QuerySyntaxError):
        remote.query("SELECT * WHERE { ?s ?p ")
    with pytest.raises(RemoteError, match=r"HTTP 404 from http://127\.0\.0\.1:\d+/nowhere"):
        RemoteStore(server.url + "/nowhere").query("ASK { }")
    with pytest.raises(RemoteError, match="cannot reach"):
        RemoteStore(closed_port_url()).query("ASK { }")
    with pytest.raises(GongkaiError, match="not an http"):
        RemoteStore("ftp://example.org/sparql")


# --------------------------------------------------------------------------- pushing


def test_a_failed_push_leaves_the_previous_graphs(seed_store, embedded, tmp_path):
    with oxigraph(tmp_path / "ox") as running:
        remote = running.remote()
        push_store(seed_store, remote)
        before = remote.metadata()
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?i a gk:DisclosureItem }"

        def items() -> int:
            return int(remote.query(sparql_prefixes() + count).bindings[0]["n"]["value"])

        sources = store_graph_sources(embedded)

        def broken() -> bytes:
            raise OSError("disk gone")

        # 1. the source fails half-way through staging
        with pytest.raises(OSError, match="disk gone"):
            remote.push([*sources[:2], ("https://w3id.org/gongkai/catalog/x/y", broken)], embedded.metadata())
        # 2. the server refuses a graph (not N-Triples): HTTP 400, named in one line
        with pytest.raises(RemoteError, match="HTTP 400"):
            remote.push([*sources[:2], ("https://w3id.org/gongkai/catalog/x/y", lambda: b"not rdf")],
                        embedded.metadata())
        assert items() == 148
        assert remote.metadata() == before
        assert not [g for g in remote.graphs() if "/graph/staging/" in g]


def test_push_replaces_the_previous_push_and_drops_its_stale_graphs(seed_store, embedded, tmp_path):
    extra = "https://w3id.org/gongkai/catalog/999999/extra"
    triple = b"<https://w3id.org/gongkai/x> <http://purl.org/dc/terms/title> \"x\" .\n"
    with oxigraph(tmp_path / "ox") as running:
        # Graph Store only: staged, then PUT one by one
        gsp = RemoteStore(running.query, running.store)
        first = gsp.push([*store_graph_sources(embedded), (extra, lambda: triple)], embedded.metadata())
        assert extra in first["graphs"] and extra in gsp.graphs()
        # SPARQL Update only, in small INSERT DATA chunks, then one MOVE request
        update = RemoteStore(running.query, None, running.update, chunk_triples=500)
        second = update.push(store_graph_sources(embedded), embedded.metadata())
        assert extra not in second["graphs"] and extra not in update.graphs()
        assert not [g for g in update.graphs() if "/graph/staging/" in g]
        assert update.metadata()["data_version"] == embedded.metadata()["data_version"]
        snapshot = update.snapshot()
        assert sorted(str(q) for q in snapshot.quads()) == sorted(str(q) for q in embedded.quads())


def test_bookkeeping_graph_names_are_refused(embedded, tmp_path):
    remote = RemoteStore(None, closed_port_url("/store"))
    with pytest.raises(GongkaiError, match="reserved"):
        remote.push([("https://w3id.org/gongkai/graph/build", lambda: b"")], embedded.metadata())


def test_a_server_whose_default_graph_is_not_the_union_is_detected(seed_store, tmp_path):
    with oxigraph(tmp_path / "ox", union=False) as running:
        push_store(seed_store, running.remote())
        assert running.remote().default_graph_is_union() is False
        with pytest.raises(GongkaiError, match="not the union"):
            create_app({"GONGKAI_ENDPOINT": running.query})


# --------------------------------------------------------------------------- the command line


def test_cli_query_endpoint(embedded, server):
    there = gongkai("query", "--endpoint", server.query, "items-per-place", "--param", "place=654002",
                    "--format", "json")
    assert there.returncode == 0, there.stderr
    bound = bind(SAVED["items-per-place"], {"place": "654002"})
    local = execute(embedded, bound.text, substitutions=bound.substitutions)
    assert json.loads(there.stdout)["results"]["bindings"] == local.bindings
    table = gongkai("query", "--endpoint", server.query, ITEMS_QUERY)
    assert table.returncode == 0, table.stderr
    assert re.search(r"654002/social-insurance +\d+\n", table.stdout) and "(2 rows)" in table.stdout
    stats = gongkai("stats", "--endpoint", server.query, "--format", "json")
    assert json.loads(stats.stdout)["items"] == 148


def test_cli_export_and_validate_read_from_the_server(embedded, server, tmp_path):
    from gongkai.export import export_store

    for fmt, options in (("nquads", ["--store-endpoint", server.store]), ("trig", [])):
        export_store(embedded, fmt, tmp_path / f"local.{fmt}")
        there = gongkai("export", "--endpoint", server.query, *options, "--format", fmt,
                        "-o", str(tmp_path / f"remote.{fmt}"))
        assert there.returncode == 0, there.stderr
        assert (tmp_path / f"remote.{fmt}").read_bytes() == (tmp_path / f"local.{fmt}").read_bytes()
    there = gongkai("validate", "--endpoint", server.query, "--format", "json")
    assert there.returncode == 0, there.stderr
    assert json.loads(there.stdout)["counts"] == embedded.metadata()["validation"]


def test_cli_build_straight_into_the_server(tmp_path):
    local_store = tmp_path / "store"
    unused = tmp_path / "unused-store"
    local = gongkai("build", "-q", "--store", str(local_store))
    assert local.returncode == 0, local.stderr
    with oxigraph(tmp_path / "ox") as running:
        result = gongkai("build", "--store", str(unused), "--update-endpoint", running.update,
                         "--endpoint", running.query)
        assert result.returncode == 0, result.stderr
        assert f"built {running.query}: 2 catalogs, 148 items" in result.stdout
        assert "swapped 5 graphs in with one SPARQL update" in result.stderr
        assert not unused.exists()
        metadata = RemoteStore(running.query).metadata()
        with OxigraphStore.open(local_store) as store:
            # the same graphs as the embedded build: the same data version
            assert metadata["data_version"] == store.metadata()["data_version"]
            assert metadata["validation"] == store.metadata()["validation"]
            assert metadata["quads"] == store.metadata()["quads"]
        query = gongkai("query", "--endpoint", running.query, "catalogs", "--format", "csv")
        assert query.returncode == 0 and query.stdout.count("\n") == 3  # header + 2 catalogs


def test_cli_push(seed_store, embedded, tmp_path):
    with oxigraph(tmp_path / "ox") as running:
        result = gongkai("push", "--store", str(seed_store), "--store-endpoint", running.store,
                         "--update-endpoint", running.update, "--endpoint", running.query)
        assert result.returncode == 0, result.stderr
        assert f"5 graphs, {embedded.metadata()['quads']} triples" in result.stdout
        assert "warning" not in result.stderr


@pytest.mark.parametrize("args", [
    ["query", "--endpoint", "{url}", "catalogs"],
    ["push", "-q", "--store-endpoint", "{url}"],
    ["push", "-q", "--update-endpoint", "{url}"],
    ["export", "--endpoint", "{url}", "--format", "nquads", "-o", "{tmp}/x.nq"],
    ["stats", "--endpoint", "{url}"],
    ["serve", "--endpoint", "{url}", "--port", "{port}"],
])
def test_an_unreachable_server_is_one_line_naming_it(args, seed_store, tmp_path):
    url = closed_port_url()
    argv = [a.format(url=url, tmp=tmp_path, port=free_port()) for a in args]
    if argv[0] == "push":
        argv += ["--store", str(seed_store)]
    result = gongkai(*argv, timeout=60)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[-1].startswith("gongkai: error: ") and url in lines[-1], result.stderr


def test_cli_options_are_checked():
    result = gongkai("build", "--endpoint", "http://127.0.0.1:9/query")
    assert result.returncode == 2 and "--store-endpoint" in result.stderr
    result = gongkai("query", "--endpoint", "localhost:7878", "catalogs")
    assert result.returncode == 2 and "not an http(s) URL" in result.stderr


# --------------------------------------------------------------------------- the web app


NORMALISE = re.compile(r" at 0x[0-9a-f]+")  # reprs that differ between processes


@pytest.fixture(scope="module")
def apps(seed_store, server):
    remote = create_app({"GONGKAI_ENDPOINT": server.query})
    local = create_app({"GONGKAI_STORE": str(seed_store)})
    yield remote, local
    remote.extensions["gongkai"].close()
    local.extensions["gongkai"].close()


@pytest.mark.parametrize("path", [
    "/", "/?lang=en", "/queries/items-per-place?place=654002", "/queries/items-per-place?place=654002&format=json",
    "/queries/item-details", "/catalog/654002/social-insurance", "/place/654002", "/law/social-insurance-law",
    "/graph/validation", "/validation?format=json", "/ontology", "/.well-known/void",
    "/sparql?format=json&query=" + urllib.parse.quote(sparql_prefixes() + ITEMS_QUERY),
    "/sparql?format=json&query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20ORDER%20BY%20%3Fs%20%3Fp%20%3Fo"
    "&default-graph-uri=https://w3id.org/gongkai/dataset",
    "/sparql?format=json&query=SELECT%20*%20WHERE%20%7B", "/sparql?query=SELECT%20*%20WHERE%20%7BSERVICE%20%3Chttp://x%3E%7B%7D%7D",
])
def test_the_web_app_answers_the_same_from_the_server(apps, path):
    remote, local = apps
    there = remote.test_client().get(path)
    here = local.test_client().get(path)
    assert there.status_code == here.status_code
    assert NORMALISE.sub("", there.get_data(as_text=True)) == NORMALISE.sub("", here.get_data(as_text=True))
    assert there.headers.get("ETag") == here.headers.get("ETag")  # the same data version


@pytest.mark.parametrize("name", ["gongkai.nq.gz", "gongkai.ttl.gz"])
def test_the_downloads_are_the_same_from_the_server(apps, name):
    """A dump from the server is the embedded store's dump, byte for byte: the graphs of
    the last push, serialized by the one exporter."""
    remote, local = apps
    there = remote.test_client().get(f"/download/{name}")
    here = local.test_client().get(f"/download/{name}")
    assert there.status_code == here.status_code == 200
    assert there.headers["ETag"] == here.headers["ETag"]
    data = gzip.decompress(there.get_data())
    assert data == gzip.decompress(here.get_data())
    assert b"<https://w3id.org/gongkai/catalog/654002/social-insurance>" in data


def test_the_web_app_caps_rows_from_the_server(seed_store, server):
    app = create_app({"GONGKAI_ENDPOINT": server.query, "GONGKAI_MAX_ROWS": 10})
    try:
        response = app.test_client().get("/sparql?format=json&query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D")
        assert response.status_code == 200
        assert len(response.get_json()["results"]["bindings"]) == 10
        assert response.headers["X-Gongkai-Truncated"] == "true; max-rows=10"
    finally:
        app.extensions["gongkai"].close()


def test_gongkai_serve_endpoint(apps, embedded, server):
    from SPARQLWrapper import JSON, SPARQLWrapper

    _remote, local = apps
    port = free_port()
    log = server.log.with_name("serve.log")
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gongkai.cli", "serve", "--endpoint", server.query, "--port", str(port)],
            cwd=REPO, stdout=out, stderr=subprocess.STDOUT, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    site = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(site + "/", process, log)
        # /sparql through SPARQLWrapper, as a client of our endpoint would
        client = SPARQLWrapper(site + "/sparql")
        client.setQuery(sparql_prefixes() + ITEMS_QUERY)
        client.setReturnFormat(JSON)
        client.setTimeout(30)
        served = client.queryAndConvert()
        expected = local.test_client().get(
            "/sparql?format=json&query=" + urllib.parse.quote(sparql_prefixes() + ITEMS_QUERY)).get_json()
        assert served["results"]["bindings"] == expected["results"]["bindings"]
        assert sum(int(r["items"]["value"]) for r in served["results"]["bindings"]) == 148
        # the overview and a saved query, over HTTP
        with urllib.request.urlopen(site + "/", timeout=30) as response:
            page = response.read().decode("utf-8")
        assert 'id="stat-items">148<' in page and f'id="stat-triples">{embedded.metadata()["quads"]}<' in page
        with urllib.request.urlopen(site + "/queries/items-per-place?place=654002&format=json", timeout=30) as r:
            saved = json.loads(r.read())
        expected = local.test_client().get("/queries/items-per-place?place=654002&format=json").get_json()
        assert saved == expected
    finally:
        stop(process)
