"""Validate the catalog graphs with pySHACL and turn the results into a stable report.

Each catalog graph is validated on its own, with the vocabulary graph (ontology, SKOS
schemes, places, laws) beside it, so that a result always names the one catalog it
came from and a broken catalog cannot hide behind a good one. Inference is off: the
ontology's rdfs:subClassOf triples are part of the vocabulary, which is all sh:class
needs, and entailment would only make validation slower and results harder to explain.

The report is deterministic (same graphs, same report, byte for byte) so that it can be
published beside the data and diffed between builds: results are sorted, and the RDF
form mints result IRIs from a hash of what the result says instead of blank nodes.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from typing import Literal as Choice

import pyshacl
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, RDF, NamespaceManager
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result
from rdflib.term import Node

from gongkai.errors import GongkaiError
from gongkai.namespaces import SH, bind_prefixes
from gongkai.resources import shape_files

if TYPE_CHECKING:
    from gongkai.shacl_engine import ValidationContext

VALIDATION_BASE = "https://w3id.org/gongkai/validation/"
SHAPES_NAMESPACE = "https://w3id.org/gongkai/shapes#"
SEVERITIES: tuple[str, ...] = ("Violation", "Warning", "Info")

_SEVERITY_NAMES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
_SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
Engine = Choice["fast", "pyshacl"]
_PLACEHOLDER = re.compile(r"\{[?$][A-Za-z_][A-Za-z0-9_]*\}")


def load_shapes() -> Graph:
    """All shapes/*.ttl in one graph, read through the resource helper so the installed
    package and a source checkout validate with the same shapes."""
    graph = bind_prefixes(Graph())
    for path in shape_files():
        graph.parse(path, format="turtle")
    return graph


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, with the catalog graph it came from.

    ``result_path`` is the property IRI, or for a complex SHACL path a Literal holding
    its SPARQL property-path text (our shapes use plain properties only).
    """

    severity: str
    focus_node: Node
    result_path: Node | None
    value: Node | None
    message_en: str
    message_zh: str
    source_shape: Node | None
    graph: URIRef
    constraint_component: URIRef | None = None

    def sort_key(self) -> tuple:
        return (
            str(self.graph),
            _SEVERITY_RANK.get(self.severity, len(SEVERITIES)),
            str(self.focus_node),
            _term_text(self.result_path),
            _term_text(self.value),
            _term_text(self.source_shape),
            _term_text(self.constraint_component),
            self.message_en,
            self.message_zh,
        )

    def key(self) -> str:
        """A stable short hash of what the result says, used to mint its IRI."""
        text = "\x1f".join(str(part) for part in self.sort_key())
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class ValidationReport:
    """All results of one validation run, across every catalog graph."""

    results: list[ValidationResult] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        """True when there is no Violation: Warnings and Infos describe the catalogs'
        own deficiencies, which the graph is meant to keep visible, not to reject."""
        return not any(r.severity == "Violation" for r in self.results)

    def sorted_results(self) -> list[ValidationResult]:
        return sorted(set(self.results), key=ValidationResult.sort_key)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        for result in self.results:
            counts[result.severity] = counts.get(result.severity, 0) + 1
        return counts

    def graphs(self) -> list[URIRef]:
        return sorted({r.graph for r in self.results}, key=str)

    def summary(self) -> str:
        counts = self.counts()
        parts = ", ".join(f"{counts[s]} {s}" for s in SEVERITIES)
        verdict = "conforms" if self.conforms else "does not conform"
        return f"SHACL: {verdict} ({parts}; {len(self.graphs())} graph(s) with results)"

    def to_text(self) -> str:
        """A summary line, then one tab-separated line per result:
        severity, graph, focus node, path, value, English message."""
        nm = _namespace_manager()
        lines = [self.summary()]
        for r in self.sorted_results():
            lines.append(
                "\t".join(
                    [
                        r.severity,
                        _n3(r.graph, nm),
                        _n3(r.focus_node, nm),
                        _n3(r.result_path, nm),
                        _n3(r.value, nm),
                        r.message_en,
                    ]
                )
            )
        return "\n".join(lines) + "\n"

    def to_json(self) -> str:
        """The report as JSON for dashboards: IRIs as plain strings, literal values in
        N-Triples form (so "20"^^xsd:integer is told from an IRI), keys sorted."""
        doc = {
            "conforms": self.conforms,
            "counts": self.counts(),
            "results": [
                {
                    "severity": r.severity,
                    "graph": str(r.graph),
                    "focus_node": _json_term(r.focus_node),
                    "result_path": _json_term(r.result_path),
                    "value": _json_term(r.value),
                    "message": {"en": r.message_en, "zh": r.message_zh},
                    "source_shape": _json_term(r.source_shape),
                    "constraint_component": _json_term(r.constraint_component),
                }
                for r in self.sorted_results()
            ],
        }
        return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    def to_graph(self, base: str = VALIDATION_BASE) -> Graph:
        """A SHACL sh:ValidationReport without blank nodes: the report is ``<base>report``
        and each result ``<base>result/<hash>``; dct:source names the catalog graph."""
        graph = bind_prefixes(Graph())
        graph.bind("gks", SHAPES_NAMESPACE)
        report = report_node(base)
        graph.add((report, RDF.type, SH.ValidationReport))
        graph.add((report, SH.conforms, Literal(self.conforms)))
        for triple in result_triples(self.sorted_results(), base):
            graph.add(triple)
        return graph

    def to_turtle(self, base: str = VALIDATION_BASE) -> str:
        return self.to_graph(base).serialize(format="turtle")


def report_node(base: str = VALIDATION_BASE) -> URIRef:
    return URIRef((base if base.endswith(("/", "#")) else base + "/") + "report")


def result_triples(results: Iterable[ValidationResult], base: str = VALIDATION_BASE) -> Iterator[tuple[Node, Node, Node]]:
    """The triples of each result and the report's sh:result link to it (what a report
    graph holds besides the report node's type and verdict)."""
    ns = Namespace(base if base.endswith(("/", "#")) else base + "/")
    report = ns["report"]
    for r in results:
        node = ns[f"result/{r.key()}"]
        yield report, SH.result, node
        yield node, RDF.type, SH.ValidationResult
        yield node, SH.resultSeverity, SH[r.severity]
        yield node, SH.focusNode, r.focus_node
        yield node, DCTERMS.source, r.graph
        if isinstance(r.result_path, URIRef):
            yield node, SH.resultPath, r.result_path
        if r.value is not None:
            yield node, SH.value, r.value
        if r.source_shape is not None:
            yield node, SH.sourceShape, r.source_shape
        if r.constraint_component is not None:
            yield node, SH.sourceConstraintComponent, r.constraint_component
        if r.message_en:
            yield node, SH.resultMessage, Literal(r.message_en, lang="en")
        if r.message_zh:
            yield node, SH.resultMessage, Literal(r.message_zh, lang="zh")


def validate_catalogs(
    catalog_graphs: Mapping[URIRef, Graph],
    vocabulary: Graph,
    shapes: Graph | None = None,
    workers: int | None = None,
    engine: Engine = "fast",
) -> ValidationReport:
    """Validate each catalog graph (with the vocabulary beside it) and merge the results.

    Results whose focus node is not described in the catalog graph (vocabulary entries
    that some shape happens to target) are dropped: they would repeat once per catalog
    and belong to the vocabulary's own checks, not to a catalog's report.

    ``engine`` "fast" compiles the shapes once (gongkai.shacl_engine) and gives the same
    results as "pyshacl", the reference, at a small fraction of its cost.

    Catalogs are independent, so with enough of them they are validated in parallel
    worker processes (``workers``, default: the CPU count), forked so that the loaded
    vocabulary and shapes are shared instead of re-read.
    """
    shapes = load_shapes() if shapes is None else shapes
    if engine == "fast":
        return _validate_fast(catalog_graphs, validation_context(vocabulary, shapes), workers)
    if engine != "pyshacl":
        raise GongkaiError(f"unknown SHACL engine {engine!r}: use 'fast' or 'pyshacl'")
    templates = _message_templates(shapes)
    # One graph holds the vocabulary once; each catalog's triples are added beside it,
    # validated, and taken out again, so the (large) vocabulary is never copied per
    # catalog. A plain Graph, not a Dataset: rdflib's union Dataset is slower and warns
    # on every lookup.
    data = _QueryCachingGraph()
    data += vocabulary
    names = sorted(catalog_graphs, key=str)
    workers = min(workers or os.cpu_count() or 1, len(names))
    global _FORKED
    _FORKED = (data, shapes, templates, catalog_graphs)
    try:
        if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                chunks = pool.map(_validate_one, names, chunksize=1)
        else:
            chunks = [_validate_one(name) for name in names]
    finally:
        _FORKED = None
    results = [result for chunk in chunks for result in chunk]
    return ValidationReport(sorted(set(results), key=ValidationResult.sort_key))


# What forked workers share with the parent: (vocabulary data graph, shapes, message
# templates, catalog graphs) for pySHACL, (context, catalog graphs) for the fast engine.
# Set only while validate_catalogs runs.
_FORKED: tuple | None = None

# The fast engine takes a few hundredths of a second per catalog, and a forked worker
# adds about a quarter of that in CPU (copy-on-write pages, results sent back) besides
# starting the pool: measured on 2 cores, 2 workers use 15% more CPU than 1, and were
# slower than 1 even at 80 catalogs while other processes kept the cores busy. So
# workers only from this many catalogs each.
FAST_CATALOGS_PER_WORKER = 40


def validation_context(vocabulary: Graph, shapes: Graph | None = None) -> ValidationContext:
    """Compile the shapes and index the vocabulary once, for validate_catalog_triples;
    build it before forking workers so that they share it."""
    from gongkai.shacl_engine import ValidationContext

    return ValidationContext(vocabulary, load_shapes() if shapes is None else shapes)


def validate_catalog_triples(
    graph_iri: URIRef, triples: Iterable[tuple[Node, Node, Node]], context: ValidationContext
) -> list[ValidationResult]:
    """One catalog's results (sorted, duplicate-free) from its triples, with the fast
    engine: the same results validate_catalogs gives for the catalog's graph."""
    return context.validate(graph_iri, triples)


def _validate_fast(
    catalog_graphs: Mapping[URIRef, Graph], context: ValidationContext, workers: int | None
) -> ValidationReport:
    global _FORKED
    names = sorted(catalog_graphs, key=str)
    workers = min(workers or os.cpu_count() or 1, len(names) // FAST_CATALOGS_PER_WORKER)
    _FORKED = (context, catalog_graphs)
    try:
        if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                chunks = pool.map(_validate_one_fast, names, chunksize=8)
        else:
            chunks = [_validate_one_fast(name) for name in names]
    finally:
        _FORKED = None
    return ValidationReport(sorted({r for chunk in chunks for r in chunk}, key=ValidationResult.sort_key))


def _validate_one_fast(graph_iri: URIRef) -> list[ValidationResult]:
    context, catalog_graphs = _FORKED
    return validate_catalog_triples(graph_iri, catalog_graphs[graph_iri], context)


def _validate_one(graph_iri: URIRef) -> list[ValidationResult]:
    data, shapes, templates, catalog_graphs = _FORKED
    catalog = catalog_graphs[graph_iri]
    added = [triple for triple in catalog if triple not in data]
    try:
        data.addN((s, p, o, data) for s, p, o in added)
        report_graph = _run_pyshacl(data, shapes, graph_iri)
    finally:
        for triple in added:
            data.remove(triple)
    described = set(catalog.subjects())
    return [r for r in results_from_report_graph(report_graph, graph_iri, templates) if r.focus_node in described]


class _QueryCachingGraph(Graph):
    """A Graph that parses each SPARQL text once.

    pySHACL runs a SPARQL-based constraint once per focus node, always with the same
    text and only $this bound differently, and rdflib re-parses a query string on every
    call — which made parsing, not evaluation, the cost of validating a catalog.
    """

    def __init__(self) -> None:
        super().__init__()
        self._prepared: dict[tuple, Query] = {}

    def query(  # type: ignore[override]
        self,
        query_object: str | Query,
        processor: str = "sparql",
        result: str = "sparql",
        initNs: Mapping[str, Any] | None = None,  # noqa: N803
        initBindings: Mapping[str, Node] | None = None,  # noqa: N803
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> Result:
        if isinstance(query_object, str) and processor == "sparql":
            base = kwargs.get("base")
            key = (query_object, tuple(sorted((initNs or {}).items())), base)
            prepared = self._prepared.get(key)
            if prepared is None:
                prepared = prepareQuery(query_object, initNs=dict(initNs or {}), base=base)
                self._prepared[key] = prepared
            query_object = prepared
        return super().query(
            query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs
        )


def _run_pyshacl(data: Graph, shapes: Graph, graph_iri: URIRef) -> Graph:
    _conforms, report_graph, report_text = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=False,
        allow_infos=True,
        allow_warnings=True,
    )
    if not isinstance(report_graph, Graph):
        # pySHACL returns the exception instead of a graph when the shapes are unusable.
        raise GongkaiError(f"SHACL validation could not run: {report_text}", file=str(graph_iri))
    return report_graph


def results_from_report_graph(
    report_graph: Graph,
    graph_iri: URIRef,
    templates: Mapping[Node, list[Literal]] | None = None,
) -> list[ValidationResult]:
    """Read pySHACL's sh:ValidationResult nodes into ValidationResults for one graph.

    ``templates`` maps a shape or SPARQL constraint to its sh:message literals; it is
    used to tell which language an untagged message is in, because pySHACL drops the
    language tag when it fills in a SPARQL constraint's {?var} placeholders.
    """
    templates = templates or {}
    results = []
    # Only the report's own sh:result nodes: results nested under sh:detail (the
    # reasons an sh:node failed) are explanations, not results of their own.
    nodes = {
        node
        for report in report_graph.subjects(RDF.type, SH.ValidationReport)
        for node in report_graph.objects(report, SH.result)
    }
    for node in sorted(nodes, key=str):
        severity = _severity_name(report_graph.value(node, SH.resultSeverity))
        shape = report_graph.value(node, SH.sourceShape)
        candidates = list(templates.get(report_graph.value(node, SH.sourceConstraint), []))
        candidates += templates.get(shape, [])
        en, zh = _messages(report_graph.objects(node, SH.resultMessage), candidates)
        path = report_graph.value(node, SH.resultPath)
        if isinstance(path, BNode):
            path = Literal(_path_text(report_graph, path))
        component = report_graph.value(node, SH.sourceConstraintComponent)
        results.append(
            ValidationResult(
                severity=severity,
                focus_node=report_graph.value(node, SH.focusNode),
                result_path=path,
                value=report_graph.value(node, SH.value),
                message_en=en,
                message_zh=zh,
                source_shape=shape,
                graph=graph_iri,
                constraint_component=component if isinstance(component, URIRef) else None,
            )
        )
    return results


def _severity_name(severity: Node | None) -> str:
    """"Violation", "Warning" or "Info" (another severity: the end of its IRI)."""
    name = _SEVERITY_NAMES.get(severity)
    return name if name is not None else str(severity).rsplit("#", 1)[-1]


def _message_templates(shapes: Graph) -> dict[Node, list[Literal]]:
    templates: dict[Node, list[Literal]] = {}
    for subject, message in shapes.subject_objects(SH.message):
        if isinstance(message, Literal):
            templates.setdefault(subject, []).append(message)
    return templates


def _template_matches(template: str, message: str) -> bool:
    parts = [re.escape(p) for p in _PLACEHOLDER.split(template)]
    return re.fullmatch("(.*?)".join(parts), message, flags=re.DOTALL) is not None


def _messages(messages: Iterable[Node], templates: list[Literal]) -> tuple[str, str]:
    """The English and Chinese message of a result (empty string if absent)."""
    by_lang: dict[str, list[str]] = {}
    for message in messages:
        if not isinstance(message, Literal):
            continue
        lang = (message.language or "").lower().split("-")[0]
        if not lang:
            matching = [
                t.language
                for t in templates
                if t.language and _template_matches(str(t), str(message))
            ]
            # pySHACL's own messages (shape without sh:message) are English.
            lang = matching[0].lower().split("-")[0] if matching else "en"
        by_lang.setdefault(lang, []).append(str(message))
    en = sorted(by_lang.get("en", []))
    zh = sorted(by_lang.get("zh", []))
    return (en[0] if en else ""), (zh[0] if zh else "")


def _path_text(graph: Graph, path: Node) -> str:
    """A SHACL property path as SPARQL property-path text."""
    if isinstance(path, URIRef):
        return f"<{path}>"
    for predicate, symbol in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "({})*"),
        (SH.oneOrMorePath, "({})+"),
        (SH.zeroOrOnePath, "({})?"),
    ):
        inner = graph.value(path, predicate)
        if inner is not None:
            return symbol.format(_path_text(graph, inner))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_path_text(graph, p) for p in Collection(graph, alternatives)) + ")"
    if graph.value(path, RDF.first) is not None:
        return "(" + "/".join(_path_text(graph, p) for p in Collection(graph, path)) + ")"
    return str(path)


def _namespace_manager() -> NamespaceManager:
    return bind_prefixes(Graph()).namespace_manager


def _n3(term: Node | None, nm: NamespaceManager) -> str:
    if term is None:
        return "-"
    return term.n3(nm)


def _term_text(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, Literal):
        return term.n3()
    return str(term)


def _json_term(term: Node | None) -> str | None:
    return None if term is None else _term_text(term)
