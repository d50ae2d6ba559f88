"""A remote SPARQL 1.1 server as the store: query, load, drop, list graphs, push.

Three endpoints, each optional, each a plain SPARQL 1.1 URL (docs/remote-servers.md
lists them for Oxigraph, Fuseki, Virtuoso, QLever and GraphDB):

* ``endpoint`` -- the SPARQL 1.1 Protocol query endpoint. Queries go through
  SPARQLWrapper (POST, URL-encoded, content negotiation only); SELECT / ASK results
  are read as SPARQL JSON, CONSTRUCT / DESCRIBE as N-Triples, both *streamed* by
  pyoxigraph's parsers and converted to the same :class:`QueryOutcome` (SPARQL-JSON
  terms) as the embedded store gives.
* ``store_endpoint`` -- the Graph Store HTTP Protocol endpoint (``?graph=<iri>``):
  PUT replaces a graph with N-Triples, POST adds, DELETE drops, GET reads.
* ``update_endpoint`` -- the SPARQL 1.1 Update endpoint: ``DROP SILENT GRAPH`` and
  ``INSERT DATA`` in bounded chunks, and ``MOVE`` for the swap at the end of a push.

**Timeout and row cap.** A remote server cannot be trusted to honour a LIMIT we add,
nor to stop on time, so both are enforced by the client: one deadline covers
connecting, waiting and reading (the socket timeout is set to what is left before
every read), and reading stops after ``max_rows`` solutions (``truncated`` is set) --
the connection is then closed. The server may go on computing a query we stopped
waiting for; give the server its own timeout too (``oxigraph serve --timeout-s``,
Fuseki's ``arq:queryTimeout``, Virtuoso's ``MaxQueryExecutionTime``...).

**Parameters** (``substitutions``) are sent as ``VALUES`` in the query text
(:mod:`gongkai.prebind`), with the same results as the embedded store's pre-binding.

**Dataset.** Without ``default_graphs`` / ``named_graphs``, a query's own ``FROM`` /
``FROM NAMED`` are sent as the protocol's ``default-graph-uri`` / ``named-graph-uri``
(same meaning, and honoured by servers -- such as ``oxigraph serve
--union-default-graph`` -- that ignore ``FROM`` when the default graph is the union);
otherwise the default graph is whatever the server makes it: our queries assume the
union of all graphs, which is a server setting (see the docs; :meth:`RemoteStore.
default_graph_is_union` checks it).

**Metadata.** What ``gongkai-store.json`` holds for the embedded store (data version,
base, counts, validation summary, build time) is kept on the server as one triple in
the named graph ``<base>graph/build``::

    <base>graph/build> <https://w3id.org/gongkai/store#metadata> "{...JSON...}" .

plus ``graphs`` (the graph IRIs the push loaded) and ``pushed_at``. The data version
is the same sha256 over canonical N-Quads as the embedded store's -- computed over the
pushed graphs, not this one -- so ETags agree whichever backend serves.

**Push** (:meth:`RemoteStore.push`): every graph is first loaded under a temporary
name ``<base>graph/staging/<token>/<n>``; only when all are in does the swap happen:

* with an update endpoint: ONE SPARQL Update request ``MOVE <staging> TO <graph> ;
  ... ; DROP SILENT GRAPH <stale>`` (the metadata graph last). Servers that run an
  update request as one transaction (Oxigraph, Fuseki/TDB2, GraphDB, RDF4J) switch
  from the old graphs to the new ones atomically; ``MOVE`` without ``SILENT``, so a
  missing staging graph fails the whole request instead of emptying its target.
* with only a Graph Store endpoint there is no server-side move: each graph is PUT
  again under its real name (each PUT is atomic, the set is not), stale graphs are
  deleted, the metadata graph is PUT last, then the staging graphs are deleted.

If anything fails before the swap, the staging graphs are dropped (best effort) and
the previous graphs are untouched and queryable. While a push runs, its staging graphs
are visible in the union default graph (they are ordinary named graphs); a push that
crashed leaves them behind until the next push, which removes them. Stale graphs are
the graphs the previous push recorded in its metadata that the new one does not
have; nothing else on the server is touched.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import datetime as _dt
import io
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import pyoxigraph
from pyoxigraph import BlankNode, Literal, NamedNode, QueryResultsFormat, RdfFormat

from gongkai import __version__
from gongkai.errors import GongkaiError
from gongkai.namespaces import DEFAULT_BASE
from gongkai.prebind import has_relative_iri, prebind
from gongkai.query_service import (
    QueryFailed,
    QueryOutcome,
    QuerySyntaxError,
    QueryTimeout,
    read_solutions,
    read_triples,
    service_limits,
    term_from_json,
)
from gongkai.sparql_guard import QueryInfo, inspect_query
from gongkai.store import OxigraphStore

__all__ = [
    "METADATA_PREDICATE",
    "RemoteError",
    "RemoteQueryService",
    "RemoteStore",
    "build_graph_iri",
    "store_graph_sources",
]

METADATA_PREDICATE = "https://w3id.org/gongkai/store#metadata"
BUILD_GRAPH = "graph/build"  # relative to the base
STAGING = "graph/staging/"  # relative to the base
DEFAULT_TIMEOUT = 300.0  # seconds, for loads and for the CLI's queries
CHUNK_TRIPLES = 10_000  # triples per INSERT DATA request
CHUNK_BYTES = 4 * 1024 * 1024  # and at most this many bytes of N-Triples
UNLIMITED_ROWS = 2**62
USER_AGENT = f"gongkai/{__version__}"
RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"

Progress = Callable[[str], None]
GraphSource = tuple[str, Callable[[], bytes]]  # graph IRI, and how to get its N-Triples


def _quiet(_message: str) -> None:
    pass


def build_graph_iri(base: str) -> str:
    """The named graph holding the store metadata on a remote server."""
    return base + BUILD_GRAPH


class RemoteError(GongkaiError):
    """The remote server could not be reached or answered with an HTTP error."""


# --------------------------------------------------------------------------- URLs


class _Url:
    """An endpoint URL; credentials in it (``http://user:pw@host/...``) become Basic auth
    and are never printed."""

    def __init__(self, url: str, option: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise GongkaiError(f"{option}: not an http(s) URL: {url!r}")
        self.user = parts.username
        self.password = parts.password or ""
        netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        if parts.port:
            netloc += f":{parts.port}"
        self.url = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        self.option = option

    def with_query(self, **params: str) -> str:
        return self.url + ("&" if "?" in self.url else "?") + urlencode(params)

    def authorization(self) -> str | None:
        if self.user is None:
            return None
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode("ascii")
        return f"Basic {token}"

    def __str__(self) -> str:
        return self.url


def _one_line(text: str | bytes, limit: int = 300) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- reading


class _DeadlineReader(io.RawIOBase):
    """An HTTP response body that raises QueryTimeout once the deadline has passed: the
    socket's timeout is set to the time left before every read."""

    def __init__(self, response: Any, deadline: float, timeout: float) -> None:
        super().__init__()
        self._response = response
        self._deadline = deadline
        self._timeout = timeout
        raw = getattr(getattr(response, "fp", None), "raw", None)
        self._socket = getattr(raw, "_sock", None)

    def readable(self) -> bool:
        return True

    def _expired(self) -> QueryTimeout:
        return QueryTimeout(f"query stopped after the timeout ({self._timeout:g} s)")

    def readinto(self, buffer: Any) -> int:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise self._expired()
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.settimeout(left)
        try:
            return self._response.readinto(buffer)
        except TimeoutError:
            raise self._expired() from None


def _results_format(content_type: str) -> QueryResultsFormat:
    media = content_type.split(";")[0].strip().lower()
    return QueryResultsFormat.from_media_type(media) or QueryResultsFormat.JSON


def _graph_format(content_type: str) -> RdfFormat:
    media = content_type.split(";")[0].strip().lower()
    found = RdfFormat.from_media_type(media)
    # N-Triples is Turtle; a server that labels it text/plain is read as Turtle too
    return found if found is not None and not found.supports_datasets else RdfFormat.TURTLE


# --------------------------------------------------------------------------- the store


class RemoteStore:
    """A SPARQL 1.1 server reached by its query, Graph Store and/or Update endpoints."""

    def __init__(
        self,
        endpoint: str | None = None,
        store_endpoint: str | None = None,
        update_endpoint: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        chunk_triples: int = CHUNK_TRIPLES,
        chunk_bytes: int = CHUNK_BYTES,
    ) -> None:
        self.endpoint = _Url(endpoint, "--endpoint") if endpoint else None
        self.store_endpoint = _Url(store_endpoint, "--store-endpoint") if store_endpoint else None
        self.update_endpoint = _Url(update_endpoint, "--update-endpoint") if update_endpoint else None
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.timeout = timeout
        self.chunk_triples = max(1, chunk_triples)
        self.chunk_bytes = max(1, chunk_bytes)

    def __repr__(self) -> str:
        return f"RemoteStore({self.describe()})"

    def describe(self) -> str:
        """The endpoints, for messages."""
        parts = [f"{u.option} {u}" for u in (self.endpoint, self.store_endpoint, self.update_endpoint) if u]
        return ", ".join(parts) or "no endpoint"

    @property
    def location(self) -> str:
        """One URL naming this store (the query endpoint if there is one)."""
        first = self.endpoint or self.store_endpoint or self.update_endpoint
        return str(first) if first else "(no endpoint)"

    def _need(self, url: _Url | None, option: str, what: str) -> _Url:
        if url is None:
            raise GongkaiError(f"{what} needs {option} URL")
        return url

    # ---- HTTP (Graph Store Protocol and Update)

    def _http(
        self,
        method: str,
        url: _Url,
        target: str,
        *,
        data: bytes | None = None,
        content_type: str | None = None,
        accept: str | None = None,
        what: str,
        missing_ok: bool = False,
    ) -> bytes | None:
        request = urllib.request.Request(target, data=data, method=method)
        request.add_header("User-Agent", USER_AGENT)
        if content_type:
            request.add_header("Content-Type", content_type)
        if accept:
            request.add_header("Accept", accept)
        auth = url.authorization()
        if auth:
            request.add_header("Authorization", auth)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            if missing_ok and exc.code == 404:
                return None
            detail = _one_line(exc.read() or b"")
            raise RemoteError(
                f"{what}: HTTP {exc.code} {exc.reason} from {url}" + (f": {detail}" if detail else "")
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RemoteError(f"{what}: cannot reach {url}: {reason}") from None

    def update(self, sparql_update: str, *, what: str = "SPARQL update") -> None:
        """Send one SPARQL 1.1 Update request (``application/sparql-update``)."""
        url = self._need(self.update_endpoint, "--update-endpoint", what)
        self._http("POST", url, url.url, data=sparql_update.encode("utf-8"),
                   content_type="application/sparql-update; charset=utf-8", what=what)

    # ---- graphs

    def graphs(self) -> list[str]:
        """IRIs of the server's named graphs, sorted (needs the query endpoint)."""
        outcome = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", max_rows=UNLIMITED_ROWS)
        return sorted(row["g"]["value"] for row in outcome.bindings if row.get("g", {}).get("type") == "uri")

    def get_graph(self, name: str) -> bytes:
        """The named graph as N-Triples (Graph Store GET, else CONSTRUCT); b"" when absent."""
        _iri(name)
        if self.store_endpoint is not None:
            url = self.store_endpoint
            data = self._http("GET", url, url.with_query(graph=name), accept=N_TRIPLES,
                              what=f"reading graph <{name}>", missing_ok=True)
            if not data:
                return b""
            # a server may answer in another triple syntax: normalise to N-Triples
            return pyoxigraph.serialize(pyoxigraph.parse(data, format=RdfFormat.TURTLE),
                                        format=RdfFormat.N_TRIPLES) or b""
        outcome = self.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}",
                             max_rows=UNLIMITED_ROWS)
        return (outcome.ntriples or "").encode("utf-8")

    def replace_graph(self, name: str, ntriples: bytes) -> None:
        """Replace the named graph's content (Graph Store PUT, else DROP + INSERT DATA)."""
        _iri(name)
        if self.store_endpoint is not None:
            url = self.store_endpoint
            self._http("PUT", url, url.with_query(graph=name), data=ntriples,
                       content_type=N_TRIPLES, what=f"loading graph <{name}>")
            return
        self.update(f"DROP SILENT GRAPH <{name}>", what=f"dropping graph <{name}>")
        self._insert(name, ntriples)

    def load_graph(self, name: str, ntriples: bytes) -> None:
        """Add triples to the named graph (Graph Store POST, else INSERT DATA)."""
        _iri(name)
        if self.store_endpoint is not None:
            url = self.store_endpoint
            self._http("POST", url, url.with_query(graph=name), data=ntriples,
                       content_type=N_TRIPLES, what=f"loading graph <{name}>")
            return
        self._insert(name, ntriples)

    def drop_graph(self, name: str) -> None:
        """Remove the named graph (no error when it does not exist)."""
        _iri(name)
        if self.update_endpoint is not None:
            self.update(f"DROP SILENT GRAPH <{name}>", what=f"dropping graph <{name}>")
            return
        url = self._need(self.store_endpoint, "--store-endpoint or --update-endpoint", "dropping a graph")
        self._http("DELETE", url, url.with_query(graph=name), what=f"dropping graph <{name}>",
                   missing_ok=True)

    def _insert(self, name: str, ntriples: bytes) -> None:
        """INSERT DATA in chunks of at most chunk_triples triples / chunk_bytes bytes.

        Blank node labels only hold within one request, so a graph with blank nodes is
        sent in one request whatever its size.
        """
        lines = [line for line in ntriples.decode("utf-8").splitlines() if line.strip()]
        if any(isinstance(t, BlankNode) for q in pyoxigraph.parse(ntriples, format=RdfFormat.N_TRIPLES)
               for t in (q.subject, q.object)):
            chunks = [lines]
        else:
            chunks, chunk, size = [], [], 0
            for line in lines:
                if chunk and (len(chunk) >= self.chunk_triples or size + len(line) > self.chunk_bytes):
                    chunks.append(chunk)
                    chunk, size = [], 0
                chunk.append(line)
                size += len(line) + 1
            if chunk:
                chunks.append(chunk)
        for number, chunk in enumerate(chunks, 1):
            body = "\n".join(chunk)
            self.update(f"INSERT DATA {{ GRAPH <{name}> {{\n{body}\n}} }}",
                        what=f"loading graph <{name}> (chunk {number} of {len(chunks)})")

    # ---- queries

    def query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        substitutions: Mapping[str, Mapping[str, Any]] | None = None,
        max_rows: int = 10_000,
        timeout: float | None = None,
        base_iri: str | None = None,
        info: QueryInfo | None = None,
    ) -> QueryOutcome:
        """Run a read-only query on the query endpoint, as :func:`gongkai.query_service.execute`.

        Raises :class:`QueryRefused` (the guard, before anything is sent),
        ``ValueError`` (a bad substitution, graph IRI or row cap),
        :class:`QuerySyntaxError` (the server answered 400), :class:`QueryTimeout`
        (the client-side deadline passed) or :class:`RemoteError` (unreachable, other
        HTTP errors).
        """
        url = self._need(self.endpoint, "--endpoint", "querying a remote server")
        if max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        if info is None:
            info = inspect_query(sparql, max_length=len(sparql), base_iri=base_iri)
        terms: dict[str, Any] = {}
        for name, value in (substitutions or {}).items():
            try:
                terms[name] = term_from_json(value)
            except ValueError as exc:
                raise ValueError(f"parameter {name}: {exc}") from None
        text = prebind(sparql, terms)
        if base_iri is not None and has_relative_iri(text):
            # on the query's first line, so that the server's error lines stay true
            text = f"BASE <{_iri(base_iri).value}> {text}"
        for graph in [*(default_graphs or ()), *(named_graphs or ())]:
            _iri(graph)
        if default_graphs is None and named_graphs is None and (info.from_graphs or info.from_named_graphs):
            default_graphs, named_graphs = list(info.from_graphs), list(info.from_named_graphs)
        graph_form = info.form in ("CONSTRUCT", "DESCRIBE")
        start = time.perf_counter()
        response = self._send(url, text, info.form, default_graphs or (), named_graphs or (),
                              N_TRIPLES if graph_form else RESULTS_JSON, deadline, timeout)
        outcome = QueryOutcome(form=info.form)
        try:
            reader = io.BufferedReader(_DeadlineReader(response, deadline, timeout), 64 * 1024)
            content_type = response.headers.get("Content-Type", "")
            if graph_form:
                self._read_graph(reader, _graph_format(content_type), outcome, max_rows)
            else:
                self._read_solutions(reader, _results_format(content_type), outcome, max_rows)
        except (SyntaxError, ValueError) as exc:
            raise RemoteError(f"unreadable query results from {url}: {_one_line(str(exc))}") from None
        except OSError as exc:
            raise RemoteError(f"reading query results from {url}: {exc}") from None
        finally:
            with contextlib.suppress(Exception):
                response.close()
        outcome.elapsed = time.perf_counter() - start
        return outcome

    @staticmethod
    def _read_solutions(reader: Any, fmt: QueryResultsFormat, outcome: QueryOutcome, max_rows: int) -> None:
        read_solutions(pyoxigraph.parse_query_results(reader, format=fmt), outcome, max_rows)

    @staticmethod
    def _read_graph(reader: Any, fmt: RdfFormat, outcome: QueryOutcome, max_rows: int) -> None:
        read_triples((quad.triple for quad in pyoxigraph.parse(reader, format=fmt)), outcome, max_rows)

    def _send(
        self,
        url: _Url,
        text: str,
        form: str,
        default_graphs: Iterable[str],
        named_graphs: Iterable[str],
        accept: str,
        deadline: float,
        timeout: float,
    ) -> Any:
        """POST the query with SPARQLWrapper; the open HTTP response (body unread)."""
        from SPARQLWrapper import POST, URLENCODED, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

        wrapper = SPARQLWrapper(url.url, agent=USER_AGENT)
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setOnlyConneg(True)  # no format=/output= parameters: the Accept header decides
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # its own query-type sniffing; the guard knows better
            wrapper.setQuery(text)
        wrapper.queryType = form  # never mistaken for an update
        for graph in default_graphs:
            wrapper.addParameter("default-graph-uri", graph)
        for graph in named_graphs:
            wrapper.addParameter("named-graph-uri", graph)
        wrapper.addCustomHttpHeader("Accept", accept)
        if url.user is not None:
            wrapper.setCredentials(url.user, url.password)
        left = deadline - time.monotonic()
        if left <= 0:
            raise QueryTimeout(f"query stopped after the timeout ({timeout:g} s)")
        wrapper.timeout = left  # setTimeout() would round it down to whole seconds
        try:
            return wrapper.query().response
        except QueryBadFormed as exc:
            message = _response_text(exc, one_line=False)
            raise QuerySyntaxError(message or "the server refused the query (HTTP 400)") from None
        except SPARQLWrapperException as exc:
            code = getattr(exc.__context__, "code", None)
            detail = _response_text(exc)
            raise RemoteError(
                f"query failed: HTTP {code or '?'} from {url}" + (f": {detail}" if detail else "")
            ) from None
        except urllib.error.HTTPError as exc:
            detail = _one_line(exc.read() or b"")
            if exc.code in (503, 504) and "timeout" in detail.lower():
                raise QueryTimeout(f"the server stopped the query: {detail}") from None
            raise RemoteError(
                f"query failed: HTTP {exc.code} {exc.reason} from {url}" + (f": {detail}" if detail else "")
            ) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise QueryTimeout(f"query stopped after the timeout ({timeout:g} s)") from None
            raise RemoteError(f"cannot reach the SPARQL endpoint {url}: {exc.reason}") from None
        except TimeoutError:
            raise QueryTimeout(f"query stopped after the timeout ({timeout:g} s)") from None
        except OSError as exc:
            raise RemoteError(f"cannot reach the SPARQL endpoint {url}: {exc}") from None

    # ---- checks

    def ping(self) -> None:
        """Raise RemoteError unless the query endpoint answers a trivial query."""
        self.query("ASK { }", max_rows=1, timeout=min(self.timeout, 30.0))

    def default_graph_is_union(self) -> bool | None:
        """Whether the server's default graph is the union of its named graphs, judged by
        the metadata triple (which is only in a named graph); None when there is none."""
        where = f"?g <{METADATA_PREDICATE}> ?m"
        named = self.query(f"ASK {{ GRAPH ?g {{ {where} }} }}", max_rows=1)
        if not named.boolean:
            return None
        return bool(self.query(f"ASK {{ {where} }}", max_rows=1).boolean)

    # ---- metadata

    def metadata(self, base: str | None = None) -> dict[str, Any]:
        """The metadata of the last push ({} when there is none).

        With ``base``, read from ``<base>graph/build`` (Graph Store GET when there is a
        store endpoint); without, found by its predicate through the query endpoint --
        one Gongkai dataset per server (dataset, repository) is expected. With only a
        Graph Store endpoint, the default base is assumed.
        """
        if base is None and self.endpoint is None and self.store_endpoint is not None:
            base = DEFAULT_BASE  # a Graph Store alone cannot be searched: assume the default base
        if base is not None and self.store_endpoint is not None:
            data = self.get_graph(build_graph_iri(base))
            for quad in pyoxigraph.parse(data, format=RdfFormat.N_TRIPLES):
                if quad.predicate.value == METADATA_PREDICATE and isinstance(quad.object, Literal):
                    return _parse_metadata(quad.object.value, self.location)
            return {}
        if self.endpoint is None:
            return {}
        outcome = self.query(
            f"SELECT ?g ?m WHERE {{ GRAPH ?g {{ ?g <{METADATA_PREDICATE}> ?m }} }}", max_rows=100
        )
        rows = [(r["g"]["value"], r["m"]["value"]) for r in outcome.bindings if "g" in r and "m" in r]
        if base is not None:
            rows = [r for r in rows if r[0] == build_graph_iri(base)]
        if not rows:
            return {}
        if len({g for g, _ in rows}) > 1:
            graphs = ", ".join(sorted({g for g, _ in rows}))
            raise RemoteError(f"several Gongkai datasets on {self.location} ({graphs}): "
                              "give each its own server dataset or repository")
        return _parse_metadata(rows[0][1], self.location)

    # ---- reading everything

    def snapshot(self) -> OxigraphStore:
        """The graphs of the last push, copied into an in-memory store (export, validate)."""
        meta = self.metadata()
        if not meta:
            raise RemoteError(f"no Gongkai dataset on {self.location} (run `gongkai push` first)")
        memory = pyoxigraph.Store()
        for name in meta.get("graphs", []):
            data = self.get_graph(name)
            if data:
                memory.bulk_load(data, format=RdfFormat.N_TRIPLES, to_graph=NamedNode(name))
        return OxigraphStore(memory, Path(self.location), read_only=True)

    # ---- push

    def push(self, graphs: Sequence[GraphSource], metadata: Mapping[str, Any], progress: Progress = _quiet) -> dict[str, Any]:
        """Load ``graphs`` (IRI, N-Triples getter) and ``metadata`` as the server's Gongkai
        dataset, replacing the previous push; see the module docstring for how atomic.

        Returns the metadata record stored on the server.
        """
        if self.store_endpoint is None and self.update_endpoint is None:
            raise GongkaiError("pushing to a remote server needs --store-endpoint URL or --update-endpoint URL")
        base = str(metadata.get("base") or "")
        if not base:
            raise GongkaiError("the store's metadata names no base IRI; rebuild it with `gongkai build`")
        build_graph = build_graph_iri(base)
        staging_root = base + STAGING
        names = [name for name, _ in graphs]
        for name in names:
            _iri(name)
            if name == build_graph or name.startswith(staging_root):
                raise GongkaiError(f"graph name <{name}> is reserved for the remote store's bookkeeping")
        if len(set(names)) != len(names):
            raise GongkaiError("the same graph name is given twice")

        previous, leftovers = self._previous(base, progress)
        token = f"{_dt.datetime.now(_dt.UTC).strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(4)}"
        staging_of = {name: f"{staging_root}{token}/{i}" for i, (name, _) in enumerate(graphs)}
        staging_of[build_graph] = f"{staging_root}{token}/build"
        record = {**metadata, "graphs": sorted(names), "pushed_at": _now()}
        record_nt = _metadata_ntriples(build_graph, record)
        staged: list[str] = []
        try:
            for i, (name, get) in enumerate(graphs, 1):
                data = get()
                self._stage(staging_of[name], data)
                staged.append(staging_of[name])
                triples = data.count(b"\n")
                progress(f"staged {i}/{len(graphs)} <{name}> ({triples} triples)")
            self._stage(staging_of[build_graph], record_nt)
            staged.append(staging_of[build_graph])
            stale = sorted((previous | leftovers) - set(names) - {build_graph} - set(staged))
            if self.update_endpoint is not None:
                moves = [f"MOVE <{staging_of[n]}> TO <{n}>" for n in [*names, build_graph]]
                drops = [f"DROP SILENT GRAPH <{g}>" for g in stale]
                self.update(" ;\n".join(moves + drops), what="swapping the new graphs in")
                staged.clear()  # moved: nothing left to clean up
                progress(f"swapped {len(names)} graphs in with one SPARQL update; dropped {len(drops)} stale")
            else:
                for name, get in graphs:
                    self.replace_graph(name, get())
                for graph in stale:
                    self.drop_graph(graph)
                self.replace_graph(build_graph, record_nt)
                progress(f"replaced {len(names)} graphs one PUT at a time; dropped {len(stale)} stale")
        except BaseException:
            for graph in staged:  # best effort: the previous graphs were never touched
                with contextlib.suppress(Exception):
                    self.drop_graph(graph)
            raise
        for graph in staged:  # Graph Store only: the staging copies are no longer needed
            self.drop_graph(graph)
        return record

    def _stage(self, graph: str, data: bytes) -> None:
        if self.store_endpoint is not None:
            self.replace_graph(graph, data)
        else:
            self._insert(graph, data)

    def _previous(self, base: str, progress: Progress) -> tuple[set[str], set[str]]:
        """(graphs the previous push recorded, staging graphs left by crashed pushes)."""
        if self.endpoint is None and self.store_endpoint is None:
            progress("note: without --endpoint or --store-endpoint the previous push cannot be read: "
                     "graphs it had that this one has not stay on the server")
            return set(), set()
        previous = set(self.metadata(base).get("graphs", []))
        leftovers: set[str] = set()
        if self.endpoint is not None:
            leftovers = {g for g in self.graphs() if g.startswith(base + STAGING)}
        return previous, leftovers


def _iri(value: str) -> NamedNode:
    try:
        return NamedNode(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"not a valid graph IRI {value!r}: {exc}") from None


def _response_text(exc: BaseException, *, one_line: bool = True) -> str:
    """The server's answer inside a SPARQLWrapper exception's message."""
    message = str(exc)
    _, sep, raw = message.partition("Response:\n")
    if not sep:
        return ""
    try:
        body = ast.literal_eval(raw.strip())
    except (ValueError, SyntaxError):
        body = raw
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    body = str(body)
    return _one_line(body) if one_line else body.strip()[:4000]


def _parse_metadata(text: str, where: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise RemoteError(f"unreadable Gongkai metadata on {where}: {exc}") from None
    if not isinstance(value, dict):
        raise RemoteError(f"unreadable Gongkai metadata on {where}: not a JSON object")
    return value


def _metadata_ntriples(graph: str, record: Mapping[str, Any]) -> bytes:
    text = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    triple = pyoxigraph.Triple(NamedNode(graph), NamedNode(METADATA_PREDICATE), Literal(text))
    return f"{triple} .\n".encode()


def store_graph_sources(store: OxigraphStore) -> list[GraphSource]:
    """Every named graph of an (embedded) store, each read when it is needed."""

    def getter(name: str) -> Callable[[], bytes]:
        return lambda: store.raw.dump(format=RdfFormat.N_TRIPLES, from_graph=NamedNode(name)) or b""

    return [(name, getter(name)) for name in store.graphs()]


# --------------------------------------------------------------------------- the web app's service


class RemoteQueryService:
    """:class:`gongkai.query_service.QueryService`'s interface over a remote server.

    The guard runs before anything is sent; the timeout is the client's (the server
    may keep working on a query we gave up on); at most ``workers`` queries are in
    flight at once (waiting for a slot counts toward the timeout).
    """

    def __init__(
        self,
        remote: RemoteStore,
        *,
        timeout: float = 30.0,
        max_rows: int = 10_000,
        workers: int = 2,
        max_query_length: int = 20_000,
    ) -> None:
        self.timeout, self.max_rows, self.max_query_length = service_limits(
            timeout=timeout, max_rows=max_rows, workers=workers, max_query_length=max_query_length
        )
        if remote.endpoint is None:
            raise GongkaiError("serving from a remote server needs its query endpoint (--endpoint URL)")
        self.remote = remote
        self._slots = threading.BoundedSemaphore(workers)
        self._closed = False

    def run(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        substitutions: Mapping[str, Mapping[str, Any]] | None = None,
        timeout: float | None = None,
        max_rows: int | None = None,
        base_iri: str | None = None,
    ) -> QueryOutcome:
        """As :meth:`QueryService.run`; a server that cannot be reached or answers with an
        HTTP error other than 400 raises :class:`QueryFailed`."""
        start = time.monotonic()
        if self._closed:
            raise GongkaiError("the query service is closed")
        info = inspect_query(sparql, self.max_query_length, base_iri=base_iri)
        timeout = self.timeout if timeout is None else timeout
        max_rows = self.max_rows if max_rows is None else max_rows
        if max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        if not self._slots.acquire(timeout=max(0.0, timeout)):
            raise QueryTimeout(f"no query slot became free within the timeout ({timeout:g} s)")
        try:
            left = timeout - (time.monotonic() - start)
            if left <= 0:
                raise QueryTimeout(f"query stopped after the timeout ({timeout:g} s)")
            outcome = self.remote.query(
                sparql, default_graphs=default_graphs, named_graphs=named_graphs,
                substitutions=substitutions, max_rows=max_rows, timeout=left,
                base_iri=base_iri, info=info,
            )
        except RemoteError as exc:
            raise QueryFailed(str(exc)) from None
        finally:
            self._slots.release()
        outcome.elapsed = time.monotonic() - start
        return outcome

    def worker_pids(self) -> list[int]:
        return []  # no worker processes: the server does the work

    def close(self) -> None:
        self._closed = True

    def __enter__(self) -> RemoteQueryService:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

