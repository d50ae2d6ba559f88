"""The build, stage by stage: read -> parse -> reconcile -> map -> validate -> store.

Each stage is a function from data to data; this module only strings them together
and does the I/O at the two ends (source files in, store or RDF file out).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from gongkai.errors import GongkaiError
from gongkai.iri import IriMinter
from gongkai.model import CatalogSource, LedgerStatus, ParsedCatalog
from gongkai.namespaces import DEFAULT_BASE, GK, SH, bind_prefixes
from gongkai.parse import parse_catalog
from gongkai.rdf import catalog_graph, dataset_description
from gongkai.readers import read_rows
from gongkai.reconcile import (
    CatalogReconciliation,
    ReconciliationReport,
    build_reference,
    curated_mappings,
    reconcile_catalog,
)
from gongkai.reconcile import reconciliation_report as _reconciliation_report
from gongkai.remote import RemoteStore, metadata_record, store_graph_sources
from gongkai.resources import ontology_files, resource_dir, shape_files
from gongkai.store import METADATA_FILE, OxigraphStore, atomic_build
from gongkai.validate import SEVERITIES, ValidationReport, validate_catalogs
from gongkai.vocab import Vocabulary, load_vocabulary

Progress = Callable[[str], None]


def quiet(_message: str) -> None:
    """A progress callback that says nothing (tests, library use)."""


def to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Build:
    """Everything one build produced, before (or instead of) being stored."""

    catalogs: list[ParsedCatalog]
    graphs: dict[URIRef, Graph]  # catalog IRI -> its named graph
    vocabulary: Vocabulary
    description: Graph  # VoID/DCAT description of the whole dataset
    data_version: str
    report: ValidationReport | None = None
    reconciliations: list[CatalogReconciliation] = field(default_factory=list)  # one per parsed catalog
    # An incremental build: catalog graphs copied unchanged from ``previous_store``
    # (``graphs`` and ``catalogs`` then hold only the rebuilt ones), and the plan.
    reused: dict[URIRef, ReusedCatalog] = field(default_factory=dict)
    previous_store: Path | None = None
    plan: BuildPlan | None = None
    sources: list[CatalogSource] | None = None  # every source of the build (default: the parsed ones)
    fingerprints: dict[str, SourceFingerprint] = field(default_factory=dict)

    @property
    def item_count(self) -> int:
        return sum(len(c.entries) for c in self.catalogs) + sum(r.items for r in self.reused.values())

    @property
    def catalog_count(self) -> int:
        return len(self.graphs) + len(self.reused)

    @property
    def triple_count(self) -> int:
        return (sum(len(g) for g in self.graphs.values()) + sum(r.triples for r in self.reused.values())
                + len(self.vocabulary.graph) + len(self.description))

    def validation_counts(self) -> dict[str, int]:
        """Counts by severity over every catalog, the reused ones' included."""
        counts = self.report.counts() if self.report is not None else dict.fromkeys(SEVERITIES, 0)
        for reused in self.reused.values():
            for severity, n in reused.validation.items():
                counts[severity] = counts.get(severity, 0) + n
        return counts

    def named_graphs(self) -> list[tuple[URIRef, Graph]]:
        """All graphs as stored: each catalog, the vocabulary, the dataset description."""
        minter = IriMinter(self.vocabulary.base)
        # the graphs are handed out as they are (not copied): the name is the first member
        graphs = [*sorted(self.graphs.items()), (minter.vocabulary_graph(), self.vocabulary.graph),
                  (minter.dataset(), self.description)]
        if self.report is not None:
            # The SHACL report is published beside the data it judges.
            report = self.report.to_graph(minter.validation_base())
            if self.reused:
                # the reused catalogs' results are copied from the previous store (_fill);
                # the report's verdict covers them too
                node = URIRef(minter.validation_base() + "report")
                report.set((node, SH.conforms, Literal(self.validation_counts().get("Violation", 0) == 0)))
            graphs.append((minter.validation_graph(), report))
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
    return parse_catalog(rows, source, vocabulary.lexicon, sha256)


def build_graphs(
    sources: Iterable[CatalogSource], base: str = DEFAULT_BASE, progress: Progress = quiet
) -> Build:
    """Read, parse, reconcile and map every source; raises GongkaiError on the first bad file."""
    vocabulary = load_vocabulary(base)
    minter = IriMinter(base)
    catalogs, reconciliations, graphs = _map_sources(sources, vocabulary, minter, progress)
    version = data_version(catalogs, base)
    description = dataset_description(graphs, len(vocabulary.graph), minter, version)
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


def _sources_digest(sources: Mapping[str, str], base: str) -> str:
    """data_version over ``{file name: sha256}``, without parsing the files."""
    from gongkai import __version__

    digest = hashlib.sha256(f"{__version__}\n{base}\n".encode())
    for file_name in sorted(sources):
        digest.update(f"{file_name}:{sources[file_name]}\n".encode())
    return digest.hexdigest()[:16]


def validate_build(build: Build, progress: Progress = quiet) -> ValidationReport:
    """SHACL-validate the build's (rebuilt) catalog graphs; reused catalogs keep their results."""
    if build.graphs or not build.reused:
        progress(f"validating {len(build.graphs)} catalog graphs with SHACL")
        build.report = validate_catalogs(build.graphs, build.vocabulary.graph)
    else:
        build.report = ValidationReport()
    return build.report


def _fill(build: Build, store: pyoxigraph.Store) -> None:
    for name, graph in build.named_graphs():
        data = graph.serialize(format="nt", encoding="utf-8")
        store.bulk_load(data, format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=pyoxigraph.NamedNode(str(name)))
    if build.reused:
        if build.previous_store is None:
            raise ValueError("a build that reuses catalogs needs its previous store")
        with OxigraphStore.open(build.previous_store) as previous:
            if build.plan is not None and previous.metadata().get("data_version") != build.plan.previous_version:
                raise GongkaiError("the store changed while this build ran (another build?); run it again",
                                   file=str(build.previous_store))
            _copy_reused(build, previous.raw, store)


def _copy_reused(build: Build, previous: pyoxigraph.Store, store: pyoxigraph.Store) -> None:
    """Copy the reused catalogs' graphs, and their SHACL results, from the previous store
    (one bulk load: each bulk_extend call costs a RocksDB ingestion)."""
    store.bulk_extend(itertools.chain(_reused_quads(build, previous), _reused_results(build, previous)))


def _reused_quads(build: Build, previous: pyoxigraph.Store) -> Iterator[pyoxigraph.Quad]:
    for iri in sorted(build.reused):
        yield from previous.quads_for_pattern(None, None, None, pyoxigraph.NamedNode(str(iri)))


def _reused_results(build: Build, previous: pyoxigraph.Store) -> Iterator[pyoxigraph.Quad]:
    """The reused catalogs' sh:ValidationResult nodes (dct:source names the catalog graph)."""
    if build.report is None:
        return
    minter = IriMinter(build.vocabulary.base)
    validation = pyoxigraph.NamedNode(str(minter.validation_graph()))
    report = pyoxigraph.NamedNode(minter.validation_base() + "report")
    source = pyoxigraph.NamedNode(str(DCTERMS.source))
    result = pyoxigraph.NamedNode(str(SH.result))
    for iri in sorted(build.reused):
        for quad in previous.quads_for_pattern(None, source, pyoxigraph.NamedNode(str(iri)), validation):
            yield from previous.quads_for_pattern(quad.subject, None, None, validation)
            yield pyoxigraph.Quad(report, result, quad.subject, validation)


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
    records = {
        str(iri): {
            "files": sorted(files.get(iri, [])),
            "triples": len(graph),
            "entities": len(set(graph.subjects(RDF.type, GK.DisclosureItem))),
            "items": items.get(iri, 0),
            "validation": validation.get(iri, dict.fromkeys(SEVERITIES, 0)),
        }
        for iri, graph in build.graphs.items()
    }
    for iri, reused in build.reused.items():
        records[str(iri)] = {"files": list(reused.files), "triples": reused.triples, "entities": reused.entities,
                             "items": reused.items, "validation": dict(reused.validation)}
    return dict(sorted(records.items()))


def _store_metadata(build: Build) -> dict:
    """What a build adds to the store's metadata (gongkai-store.json, or a server's build graph)."""
    sources = build.sources if build.sources is not None else [c.source for c in build.catalogs]
    hashes = {c.source.file_name: c.sha256 for c in build.catalogs}
    for source in sources:
        if source.file_name not in hashes and source.file_name in build.fingerprints:
            hashes[source.file_name] = build.fingerprints[source.file_name].sha256
    record = {
        "sources_digest": build.data_version,
        "base": build.vocabulary.base,
        "catalogs": build.catalog_count,
        "items": build.item_count,
        "validation": build.validation_counts() if build.report else {},
        "sources": dict(sorted(hashes.items())),
        # what incremental builds compare (see plan_build)
        "environment_digest": environment_digest(),
        "source_entries": {s.file_name: manifest_entry_digest(s) for s in sorted(sources, key=lambda s: s.file_name)},
        "catalog_graphs": _graph_records(build),
    }
    if build.plan is not None:
        record["build_plan"] = build.plan.summary_record()
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


class _CountedGraph:
    """Stands in for a reused catalog graph where the dataset description only counts
    its triples and its disclosure items (recorded in the previous store's metadata)."""

    def __init__(self, triples: int, entities: int) -> None:
        self._triples, self._entities = triples, entities

    def __len__(self) -> int:
        return self._triples

    def subjects(self, _predicate: object = None, _object: object = None) -> Iterable[int]:
        return range(self._entities)


def read_previous_metadata(store_dir: Path) -> dict:
    """The previous store's gongkai-store.json, without opening the store ({} if none)."""
    try:
        data = json.loads((Path(store_dir) / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def build_for_store(
    sources: list[CatalogSource], store_dir: Path, base: str = DEFAULT_BASE, progress: Progress = quiet,
    *, full: bool = False, reason: str = "--full",
) -> Build:
    """Plan against the store at ``store_dir``, then read, parse, reconcile and map only
    the catalogs whose sources are new or changed (everything when ``full``). Validate
    with :func:`validate_build`, store with :func:`store_build` as usual."""
    fingerprints = fingerprint_sources(sources, base)
    if full:
        plan = BuildPlan(True, reason, {name: "new" for name in fingerprints})
    else:
        plan = plan_build(read_previous_metadata(store_dir), fingerprints, base, environment_digest())
    progress(f"plan: {plan.summary()}")
    vocabulary = load_vocabulary(base)
    minter = IriMinter(base)
    todo = [s for s in sources if plan.full or s.file_name in plan.rebuild]
    catalogs, reconciliations, graphs = _map_sources(todo, vocabulary, minter, progress)
    reused = {URIRef(iri): record for iri, record in plan.reuse.items()}
    hashes = {name: fp.sha256 or "" for name, fp in fingerprints.items()}
    hashes.update({c.source.file_name: c.sha256 for c in catalogs})
    version = _sources_digest(hashes, base)
    described: dict[URIRef, object] = dict(graphs)
    described.update({iri: _CountedGraph(r.triples, r.entities) for iri, r in reused.items()})
    description = dataset_description(described, len(vocabulary.graph), minter, version)  # type: ignore[arg-type]
    return Build(catalogs, graphs, vocabulary, description, version, reconciliations=reconciliations,
                 reused=reused, previous_store=Path(store_dir) if reused else None, plan=plan,
                 sources=list(sources), fingerprints=fingerprints)


def store_build(build: Build, store_dir: Path, progress: Progress = quiet) -> None:
    """Load every graph into a new embedded store and swap it in; atomic."""
    progress(f"loading {build.triple_count} triples into {store_dir}")
    atomic_build(store_dir, lambda store: _fill(build, store), _store_metadata(build))


def push_build(build: Build, remote: RemoteStore, progress: Progress = quiet) -> dict:
    """Load every graph of ``build`` into a remote SPARQL server, replacing its previous
    push (see :meth:`gongkai.remote.RemoteStore.push` for how atomic that is).

    The graphs are put together in memory first, so the data version is computed
    exactly as for an embedded store. Returns the metadata stored on the server.
    """
    memory = pyoxigraph.Store()
    _fill(build, memory)
    record = metadata_record(memory, _store_metadata(build))
    progress(f"loading {len(memory)} triples into {remote.location}")
    store = OxigraphStore(memory, Path(remote.location), read_only=True)
    return remote.push(store_graph_sources(store), record, progress)


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
