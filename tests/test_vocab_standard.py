"""The reference vocabularies reconciliation relies on: standard items, legal resources,
places. They parse, every concept has a stable code, a Chinese label and its parent, and
every garbled form is both an alias and documented."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from gongkai.namespaces import DEFAULT_BASE, ELI, GK
from gongkai.reconcile import law_key, name_key
from gongkai.resources import resource_dir

VOCAB = resource_dir("ontology") / "vocab"
STANDARD_FILE = VOCAB / "standard-items-social-insurance.ttl"
B = DEFAULT_BASE
SC = B + "vocab/standard/social-insurance/"
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
LEVEL1 = {
    "registration": ("01", "社会保险登记"),
    "record-maintenance": ("02", "社会保险参保信息维护"),
    "contribution-declaration": ("03", "社会保险缴费申报与变更"),
    "contribution-payment": ("04", "社会保险费缴纳"),
    "record-enquiry": ("05", "社会保险参保缴费记录查询"),
    "pension-services": ("06", "养老保险服务"),
    "work-injury-services": ("07", "工伤保险服务"),
    "unemployment-services": ("08", "失业保险服务"),
}


def parse(name: str) -> Graph:
    return Graph().parse(VOCAB / name, format="turtle", publicID=B)


@pytest.fixture(scope="module")
def standard() -> Graph:
    return parse(STANDARD_FILE.name)


@pytest.fixture(scope="module")
def laws() -> Graph:
    return parse("legal-resources.ttl")


def zh(graph: Graph, subject, predicate=SKOS.prefLabel) -> list[str]:
    return [str(o) for o in graph.objects(subject, predicate) if isinstance(o, Literal) and o.language == "zh"]


def test_the_standard_items_file_replaces_the_categories_file():
    assert STANDARD_FILE.is_file()
    assert not (VOCAB / "standard-categories.ttl").exists()


def test_level1_items_keep_their_iris(standard):
    scheme = URIRef(B + "vocab/standard/social-insurance")
    for slug, (notation, label) in LEVEL1.items():
        concept = URIRef(SC + slug)
        assert (concept, RDF.type, GK.Category) in standard and (concept, RDF.type, SKOS.Concept) in standard
        assert standard.value(concept, GK.level) == Literal(1)
        assert str(standard.value(concept, SKOS.notation)) == notation
        assert zh(standard, concept) == [label]
        assert (concept, SKOS.inScheme, scheme) in standard and (concept, SKOS.topConceptOf, scheme) in standard


def test_every_standard_item_has_code_label_parent_and_source(standard):
    items = sorted(standard.subjects(RDF.type, GK.StandardItem))
    assert len(items) >= 80
    notations = []
    for concept in items:
        notation = str(standard.value(concept, SKOS.notation))
        notations.append(notation)
        assert re.fullmatch(r"0[1-8]-\d\d", notation), concept
        assert str(concept) == SC + notation, "the IRI ends in the code"
        assert (concept, RDF.type, SKOS.Concept) in standard
        assert (concept, RDF.type, GK.Category) not in standard, "a standard item is not a level-1 category"
        assert len(zh(standard, concept)) == 1, f"{concept} needs exactly one prefLabel@zh"
        parent = standard.value(concept, SKOS.broader)
        assert (parent, RDF.type, GK.Category) in standard and standard.value(parent, GK.level) == Literal(1)
        assert notation.startswith(str(standard.value(parent, SKOS.notation)) + "-")
        assert list(standard.objects(concept, DCTERMS.source)), concept
        notes = [str(n) for n in standard.objects(concept, SKOS.note)]
        assert notes and all(re.search(r"lines? \d+", n) for n in notes), concept
    assert len(notations) == len(set(notations))


def test_no_name_stands_for_two_standard_items(standard):
    keys = Counter()
    for concept in standard.subjects(RDF.type, GK.StandardItem):
        labels = set(zh(standard, concept)) | set(zh(standard, concept, SKOS.altLabel))
        keys.update({name_key(label) for label in labels})
    assert [k for k, n in keys.items() if n > 1] == []


def test_garbled_forms_are_aliases_with_an_editorial_note(standard, laws):
    for graph in (standard, laws):
        garbled = list(graph.subject_objects(GK.garbledLabel))
        assert garbled
        for concept, label in garbled:
            assert (concept, SKOS.altLabel, label) in graph, label
            notes = " ".join(str(n) for n in graph.objects(concept, SKOS.editorialNote))
            assert f"「{label}」" in notes, f"no editorial note on {label}"
            assert re.search(r"(garbled|cut|misprinted|misquoted)( or outdated)? forms? seen in \S+\.txt lines? \d+", notes)


def test_the_seed_variants_are_listed(standard):
    def labels_of(notation: str) -> set[str]:
        concept = URIRef(SC + notation)
        return set(zh(standard, concept)) | set(zh(standard, concept, SKOS.altLabel))

    assert {"建设工程项目工伤保险参保登记", "工程建设项目办理工伤保险参保登记", "建筑项目工伤保险参保登记"} <= labels_of("01-02")
    assert {"稳岗补贴申领", "稳岗返还（稳岗补贴）申领"} <= labels_of("08-09")
    assert "工伤康复复治疗期延长申请" in labels_of("07-12")


def test_the_header_documents_the_level3_decision():
    text = " ".join(line.lstrip("# ") for line in STANDARD_FILE.read_text(encoding="utf-8").splitlines())
    assert "Level-3 items (三级事项)" in text and "NOT standard items of their own" in text


def test_every_legal_resource_is_described(laws):
    types = set(laws.subjects(SKOS.inScheme, URIRef(B + "vocab/legal-resource-type")))
    assert {str(t).rsplit("/", 1)[-1] for t in types} == {
        "law", "administrative-regulation", "departmental-rule", "normative-document"}
    resources = sorted(laws.subjects(RDF.type, ELI.LegalResource))
    assert len(resources) >= 12
    keys = Counter()
    for law in resources:
        titles = zh(laws, law, DCTERMS.title)
        assert len(titles) == 1, law
        assert laws.value(law, ELI.type_document) in types
        issuers = list(laws.objects(law, ELI.passed_by))
        assert issuers and all(zh(laws, i) for i in issuers), law
        assert laws.value(law, DCTERMS.issued).datatype == XSD.gYear
        assert laws.value(law, GK.documentNumber) is not None
        keys.update({law_key(t) for t in titles + zh(laws, law, SKOS.altLabel)})
    assert [k for k, n in keys.items() if n > 1] == []


def test_nonexistent_titles_are_garbled_not_plain_aliases(laws):
    supervision = URIRef(B + "law/labour-security-supervision-regulation")
    assert set(zh(laws, supervision, GK.garbledLabel)) == {"劳动保障条例", "劳动保险条例"}
    disclosure = URIRef(B + "law/open-government-information-regulation")
    assert zh(laws, disclosure, GK.garbledLabel) == ["信息公示条例"]
    assert laws.value(URIRef(B + "law/social-insurance-law"), ELI.type_document) == URIRef(
        B + "vocab/legal-resource-type/law")


def test_every_place_reaches_its_province():
    places = parse("places.ttl")
    for place in places.subjects(RDF.type, DCTERMS.Location):
        code = str(places.value(place, GK.divisionCode))
        chain = [code]
        node = place
        while (parent := places.value(node, SKOS.broader)) is not None:
            chain.append(str(places.value(parent, GK.divisionCode)))
            node = parent
        assert chain[-1].endswith("0000"), f"{code} stops at {chain[-1]}"
        assert all(c[:2] == code[:2] for c in chain)
    assert [str(places.value(URIRef(B + "place/654301"), SKOS.broader))] == [B + "place/654300"]
