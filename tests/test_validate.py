"""The validation report API: per-catalog validation, counts, and deterministic text,
JSON and RDF forms — with both SHACL engines, the fast one and pySHACL."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from gongkai.errors import GongkaiError
from gongkai.namespaces import DEFAULT_BASE, GK, SH
from gongkai.resources import resource_dir
from gongkai.validate import (
    VALIDATION_BASE,
    ValidationReport,
    ValidationResult,
    load_shapes,
    validate_catalogs,
)

REPO = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "fixtures" / "shapes" / "conforming.trig"
B = DEFAULT_BASE
CATALOG = URIRef(B + "catalog/654002/social-insurance")
VOCABULARY = URIRef(B + "graph/vocabulary")
ITEM = URIRef(B + "item/654002/social-insurance/0a1b2c3d4e")
ORG_ = URIRef(B + "org/654002/k1")
PLACE = URIRef(B + "place/654002")
# A second graph holding a broken copy of the same catalog: same node IRIs, so that
# validating the two graphs together would hide what the copy lacks.
BROKEN = URIRef(B + "graph/broken-copy")
ENGINES = ("fast", "pyshacl")


@functools.cache
def _fixture_triples() -> tuple[frozenset, frozenset]:
    dataset = Dataset()
    with warnings.catch_warnings(action="ignore", category=DeprecationWarning):
        dataset.parse(FIXTURE, format="trig")
    ontology = Graph().parse(resource_dir("ontology") / "gongkai.ttl", format="turtle")
    return frozenset(dataset.graph(CATALOG)), frozenset(dataset.graph(VOCABULARY)) | frozenset(
        ontology
    )


def graph_of(triples) -> Graph:
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    return graph


def two_catalogs() -> tuple[dict[URIRef, Graph], Graph]:
    """The conforming catalog, and a copy without a responsible body or audience but
    with lost ticks: exactly one Violation, one Warning and one Info."""
    catalog_triples, vocabulary_triples = _fixture_triples()
    good = graph_of(catalog_triples)
    broken = graph_of(catalog_triples)
    broken.remove((ITEM, GK.responsibleBody, None))
    broken.remove((ITEM, GK.audience, None))
    broken.add((ITEM, GK.ticksLost, Literal(True)))
    return {CATALOG: good, BROKEN: broken}, graph_of(vocabulary_triples)


def warnings_alone() -> tuple[dict[URIRef, Graph], Graph]:
    """The conforming catalog without its legal basis: one Warning."""
    catalog_triples, vocabulary_triples = _fixture_triples()
    catalog = graph_of(catalog_triples)
    catalog.remove((ITEM, GK.legalBasis, None))
    return {CATALOG: catalog}, graph_of(vocabulary_triples)


def shared_place_triples() -> tuple[dict[URIRef, Graph], Graph]:
    """The two catalogs, the first repeating the vocabulary's triples of its place."""
    catalogs, vocabulary = two_catalogs()
    catalogs[CATALOG].add((PLACE, SKOS.prefLabel, Literal("伊宁市", lang="zh")))
    catalogs[CATALOG].add((PLACE, RDF.type, DCTERMS.Location))
    return catalogs, vocabulary


def body_of_another_place() -> tuple[dict[URIRef, Graph], Graph]:
    """The conforming catalog with its body moved to another place (a SPARQL Warning)."""
    catalog_triples, vocabulary_triples = _fixture_triples()
    catalog = graph_of(catalog_triples)
    catalog.remove((ORG_, DCTERMS.spatial, None))
    catalog.add((ORG_, DCTERMS.spatial, URIRef(B + "place/654301")))
    return {CATALOG: catalog}, graph_of(vocabulary_triples)


# The catalogs these tests validate, for tests/test_shacl_engine.py to compare engines on.
VARIANTS = {
    "two-catalogs": two_catalogs,
    "warnings-alone": warnings_alone,
    "shared-place-triples": shared_place_triples,
    "body-of-another-place": body_of_another_place,
}


def build_report(engine: str = "fast") -> ValidationReport:
    catalogs, vocabulary = two_catalogs()
    return validate_catalogs(catalogs, vocabulary, engine=engine)


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def report(engine: str) -> ValidationReport:
    return build_report(engine)


def test_counts_and_conforms(report: ValidationReport) -> None:
    assert report.counts() == {"Violation": 1, "Warning": 1, "Info": 1}
    assert report.conforms is False


def test_results_carry_the_graph_they_came_from(report: ValidationReport) -> None:
    assert sorted((r.graph, r.severity, r.result_path) for r in report.results) == [
        (BROKEN, "Info", GK.ticksLost),
        (BROKEN, "Violation", GK.responsibleBody),
        (BROKEN, "Warning", GK.audience),
    ]
    assert all(r.focus_node == ITEM for r in report.results)


def test_each_catalog_is_validated_on_its_own(report: ValidationReport, engine: str) -> None:
    catalogs, vocabulary = two_catalogs()
    alone = validate_catalogs({BROKEN: catalogs[BROKEN]}, vocabulary, engine=engine)
    assert alone.results == report.results
    # Validated as one union the good copy would supply the missing body: the
    # per-catalog run is what makes the Violation visible.
    union = catalogs[CATALOG] + catalogs[BROKEN] + vocabulary
    _conforms, union_report, _text = pyshacl.validate(
        union, shacl_graph=load_shapes(), inference="none"
    )
    assert (None, SH.resultPath, GK.responsibleBody) not in union_report


def test_inputs_are_left_unchanged_and_shared_triples_survive(engine: str) -> None:
    # The mapping repeats the place's triples in each catalog graph; the next catalog
    # must still find them in the vocabulary after the first one is taken out again.
    catalogs, vocabulary = shared_place_triples()
    sizes = {iri: len(g) for iri, g in catalogs.items()}
    vocabulary_size = len(vocabulary)
    report = validate_catalogs(catalogs, vocabulary, engine=engine)
    assert {iri: len(g) for iri, g in catalogs.items()} == sizes
    assert len(vocabulary) == vocabulary_size
    assert report.counts() == {"Violation": 1, "Warning": 1, "Info": 1}


def test_empty_report_conforms() -> None:
    empty = ValidationReport([])
    assert empty.conforms is True
    assert empty.counts() == {"Violation": 0, "Warning": 0, "Info": 0}
    assert (
        empty.to_text()
        == "SHACL: conforms (0 Violation, 0 Warning, 0 Info; 0 graph(s) with results)\n"
    )
    assert json.loads(empty.to_json()) == {
        "conforms": True,
        "counts": {"Violation": 0, "Warning": 0, "Info": 0},
        "results": [],
    }


def test_warnings_alone_still_conform(engine: str) -> None:
    result = validate_catalogs(*warnings_alone(), engine=engine)
    assert result.counts() == {"Violation": 0, "Warning": 1, "Info": 0}
    assert result.conforms is True


def test_to_text(report: ValidationReport) -> None:
    lines = report.to_text().splitlines()
    assert (
        lines[0]
        == "SHACL: does not conform (1 Violation, 1 Warning, 1 Info; 1 graph(s) with results)"
    )
    graph, item = f"<{BROKEN}>", f"<{ITEM}>"
    assert lines[1:] == [
        f"Violation\t{graph}\t{item}\tgk:responsibleBody\t-\t"
        "A disclosure item needs at least one responsible body (a cv:PublicOrganisation)",
        f"Warning\t{graph}\t{item}\tgk:audience\t-\tAudience unknown",
        f'Info\t{graph}\t{item}\tgk:ticksLost\t"true"^^xsd:boolean\t'
        "The source row lost cells, so its audience, method and level ticks cannot be told "
        "apart; they are left unknown, not guessed",
    ]


def test_to_json(report: ValidationReport) -> None:
    doc = json.loads(report.to_json())
    assert doc["conforms"] is False
    assert doc["counts"] == {"Violation": 1, "Warning": 1, "Info": 1}
    first = doc["results"][0]
    assert first == {
        "severity": "Violation",
        "graph": str(BROKEN),
        "focus_node": str(ITEM),
        "result_path": str(GK.responsibleBody),
        "value": None,
        "message": {
            "en": "A disclosure item needs at least one responsible body (a cv:PublicOrganisation)",
            "zh": "公开事项必须至少有一个公开主体（cv:PublicOrganisation）",
        },
        "source_shape": "https://w3id.org/gongkai/shapes#DisclosureItem-responsibleBody",
        "constraint_component": str(SH.MinCountConstraintComponent),
    }
    assert doc["results"][2]["value"] == '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'


def test_to_graph(report: ValidationReport) -> None:
    graph = report.to_graph()
    assert not any(isinstance(t, BNode) for t in graph.all_nodes())
    [node] = graph.subjects(RDF.type, SH.ValidationReport)
    assert node == URIRef(VALIDATION_BASE + "report")
    assert graph.value(node, SH.conforms) == Literal(False)
    results = sorted(graph.objects(node, SH.result))
    assert len(results) == 3
    for result in results:
        assert str(result).startswith(VALIDATION_BASE + "result/")
        assert (result, RDF.type, SH.ValidationResult) in graph
        assert graph.value(result, DCTERMS.source) == BROKEN
        assert graph.value(result, SH.focusNode) == ITEM
        assert {m.language for m in graph.objects(result, SH.resultMessage)} == {"en", "zh"}
    severities = sorted(str(graph.value(r, SH.resultSeverity)) for r in results)
    assert severities == [str(SH.Info), str(SH.Violation), str(SH.Warning)]


def test_to_graph_with_another_base(report: ValidationReport) -> None:
    graph = report.to_graph("https://example.org/v")
    assert (URIRef("https://example.org/v/report"), RDF.type, SH.ValidationReport) in graph


def test_output_is_deterministic_across_runs(report: ValidationReport, engine: str) -> None:
    again = build_report(engine)
    assert again.to_text() == report.to_text()
    assert again.to_json() == report.to_json()
    assert again.to_turtle() == report.to_turtle()


def test_turtle_is_deterministic_across_processes(report: ValidationReport) -> None:
    # The other process uses the default engine: the report is the same with either.
    env = dict(
        os.environ,
        PYTHONHASHSEED="12345",
        PYTHONPATH=os.pathsep.join([str(REPO), str(REPO / "tests")]),
    )
    code = "import sys, test_validate; sys.stdout.write(test_validate.build_report().to_turtle())"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout == report.to_turtle()


def test_result_iri_depends_on_what_the_result_says() -> None:
    base = dict(
        severity="Warning",
        focus_node=ITEM,
        result_path=GK.audience,
        value=None,
        message_en="Audience unknown",
        message_zh="公开对象未知",
        source_shape=None,
    )
    a = ValidationResult(graph=CATALOG, **base)
    assert a.key() == ValidationResult(graph=CATALOG, **base).key()
    assert a.key() != ValidationResult(graph=BROKEN, **base).key()


def test_sparql_messages_keep_their_language(engine: str) -> None:
    # pySHACL drops the language tag of a SPARQL constraint's filled-in message.
    [result] = validate_catalogs(*body_of_another_place(), engine=engine).results
    assert result.message_en.endswith(
        "names a different place than the catalog: 阿勒泰市 (654301), not 伊宁市 (654002)"
    )
    assert result.message_zh.startswith(
        "公开主体或渠道「伊宁市人力资源和社会保障局」所属地为阿勒泰市"
    )


def test_load_shapes_reads_the_shapes_folder() -> None:
    shapes = load_shapes()
    assert (
        URIRef("https://w3id.org/gongkai/shapes#CatalogShape"),
        SH.targetClass,
        GK.Catalog,
    ) in shapes


def test_unusable_shapes_raise_a_gongkai_error(engine: str) -> None:
    catalogs, vocabulary = two_catalogs()
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix gk: <https://w3id.org/gongkai/ontology#> .
        <urn:s> a sh:NodeShape ; sh:targetClass gk:DisclosureItem ;
            sh:sparql [ sh:select "SELECT $this WHERE { VALUES ?x { 1 } }" ] .
        """,
        format="turtle",
    )
    with pytest.raises(GongkaiError, match="VALUES"):
        validate_catalogs(catalogs, vocabulary, shapes, engine=engine)
