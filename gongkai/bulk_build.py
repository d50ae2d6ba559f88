"""The store build at any scale: catalogs built in worker processes, streamed into one
bulk load.

A national corpus (thousands of catalogs, millions of triples) never exists as one
object graph here. Each worker takes the source files of one catalog and does every
per-catalog stage — read, parse, reconcile, map, SHACL-validate — then hands back the
catalog's graph as canonical N-Quads bytes (each triple in its named graph and in the
default graph, which holds the union), its digest, counts and validation results. The
parent only concatenates those bytes into a single Oxigraph bulk load, so memory stays
bounded by a few catalogs, whatever the corpus size.

Canonical means pyoxigraph's own serialisation, sorted and duplicate-free: the digest a
worker computes is the digest the store would give for the graph (``store.graph_digest``).
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import io
import multiprocessing
import os
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF
from rdflib.term import Node

from gongkai.errors import GongkaiError
from gongkai.iri import IriMinter
from gongkai.model import CatalogSource, LedgerStatus, ParsedCatalog
from gongkai.namespaces import GK, SH
from gongkai.parse import parse_catalog
from gongkai.rdf import catalog_triples
from gongkai.readers import read_rows
from gongkai.reconcile import (
    Curated,
    Reference,
    build_reference,
    curated_mappings,
    reconcile_catalog,
)
from gongkai.shacl_engine import ValidationContext
from gongkai.store import drop_graph_keeping_union, graph_digest, sorted_unique
from gongkai.validate import (
    SEVERITIES,
    ValidationResult,
    report_node,
    result_triples,
    validate_catalog_triples,
    validation_context,
)
from gongkai.vocab import Vocabulary

Triple = tuple[Node, Node, Node]
_IS_DISCLOSURE_ITEM = f" <{RDF.type}> <{GK.DisclosureItem}> .\n"


# --------------------------------------------------------------------------- N-Triples


def ntriples_term(term: Node) -> str:
    """One rdflib term in the store's canonical N-Triples form (our graphs have no
    blank nodes): what ``str()`` of the quad gives when read back from the store."""
    cached = _TERMS.get(term)
    if cached is not None:
        return cached
    if isinstance(term, URIRef):
        text = f"<{term}>"
    elif isinstance(term, Literal):
        if term.language:
            text = str(pyoxigraph.Literal(str(term), language=term.language))
        elif term.datatype is None or str(term.datatype) == _XSD_STRING:
            text = str(pyoxigraph.Literal(str(term)))
        else:
            text = _stored_form(str(term), str(term.datatype))
    else:
        raise GongkaiError(f"cannot write {term!r} as N-Triples: only IRIs and literals are expected")
    if len(_TERMS) >= _TERM_CACHE:
        _TERMS.clear()  # bounded; vocabulary terms and labels refill it at once
    _TERMS[term] = text
    return text


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_TERM_CACHE = 200_000
_TERMS: dict[Node, str] = {}


@lru_cache(maxsize=4096)
def _stored_form(lexical: str, datatype: str) -> str:
    """A typed literal as the store writes it back: Oxigraph keeps numbers, booleans
    and dates as values, so ``"1.0"^^xsd:decimal`` comes back as ``"1"``."""
    memory = pyoxigraph.Store()
    node = pyoxigraph.NamedNode("urn:x")
    memory.add(pyoxigraph.Quad(node, node, pyoxigraph.Literal(lexical, datatype=pyoxigraph.NamedNode(datatype))))
    return str(next(iter(memory)).object)


def canonical_triple_lines(triples: Iterable[Triple]) -> list[str]:
    """Sorted, duplicate-free canonical N-Triples lines (``" .\\n"``-terminated), the
    lines :func:`gongkai.store.canonical_lines` gives for the same graph in the store."""
    term, known = ntriples_term, _TERMS.get  # the cache first: a call per term costs more than the lookup
    return sorted({f"{known(s) or term(s)} {known(p) or term(p)} {known(o) or term(o)} .\n" for s, p, o in triples})


def nquads(lines: Sequence[str], graph: str) -> bytes:
    """The lines as N-Quads in ``graph``, followed by the same lines in the default graph
    (the materialized union that queries read)."""
    text = "".join(lines)
    # " .\n" only ends lines: N-Triples escapes every line break inside a literal
    return (text.replace(" .\n", f" <{graph}> .\n") + text).encode("utf-8")


# --------------------------------------------------------------------------- one catalog


@dataclass(frozen=True)
class CatalogUnit:
    """One catalog graph as a worker built it, ready to be loaded."""

    graph: str
    hashes: tuple[tuple[str, str], ...]  # (file name, sha256) of its source files
    data: bytes  # N-Quads: the graph and its validation results, each also in the default graph
    digest: str  # store.graph_digest of its canonical N-Triples
    triples: int
    entities: int  # gk:DisclosureItem nodes
    items: int  # parsed entries (several files of one catalog may repeat a name)
    validation: dict[str, int]  # result counts by severity
    result_lines: tuple[str, ...]  # canonical N-Triples of its slice of the SHACL report
    progress: tuple[str, ...]  # what a verbose build prints about it
    timings: dict[str, float]  # CPU seconds of this worker per stage
    catalogs: tuple[ParsedCatalog, ...] = ()  # kept only when asked (the ledger needs them)

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(sorted(name for name, _sha in self.hashes))


@dataclass
class UnitContext:
    """What every worker needs, built once in the parent and inherited by fork."""

    vocabulary: Vocabulary
    minter: IriMinter
    keep_catalogs: bool = False
    reference: Reference = field(init=False)
    curated: Curated = field(init=False)
    validation: ValidationContext = field(init=False)
    report_node: URIRef = field(init=False)
    validation_graph: str = field(init=False)

    def __post_init__(self) -> None:
        self.reference = build_reference(self.vocabulary)
        self.curated = curated_mappings()
        self.validation = validation_context(self.vocabulary.graph)
        self.report_node = report_node(self.minter.validation_base())
        self.validation_graph = str(self.minter.validation_graph())


def build_unit(sources: Sequence[CatalogSource], context: UnitContext) -> CatalogUnit:
    """Every per-catalog stage for the source files of one catalog graph."""
    graph = context.minter.catalog(sources[0].place_code, sources[0].domain)
    triples: set[Triple] = set()
    parsed_all, hashes, progress = [], [], []
    clock = _StageClock()
    for source in sources:
        rows, sha256 = read_rows(source.path, source.format)
        parsed = parse_catalog(rows, source, context.vocabulary.lexicon, sha256,
                               context.curated.layout_of(source.file_name))
        clock.lap("parse")
        reconciliation = reconcile_catalog(parsed, context.reference, context.curated)
        triples |= catalog_triples(parsed, context.vocabulary, context.minter, reconciliation)
        clock.lap("map")
        parsed_all.append(parsed)
        hashes.append((source.file_name, sha256))
        statuses = [e.status for e in parsed.ledger]
        unmatched = sum(1 for item in reconciliation.items if not item.standard.matched)
        progress.append(
            f"parsed {source.file_name}: {len(parsed.entries)} items from {len(parsed.ledger)} lines "
            f"({statuses.count(LedgerStatus.MERGED)} merged, {statuses.count(LedgerStatus.REJECTED)} rejected), "
            f"{len(reconciliation.items) - unmatched} matched to standard items")
    results = validate_catalog_triples(graph, triples, context.validation)
    clock.lap("validate")
    validation = dict.fromkeys(SEVERITIES, 0)
    for result in results:
        validation[result.severity] = validation.get(result.severity, 0) + 1
    lines = canonical_triple_lines(triples)
    text = "".join(lines)  # joined once for the load, the digest and the count of items
    report_lines = result_lines(results, context)
    data = nquads([text], str(graph)) + nquads(report_lines, context.validation_graph)
    clock.lap("serialize")
    return CatalogUnit(
        graph=str(graph),
        hashes=tuple(hashes),
        data=data,
        digest=graph_digest([text]),
        triples=len(lines),
        entities=text.count(_IS_DISCLOSURE_ITEM),  # ' .\n' ends lines only: one per typed item
        items=sum(len(p.entries) for p in parsed_all),
        validation=validation,
        result_lines=tuple(report_lines),
        progress=tuple(progress),
        timings=clock.laps,
        catalogs=tuple(parsed_all) if context.keep_catalogs else (),
    )


class _StageClock:
    """CPU time per stage in one worker (process time: waiting is not work)."""

    def __init__(self) -> None:
        self.laps = {"parse": 0.0, "map": 0.0, "validate": 0.0, "serialize": 0.0}
        self._last = time.process_time()

    def lap(self, stage: str) -> None:
        now = time.process_time()
        self.laps[stage] += now - self._last
        self._last = now


def result_lines(results: Sequence[ValidationResult], context: UnitContext) -> list[str]:
    """A catalog's slice of the published SHACL report: its results and the report's
    sh:result links to them (the report node's type and verdict are added once)."""
    return canonical_triple_lines(result_triples(results, context.minter.validation_base()))


# --------------------------------------------------------------------------- many catalogs

_CONTEXT: UnitContext | None = None  # set in the parent before the workers fork


def _build_in_worker(sources: Sequence[CatalogSource]) -> CatalogUnit | GongkaiError:
    assert _CONTEXT is not None
    try:
        return build_unit(sources, _CONTEXT)
    except GongkaiError as exc:  # handed back, so the parent raises it as it is
        return exc


def build_units(
    groups: Sequence[Sequence[CatalogSource]], context: UnitContext, workers: int | None = None
) -> Iterator[CatalogUnit]:
    """Build every group (the files of one catalog graph), in order, in ``workers``
    forked processes (default: the CPU count; 1 builds in this process).

    Raises the first GongkaiError (a bad source file) in source order.
    """
    global _CONTEXT
    workers = max(1, min(workers or os.cpu_count() or 1, len(groups)))
    if workers == 1 or "fork" not in multiprocessing.get_all_start_methods():
        for group in groups:
            yield build_unit(group, context)
        return
    _CONTEXT = context
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for unit in pool.imap(_build_in_worker, groups, chunksize=1):
                if isinstance(unit, GongkaiError):
                    raise unit
                yield unit
    finally:
        _CONTEXT = None


class ChunkReader(io.RawIOBase):
    """A readable binary stream over an iterator of byte chunks, for bulk_load: the
    store reads the corpus as one N-Quads input while the workers are still building it.

    An exception raised by the iterator (a bad source file) is kept and the stream
    ends; the caller must call :meth:`check` after the load, which raises it, so that
    the half-loaded store is thrown away instead of swapped in.
    """

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer = memoryview(b"")
        self.error: BaseException | None = None
        self.bytes_read = 0
        self.wait_s = 0.0  # time spent waiting for the next chunk (the workers)

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buffer:
            if self.error is not None:
                return 0
            started = time.perf_counter()
            try:
                self._buffer = memoryview(next(self._chunks))
            except StopIteration:
                return 0
            except BaseException as exc:  # noqa: BLE001 - re-raised by check()
                self.error = exc
                return 0
            finally:
                self.wait_s += time.perf_counter() - started
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        self.bytes_read += n
        return n

    def check(self) -> None:
        if self.error is not None:
            raise self.error


# --------------------------------------------------------------------------- editing a copy


def drop_catalog(store: pyoxigraph.Store, graph: str, context: UnitContext) -> None:
    """Remove a catalog graph and its validation results (each also from the default
    graph's union copy): what an incremental build does before loading it anew."""
    report = f"<{context.report_node}>"
    store.update(
        f"PREFIX sh: <{SH}> PREFIX dct: <http://purl.org/dc/terms/> "
        f"DELETE {{ GRAPH <{context.validation_graph}> {{ ?result ?p ?o . {report} sh:result ?result }} "
        f"?result ?p ?o . {report} sh:result ?result }} "
        f"WHERE {{ GRAPH <{context.validation_graph}> {{ ?result dct:source <{graph}> ; ?p ?o }} }}")
    drop_graph_keeping_union(store, graph)


def drop_verdict(store: pyoxigraph.Store, context: UnitContext) -> None:
    """Remove the report's sh:conforms (in the validation graph and the union): an
    incremental build loads the new verdict (:func:`verdict_lines`) with its catalogs."""
    report, graph = f"<{context.report_node}>", f"<{context.validation_graph}>"
    store.update(
        f"PREFIX sh: <{SH}> "
        f"DELETE {{ GRAPH {graph} {{ {report} sh:conforms ?old }} {report} sh:conforms ?old }} "
        f"WHERE {{ GRAPH {graph} {{ {report} sh:conforms ?old }} }}")


def verdict_lines(context: UnitContext, conforms: bool) -> list[str]:
    """The report node's type and sh:conforms: known only once every catalog is built."""
    report = context.report_node
    return canonical_triple_lines([(report, RDF.type, SH.ValidationReport), (report, SH.conforms, Literal(conforms))])


# --------------------------------------------------------------------------- the report's lines

REPORT_LINES_FILE = "validation-graph.nt"


class ReportLines:
    """The validation graph's canonical lines, kept beside the store (REPORT_LINES_FILE).

    The graph holds every catalog's SHACL results (1.6M lines for a national corpus);
    hashing it by reading it back from the store costs more than the rest of an
    incremental build. So a build collects its lines as the catalogs arrive, an
    incremental build starts from the previous store's file minus the results of the
    catalogs it rebuilds, and the digest comes from this sorted file. The kept lines are
    still sorted, so an incremental build sorts only its new lines and merges the two.
    """

    def __init__(self, folder: Path, context: UnitContext) -> None:
        self.context = context
        self._unsorted = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in finish()
            "w", encoding="utf-8", newline="", dir=folder, prefix=".report-", suffix=".nt", delete=False)
        self.path = Path(self._unsorted.name)
        self._kept = self.path.with_name(self.path.name + ".kept")  # sorted: the previous file's

    def keep_previous(self, previous: Path, dropped: set[str]) -> bool:
        """Copy the previous file's lines, except the verdict and the results of the
        ``dropped`` catalog graphs. False when there is no previous file to copy."""
        if not previous.is_file():
            return False
        report = f"<{self.context.report_node}>"
        source = f" <{DCTERMS.source}> "
        with previous.open(encoding="utf-8", newline="") as handle:
            gone = {line.split(" ", 1)[0] for line in handle
                    if source in line and line.rsplit(" ", 2)[-2].strip("<>") in dropped}
        with previous.open(encoding="utf-8", newline="") as handle, \
                self._kept.open("w", encoding="utf-8", newline="") as kept:
            for line in handle:
                subject, rest = line.split(" ", 1)
                if subject in gone or (subject == report and (rest.rsplit(" ", 2)[-2] in gone or
                                                              not rest.startswith(f"<{SH.result}>"))):
                    continue
                kept.write(line)
        return True

    def add(self, lines: Iterable[str]) -> None:
        self._unsorted.writelines(lines)

    def finish(self, conforms: bool, target: Path) -> tuple[str, int]:
        """Add the report node's type and verdict, write the sorted lines to ``target``
        and return (digest, lines)."""
        self.add(verdict_lines(self.context, conforms))
        self._unsorted.close()
        digest, count, last = hashlib.sha256(), 0, None
        try:
            with contextlib.ExitStack() as stack:
                handle = stack.enter_context(self.path.open(encoding="utf-8", newline=""))
                out = stack.enter_context(target.open("w", encoding="utf-8", newline=""))
                lines: Iterable[str] = sorted_unique(handle)
                if self._kept.is_file():
                    lines = heapq.merge(stack.enter_context(self._kept.open(encoding="utf-8", newline="")), lines)
                for line in lines:
                    if line == last:  # a line both kept and new
                        continue
                    out.write(line)
                    digest.update(line.encode("utf-8"))
                    count += 1
                    last = line
        finally:
            self.discard()
        return digest.hexdigest(), count

    def discard(self) -> None:
        self._unsorted.close()
        self.path.unlink(missing_ok=True)
        self._kept.unlink(missing_ok=True)
