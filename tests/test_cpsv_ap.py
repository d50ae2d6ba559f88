"""Our output must also be valid CPSV-AP 3.2: validated with the official SEMIC shapes
(CC BY 4.0, read from ../shared/vendor, never copied into the repository) under RDFS
entailment, so that gk:DisclosureItem ⊑ cpsv:PublicService and gk:responsibleBody ⊑
cv:hasCompetentAuthority bring our data under CPSV-AP's shapes.

``validate_against_cpsv_ap`` is meant for reuse on a real build: pass it the union of
the catalog graphs and the vocabulary graph.
"""

from __future__ import annotations

import functools
import os
import warnings
from pathlib import Path

import pyshacl
import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS, SKOS
from rdflib.term import Node

from gongkai.namespaces import DEFAULT_BASE, GK, SH
from gongkai.resources import ontology_files, resource_dir

CPSV_AP_SHACL = (
    Path(__file__).resolve().parents[2] / "shared/vendor/cpsv-ap-3.2.0/cpsv-ap-SHACL.ttl"
)
CPSV_AP_SHAPES = "https://semiceu.github.io/CPSV-AP/releases/3.2.0//shacl/cpsv-ap-SHACL.ttl#"
FIXTURE = Path(__file__).parent / "fixtures" / "shapes" / "conforming.trig"
B = DEFAULT_BASE
CATALOG = URIRef(B + "catalog/654002/social-insurance")
VOCABULARY = URIRef(B + "graph/vocabulary")
ITEM = URIRef(B + "item/654002/social-insurance/0a1b2c3d4e")
ORG_ = URIRef(B + "org/654002/k1")


def cpsv_ap_shapes_path() -> Path:
    """The vendored CPSV-AP 3.2.0 shapes; skipped when absent, except on CI."""
    if not CPSV_AP_SHACL.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CPSV-AP shapes missing on CI: {CPSV_AP_SHACL}")
        pytest.skip(f"CPSV-AP shapes not found at {CPSV_AP_SHACL}")
    return CPSV_AP_SHACL


@functools.cache
def cpsv_ap_shapes(path: Path = CPSV_AP_SHACL) -> Graph:
    return Graph().parse(path, format="turtle")


def validate_against_cpsv_ap(data: Graph, shapes: Graph | None = None) -> tuple[bool, Graph, str]:
    """Validate ``data`` (catalog graphs + vocabulary, ontology included) against
    CPSV-AP 3.2 with RDFS entailment; returns pySHACL's (conforms, report, text)."""
    shapes = cpsv_ap_shapes(cpsv_ap_shapes_path()) if shapes is None else shapes
    conforms, report, text = pyshacl.validate(data, shacl_graph=shapes, inference="rdfs")
    assert isinstance(report, Graph), text
    return conforms, report, text


def cpsv_ap_failures(report: Graph) -> set[tuple[Node, Node, str]]:
    """(focus node, path, CPSV-AP shape name) of each result, for readable asserts."""
    failures = set()
    for result in report.subjects(SH.resultSeverity, None):
        shape = str(report.value(result, SH.sourceShape))
        failures.add(
            (
                report.value(result, SH.focusNode),
                report.value(result, SH.resultPath),
                shape.removeprefix(CPSV_AP_SHAPES).split("/")[0],
            )
        )
    return failures


def fixture_data() -> Graph:
    """The conforming fixture's catalog and vocabulary graphs plus the ontology."""
    dataset = Dataset()
    with warnings.catch_warnings(action="ignore", category=DeprecationWarning):
        dataset.parse(FIXTURE, format="trig")
    data = Graph()
    data += dataset.graph(CATALOG)
    data += dataset.graph(VOCABULARY)
    data.parse(resource_dir("ontology") / "gongkai.ttl", format="turtle")
    return data


def test_conforming_fixture_is_valid_cpsv_ap() -> None:
    conforms, _report, text = validate_against_cpsv_ap(fixture_data())
    assert conforms, text


def test_disclosure_item_is_checked_as_a_public_service() -> None:
    # Proves the CPSV-AP shapes reach our item through gk:DisclosureItem ⊑ cpsv:PublicService.
    data = fixture_data()
    data.remove((ITEM, DCTERMS.identifier, None))
    conforms, report, _text = validate_against_cpsv_ap(data)
    assert not conforms
    assert cpsv_ap_failures(report) == {(ITEM, DCTERMS.identifier, "PublicServiceShape")}


def test_responsible_body_is_checked_as_a_competent_authority() -> None:
    # gk:responsibleBody ⊑ cv:hasCompetentAuthority with range cv:PublicOrganisation:
    # a bare body is entailed to be one and must then carry a place and a name.
    data = fixture_data()
    bare = URIRef(B + "org/654002/bare")
    data.add((ITEM, GK.responsibleBody, bare))
    conforms, report, _text = validate_against_cpsv_ap(data)
    assert not conforms
    assert cpsv_ap_failures(report) == {
        (bare, DCTERMS.spatial, "PublicOrganisationShape"),
        (bare, SKOS.prefLabel, "PublicOrganisationShape"),
    }


def test_an_organisation_needs_a_title_and_identifier_as_a_foaf_agent() -> None:
    # Beyond the mapping's example: CPSV-AP's AgentShape requires dct:title and exactly
    # one dct:identifier of every foaf:Agent, and our organisations are foaf:Agents.
    data = fixture_data()
    data.remove((ORG_, DCTERMS.title, None))
    data.remove((ORG_, DCTERMS.identifier, None))
    conforms, report, _text = validate_against_cpsv_ap(data)
    assert not conforms
    assert cpsv_ap_failures(report) == {
        (ORG_, DCTERMS.title, "AgentShape"),
        (ORG_, DCTERMS.identifier, "AgentShape"),
    }


def test_shipped_vocabulary_is_valid_cpsv_ap() -> None:
    data = Graph()
    for path in ontology_files():
        data.parse(path, format="turtle", publicID=DEFAULT_BASE)
    conforms, _report, text = validate_against_cpsv_ap(data)
    assert conforms, text


def test_the_real_seed_build_conforms_to_cpsv_ap(seed_build):
    data = Graph()
    for _name, graph in seed_build.named_graphs():
        data += graph
    conforms, _report, text = validate_against_cpsv_ap(data)
    assert conforms, text[:3000]
