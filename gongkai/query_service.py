"""Read-only SPARQL on the embedded store, with a timeout that really stops the query.

Why worker processes: pyoxigraph cannot cancel a running query, and a thread cannot be
killed. So queries run in a small pool of processes (``spawn`` context, so no forked
copy of the web server's locks or open database), each holding the store open
read-only. When a query overruns its timeout, its worker is terminated -- the query's
work really stops -- and a fresh worker takes its place while the others keep serving.

Dataset rules (SPARQL 1.1 Protocol):

* ``default_graphs`` / ``named_graphs`` given -> the dataset is exactly those graphs
  (a missing one means none: ``named_graphs`` alone gives an empty default graph);
* otherwise the query's own ``FROM`` / ``FROM NAMED``, if any (graphs of the store;
  nothing is ever fetched);
* otherwise the default graph is the union of all graphs and every named graph is
  visible.

:func:`execute` is the same conversion in-process, without timeout (CLI, benchmarks,
the workers themselves).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, QueryBoolean, QuerySolutions, Triple

from gongkai.errors import GongkaiError
from gongkai.sparql_guard import QueryInfo, QueryRefused, inspect_query
from gongkai.store import OxigraphStore

__all__ = [
    "QueryFailed",
    "QueryOutcome",
    "QueryRefused",
    "QueryService",
    "QuerySyntaxError",
    "QueryTimeout",
    "execute",
    "term_from_json",
    "term_to_json",
]

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
Term = NamedNode | BlankNode | Literal | Triple


class QueryTimeout(Exception):
    """The query did not finish (or find a free worker) within its timeout."""


class QuerySyntaxError(Exception):
    """The engine could not parse the query; the message is the engine's own."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class QueryFailed(Exception):
    """The engine failed while evaluating (or its worker died): not the user's syntax."""


@dataclass
class QueryOutcome:
    """A query's result, engine-independent and picklable (it crosses the worker pipe)."""

    form: str  # "SELECT" | "ASK" | "CONSTRUCT" | "DESCRIBE"
    variables: list[str] = field(default_factory=list)
    # SPARQL-JSON terms; rows share the dict of a recurring term: read them, never change them
    bindings: list[dict[str, dict]] = field(default_factory=list)
    boolean: bool | None = None
    ntriples: str | None = None  # CONSTRUCT / DESCRIBE: N-Triples, one triple a line
    truncated: bool = False
    elapsed: float = 0.0  # seconds; through QueryService.run: the whole call, waits included


# --------------------------------------------------------------------------- terms


def term_to_json(term: Term) -> dict[str, Any]:
    """A pyoxigraph term in SPARQL 1.1 Query Results JSON form (triple terms as in 1.2)."""
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value not in (XSD_STRING, RDF_LANG_STRING):
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, Triple):
        return {
            "type": "triple",
            "value": {
                "subject": term_to_json(term.subject),
                "predicate": term_to_json(term.predicate),
                "object": term_to_json(term.object),
            },
        }
    raise TypeError(f"not an RDF term: {term!r}")


def term_from_json(value: Mapping[str, Any]) -> Term:
    """A SPARQL-JSON term as a pyoxigraph term; ValueError names what is wrong."""
    kind = value.get("type")
    text = value.get("value")
    try:
        if kind == "uri" and isinstance(text, str):
            return NamedNode(text)
        if kind == "bnode" and isinstance(text, str):
            return BlankNode(text)
        if kind in ("literal", "typed-literal") and isinstance(text, str):
            if value.get("xml:lang"):
                return Literal(text, language=value["xml:lang"])
            if value.get("datatype"):
                return Literal(text, datatype=NamedNode(value["datatype"]))
            return Literal(text)
        if kind == "triple" and isinstance(text, Mapping):
            return Triple(
                term_from_json(text["subject"]),
                term_from_json(text["predicate"]),
                term_from_json(text["object"]),
            )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a valid RDF term {dict(value)!r}: {exc}") from None
    raise ValueError(f"not a SPARQL-JSON term: {dict(value)!r}")


def _substitutions(substitutions: Mapping[str, Mapping[str, Any]] | None) -> dict[str, Term]:
    out: dict[str, Term] = {}
    for name, value in (substitutions or {}).items():
        try:
            out[name.lstrip("?$")] = term_from_json(value)
        except ValueError as exc:
            raise ValueError(f"parameter {name}: {exc}") from None
    return out


def _graph_iri(iri: str) -> NamedNode:
    try:
        return NamedNode(iri)
    except ValueError as exc:
        raise ValueError(f"not a valid graph IRI {iri!r}: {exc}") from None


# --------------------------------------------------------------------------- in-process


def execute(
    store: OxigraphStore,
    sparql: str,
    *,
    default_graphs: Sequence[str] | None = None,
    named_graphs: Sequence[str] | None = None,
    substitutions: Mapping[str, Mapping[str, Any]] | None = None,
    max_rows: int = 10_000,
    base_iri: str | None = None,
    info: QueryInfo | None = None,
) -> QueryOutcome:
    """Run one query on an open store and convert the result (no timeout).

    The query is checked by :func:`inspect_query` (no length limit here) unless the
    caller passes the ``info`` it already has. ``base_iri`` resolves relative IRIs in
    the query (without it, ``<s>`` is a syntax error). Raises :class:`QuerySyntaxError`,
    :class:`QueryRefused`, ``ValueError`` for a bad substitution or row cap -- including
    a SELECT whose projection lacks a substituted variable (SEP-0007, as pyoxigraph
    implements it: project the parameter, e.g. ``SELECT ?catalog (COUNT(?i) AS ?n)
    ... GROUP BY ?catalog``).
    """
    if max_rows < 1:
        raise ValueError("max_rows must be at least 1")
    if info is None:
        info = inspect_query(sparql, max_length=len(sparql), base_iri=base_iri)
    for graph in [*(default_graphs or ()), *(named_graphs or ())]:
        _graph_iri(graph)
    kwargs: dict[str, Any] = {
        "substitutions": _substitutions(substitutions) or None,
        "base_iri": base_iri,
    }
    if default_graphs is not None or named_graphs is not None:
        kwargs["default_graph"] = list(default_graphs or [])
        kwargs["named_graphs"] = list(named_graphs or [])
    elif info.from_graphs or info.from_named_graphs:
        kwargs["union_default_graph"] = False  # the union would override FROM
    start = time.perf_counter()
    try:
        result = store.query(sparql, **kwargs)
    except SyntaxError as exc:
        raise QuerySyntaxError(str(exc)) from None
    except RuntimeError as exc:
        if not substitutions:
            raise
        # SEP-0007: a SELECT can only have variables of its projection substituted
        raise ValueError(f"cannot bind the parameters: {exc}") from None
    outcome = QueryOutcome(form=info.form)
    if isinstance(result, QueryBoolean | QuerySolutions):
        read_solutions(result, outcome, max_rows)
    else:
        read_triples(result, outcome, max_rows)
    outcome.elapsed = time.perf_counter() - start
    return outcome


def read_solutions(result: QueryBoolean | QuerySolutions, outcome: QueryOutcome, max_rows: int) -> None:
    """An engine's (or a parsed remote) result into ``outcome``: SPARQL-JSON terms, capped."""
    if isinstance(result, QueryBoolean):
        outcome.boolean = bool(result)
        return
    outcome.variables = variables = [v.value for v in result.variables]
    # a term recurs down a column (a place, a law, a type): converted once, and the rows
    # share its dict, which also pickles once on the way back from a worker. Converting
    # 500 rows this way took a fifth of the time, and their pickle a third.
    converted: dict[Term, dict[str, Any]] = {}
    for solution in result:
        if len(outcome.bindings) == max_rows:
            outcome.truncated = True
            break
        row = {}
        for name, term in zip(variables, solution, strict=True):
            if term is not None:
                value = converted.get(term)
                if value is None:
                    value = converted[term] = term_to_json(term)
                row[name] = value
        outcome.bindings.append(row)


def read_triples(triples: Iterable[Triple], outcome: QueryOutcome, max_rows: int) -> None:
    """A graph result as N-Triples: a graph is a set, so duplicates are dropped; capped."""
    seen: dict[str, None] = {}
    for triple in triples:
        line = f"{triple} .\n"
        if line in seen:
            continue
        if len(seen) == max_rows:
            outcome.truncated = True
            break
        seen[line] = None
    outcome.ntriples = "".join(seen)


# --------------------------------------------------------------------------- workers


# Stores up to this many quads are copied into each worker's memory, where Oxigraph
# answers several times faster than from disk (≈ 100 bytes a quad: 2M quads ≈ 200 MB).
IN_MEMORY_QUADS = int(os.environ.get("GONGKAI_IN_MEMORY_QUADS", "2000000"))


def _open(path: str, store: OxigraphStore | None, attempts: int = 5) -> OxigraphStore:
    """The store, reopened when a build has swapped a new one into place.

    A build swaps stores with two renames; a worker that looks in between finds no
    store, so it tries a few times (0.05 s apart) before reporting the error.
    """
    if store is not None and not store.changed_on_disk():
        return store
    if store is not None:
        store.close()
    attempt = 1
    while True:
        try:
            opened = OxigraphStore.open(path, read_only=True)
            if opened.size() <= IN_MEMORY_QUADS:
                copy = opened.in_memory()
                opened.close()
                return copy
            return opened
        except GongkaiError:
            if attempt >= attempts:
                raise
            attempt += 1
            time.sleep(0.05)


def _worker_main(conn: Connection, store_path: str) -> None:
    """A worker's loop: one request in, one reply out, until told to stop (None)."""
    # Ctrl-C in the server's terminal goes to the whole process group; the parent
    # decides when workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    store: OxigraphStore | None = None
    with contextlib.suppress(GongkaiError):  # an error is reported to the first request
        store = _open(store_path, None, attempts=1)  # warm up before the first request
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        reply: tuple[Any, ...]
        try:
            store = _open(store_path, store)
        except GongkaiError as exc:
            store = None
            conn.send(("gongkai", exc.message, exc.file, exc.line))
            continue
        try:
            reply = ("ok", execute(store, **request))
        except QuerySyntaxError as exc:
            reply = ("syntax", exc.message)
        except QueryRefused as exc:
            reply = ("refused", exc.message, exc.status)
        except GongkaiError as exc:
            reply = ("gongkai", exc.message, exc.file, exc.line)
        except ValueError as exc:
            reply = ("value", str(exc))
        except Exception as exc:  # the engine's OSError and the like
            reply = ("failed", f"{type(exc).__name__}: {exc}")
        conn.send(reply)


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, context: Any, store_path: Path) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_worker_main,
            args=(child, str(store_path)),
            name="gongkai-query-worker",
            daemon=True,
        )
        self.process.start()
        child.close()
        self._lock = threading.Lock()
        self._stopped = False

    def alive(self) -> bool:
        with self._lock:
            return not self._stopped and self.process.is_alive()

    def interrupt(self) -> None:
        """Kill the process but leave the cleanup to the thread that owns the worker."""
        with self._lock:
            if not self._stopped:
                self.process.terminate()

    def stop(self, *, graceful: bool) -> None:
        """Stop the process and free its resources (idempotent)."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            if graceful:
                try:
                    self.conn.send(None)
                    self.process.join(1.0)
                except (OSError, ValueError):
                    pass
            if self.process.is_alive():
                self.process.terminate()
                self.process.join(1.0)
            if self.process.is_alive():
                self.process.kill()
                self.process.join()
            self.conn.close()
            self.process.close()


def service_limits(
    *, timeout: float, max_rows: int, workers: int, max_query_length: int
) -> tuple[float, int, int]:
    """``(timeout, max_rows, max_query_length)`` once the arguments are checked.

    :class:`QueryService` and :class:`gongkai.remote.RemoteQueryService` take the same
    arguments (the web app uses either), so they share this one check and refuse the
    same values with the same message.
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    return timeout, max_rows, max_query_length


class QueryService:
    """A pool of worker processes running read-only queries with timeout and row cap.

    Thread-safe: each call takes a free worker (waiting counts toward its timeout),
    and gives it back, or replaces it when the query overran or the worker died.
    """

    def __init__(
        self,
        store_path: Path,
        *,
        timeout: float = 30.0,
        max_rows: int = 10_000,
        workers: int = 2,
        max_query_length: int = 20_000,
    ) -> None:
        self.timeout, self.max_rows, self.max_query_length = service_limits(
            timeout=timeout, max_rows=max_rows, workers=workers, max_query_length=max_query_length
        )
        self.store_path = Path(store_path).absolute()
        OxigraphStore.open(self.store_path, read_only=True).close()  # GongkaiError now
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._closed = False
        self._all: set[_Worker] = set()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        for _ in range(workers):
            self._idle.put(self._spawn())

    # ---- the pool

    def _spawn(self) -> _Worker:
        worker = _Worker(self._context, self.store_path)
        self._all.add(worker)
        return worker

    def _acquire(self, deadline: float, timeout: float) -> _Worker:
        while True:
            if self._closed:
                raise GongkaiError("the query service is closed")
            try:
                worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise QueryTimeout(
                    f"no query worker became free within the timeout ({timeout:g} s)"
                ) from None
            if worker.alive():
                return worker
            self._replace(worker)  # died while idle (killed from outside): not this query's fault

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            if not self._closed:
                self._idle.put(worker)
                return
            self._all.discard(worker)
        worker.stop(graceful=True)

    def _replace(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
            if not self._closed:
                self._idle.put(self._spawn())
        worker.stop(graceful=False)

    # ---- queries

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
        """Run a read-only query in a worker; see the module docstring for the dataset.

        Raises :class:`QueryRefused` (before anything runs), ``ValueError`` for a bad
        substitution or graph IRI (see :func:`execute`), :class:`QuerySyntaxError`,
        :class:`QueryTimeout`, :class:`QueryFailed`, or :class:`GongkaiError` when the
        store cannot be opened or the service is closed. ``elapsed`` of the outcome is
        the wall time of this call (waiting for a worker included).
        """
        start = time.monotonic()
        info = inspect_query(sparql, self.max_query_length, base_iri=base_iri)
        _substitutions(substitutions)  # a bad term is the caller's error: raise it here
        for graph in [*(default_graphs or ()), *(named_graphs or ())]:
            _graph_iri(graph)
        timeout = self.timeout if timeout is None else timeout
        max_rows = self.max_rows if max_rows is None else max_rows
        if max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        request = {
            "sparql": sparql,
            "default_graphs": None if default_graphs is None else list(default_graphs),
            "named_graphs": None if named_graphs is None else list(named_graphs),
            "substitutions": {k: dict(v) for k, v in (substitutions or {}).items()},
            "max_rows": max_rows,
            "base_iri": base_iri,
            "info": info,
        }
        deadline = start + timeout
        worker = self._acquire(deadline, timeout)
        healthy = False
        try:
            worker.conn.send(request)
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                raise QueryTimeout(f"query stopped after the timeout ({timeout:g} s)")
            reply = worker.conn.recv()
            healthy = True
        except (EOFError, OSError) as exc:
            if self._closed:
                raise GongkaiError("the query service is closed") from None
            raise QueryFailed(f"the query worker stopped unexpectedly ({exc!r})") from None
        finally:
            if healthy:
                self._release(worker)
            else:
                self._replace(worker)
        return self._unpack(reply, start)

    @staticmethod
    def _unpack(reply: tuple[Any, ...], start: float) -> QueryOutcome:
        kind = reply[0]
        if kind == "ok":
            outcome: QueryOutcome = reply[1]
            outcome.elapsed = time.monotonic() - start
            return outcome
        if kind == "syntax":
            raise QuerySyntaxError(reply[1])
        if kind == "refused":
            raise QueryRefused(reply[1], reply[2])
        if kind == "value":
            raise ValueError(reply[1])
        if kind == "gongkai":
            raise GongkaiError(reply[1], file=reply[2], line=reply[3])
        raise QueryFailed(reply[1])

    def worker_pids(self) -> list[int]:
        """Process ids of the current workers (for health pages and tests)."""
        with self._lock:
            return sorted(w.process.pid for w in self._all if w.process.pid is not None)

    # ---- lifetime

    def close(self) -> None:
        """Stop every worker (a query still running in one fails with GongkaiError)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        idle: set[_Worker] = set()
        while True:
            try:
                idle.add(self._idle.get_nowait())
            except queue.Empty:
                break
        for worker in workers:
            if worker in idle:
                worker.stop(graceful=True)
            else:  # busy: its thread gets EOF and cleans up
                worker.interrupt()

    def __enter__(self) -> QueryService:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
