"""The ontology is data-as-code: it must parse, declare every gk: term the project uses,
label each term in English and Chinese, and keep its alignment axioms to CPSV-AP,
ELI, ORG, SKOS, DCAT, PROV and schema.org."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from gongkai.namespaces import CPSV, CV, DEFAULT_BASE, ELI, GK, SCHEMA
from gongkai.resources import ontology_files, resource_dir, shape_files

ONTOLOGY_FILE = resource_dir("ontology") / "gongkai.ttl"
ONTOLOGY_IRI = URIRef("https://w3id.org/gongkai/ontology")
REPO = Path(__file__).resolve().parents[1]
# Plain namespaces: rdflib's closed DCAT/XSD objects warn when pytest inspects them.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")

CLASSES = {
    "DisclosureItem",
    "Catalog",
    "SourceRow",
    "SourceFile",
    "Category",
    "Audience",
    "DisclosureMethod",
    "DisclosureLevel",
    "ContentElement",
    "ChannelType",
    "PolicyDomain",
    "StandardItem",
    "Match",
    "Citation",
    "Candidate",
    "Tally",
    "Anomaly",
    "AnomalyKind",
}
OBJECT_PROPERTIES = {
    "inCatalog",
    "category",
    "legalBasis",
    "responsibleBody",
    "channel",
    "audience",
    "disclosureMethod",
    "disclosureLevel",
    "contentElement",
    "domain",
    "standardItem",
    "mentionsPlace",
    "mergedCellFrom",
    "standardItemMatch",
    "matchedConcept",
    "citation",
    "legalResource",
    "canonical",
    "canonicalMatch",
    "candidate",
    "legalBasisTally",
    "citedLegalResource",
    "channelTypeTally",
    "anomaly",
    "anomalyOf",
    "anomalyKind",
}
DATATYPE_PROPERTIES = {
    "timeLimitWorkingDays",
    "timeLimitText",
    "legalBasisText",
    "divisionCode",
    "sourceFile",
    "sourceLine",
    "rawText",
    "sha256",
    "rowNumber",
    "incomplete",
    "ticksLost",
    "unlisted",
    "documentNumber",
    "level",
    "matchMethod",
    "matchScore",
    "matchedText",
    "citedAs",
    "candidateRank",
    "garbledLabel",
    "itemCount",
    "channelCount",
    "standardItemsCovered",
    "standardItemsMatched",
    "unmatchedItemCount",
    "anomalyDetail",
}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


def declared_terms(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects() if isinstance(s, URIRef) and s.startswith(str(GK))}


def test_ontology_file_is_found_by_resource_helper() -> None:
    assert ONTOLOGY_FILE in ontology_files()


def test_ontology_header(ontology: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal("0.1.0")
    for prop in (DCTERMS.title, DCTERMS.description):
        langs = {o.language for o in ontology.objects(ONTOLOGY_IRI, prop)}
        assert langs == {"zh", "en"}, prop


@pytest.mark.parametrize(
    "path", [p for p in ontology_files() if p.parent.name == "vocab"], ids=lambda p: p.name
)
def test_vocabulary_file_parses(path: Path) -> None:
    # Vocabulary files use IRIs relative to the configurable base.
    graph = Graph().parse(path, format="turtle", publicID=DEFAULT_BASE)
    assert len(graph) > 0
    undeclared = {
        str(t) for t in graph.all_nodes() if isinstance(t, URIRef) and t.startswith(str(GK))
    } - {str(t) for t in declared_terms(Graph().parse(ONTOLOGY_FILE))}
    assert not undeclared, f"{path.name} uses gk: terms the ontology does not declare: {undeclared}"


def test_exactly_the_agreed_terms_are_declared(ontology: Graph) -> None:
    classes = {str(s)[len(GK) :] for s in ontology.subjects(RDF.type, OWL.Class)}
    object_props = {str(s)[len(GK) :] for s in ontology.subjects(RDF.type, OWL.ObjectProperty)}
    datatype_props = {str(s)[len(GK) :] for s in ontology.subjects(RDF.type, OWL.DatatypeProperty)}
    assert classes == CLASSES
    assert object_props == OBJECT_PROPERTIES
    assert datatype_props == DATATYPE_PROPERTIES
    assert {str(t)[len(GK) :] for t in declared_terms(ontology)} == (
        CLASSES | OBJECT_PROPERTIES | DATATYPE_PROPERTIES
    )


def test_every_term_is_labelled_in_english_and_chinese(ontology: Graph) -> None:
    for term in sorted(declared_terms(ontology)):
        labels = {o.language for o in ontology.objects(term, RDFS.label) if isinstance(o, Literal)}
        assert {"en", "zh"} <= labels, f"{term} lacks an rdfs:label in en and zh"
        comments = {o.language for o in ontology.objects(term, RDFS.comment)}
        assert "en" in comments, f"{term} lacks an English rdfs:comment"
        assert (term, RDFS.isDefinedBy, ONTOLOGY_IRI) in ontology


def test_ontology_makes_no_statements_about_other_vocabularies(ontology: Graph) -> None:
    # Alignment is by our own subclass/subproperty axioms, never by redefining theirs.
    foreign = {
        s
        for s in ontology.subjects()
        if isinstance(s, URIRef) and not s.startswith(str(GK)) and s != ONTOLOGY_IRI
    }
    assert foreign == set()


ALIGNMENT = [
    (GK.DisclosureItem, RDFS.subClassOf, CPSV.PublicService),
    (GK.DisclosureItem, RDFS.subClassOf, SCHEMA.GovernmentService),
    (GK.Catalog, RDFS.subClassOf, DCAT.Dataset),
    (GK.SourceRow, RDFS.subClassOf, PROV.Entity),
    (GK.SourceFile, RDFS.subClassOf, PROV.Entity),
    (GK.Category, RDFS.subClassOf, SKOS.Concept),
    (GK.Audience, RDFS.subClassOf, SKOS.Concept),
    (GK.DisclosureMethod, RDFS.subClassOf, SKOS.Concept),
    (GK.DisclosureLevel, RDFS.subClassOf, SKOS.Concept),
    (GK.ContentElement, RDFS.subClassOf, SKOS.Concept),
    (GK.ChannelType, RDFS.subClassOf, SKOS.Concept),
    (GK.PolicyDomain, RDFS.subClassOf, SKOS.Concept),
    (GK.inCatalog, RDFS.subPropertyOf, DCTERMS.isPartOf),
    (GK.inCatalog, RDFS.domain, GK.DisclosureItem),
    (GK.inCatalog, RDFS.range, GK.Catalog),
    (GK.category, RDFS.subPropertyOf, CV.isClassifiedBy),
    (GK.category, RDFS.range, GK.Category),
    (GK.legalBasis, RDFS.subPropertyOf, CV.hasLegalResource),
    (GK.legalBasis, RDFS.range, ELI.LegalResource),
    (GK.responsibleBody, RDFS.subPropertyOf, CV.hasCompetentAuthority),
    (GK.responsibleBody, RDFS.range, CV.PublicOrganisation),
    (GK.channel, RDFS.subPropertyOf, CV.hasChannel),
    (GK.channel, RDFS.range, CV.Channel),
    (GK.audience, RDFS.subPropertyOf, DCTERMS.audience),
    (GK.audience, RDFS.range, GK.Audience),
    (GK.disclosureMethod, RDFS.subPropertyOf, CV.isClassifiedBy),
    (GK.disclosureMethod, RDFS.range, GK.DisclosureMethod),
    (GK.disclosureLevel, RDFS.subPropertyOf, CV.isClassifiedBy),
    (GK.disclosureLevel, RDFS.range, GK.DisclosureLevel),
    (GK.contentElement, RDFS.range, GK.ContentElement),
    (GK.domain, RDFS.domain, GK.Catalog),
    (GK.domain, RDFS.range, GK.PolicyDomain),
    (GK.standardItem, RDFS.subPropertyOf, SKOS.closeMatch),
    (GK.standardItem, RDFS.range, GK.StandardItem),
    (GK.StandardItem, RDFS.subClassOf, SKOS.Concept),
    (GK.Match, RDFS.subClassOf, PROV.Entity),
    (GK.Citation, RDFS.subClassOf, GK.Match),
    (GK.Candidate, RDFS.subClassOf, PROV.Entity),
    (GK.legalResource, RDFS.range, ELI.LegalResource),
    (GK.garbledLabel, RDFS.subPropertyOf, SKOS.altLabel),
    (GK.matchScore, RDFS.range, XSD.decimal),
    (GK.mentionsPlace, RDFS.range, DCTERMS.Location),
    (GK.mergedCellFrom, RDFS.domain, GK.DisclosureItem),
    (GK.mergedCellFrom, RDFS.range, GK.SourceRow),
    (GK.timeLimitWorkingDays, RDFS.range, XSD.integer),
    (GK.timeLimitText, RDFS.range, RDF.langString),
    (GK.divisionCode, RDFS.domain, DCTERMS.Location),
    (GK.divisionCode, RDFS.range, XSD.string),
    (GK.sourceFile, RDFS.range, XSD.string),
    (GK.sourceLine, RDFS.range, XSD.integer),
    (GK.rowNumber, RDFS.range, XSD.string),
    (GK.incomplete, RDFS.range, XSD.boolean),
    (GK.ticksLost, RDFS.range, XSD.boolean),
    (GK.unlisted, RDFS.range, XSD.boolean),
    (GK.level, RDFS.range, XSD.integer),
]


@pytest.mark.parametrize("triple", ALIGNMENT, ids=lambda t: f"{t[0].fragment}-{t[1].n3()}")
def test_alignment_axiom(ontology: Graph, triple: tuple[URIRef, URIRef, URIRef]) -> None:
    assert triple in ontology


def test_time_limit_is_not_a_processing_time(ontology: Graph) -> None:
    # cv:processingTime is an xsd:duration of the service; ours counts working days.
    assert set(ontology.objects(GK.timeLimitWorkingDays, RDFS.subPropertyOf)) == set()
    assert (GK.timeLimitWorkingDays, RDFS.subPropertyOf, CV.processingTime) not in ontology


def test_content_element_comment_names_cpsv_counterparts(ontology: Graph) -> None:
    comment = str(
        next(c for c in ontology.objects(GK.contentElement, RDFS.comment) if c.language == "en")
    )
    assert "cpsv:hasInput" in comment and "办理材料" in comment
    assert "cv:hasCost" in comment and "收费依据及标准" in comment


def test_every_gk_term_used_in_shapes_is_declared(ontology: Graph) -> None:
    declared = {str(t) for t in declared_terms(ontology)}
    used: set[str] = set()
    for path in shape_files():
        shapes = Graph().parse(path, format="turtle")
        used |= {
            str(t) for t in shapes.all_nodes() if isinstance(t, URIRef) and t.startswith(str(GK))
        }
        # gk: terms inside SPARQL constraints are text, not nodes.
        for literal in shapes.all_nodes():
            if isinstance(literal, Literal):
                used |= {str(GK) + name for name in re.findall(r"\bgk:(\w+)", str(literal))}
    assert used, "the shapes use no gk: term at all"
    assert used - declared == set()


def test_every_gk_term_used_in_python_is_declared(ontology: Graph) -> None:
    declared = {str(t)[len(GK) :] for t in declared_terms(ontology)}
    pattern = re.compile(r"\bGK(?:\.(\w+)|\[\"(\w+)\"\])")
    for path in sorted((REPO / "gongkai").rglob("*.py")):
        used = {a or b for a, b in pattern.findall(path.read_text(encoding="utf-8"))}
        assert used - declared == set(), f"{path.name} uses undeclared gk: terms"
