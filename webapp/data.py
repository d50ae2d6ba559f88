"""The web app's one door to the graph: a query service plus the store's metadata.

Pages, the SPARQL endpoint and the saved queries all query through here, so the
timeout, the row cap and the read-only guard apply to every request alike -- whichever
backend holds the graph:

* the embedded store (``GONGKAI_STORE``): :class:`gongkai.query_service.QueryService`,
  worker processes that are killed at the timeout; metadata from
  ``gongkai-store.json``, re-read when a rebuild replaced it;
* a remote SPARQL 1.1 server (``GONGKAI_ENDPOINT``, its query endpoint):
  :class:`gongkai.remote.RemoteQueryService`, the same guard, a client-side timeout
  and row cap; metadata from the server's ``<base>graph/build`` graph (written by
  ``gongkai push``), re-read at most every ``METADATA_TTL`` seconds.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path
from threading import Lock
from typing import Any

from gongkai.errors import GongkaiError
from gongkai.namespaces import DEFAULT_BASE, sparql_prefixes
from gongkai.national import run_saved
from gongkai.query_service import QueryOutcome, QueryService
from gongkai.remote import RemoteQueryService, RemoteStore
from gongkai.saved_queries import BoundQuery
from gongkai.store import METADATA_FILE, OxigraphStore

METADATA_TTL = 5.0  # seconds a remote server's metadata is trusted before it is re-read
METADATA_READ_TIMEOUT = 10.0  # seconds, for that re-read (a slow server keeps the old one)


@dataclass
class GraphData:
    store_path: Path
    service: QueryService | RemoteQueryService
    max_rows: int
    max_query_length: int
    remote: RemoteStore | None = None
    _metadata: tuple[float, dict[str, Any]] = (0.0, {})
    _lock: Lock = field(default_factory=Lock)

    @classmethod
    def open(cls, store_path: Path, *, timeout: float, max_rows: int, max_query_length: int, workers: int,
             endpoint: str | None = None) -> GraphData:
        """The graph of the embedded store at ``store_path``, or of the SPARQL server whose
        query endpoint is ``endpoint`` (then ``store_path`` is not used)."""
        if endpoint:
            return cls._open_remote(endpoint, timeout=timeout, max_rows=max_rows,
                                    max_query_length=max_query_length, workers=workers)
        if not (store_path / METADATA_FILE).is_file():
            raise GongkaiError("no built store here (run `gongkai build` first)", file=str(store_path))
        service = QueryService(store_path, timeout=timeout, max_rows=max_rows, workers=workers,
                               max_query_length=max_query_length)
        return cls(store_path, service, max_rows, max_query_length)

    @classmethod
    def _open_remote(cls, endpoint: str, *, timeout: float, max_rows: int, max_query_length: int,
                     workers: int) -> GraphData:
        remote = RemoteStore(endpoint, timeout=max(timeout, METADATA_READ_TIMEOUT))
        metadata = remote.metadata()  # RemoteError (one line, naming the URL) when unreachable
        if not metadata:
            raise GongkaiError(f"no Gongkai dataset on {remote.location} (run `gongkai push` first)")
        if remote.default_graph_is_union() is False:
            raise GongkaiError(
                f"the default graph of {remote.location} is not the union of its named graphs, which "
                "every Gongkai query assumes: configure the server so (docs/remote-servers.md)")
        service = RemoteQueryService(remote, timeout=timeout, max_rows=max_rows, workers=workers,
                                     max_query_length=max_query_length)
        # Never a store (nothing opens it: open_store() snapshots the server): its folder,
        # one per server, holds the /download dumps made from the server's graphs.
        digest = sha256(remote.location.encode()).hexdigest()[:12]
        store_path = Path(tempfile.gettempdir()) / f"gongkai-remote-{digest}" / "store"
        data = cls(store_path, service, max_rows, max_query_length, remote=remote)
        data._metadata = (time.monotonic(), metadata)
        return data

    @property
    def endpoint(self) -> str | None:
        """The remote query endpoint, or None for the embedded store."""
        return str(self.remote.endpoint) if self.remote is not None else None

    def metadata(self) -> dict[str, Any]:
        """The store's metadata: gongkai-store.json, or the remote server's build graph."""
        if self.remote is not None:
            return self._remote_metadata()
        path = self.store_path / METADATA_FILE
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return self._metadata[1]
        with self._lock:
            if mtime != self._metadata[0]:
                self._metadata = (mtime, json.loads(path.read_text(encoding="utf-8")))
            return self._metadata[1]

    def _remote_metadata(self) -> dict[str, Any]:
        assert self.remote is not None
        with self._lock:
            read_at, metadata = self._metadata
            if time.monotonic() - read_at < METADATA_TTL:
                return metadata
            self._metadata = (time.monotonic(), metadata)  # one reader at a time; the others keep the old
        try:
            fresh = self.remote.metadata()
        except Exception:  # unreachable, slow, unreadable: keep serving the last known
            return metadata
        if fresh:
            with self._lock:
                self._metadata = (time.monotonic(), fresh)
            return fresh
        return metadata

    @property
    def base(self) -> str:
        return self.metadata().get("base", DEFAULT_BASE)

    @property
    def data_version(self) -> str:
        return str(self.metadata().get("data_version", ""))

    def run(self, sparql: str, **options: Any) -> QueryOutcome:
        return self.service.run(sparql, **options)

    def run_saved(self, bound: BoundQuery) -> QueryOutcome:
        """A bound saved query's outcome; a national view window by window
        (:mod:`gongkai.national`), all windows within the one query timeout."""
        return run_saved(lambda sparql, substitutions, timeout: self.service.run(
            sparql, substitutions=substitutions, timeout=timeout), bound, timeout=self.service.timeout)

    def select(self, sparql: str, substitutions: dict[str, dict] | None = None) -> list[dict[str, str]]:
        """Rows of plain values for the app's own page queries (our prefixes predeclared)."""
        outcome = self.service.run(sparql_prefixes() + sparql, substitutions=substitutions)
        return [{name: term["value"] for name, term in row.items()} for row in outcome.bindings]

    @contextlib.contextmanager
    def open_store(self) -> Iterator[OxigraphStore]:
        """The whole graph as an :class:`OxigraphStore` for exporting it: the embedded store
        opened read-only, or an in-memory copy of the remote server's graphs."""
        store = self.remote.snapshot() if self.remote is not None else OxigraphStore.open(self.store_path)
        try:
            yield store
        finally:
            store.close()

    def close(self) -> None:
        self.service.close()
