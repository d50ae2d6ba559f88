"""The embedded Oxigraph store (pyoxigraph, on disk) and atomic builds.

One small interface: load / replace / drop a named graph, list graphs, query, iterate
quads. Queries see the union of all graphs as their default graph unless told
otherwise, so researchers' queries find data in every catalog's named graph.

Builds are atomic: :func:`atomic_build` fills a brand-new store in a temporary sibling
folder and swaps it into place only once it is complete; if anything fails the
previous store is left exactly as it was.

Each built store carries ``gongkai-store.json`` with the data version (sha256 over the
store content as canonical, sorted N-Quads -- byte-identical to the N-Quads export),
the build time and whatever the caller adds.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as _dt
import gc
import hashlib
import heapq
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import pyoxigraph
from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Variable

from gongkai import __version__
from gongkai.errors import GongkaiError

try:  # POSIX only; builds are still atomic without it, just not serialised.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "METADATA_FILE",
    "Filled",
    "OxigraphStore",
    "atomic_build",
    "canonical_lines",
    "content_sha256",
    "drop_graph_keeping_union",
    "graph_digest",
    "sorted_unique",
    "version_of",
]

METADATA_FILE = "gongkai-store.json"
METADATA_FORMAT = "gongkai-store/1"
_RESERVED_METADATA = frozenset(
    {
        "format",
        "data_version",
        "built_at",
        "quads",
        "named_graphs",
        "default_graph",
        "default_graph_triples",
        "graph_digests",
        "graph_triples",
        "store_timings",
        "gongkai_version",
        "pyoxigraph_version",
    }
)
# Lines held in memory before sorted runs are spilled to disk (canonical ordering).
SORT_CHUNK_LINES = 1_000_000


# --------------------------------------------------------------------------- helpers


def _rdf_format(fmt: str | RdfFormat) -> RdfFormat:
    if isinstance(fmt, RdfFormat):
        return fmt
    found = RdfFormat.from_media_type(fmt) or RdfFormat.from_extension(fmt.lstrip("."))
    if found is None:
        raise GongkaiError(f"unknown RDF format {fmt!r} (give a media type such as text/turtle)")
    return found


def _named_node(iri: str) -> NamedNode:
    try:
        return NamedNode(iri)
    except ValueError as exc:
        raise GongkaiError(f"not a valid graph IRI: {iri!r} ({exc})") from None


def quads_held(metadata: Mapping[str, Any]) -> int | None:
    """All quads a store holds, by its metadata: its graphs' quads plus the default
    graph's union copy (what decides whether a query worker copies it into memory)."""
    if metadata.get("quads") is None:
        return None
    return int(metadata["quads"]) + int(metadata.get("default_graph_triples") or 0)


def _looks_like_store(path: Path) -> bool:
    return (path / "CURRENT").is_file() or (path / METADATA_FILE).is_file()


def _release(store: pyoxigraph.Store | None) -> None:
    """pyoxigraph has no close(): the database closes when the object is freed."""
    del store
    gc.collect()


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def canonical_line(quad: Quad, *, triples: bool = False) -> str:
    """One quad as a canonical N-Quads line (or N-Triples line when ``triples``)."""
    return f"{quad.triple if triples else quad} .\n"


def _spill(sorted_lines: list[str], folder: str) -> str:
    fd, name = tempfile.mkstemp(dir=folder, suffix=".run")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.writelines(sorted_lines)
    return name


def sorted_unique(lines: Iterable[str], chunk: int | None = None) -> Iterator[str]:
    """Sort and deduplicate lines with bounded memory (external merge sort)."""
    chunk = chunk or SORT_CHUNK_LINES
    buffer: list[str] = []
    runs: list[str] = []
    iterator = iter(lines)
    for line in iterator:
        buffer.append(line)
        if len(buffer) >= chunk:
            break
    else:  # everything fits in memory: the common case
        yield from sorted(set(buffer))
        return
    with tempfile.TemporaryDirectory(prefix="gongkai-sort-") as folder:
        runs.append(_spill(sorted(set(buffer)), folder))
        buffer = []
        for line in iterator:
            buffer.append(line)
            if len(buffer) >= chunk:
                runs.append(_spill(sorted(set(buffer)), folder))
                buffer = []
        if buffer:
            runs.append(_spill(sorted(set(buffer)), folder))
        buffer = []
        with contextlib.ExitStack() as stack:
            handles = [stack.enter_context(open(r, encoding="utf-8", newline="")) for r in runs]
            previous = None
            for line in heapq.merge(*handles):
                if line != previous:
                    yield line
                    previous = line


def canonical_lines(
    quads: Iterable[Quad], *, triples: bool = False, chunk: int | None = None
) -> Iterator[str]:
    """Canonical, sorted, duplicate-free N-Quads lines for ``quads``.

    With ``triples=True`` the graph name is dropped (N-Triples of the union of all
    graphs). Lines are pyoxigraph's canonical serialisation, ``" .\\n"``-terminated,
    sorted by code point (the same as UTF-8 byte order). Memory stays bounded: runs of
    ``chunk`` lines are sorted and spilled to temporary files, then merged.
    """
    return sorted_unique(
        (canonical_line(q, triples=triples) for q in quads), chunk or SORT_CHUNK_LINES
    )


def graph_digest(lines: Iterable[str]) -> str:
    """sha256 (hex) of one graph's canonical, sorted, duplicate-free N-Triples lines."""
    digest = hashlib.sha256()
    lines = iter(lines)
    while chunk := "".join(islice(lines, 4096)):  # encoding a line at a time costs more than the hash
        digest.update(chunk.encode("utf-8"))
    return digest.hexdigest()


def version_of(digests: Mapping[str, str]) -> str:
    """The data version: sha256 over ``<graph IRI> TAB <graph digest>`` lines, sorted.

    A digest per graph, not one over the whole sorted dump, so that a build that
    rebuilds one catalog rehashes one graph (the rest is recorded in the metadata), and
    so that hashing never sorts the whole store. The default graph, when it is a graph
    of its own rather than the union of the named graphs, is listed under "".
    """
    digest = hashlib.sha256()
    for name in sorted(digests):
        digest.update(f"{name}\t{digests[name]}\n".encode())
    return digest.hexdigest()


def scan_graph_digests(store: pyoxigraph.Store, *, union: bool, skip: Iterable[str] = ()) -> dict[str, tuple[str, int]]:
    """(digest, triples) of every named graph (and of an own default graph) not in
    ``skip``, computed by reading the graphs back."""
    skipped = set(skip)
    graphs: list[NamedNode | DefaultGraph] = [g for g in store.named_graphs() if isinstance(g, NamedNode)]
    if not union:
        graphs.append(DefaultGraph())
    found = {}
    for graph in graphs:
        name = graph.value if isinstance(graph, NamedNode) else ""
        if name in skipped:
            continue
        count = [0]

        def lines(graph=graph, count=count) -> Iterator[str]:
            for line in canonical_lines(store.quads_for_pattern(None, None, None, graph), triples=True):
                count[0] += 1
                yield line

        digest = graph_digest(lines())
        if count[0] or name:
            found[name] = (digest, count[0])
    return found


def content_sha256(store: pyoxigraph.Store, *, union: bool = False) -> str:
    """The data version of a store whose digests nobody recorded (see :func:`version_of`)."""
    return version_of({name: digest for name, (digest, _n) in scan_graph_digests(store, union=union).items()})


# --------------------------------------------------------------------------- the store


class OxigraphStore:
    """An on-disk Oxigraph store. Open it with :meth:`open`; use it as a context manager."""

    def __init__(self, store: pyoxigraph.Store, path: Path, read_only: bool) -> None:
        self._store: pyoxigraph.Store | None = store
        self.path = path
        self.read_only = read_only
        self._union: bool | None = None
        try:
            self._inode = os.stat(path).st_ino
        except OSError:
            self._inode = None

    # ---- opening and closing

    @classmethod
    def open(
        cls, path: Path | str, read_only: bool = True, *, create: bool = False
    ) -> OxigraphStore:
        """Open the store at ``path``.

        Raises :class:`GongkaiError` naming the path when it does not exist or is not
        an Oxigraph store. ``create=True`` (read-write only) creates an empty store
        when the folder is missing or empty.
        """
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise GongkaiError("not a store: this is a file, not a store folder", file=str(path))
        missing = not path.exists()
        empty = not missing and not any(path.iterdir())
        if missing or empty:
            if create and not read_only:
                return cls._open_raw(path, read_only=False)
            hint = ""
            old = _old_path(path)
            if old.is_dir():
                hint = f"; an interrupted build left the previous store at {old}"
            if missing:
                raise GongkaiError(
                    f"store does not exist (run `gongkai build`){hint}", file=str(path)
                )
            raise GongkaiError(f"store folder is empty (run `gongkai build`){hint}", file=str(path))
        if not _looks_like_store(path):
            raise GongkaiError("not an Oxigraph store (no CURRENT file)", file=str(path))
        return cls._open_raw(path, read_only=read_only)

    @classmethod
    def _open_raw(cls, path: Path, read_only: bool) -> OxigraphStore:
        try:
            raw = (
                pyoxigraph.Store.read_only(str(path)) if read_only else pyoxigraph.Store(str(path))
            )
        except OSError as exc:
            raise GongkaiError(f"cannot open store: {exc}", file=str(path)) from None
        return cls(raw, path, read_only)

    def close(self) -> None:
        store, self._store = self._store, None
        _release(store)

    def __enter__(self) -> OxigraphStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def raw(self) -> pyoxigraph.Store:
        """The underlying pyoxigraph store."""
        if self._store is None:
            raise GongkaiError("store is closed", file=str(self.path))
        return self._store

    def _writable(self) -> pyoxigraph.Store:
        if self.read_only:
            raise GongkaiError("store is open read-only", file=str(self.path))
        return self.raw

    def changed_on_disk(self) -> bool:
        """True when a build has swapped a new store into this path since it was opened."""
        try:
            return os.stat(self.path).st_ino != self._inode
        except OSError:
            return True

    # ---- writing

    def load_graph(
        self,
        graph_name: str,
        data: bytes | str,
        format: str | RdfFormat = "application/n-triples",
        *,
        base_iri: str | None = None,
    ) -> None:
        """Add the triples in ``data`` (a triple format) to the named graph, in one transaction."""
        fmt = self._triple_format(format)
        try:
            self._writable().load(
                input=data, format=fmt, base_iri=base_iri, to_graph=_named_node(graph_name)
            )
        except (SyntaxError, ValueError) as exc:
            raise GongkaiError(f"cannot load graph <{graph_name}>: {exc}") from None

    def replace_graph(
        self,
        graph_name: str,
        data: bytes | str,
        format: str | RdfFormat = "application/n-triples",
        *,
        base_iri: str | None = None,
    ) -> None:
        """Drop the named graph, then load ``data`` into it.

        ``data`` is parsed completely before anything is dropped, so bad data leaves
        the old graph in place.
        """
        fmt = self._triple_format(format)
        graph = _named_node(graph_name)
        try:
            parsed = [
                Quad(q.subject, q.predicate, q.object, graph)
                for q in pyoxigraph.parse(input=data, format=fmt, base_iri=base_iri)
            ]
        except (SyntaxError, ValueError) as exc:
            raise GongkaiError(f"cannot load graph <{graph_name}>: {exc}") from None
        store = self._writable()
        store.remove_graph(graph)
        store.extend(parsed)
        store.add_graph(graph)

    def drop_graph(self, graph_name: str) -> None:
        """Remove the named graph and its triples (no-op when it does not exist)."""
        graph = _named_node(graph_name)
        store = self._writable()
        if store.contains_named_graph(graph):
            store.remove_graph(graph)

    @staticmethod
    def _triple_format(fmt: str | RdfFormat) -> RdfFormat:
        found = _rdf_format(fmt)
        if found.supports_datasets:
            raise GongkaiError(f"{found.name} holds quads; load_graph takes a triple format")
        return found

    # ---- reading

    def in_memory(self) -> OxigraphStore:
        """A copy of this store held in memory (same path, metadata and change checks).

        Oxigraph answers from memory several times faster than from its on-disk
        RocksDB; query workers use this for stores small enough to copy (a national
        corpus stays on disk).
        """
        memory = pyoxigraph.Store()
        memory.bulk_extend(self.raw.quads_for_pattern(None, None, None, None))
        copy = OxigraphStore(memory, self.path, read_only=True)
        copy._inode = self._inode
        copy._union = self.default_graph_is_union
        return copy

    def size(self) -> int:
        """All quads the store holds, the materialized default graph included."""
        size = quads_held(self.metadata())
        return size if size is not None else len(self.raw)

    def graphs(self) -> list[str]:
        """IRIs of the named graphs, sorted."""
        return sorted(g.value for g in self.raw.named_graphs() if isinstance(g, NamedNode))

    def query(
        self,
        sparql: str,
        *,
        substitutions: Mapping[str | Variable, Any] | None = None,
        union_default_graph: bool | None = None,
        default_graph: Iterable[str] | None = None,
        named_graphs: Iterable[str] | None = None,
        base_iri: str | None = None,
    ) -> pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean | pyoxigraph.QueryTriples:
        """Run a SPARQL 1.1 query; returns pyoxigraph's result object.

        ``substitutions`` binds variables to RDF terms (SEP-0007; keys are variable
        names, with or without ``?``, or pyoxigraph ``Variable``s). By default the
        query's default graph is the union of all graphs: the default graph itself when
        the build materialized the union into it (``union_default_graph=None``, the
        default), Oxigraph's union mode otherwise; ``default_graph`` / ``named_graphs``
        (SPARQL protocol dataset parameters) override that.
        Raises ``SyntaxError`` for a malformed query.
        """
        kwargs: dict[str, Any] = {"base_iri": base_iri}
        if substitutions:
            kwargs["substitutions"] = {
                k if isinstance(k, Variable) else Variable(k.lstrip("?$")): v
                for k, v in substitutions.items()
            }
        if default_graph is not None:
            kwargs["default_graph"] = [_named_node(g) for g in default_graph]
        else:
            if union_default_graph is None:
                union_default_graph = not self.default_graph_is_union
            kwargs["use_default_graph_as_union"] = union_default_graph
        if named_graphs is not None:
            kwargs["named_graphs"] = [_named_node(g) for g in named_graphs]
        return self.raw.query(sparql, **kwargs)

    def quads(self, graph_name: str | None = None) -> Iterator[Quad]:
        """Every quad of the named graphs (or of one): the default graph only holds
        their materialized union."""
        if graph_name is not None:
            return self.raw.quads_for_pattern(None, None, None, _named_node(graph_name))
        if self.default_graph_is_union:
            return _named_graph_quads(self.raw)
        return self.raw.quads_for_pattern(None, None, None, None)

    def triple_count(self) -> int:
        """Number of quads (triples summed over graphs; a materialized union not counted)."""
        return sum(1 for _ in self.quads())

    @property
    def default_graph_is_union(self) -> bool:
        """Read once per opened store (a rebuild is a new store, opened anew)."""
        if self._union is None:
            self._union = self.metadata().get("default_graph") == "union"
        return self._union

    def metadata(self) -> dict[str, Any]:
        """The contents of ``gongkai-store.json`` ({} for a store built without it)."""
        file = self.path / METADATA_FILE
        try:
            return json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise GongkaiError(f"unreadable store metadata: {exc}", file=str(file)) from None


# --------------------------------------------------------------------------- atomic builds


def _building_prefix(store_dir: Path) -> str:
    return f".{store_dir.name}.building-"


def _old_path(store_dir: Path) -> Path:
    return store_dir.with_name(f".{store_dir.name}.old")


@contextlib.contextmanager
def _build_lock(parent: Path) -> Iterator[None]:
    """Serialise builds in one folder (flock on the folder itself; no extra file)."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    fd = os.open(parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _check_metadata(metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    extra = dict(metadata or {})
    clash = sorted(_RESERVED_METADATA & extra.keys())
    if clash:
        raise ValueError(f"metadata keys reserved for the store: {', '.join(clash)}")
    json.dumps(extra)  # TypeError now, before anything is built
    return extra


def _named_graph_quads(store: pyoxigraph.Store) -> Iterator[Quad]:
    for graph in list(store.named_graphs()):
        yield from store.quads_for_pattern(None, None, None, graph)


def _materialize_union(store: pyoxigraph.Store) -> bool:
    """Copy every named graph's triples into the default graph (a set: duplicates merge).

    Queries then read the union from the default graph directly, which Oxigraph answers
    several times faster than with its union-default-graph mode, and a triple stated in
    two graphs counts once. Exports and the data version ignore this derived copy. A
    store whose fill wrote its own default graph keeps it as it is (returns False).
    """
    if any(True for _ in store.quads_for_pattern(None, None, None, DefaultGraph())):
        return False
    # done inside the engine: no Python object per quad
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    return True


def drop_graph_keeping_union(store: pyoxigraph.Store, graph: str) -> None:
    """Remove a named graph, and from the default graph (the materialized union) the
    triples no other named graph states."""
    iri = _named_node(graph)
    if not store.contains_named_graph(iri):
        return
    store.update(
        f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH {iri} {{ ?s ?p ?o }} "
        f"FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} FILTER (?other != {iri}) }} }}")
    store.remove_graph(iri)


def _write_metadata(
    folder: Path, store: pyoxigraph.Store, extra: dict[str, Any], known: Mapping[str, tuple[str, int]],
    size: int,
) -> None:
    """Write gongkai-store.json: ``known`` holds (digest, triples) of graphs whose
    digests the caller already has; every other graph is read back and hashed.
    ``size`` is ``len(store)``, counted by the caller while the store compacted."""
    union = extra.get("default_graph") == "union"
    clock = time.perf_counter()
    graphs = dict(known)
    graphs.update(scan_graph_digests(store, union=union, skip=known))
    present = {g.value for g in store.named_graphs() if isinstance(g, NamedNode)}
    graphs = {name: record for name, record in graphs.items() if name in present or name == ""}
    quads = sum(n for _digest, n in graphs.values())
    record = {
        "format": METADATA_FORMAT,
        "data_version": version_of({name: digest for name, (digest, _n) in graphs.items()}),
        "graph_digests": {name: digest for name, (digest, _n) in sorted(graphs.items())},
        "graph_triples": {name: n for name, (_digest, n) in sorted(graphs.items())},
        "built_at": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "quads": quads,
        "default_graph_triples": size - quads if union else 0,
        "named_graphs": len(present),
        "gongkai_version": __version__,
        "pyoxigraph_version": pyoxigraph.__version__,
        **extra,
    }
    if isinstance(record.get("store_timings"), dict):  # hashing and counting, for benchmarks
        record["store_timings"]["metadata_s"] = round(time.perf_counter() - clock, 3)
    file = folder / METADATA_FILE
    with open(file, "w", encoding="utf-8", newline="\n") as handle:
        json.dump(record, handle, ensure_ascii=False, indent=2, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())


@dataclass
class Filled:
    """What a ``fill`` function of :func:`atomic_build` may report back.

    ``graphs``: (digest, triples) of the graphs it loaded and already hashed (the
    others are read back and hashed); ``union``: it wrote the union of the named graphs
    into the default graph itself; ``metadata``: more metadata, known only once filled;
    ``meanwhile``: work that needs no store (such as sorting and hashing a graph's lines
    kept aside), run in a thread while the store is flushed and optimised -- Oxigraph
    compacts on one core and releases the GIL, so at national scale this hides tens of
    seconds -- returning (digest, triples) of more graphs.
    """

    graphs: dict[str, tuple[str, int]] = field(default_factory=dict)
    union: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)  # name in the store folder -> file to move there
    meanwhile: Callable[[], Mapping[str, tuple[str, int]]] | None = None


def atomic_build(
    store_dir: Path | str,
    fill: Callable[[pyoxigraph.Store], Filled | None],
    metadata: Mapping[str, Any] | None = None,
    *,
    start_from: Path | None = None,
    optimize: bool = True,
) -> None:
    """Build a new store at ``store_dir`` and swap it in atomically.

    ``fill`` receives a read-write ``pyoxigraph.Store`` in a temporary sibling folder
    (``.<name>.building-<pid>``): an empty one, or with ``start_from`` a copy of that
    store (a RocksDB backup: hard links to its immutable files, so copying a national
    store costs next to nothing) for an incremental build to edit. It loads everything
    into it (``bulk_load``, ``load``, ``extend`` ...). The store is then flushed,
    optimised, closed and ``gongkai-store.json`` (data version, build time, counts,
    plus ``metadata``) is written into it; finally the old store is renamed to
    ``.<name>.old``, the new one renamed to ``store_dir`` and the old one removed.

    If ``fill`` or any later step fails, the temporary folder is removed, ``store_dir``
    is left exactly as it was and the exception propagates. A parent folder that
    cannot be created or written raises :class:`GongkaiError` naming the store path
    before anything is touched; so does a ``store_dir`` that exists but is not a store.
    """
    store_dir = Path(store_dir).absolute()
    extra = _check_metadata(metadata)
    parent = store_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GongkaiError(
            f"cannot create the store's parent folder: {exc.strerror or exc}", file=str(store_dir)
        ) from None
    if store_dir.exists() and not store_dir.is_dir():
        raise GongkaiError("store path is a file, not a folder", file=str(store_dir))
    if store_dir.is_dir() and any(store_dir.iterdir()) and not _looks_like_store(store_dir):
        raise GongkaiError(
            "refusing to replace a folder that is not an Oxigraph store", file=str(store_dir)
        )

    with _build_lock(parent):
        # leftovers of builds that crashed (the lock guarantees none is running)
        for stale in parent.glob(_building_prefix(store_dir) + "*"):
            shutil.rmtree(stale, ignore_errors=True)
        building = parent / f"{_building_prefix(store_dir)}{os.getpid()}"
        try:
            building.mkdir()
        except OSError as exc:
            raise GongkaiError(
                f"cannot write in the store's folder {parent}: {exc.strerror or exc}",
                file=str(store_dir),
            ) from None

        try:
            if start_from is not None:
                building.rmdir()  # backup() creates the folder itself
                try:
                    pyoxigraph.Store.read_only(str(start_from)).backup(str(building))
                except OSError as exc:
                    raise GongkaiError(f"cannot copy the previous store: {exc}", file=str(start_from)) from None
            store = pyoxigraph.Store(str(building))
            try:
                filled = fill(store) or Filled()
                clock = time.perf_counter()
                union = filled.union or _materialize_union(store)
                with concurrent.futures.ThreadPoolExecutor(1) as side:
                    meanwhile = side.submit(filled.meanwhile or dict)
                    size = side.submit(len, store)  # counting 36M quads takes seconds too
                    store.flush()
                    if optimize:  # an edited copy skips it: compacting rewrites every file
                        store.optimize()
                    optimized = time.perf_counter()
                    graphs = {**filled.graphs, **meanwhile.result()}
                finishing = {"flush_optimize_s": round(optimized - clock, 3),
                             "meanwhile_wait_s": round(time.perf_counter() - optimized, 3)}
                more = _check_metadata(filled.metadata)
                _write_metadata(building, store, {**extra, **more, "default_graph": "union" if union else "own",
                                                  "store_timings": finishing}, graphs, size.result())
                for name, file in filled.files.items():
                    os.replace(file, building / name)
            finally:
                del store  # pyoxigraph closes the database when the object is freed
                gc.collect()
            _fsync_dir(building)
            _swap_in(building, store_dir)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise


def _swap_in(building: Path, store_dir: Path) -> None:
    old = _old_path(store_dir)
    if old.exists():
        shutil.rmtree(old)
    had_old = store_dir.exists()
    if had_old:
        os.rename(store_dir, old)
    try:
        os.rename(building, store_dir)
    except BaseException:
        if had_old:
            os.rename(old, store_dir)
        raise
    _fsync_dir(store_dir.parent)
    if had_old:
        shutil.rmtree(old, ignore_errors=True)
