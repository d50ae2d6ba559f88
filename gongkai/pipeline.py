"""The build, stage by stage: read -> parse -> reconcile -> map -> validate -> store.

Each stage is a function from data to data; this module only strings them together
and does the I/O at the two ends (source files in, store or RDF file out).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph
from rdflib import Dataset, Graph, URIRef

from gongkai.allocator import allocator_in_use
from gongkai.bulk_build import (
    REPORT_LINES_FILE,
    ChunkReader,
    ReportLines,
    UnitContext,
    build_units,
    canonical_triple_lines,
    drop_catalog,
    drop_verdict,
    nquads,
    verdict_lines,
)
from gongkai.errors import GongkaiError
from gongkai.iri import IriMinter
from gongkai.model import CatalogSource, LedgerStatus, ParsedCatalog
from gongkai.namespaces import DEFAULT_BASE, bind_prefixes
from gongkai.parse import parse_catalog
from gongkai.rdf import catalog_graph, dataset_description, graph_counts
from gongkai.readers import read_rows
from gongkai.reconcile import (
    CatalogReconciliation,
    ReconciliationReport,
    build_reference,
    curated_mappings,
    reconcile_catalog,
)
from gongkai.reconcile import reconciliation_report as _reconciliation_report
from gongkai.remote import RemoteStore, store_graph_sources
from gongkai.resources import ontology_files, resource_dir, shape_files
from gongkai.store import (
    METADATA_FILE,
    Filled,
    OxigraphStore,
    atomic_build,
    drop_graph_keeping_union,
    graph_digest,
)
from gongkai.validate import SEVERITIES, ValidationReport, validate_catalogs
from gongkai.vocab import Vocabulary, load_vocabulary

Progress = Callable[[str], None]


def quiet(_message: str) -> None:
    """A progress callback that says nothing (tests, library use)."""


def to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Build:
    """Everything one in-memory build produced (rdflib graphs), before or instead of
    being stored. A store is built from sources by :func:`build_store`, which never
    holds a whole corpus; this is for library use, exports of a few files and pushes."""

    catalogs: list[ParsedCatalog]
    graphs: dict[URIRef, Graph]  # catalog IRI -> its named graph
    vocabulary: Vocabulary
    description: Graph  # VoID/DCAT description of the whole dataset
    data_version: str
    report: ValidationReport | None = None
    reconciliations: list[CatalogReconciliation] = field(default_factory=list)  # one per parsed catalog

    @property
    def item_count(self) -> int:
        return sum(len(c.entries) for c in self.catalogs)

    @property
    def catalog_count(self) -> int:
        return len(self.graphs)

    @property
    def triple_count(self) -> int:
        return sum(len(g) for g in self.graphs.values()) + len(self.vocabulary.graph) + len(self.description)

    def validation_counts(self) -> dict[str, int]:
        return self.report.counts() if self.report is not None else dict.fromkeys(SEVERITIES, 0)

    def named_graphs(self) -> list[tuple[URIRef, Graph]]:
        """All graphs as stored: each catalog, the vocabulary, the dataset description."""
        minter = IriMinter(self.vocabulary.base)
        # the graphs are handed out as they are (not copied): the name is the first member
        graphs = [*sorted(self.graphs.items()), (minter.vocabulary_graph(), self.vocabulary.graph),
                  (minter.dataset(), self.description)]
        if self.report is not None:
            # The SHACL report is published beside the data it judges.
            graphs.append((minter.validation_graph(), self.report.to_graph(minter.validation_base())))
        return graphs

    def dataset(self) -> Dataset:
        dataset = Dataset()
        bind_prefixes(dataset)
        for name, graph in self.named_graphs():
            target = dataset.graph(name)
            target += graph
        return dataset


def parse_source(source: CatalogSource, vocabulary: Vocabulary) -> ParsedCatalog:
    rows, sha256 = read_rows(source.path, source.format)
    return parse_catalog(rows, source, vocabulary.lexicon, sha256, curated_mappings().layout_of(source.file_name))


def build_graphs(
    sources: Iterable[CatalogSource], base: str = DEFAULT_BASE, progress: Progress = quiet
) -> Build:
    """Read, parse, reconcile and map every source; raises GongkaiError on the first bad file."""
    vocabulary = load_vocabulary(base)
    minter = IriMinter(base)
    catalogs, reconciliations, graphs = _map_sources(sources, vocabulary, minter, progress)
    version = data_version(catalogs, base)
    description = dataset_description({iri: graph_counts(g) for iri, g in graphs.items()}, len(vocabulary.graph),
                                      minter, version)
    return Build(catalogs, graphs, vocabulary, description, version, reconciliations=reconciliations)


def _map_sources(
    sources: Iterable[CatalogSource], vocabulary: Vocabulary, minter: IriMinter, progress: Progress
) -> tuple[list[ParsedCatalog], list[CatalogReconciliation], dict[URIRef, Graph]]:
    reference = build_reference(vocabulary)
    curated = curated_mappings()
    catalogs: list[ParsedCatalog] = []
    reconciliations: list[CatalogReconciliation] = []
    graphs: dict[URIRef, Graph] = {}
    for source in sources:
        parsed = parse_source(source, vocabulary)
        catalogs.append(parsed)
        reconciliation = reconcile_catalog(parsed, reference, curated)
        reconciliations.append(reconciliation)
        graph = catalog_graph(parsed, vocabulary, minter, reconciliation)
        if graph.identifier in graphs:
            graphs[graph.identifier] += graph  # two files of one catalog share its graph
        else:
            graphs[graph.identifier] = graph
        statuses = [e.status for e in parsed.ledger]
        progress(
            f"parsed {source.file_name}: {len(parsed.entries)} items from {len(parsed.ledger)} lines "
            f"({statuses.count(LedgerStatus.MERGED)} merged, {statuses.count(LedgerStatus.REJECTED)} rejected)"
        )
        unmatched = sum(1 for item in reconciliation.items if not item.standard.matched)
        unlisted = sum(1 for item in reconciliation.items for c in item.citations if not c.matched)
        progress(
            f"reconciled {source.file_name}: {len(reconciliation.items) - unmatched} of {len(reconciliation.items)} "
            f"items to standard items, {unlisted} citation(s) of unlisted laws"
        )
    return catalogs, reconciliations, graphs


def reconciliation_report(build: Build) -> ReconciliationReport:
    """What matched how, what did not, with suggested candidates (``to_text`` / ``to_json``
    / ``to_csv``), for ``gongkai reconcile --report``."""
    return _reconciliation_report(build)


def data_version(catalogs: list[ParsedCatalog], base: str) -> str:
    """Changes when a source file, the base or the code's version changes."""

    return _sources_digest({c.source.file_name: c.sha256 for c in catalogs}, base)


def _sum_counts(counts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    total = dict.fromkeys(SEVERITIES, 0)
    for one in counts:
        for severity, n in one.items():
            total[severity] = total.get(severity, 0) + int(n)
    return total


def _sources_digest(sources: Mapping[str, str], base: str) -> str:
    """data_version over ``{file name: sha256}``, without parsing the files."""
    from gongkai import __version__

    digest = hashlib.sha256(f"{__version__}\n{base}\n".encode())
    for file_name in sorted(sources):
        digest.update(f"{file_name}:{sources[file_name]}\n".encode())
    return digest.hexdigest()[:16]


def validate_build(build: Build, progress: Progress = quiet) -> ValidationReport:
    """SHACL-validate the build's catalog graphs."""
    progress(f"validating {len(build.graphs)} catalog graphs with SHACL")
    build.report = validate_catalogs(build.graphs, build.vocabulary.graph)
    return build.report


def _fill(build: Build, store: pyoxigraph.Store) -> None:
    for name, graph in build.named_graphs():
        data = graph.serialize(format="nt", encoding="utf-8")
        store.bulk_load(data, format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=pyoxigraph.NamedNode(str(name)))


def _graph_records(build: Build) -> dict[str, dict]:
    """Per catalog graph: the source files it came from and what it holds, so that the
    next build can reuse it (and describe it) without reading it."""
    files: dict[URIRef, list[str]] = {}
    items: dict[URIRef, int] = {}
    minter = IriMinter(build.vocabulary.base)
    for parsed in build.catalogs:
        iri = minter.catalog(parsed.source.place_code, parsed.source.domain)
        files.setdefault(iri, []).append(parsed.source.file_name)
        items[iri] = items.get(iri, 0) + len(parsed.entries)
    validation: dict[URIRef, dict[str, int]] = {iri: dict.fromkeys(SEVERITIES, 0) for iri in build.graphs}
    if build.report is not None:
        for r in build.report.results:
            counts = validation.setdefault(r.graph, dict.fromkeys(SEVERITIES, 0))
            counts[r.severity] = counts.get(r.severity, 0) + 1
    records = {}
    for iri, graph in build.graphs.items():
        triples, entities = graph_counts(graph)
        records[str(iri)] = {"files": sorted(files.get(iri, [])), "triples": triples, "entities": entities,
                             "items": items.get(iri, 0), "validation": validation.get(iri, dict.fromkeys(SEVERITIES, 0))}
    return dict(sorted(records.items()))


def _store_metadata(build: Build) -> dict:
    """What an in-memory build adds to the store's metadata (gongkai-store.json, or a
    server's build graph): the same record :func:`build_store` writes."""
    sources = [c.source for c in build.catalogs]
    return _metadata_record(
        base=build.vocabulary.base, sources=sources,
        hashes={c.source.file_name: c.sha256 for c in build.catalogs},
        records=_graph_records(build), validation=build.validation_counts() if build.report else {},
        sources_digest=build.data_version, plan=None)


def _metadata_record(
    *, base: str, sources: Sequence[CatalogSource], hashes: Mapping[str, str], records: Mapping[str, dict],
    validation: Mapping[str, int], sources_digest: str, plan: BuildPlan | None,
) -> dict:
    record = {
        "sources_digest": sources_digest,
        "base": base,
        "catalogs": len(records),
        "items": sum(int(r["items"]) for r in records.values()),
        "validation": dict(validation),
        "sources": dict(sorted(hashes.items())),
        # what incremental builds compare (see plan_build)
        "environment_digest": environment_digest(),
        "source_entries": {s.file_name: manifest_entry_digest(s) for s in sorted(sources, key=lambda s: s.file_name)},
        "catalog_graphs": dict(sorted(records.items())),
    }
    if plan is not None:
        record["build_plan"] = plan.summary_record()
    return record


# --------------------------------------------------------------------------- incremental builds


@functools.cache
def environment_digest() -> str:
    """Changes when anything but the sources could change the graph: the code (its
    version and its modules), the ontology and vocabularies, the shapes, the curated
    mappings. A store built under another environment is rebuilt in full."""
    from gongkai import __version__

    digest = hashlib.sha256(f"gongkai {__version__}\n".encode())
    package = Path(__file__).resolve().parent
    groups = [
        ("code", sorted(package.glob("*.py"))),
        ("ontology", ontology_files()),
        ("shapes", shape_files()),
        ("mappings", sorted(p for p in resource_dir("mappings").rglob("*") if p.is_file())),
    ]
    for label, paths in groups:
        for path in paths:
            digest.update(f"{label}/{path.name}:".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def manifest_entry_digest(source: CatalogSource) -> str:
    """What the manifest says about a file (place, domain, publisher, title ...)."""
    fields = dataclasses.asdict(source)
    fields["path"] = source.file_name
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SourceFingerprint:
    """A source as the plan sees it: its bytes' sha256 (None when unreadable), its
    manifest entry and the catalog graph it maps to."""

    file_name: str
    sha256: str | None
    entry: str
    graph: str


def fingerprint_sources(sources: Iterable[CatalogSource], base: str) -> dict[str, SourceFingerprint]:
    minter = IriMinter(base)
    found = {}
    for source in sources:
        try:
            sha = hashlib.sha256(source.path.read_bytes()).hexdigest()
        except OSError:
            sha = None  # rebuilt, so the reader reports the error with the file's name
        found[source.file_name] = SourceFingerprint(
            source.file_name, sha, manifest_entry_digest(source), str(minter.catalog(source.place_code, source.domain)))
    return found


@dataclass(frozen=True)
class ReusedCatalog:
    """A catalog graph copied from the previous store, with what its metadata recorded."""

    iri: URIRef
    files: tuple[str, ...]
    triples: int
    entities: int
    items: int
    validation: dict[str, int]


@dataclass(frozen=True)
class BuildPlan:
    """What a build does: ``full`` (with why) or which files to rebuild (and why),
    which catalog graphs to reuse and which to drop."""

    full: bool
    reason: str = ""
    rebuild: dict[str, str] = field(default_factory=dict)  # file name -> new | changed | ...
    reuse: dict[str, ReusedCatalog] = field(default_factory=dict)  # graph IRI -> record
    dropped: tuple[str, ...] = ()  # graph IRIs no longer produced
    rebuilt_graphs: tuple[str, ...] = ()  # graph IRIs rebuilt
    previous_version: str | None = None  # data version of the store the plan was made against

    def summary(self) -> str:
        """One line for the build's output."""
        if self.full:
            return f"full build ({self.reason})"
        n = len(self.rebuilt_graphs)
        files = ", ".join(f"{name}: {why}" for name, why in sorted(self.rebuild.items()))
        text = f"rebuilt {n} catalog{'' if n == 1 else 's'}" + (f" ({files})" if files else "")
        text += f", reused {len(self.reuse)} unchanged"
        if self.dropped:
            d = len(self.dropped)
            text += f", dropped {d} catalog{'' if d == 1 else 's'} no longer in the manifest ({', '.join(self.dropped)})"
        return text

    def summary_record(self) -> dict:
        return {"mode": "full" if self.full else "incremental", "reason": self.reason,
                "rebuilt": dict(sorted(self.rebuild.items())), "reused": sorted(self.reuse),
                "dropped": list(self.dropped)}


def plan_build(
    previous: Mapping, current: Mapping[str, SourceFingerprint], base: str, environment: str
) -> BuildPlan:
    """Compare the previous store's metadata with the current sources: pure, no I/O.

    A catalog graph is reused when it comes from exactly the same files as before, each
    with the same sha256 and the same manifest entry; everything else is rebuilt. Any
    difference outside the sources (base IRI, code, ontology, shapes, mappings) or a
    previous store without the records of an incremental build means a full build.
    """
    def full(reason: str) -> BuildPlan:
        return BuildPlan(True, reason, {name: "new" for name in current})

    if not previous:
        return full("no previous store")
    graphs_before = previous.get("catalog_graphs")
    if not isinstance(graphs_before, dict) or "environment_digest" not in previous:
        return full("the previous store predates incremental builds")
    if previous.get("base") != base:
        return full(f"base changed from {previous.get('base')} to {base}")
    if previous.get("environment_digest") != environment:
        return full("code, ontology, vocabularies, shapes or mappings changed")
    hashes = previous.get("sources") or {}
    entries = previous.get("source_entries") or {}
    by_graph: dict[str, list[str]] = {}
    for name, fp in current.items():
        by_graph.setdefault(fp.graph, []).append(name)
    rebuild: dict[str, str] = {}
    reuse: dict[str, ReusedCatalog] = {}
    for graph, names in sorted(by_graph.items()):
        record = graphs_before.get(graph)
        reasons = {}
        for name in names:
            fp = current[name]
            if name not in hashes:
                reasons[name] = "new"
            elif fp.sha256 is None or hashes[name] != fp.sha256:
                reasons[name] = "changed"
            elif entries.get(name) != fp.entry:
                reasons[name] = "manifest entry changed"
            elif record is None or name not in record.get("files", []):
                reasons[name] = "moved to another catalog"
        if record is not None and not reasons and sorted(record.get("files", [])) != sorted(names):
            reasons = dict.fromkeys(names, "a file of its catalog left")
        if record is None or reasons:
            for name in names:
                rebuild[name] = reasons.get(name, "its catalog changed")
        else:
            reuse[graph] = ReusedCatalog(URIRef(graph), tuple(record["files"]), int(record["triples"]),
                                         int(record["entities"]), int(record["items"]),
                                         {k: int(v) for k, v in record.get("validation", {}).items()})
    dropped = tuple(sorted(set(graphs_before) - set(by_graph)))
    rebuilt = tuple(sorted({current[name].graph for name in rebuild}))
    return BuildPlan(False, "", rebuild, reuse, dropped, rebuilt, previous.get("data_version"))


def read_previous_metadata(store_dir: Path) -> dict:
    """The previous store's gongkai-store.json, without opening the store ({} if none)."""
    try:
        data = json.loads((Path(store_dir) / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass
class StoreBuild:
    """What :func:`build_store` did: the plan, what the store now holds, the timings."""

    plan: BuildPlan
    catalogs: int
    items: int
    triples: int  # quads in the named graphs (the default graph's union copy not counted)
    sources_digest: str
    validation: dict[str, int]
    up_to_date: bool = False  # nothing to do: the store was left as it was
    timings: dict[str, float] = field(default_factory=dict)
    parsed: list[ParsedCatalog] = field(default_factory=list)  # only with keep_catalogs
    # statements a second named graph repeats (quads minus the union's triples): 0 keeps
    # a multiset union default graph (``oxigraph serve --union-default-graph``) exact
    repeated_triples: int = 0


def repeated_triples(metadata: Mapping[str, Any]) -> int:
    """How many quads of a store repeat a triple another named graph already states."""
    if metadata.get("default_graph") != "union":
        return 0
    return max(int(metadata.get("quads", 0)) - int(metadata.get("default_graph_triples", 0)), 0)


def build_store(
    sources: Sequence[CatalogSource], store_dir: Path, base: str = DEFAULT_BASE, progress: Progress = quiet,
    *, full: bool = False, reason: str = "--full", workers: int | None = None, keep_catalogs: bool = False,
) -> StoreBuild:
    """Build the embedded store at ``store_dir`` from ``sources``; atomic.

    Plans against the previous store (:func:`plan_build`): without ``full``, only the
    catalogs whose sources are new or changed are rebuilt, on a copy of the previous
    store, and an unchanged corpus leaves the store as it is. Every rebuilt catalog is
    read, parsed, reconciled, mapped and validated in a worker process and streamed
    into one bulk load (:mod:`gongkai.bulk_build`). Raises GongkaiError naming the file
    and line of the first bad source; the previous store is then untouched.
    """
    started = time.perf_counter()
    store_dir = Path(store_dir)
    fingerprints = fingerprint_sources(sources, base)
    previous = {} if full else read_previous_metadata(store_dir)
    if full:
        plan = BuildPlan(True, reason, {name: "new" for name in fingerprints})
    else:
        plan = plan_build(previous, fingerprints, base, environment_digest())
    progress(f"plan: {plan.summary()}")
    hashes = {name: fp.sha256 or "" for name, fp in fingerprints.items()}
    if not plan.full and not plan.rebuild and not plan.dropped:
        records = previous.get("catalog_graphs", {})
        return StoreBuild(plan, len(records), int(previous.get("items", 0)), int(previous.get("quads", 0)),
                          _sources_digest(hashes, base), dict(previous.get("validation", {})), up_to_date=True,
                          timings={"total_s": round(time.perf_counter() - started, 3)},
                          repeated_triples=repeated_triples(previous))

    vocabulary = load_vocabulary(base)
    minter = IriMinter(base)
    context = UnitContext(vocabulary, minter, keep_catalogs=keep_catalogs)
    todo = [s for s in sources if plan.full or s.file_name in plan.rebuild]
    by_graph: dict[str, list[CatalogSource]] = {}
    for source in todo:
        by_graph.setdefault(fingerprints[source.file_name].graph, []).append(source)
    groups = [by_graph[graph] for graph in sorted(by_graph)]
    records: dict[str, dict] = {} if plan.full else {
        graph: dict(previous["catalog_graphs"][graph]) for graph in plan.reuse}
    # what the previous store recorded of the graphs this build keeps as they are (the
    # reused catalogs and, since the environment is the same, the vocabulary)
    kept = {*plan.reuse, str(minter.vocabulary_graph())} if not plan.full else set()
    before = previous.get("graph_digests") or {}
    counts = previous.get("graph_triples") or {}
    digests: dict[str, tuple[str, int]] = {
        graph: (before[graph], int(counts[graph])) for graph in kept if graph in before and graph in counts}
    parsed: list[ParsedCatalog] = []
    timings: dict[str, float] = {}
    stage_times: list[dict[str, float]] = []
    start_from = None if plan.full else store_dir

    def units() -> Iterator[bytes]:
        for unit in build_units(groups, context, workers):
            records[unit.graph] = {"files": list(unit.files), "triples": unit.triples, "entities": unit.entities,
                                   "items": unit.items, "validation": unit.validation}
            digests[unit.graph] = (unit.digest, unit.triples)
            hashes.update(unit.hashes)
            parsed.extend(unit.catalogs)
            stage_times.append(unit.timings)
            report.add(unit.result_lines)
            for line in unit.progress:
                progress(line)
            yield unit.data
        # after the last catalog, in the same bulk load: the graphs that describe them all
        # (written after the load, they waited 2 minutes at national scale for RocksDB to
        # compact the ingested files)
        t = time.perf_counter()
        yield from shared_graphs()
        timings["shared_graphs_s"] = round(time.perf_counter() - t, 3)

    def shared_graphs() -> Iterator[bytes]:
        totals["version"] = version = _sources_digest(hashes, base)
        totals["validation"] = validation = _sum_counts(r["validation"] for r in records.values())
        shared = {str(minter.dataset()): canonical_triple_lines(dataset_description(
            {URIRef(g): (int(r["triples"]), int(r["entities"])) for g, r in records.items()},
            len(vocabulary.graph), minter, version))}
        if plan.full:
            shared[str(minter.vocabulary_graph())] = canonical_triple_lines(vocabulary.graph)
        for graph, lines in shared.items():
            digests[graph] = (graph_digest(lines), len(lines))
            yield nquads(lines, graph)
        yield nquads(verdict_lines(context, validation.get("Violation", 0) == 0), context.validation_graph)

    report: ReportLines
    totals: dict = {}  # the sources digest and the validation counts, once every catalog is built

    def fill(store: pyoxigraph.Store) -> Filled:
        nonlocal report
        # beside the store (atomic_build has made sure the folder is there and writable)
        report = ReportLines(store_dir.absolute().parent, context)
        return fill_store(store)

    def fill_store(store: pyoxigraph.Store) -> Filled:
        report_complete = plan.full
        if not plan.full:
            if previous.get("data_version") != plan.previous_version or not (store_dir / METADATA_FILE).is_file():
                raise GongkaiError("the store changed while this build ran (another build?); run it again",
                                   file=str(store_dir))
            removed = {*plan.rebuilt_graphs, *plan.dropped} & set(previous["catalog_graphs"])
            for graph in sorted(removed):
                drop_catalog(store, graph, context)
            # the dataset description and the verdict are loaded anew after the catalogs
            drop_graph_keeping_union(store, str(minter.dataset()))
            drop_verdict(store, context)
            report_complete = report.keep_previous(store_dir / REPORT_LINES_FILE, removed)
        t = time.perf_counter()
        reader = ChunkReader(units())
        store.bulk_load(io.BufferedReader(reader, 1 << 20), format=pyoxigraph.RdfFormat.N_QUADS, lenient=True)
        reader.check()
        timings["catalogs_s"] = round(time.perf_counter() - t, 3)  # workers and loader overlapped
        timings["load_s"] = round(timings["catalogs_s"] - reader.wait_s, 3)  # the loader, not waiting
        timings.update({f"{stage}_cpu_s": round(sum(u[stage] for u in stage_times), 3)
                        for stage in ("parse", "map", "validate", "serialize")})
        lines_file = report.path.with_name(report.path.name + ".sorted")
        conforms = totals["validation"].get("Violation", 0) == 0

        def report_lines() -> dict[str, tuple[str, int]]:
            # sorted and hashed while the store compacts (Filled.meanwhile)
            t = time.perf_counter()
            report_digest = report.finish(conforms, lines_file)
            timings["report_lines_s"] = round(time.perf_counter() - t, 3)
            # when incomplete, the graph is read back and hashed with the others
            return {context.validation_graph: report_digest} if report_complete else {}

        return Filled(graphs=digests, union=True, files={REPORT_LINES_FILE: lines_file}, meanwhile=report_lines,
                      metadata={**_metadata_record(base=base, sources=sources, hashes=hashes, records=records,
                                                   validation=totals["validation"], sources_digest=totals["version"],
                                                   plan=plan),
                                "build_timings": timings, "allocator": allocator})

    allocator = allocator_in_use()
    progress(f"building {len(groups)} catalog graph(s) in {store_dir} (memory allocator: {allocator})")
    try:
        atomic_build(store_dir, fill, start_from=start_from, optimize=plan.full)
    finally:
        if "report" in locals():  # whatever happened, no temporary file is left behind
            report.discard()
            report.path.with_name(report.path.name + ".sorted").unlink(missing_ok=True)
    timings["total_s"] = round(time.perf_counter() - started, 3)
    metadata = read_previous_metadata(store_dir)
    return StoreBuild(plan, len(records), sum(int(r["items"]) for r in records.values()),
                      int(metadata.get("quads", 0)), _sources_digest(hashes, base),
                      _sum_counts(r["validation"] for r in records.values()), timings=timings, parsed=parsed,
                      repeated_triples=repeated_triples(metadata))


def store_build(build: Build, store_dir: Path, progress: Progress = quiet) -> None:
    """Load an in-memory build into a new embedded store and swap it in; atomic."""
    progress(f"loading {build.triple_count} triples into {store_dir}")
    atomic_build(store_dir, lambda store: _fill(build, store), _store_metadata(build))


def push_store(store_dir: Path, remote: RemoteStore, progress: Progress = quiet) -> dict:
    """Load every graph of the embedded store at ``store_dir`` (each catalog as its named
    graph, the vocabulary, dataset and validation graphs) into a remote SPARQL server."""
    with OxigraphStore.open(store_dir) as store:
        metadata = store.metadata()
        if not metadata.get("base"):
            raise GongkaiError("the store has no metadata naming its base IRI (rebuild it with `gongkai build`)",
                               file=str(store_dir))
        progress(f"pushing {store.triple_count()} triples from {store_dir} to {remote.location}")
        return remote.push(store_graph_sources(store), metadata, progress)
