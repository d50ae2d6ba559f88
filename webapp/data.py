"""The web app's one door to the graph: the query service plus the store's metadata.

Pages, the SPARQL endpoint and the saved queries all query through here, so the
timeout, the row cap and the read-only guard apply to every request alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock
from typing import Any

from gongkai.errors import GongkaiError
from gongkai.namespaces import DEFAULT_BASE, sparql_prefixes
from gongkai.query_service import QueryOutcome, QueryService
from gongkai.store import METADATA_FILE


@dataclass
class GraphData:
    store_path: Path
    service: QueryService
    max_rows: int
    max_query_length: int
    _metadata: tuple[float, dict[str, Any]] = (0.0, {})
    _lock: Lock = field(default_factory=Lock)

    @classmethod
    def open(cls, store_path: Path, *, timeout: float, max_rows: int, max_query_length: int, workers: int) -> GraphData:
        if not (store_path / METADATA_FILE).is_file():
            raise GongkaiError("no built store here (run `gongkai build` first)", file=str(store_path))
        service = QueryService(store_path, timeout=timeout, max_rows=max_rows, workers=workers,
                               max_query_length=max_query_length)
        return cls(store_path, service, max_rows, max_query_length)

    def metadata(self) -> dict[str, Any]:
        """The store's gongkai-store.json, re-read when a rebuild replaced it."""
        path = self.store_path / METADATA_FILE
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return self._metadata[1]
        with self._lock:
            if mtime != self._metadata[0]:
                self._metadata = (mtime, json.loads(path.read_text(encoding="utf-8")))
            return self._metadata[1]

    @property
    def base(self) -> str:
        return self.metadata().get("base", DEFAULT_BASE)

    @property
    def data_version(self) -> str:
        return str(self.metadata().get("data_version", ""))

    def run(self, sparql: str, **options: Any) -> QueryOutcome:
        return self.service.run(sparql, **options)

    def select(self, sparql: str, substitutions: dict[str, dict] | None = None) -> list[dict[str, str]]:
        """Rows of plain values for the app's own page queries (our prefixes predeclared)."""
        outcome = self.service.run(sparql_prefixes() + sparql, substitutions=substitutions)
        return [{name: term["value"] for name, term in row.items()} for row in outcome.bindings]

    def close(self) -> None:
        self.service.close()
