"""The build, stage by stage: read -> parse -> reconcile -> map -> validate -> store.

Each stage is a function from data to data; this module only strings them together
and does the I/O at the two ends (source files in, store or RDF file out).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph
from rdflib import Dataset, Graph, URIRef

from gongkai.errors import GongkaiError
from gongkai.iri import IriMinter
from gongkai.model import CatalogSource, LedgerStatus, ParsedCatalog
from gongkai.namespaces import DEFAULT_BASE, bind_prefixes
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
from gongkai.store import OxigraphStore, atomic_build
from gongkai.validate import ValidationReport, validate_catalogs
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

    @property
    def item_count(self) -> int:
        return sum(len(c.entries) for c in self.catalogs)

    @property
    def triple_count(self) -> int:
        return sum(len(g) for g in self.graphs.values()) + len(self.vocabulary.graph) + len(self.description)

    def named_graphs(self) -> list[tuple[URIRef, Graph]]:
        """All graphs as stored: each catalog, the vocabulary, the dataset description."""
        minter = IriMinter(self.vocabulary.base)
        vocabulary = bind_prefixes(Graph(identifier=minter.vocabulary_graph()))
        vocabulary += self.vocabulary.graph
        graphs = [*sorted(self.graphs.items()), (minter.vocabulary_graph(), vocabulary), (minter.dataset(), self.description)]
        if self.report is not None:
            # The SHACL report is published beside the data it judges.
            report = bind_prefixes(Graph(identifier=minter.validation_graph()))
            report += self.report.to_graph(minter.validation_base())
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
    version = data_version(catalogs, base)
    description = dataset_description(graphs, len(vocabulary.graph), minter, version)
    return Build(catalogs, graphs, vocabulary, description, version, reconciliations=reconciliations)


def reconciliation_report(build: Build) -> ReconciliationReport:
    """What matched how, what did not, with suggested candidates (``to_text`` / ``to_json``
    / ``to_csv``), for ``gongkai reconcile --report``."""
    return _reconciliation_report(build)


def data_version(catalogs: list[ParsedCatalog], base: str) -> str:
    """Changes when a source file, the base or the code's version changes."""
    from gongkai import __version__

    digest = hashlib.sha256(f"{__version__}\n{base}\n".encode())
    for parsed in sorted(catalogs, key=lambda c: c.source.file_name):
        digest.update(f"{parsed.source.file_name}:{parsed.sha256}\n".encode())
    return digest.hexdigest()[:16]


def validate_build(build: Build, progress: Progress = quiet) -> ValidationReport:
    progress(f"validating {len(build.graphs)} catalog graphs with SHACL")
    build.report = validate_catalogs(build.graphs, build.vocabulary.graph)
    return build.report


def _fill(build: Build, store: pyoxigraph.Store) -> None:
    for name, graph in build.named_graphs():
        data = graph.serialize(format="nt", encoding="utf-8")
        store.bulk_load(data, format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=pyoxigraph.NamedNode(str(name)))


def _store_metadata(build: Build) -> dict:
    """What a build adds to the store's metadata (gongkai-store.json, or a server's build graph)."""
    return {
        "sources_digest": build.data_version,
        "base": build.vocabulary.base,
        "catalogs": len(build.graphs),
        "items": build.item_count,
        "validation": build.report.counts() if build.report else {},
        "sources": {c.source.file_name: c.sha256 for c in build.catalogs},
    }


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
