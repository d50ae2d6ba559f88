"""The SHACL shapes: they parse, speak Chinese and English, name no instance IRIs, and
each constraint fires exactly where it should — a conforming catalog gives no result at
all, and each broken variant gives exactly the expected severity on the expected path.

Every check runs with both SHACL engines: the fast one the build uses and pySHACL, the
reference it must agree with (tests/test_shacl_engine.py compares them field by field).
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS
from rdflib.term import Node

from gongkai.namespaces import DEFAULT_BASE, GK, SH, bind_prefixes
from gongkai.resources import resource_dir, shape_files
from gongkai.validate import ValidationResult, load_shapes, validate_catalogs

FIXTURE = Path(__file__).parent / "fixtures" / "shapes" / "conforming.trig"
B = DEFAULT_BASE
CATALOG = URIRef(B + "catalog/654002/social-insurance")
VOCABULARY = URIRef(B + "graph/vocabulary")
ITEM = URIRef(B + "item/654002/social-insurance/0a1b2c3d4e")
ROW = URIRef(B + "source/001_x.txt/L8")
ORG_ = URIRef(B + "org/654002/k1")
CHANNEL = URIRef(B + "channel/654002/k3")
PLACE = URIRef(B + "place/654002")
MATCH = URIRef(str(ITEM) + "/match/standard")
CITATION = URIRef(str(ITEM) + "/citation/1")
OTHER_PLACE = URIRef(B + "place/654301")

TURTLE_HEADER = """
@prefix gk: <https://w3id.org/gongkai/ontology#> .
@prefix cv: <http://data.europa.eu/m8g/> .
@prefix eli: <http://data.europa.eu/eli/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

Pattern = tuple[Node | None, Node | None, Node | None]
ENGINES = ("fast", "pyshacl")


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


@functools.cache
def _fixture_triples() -> tuple[frozenset, frozenset]:
    dataset = Dataset()
    with warnings.catch_warnings(action="ignore", category=DeprecationWarning):
        # rdflib's TriG parser uses its own deprecated ConjunctiveGraph internally.
        dataset.parse(FIXTURE, format="trig")
    ontology = Graph().parse(resource_dir("ontology") / "gongkai.ttl", format="turtle")
    return frozenset(dataset.graph(CATALOG)), frozenset(dataset.graph(VOCABULARY)) | frozenset(
        ontology
    )


def load_fixture() -> tuple[Graph, Graph]:
    """Fresh copies of (catalog graph, vocabulary graph = fixture vocabulary + the real
    ontology), so that each test can break its own copy."""
    catalog_triples, vocabulary_triples = _fixture_triples()
    catalog, vocabulary = Graph(), Graph()
    for triple in catalog_triples:
        catalog.add(triple)
    for triple in vocabulary_triples:
        vocabulary.add(triple)
    return catalog, vocabulary


def edit(graph: Graph, remove: tuple[Pattern, ...] = (), add: str = "") -> None:
    for pattern in remove:
        assert (pattern in graph) if None not in pattern else any(graph.triples(pattern)), pattern
        graph.remove(pattern)
    if add:
        graph.parse(data=TURTLE_HEADER + add, format="turtle", publicID=B)


def short(term: Node | None) -> str | None:
    if term is None:
        return None
    if isinstance(term, URIRef) and term.startswith(B) and not term.startswith(str(GK)):
        return str(term)[len(B) :]
    return term.n3(bind_prefixes(Graph()).namespace_manager)


def outcome(results: list[ValidationResult]) -> list[tuple[str, str | None, str | None]]:
    return sorted((r.severity, short(r.focus_node), short(r.result_path)) for r in results)


def broken_fixture(
    remove: tuple[Pattern, ...] = (),
    add: str = "",
    remove_vocab: tuple[Pattern, ...] = (),
    add_vocab: str = "",
) -> tuple[Graph, Graph]:
    """(catalog, vocabulary): the conforming fixture with the given edits."""
    catalog, vocabulary = load_fixture()
    edit(catalog, remove, add)
    edit(vocabulary, remove_vocab, add_vocab)
    return catalog, vocabulary


def run(engine: str = "fast", **edits) -> list[ValidationResult]:
    catalog, vocabulary = broken_fixture(**edits)
    return validate_catalogs({CATALOG: catalog}, vocabulary, SHAPES, engine=engine).results


SHAPES = load_shapes()

# --- the shapes file itself ------------------------------------------------------------


def test_shapes_parse_and_are_found() -> None:
    assert [p.name for p in shape_files()] == ["gongkai-shapes.ttl"]
    assert (
        URIRef("https://w3id.org/gongkai/shapes#DisclosureItemShape"),
        RDF.type,
        SH.NodeShape,
    ) in SHAPES


def all_shapes(shapes: Graph) -> set[Node]:
    found = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(
        shapes.subjects(RDF.type, SH.PropertyShape)
    )
    found |= set(shapes.objects(None, SH.property)) | set(shapes.objects(None, SH.node))
    found |= set(shapes.subjects(SH.path, None)) | set(shapes.subjects(SH.targetClass, None))
    return found


def test_every_shape_has_a_message_in_chinese_and_english() -> None:
    shapes = all_shapes(SHAPES)
    assert len(shapes) > 30
    for shape in shapes:
        languages = {m.language for m in SHAPES.objects(shape, SH.message)}
        assert {"zh", "en"} <= languages, f"{shape} lacks sh:message in zh and en"
    for constraint in SHAPES.objects(None, SH.sparql):
        languages = {m.language for m in SHAPES.objects(constraint, SH.message)}
        assert {"zh", "en"} <= languages, constraint


def test_shapes_name_no_instance_iris() -> None:
    # The instance base is configurable: only ontology and shape IRIs may appear.
    allowed = (str(GK), "https://w3id.org/gongkai/shapes")
    for node in SHAPES.all_nodes():
        if isinstance(node, URIRef) and str(node).startswith("https://w3id.org/gongkai/"):
            assert str(node).startswith(allowed), node
    for query in SHAPES.objects(None, SH.select):
        assert "w3id.org" not in str(query) and "$this" in str(query)


def test_every_property_shape_has_a_severity_or_is_only_used_by_sh_node() -> None:
    nested = set(SHAPES.objects(None, SH.node))
    nested_props = {p for s in nested for p in SHAPES.objects(s, SH.property)}
    for shape in SHAPES.subjects(RDF.type, SH.PropertyShape):
        if shape not in nested_props:
            assert SHAPES.value(shape, SH.severity) in {SH.Violation, SH.Warning, SH.Info}, shape


# --- the conforming fixture ------------------------------------------------------------


def test_conforming_catalog_gives_no_result_at_all(engine: str) -> None:
    assert run(engine) == []


def test_incomplete_false_and_ticks_lost_false_give_no_result(engine: str) -> None:
    assert (
        run(
            engine,
            add="<item/654002/social-insurance/0a1b2c3d4e> gk:incomplete false ; gk:ticksLost false .",
        )
        == []
    )


# --- Violations ------------------------------------------------------------------------

I = "item/654002/social-insurance/0a1b2c3d4e"  # noqa: E741
C = "catalog/654002/social-insurance"
M = I + "/match/standard"
CI = I + "/citation/1"
A = I + "/anomaly/doubtful-citation/k"
ANOMALY_KIND = """<vocab/anomaly-kind> a skos:ConceptScheme .
<vocab/anomaly-kind/doubtful-citation> a skos:Concept , gk:AnomalyKind ; skos:inScheme <vocab/anomaly-kind> ;
    skos:prefLabel "law cited under a garbled, shortened or unlisted title"@en ."""


def anomaly(record: str = "a gk:Anomaly ; gk:anomalyOf <{I}> ; gk:anomalyKind <vocab/anomaly-kind/doubtful-citation> ;"
            ' gk:anomalyDetail "《社会保险法》 (alias) → 中华人民共和国社会保险法" .') -> dict[str, str]:
    """Edits adding an anomaly record to the catalog (as the mapping states one; its
    kind in the vocabulary), or the record given."""
    return dict(add=f"<{C}> gk:anomaly <{A}> . <{A}> " + record.replace("{I}", I), add_vocab=ANOMALY_KIND)


def test_a_well_formed_anomaly_gives_no_result(engine: str) -> None:
    assert run(engine, **anomaly()) == []

VIOLATIONS = {
    "item-without-label": dict(
        remove=((ITEM, SKOS.prefLabel, None),),
        expect=[("Violation", I, "skos:prefLabel")],
    ),
    "item-label-without-language": dict(
        remove=((ITEM, SKOS.prefLabel, None),),
        add=f'<{I}> skos:prefLabel "工程建设项目办理工伤保险参保登记" .',
        expect=[("Violation", I, "skos:prefLabel")],
    ),
    "item-label-empty": dict(
        remove=((ITEM, SKOS.prefLabel, None),),
        add=f'<{I}> skos:prefLabel ""@zh .',
        expect=[("Violation", I, "skos:prefLabel")],
    ),
    "item-without-catalog": dict(
        remove=((ITEM, GK.inCatalog, None),),
        expect=[("Violation", I, "gk:inCatalog")],
    ),
    "item-in-two-catalogs-one-untyped": dict(
        add=f"<{I}> gk:inCatalog <catalog/654002/employment> .",
        # maxCount and sh:class each fail once.
        expect=[("Violation", I, "gk:inCatalog"), ("Violation", I, "gk:inCatalog")],
    ),
    "item-without-body": dict(
        remove=((ITEM, GK.responsibleBody, None),),
        expect=[("Violation", I, "gk:responsibleBody")],
    ),
    "body-not-an-organisation": dict(
        remove=((ITEM, GK.responsibleBody, None),),
        add=f"<{I}> gk:responsibleBody <org/654002/untyped> .",
        expect=[("Violation", I, "gk:responsibleBody")],
    ),
    "time-limit-negative": dict(
        remove=((ITEM, GK.timeLimitWorkingDays, None),),
        add=f"<{I}> gk:timeLimitWorkingDays -1 .",
        expect=[("Violation", I, "gk:timeLimitWorkingDays")],
    ),
    "time-limit-decimal": dict(
        remove=((ITEM, GK.timeLimitWorkingDays, None),),
        add=f"<{I}> gk:timeLimitWorkingDays 2.5 .",
        expect=[("Violation", I, "gk:timeLimitWorkingDays")],
    ),
    "time-limit-twice": dict(
        add=f"<{I}> gk:timeLimitWorkingDays 15 .",
        expect=[("Violation", I, "gk:timeLimitWorkingDays")],
    ),
    "item-without-source-row": dict(
        remove=((ITEM, PROV.wasDerivedFrom, None),),
        expect=[("Violation", I, "prov:wasDerivedFrom")],
    ),
    "item-derived-from-untyped-row": dict(
        remove=((ITEM, PROV.wasDerivedFrom, None),),
        add=f"<{I}> prov:wasDerivedFrom <source/001_x.txt/L9> .",
        expect=[("Violation", I, "prov:wasDerivedFrom")],
    ),
    "catalog-item-count-twice": dict(
        add=f"<{C}> gk:itemCount 1 , 2 .",
        expect=[("Violation", C, "gk:itemCount")],
    ),
    "tally-untyped": dict(
        add=f"<{C}> gk:legalBasisTally <{C}/tally/law/k> . <{C}/tally/law/k> gk:itemCount 1 .",
        expect=[("Violation", C, "gk:legalBasisTally")],
    ),
    "tally-without-count": dict(
        add=f"<{C}> gk:channelTypeTally <{C}/tally/channel-type/k> . <{C}/tally/channel-type/k> a gk:Tally .",
        expect=[("Violation", C + "/tally/channel-type/k", "gk:itemCount")],
    ),
    "anomaly-untyped": dict(
        **anomaly("gk:anomalyOf <{I}> ; gk:anomalyKind <vocab/anomaly-kind/doubtful-citation> ."),
        expect=[("Violation", C, "gk:anomaly")],
    ),
    "anomaly-without-kind": dict(
        **anomaly("a gk:Anomaly ; gk:anomalyOf <{I}> ."),
        expect=[("Violation", A, "gk:anomalyKind")],
    ),
    "anomaly-kind-outside-scheme": dict(
        **anomaly("a gk:Anomaly ; gk:anomalyOf <{I}> ; gk:anomalyKind <vocab/channel-type/website> ."),
        expect=[("Violation", A, "gk:anomalyKind")],
    ),
    "anomaly-of-no-item": dict(
        **anomaly(f"a gk:Anomaly ; gk:anomalyOf <{C}> ; gk:anomalyKind <vocab/anomaly-kind/doubtful-citation> ."),
        expect=[("Violation", A, "gk:anomalyOf")],
    ),
    "anomaly-detail-empty": dict(
        **anomaly('a gk:Anomaly ; gk:anomalyOf <{I}> ; gk:anomalyKind <vocab/anomaly-kind/doubtful-citation> ;'
                  ' gk:anomalyDetail "" .'),
        expect=[("Violation", A, "gk:anomalyDetail")],
    ),
    "row-without-file": dict(
        remove=((ROW, GK.sourceFile, None),),
        expect=[("Violation", "source/001_x.txt/L8", "gk:sourceFile")],
    ),
    "row-file-not-a-string": dict(
        remove=((ROW, GK.sourceFile, None),),
        add='<source/001_x.txt/L8> gk:sourceFile "001_x.txt"@zh .',
        expect=[("Violation", "source/001_x.txt/L8", "gk:sourceFile")],
    ),
    "row-without-line": dict(
        remove=((ROW, GK.sourceLine, None),),
        expect=[("Violation", "source/001_x.txt/L8", "gk:sourceLine")],
    ),
    "row-line-zero": dict(
        remove=((ROW, GK.sourceLine, None),),
        add="<source/001_x.txt/L8> gk:sourceLine 0 .",
        expect=[("Violation", "source/001_x.txt/L8", "gk:sourceLine")],
    ),
    "row-two-lines": dict(
        add="<source/001_x.txt/L8> gk:sourceLine 9 .",
        expect=[("Violation", "source/001_x.txt/L8", "gk:sourceLine")],
    ),
    "audience-of-another-scheme": dict(
        remove=((ITEM, GK.audience, None),),
        add=f"<{I}> gk:audience <vocab/method/proactive> .",
        expect=[("Violation", I, "gk:audience")],
    ),
    "audience-untyped": dict(
        add=f"<{I}> gk:audience <vocab/audience/nobody> .",
        expect=[("Violation", I, "gk:audience")],
    ),
    "method-of-another-scheme": dict(
        remove=((ITEM, GK.disclosureMethod, None),),
        add=f"<{I}> gk:disclosureMethod <vocab/audience/whole-society> .",
        expect=[("Violation", I, "gk:disclosureMethod")],
    ),
    "level-of-another-scheme": dict(
        remove=((ITEM, GK.disclosureLevel, None),),
        add=f"<{I}> gk:disclosureLevel <vocab/method/proactive> .",
        expect=[("Violation", I, "gk:disclosureLevel")],
    ),
    "content-element-of-another-scheme": dict(
        add=f"<{I}> gk:contentElement <vocab/level/county> .",
        expect=[("Violation", I, "gk:contentElement")],
    ),
    "category-not-a-category": dict(
        remove=((ITEM, GK.category, None),),
        add=f"<{I}> gk:category <vocab/domain/social-insurance> .",
        expect=[("Violation", I, "gk:category")],
    ),
    "legal-basis-not-a-legal-resource": dict(
        add=f"<{I}> gk:legalBasis <law/untyped> .",
        expect=[("Violation", I, "gk:legalBasis")],
    ),
    "channel-not-a-channel": dict(
        add=f"<{I}> gk:channel <channel/654002/untyped> .",
        expect=[("Violation", I, "gk:channel")],
    ),
    "catalog-without-title": dict(
        remove=((CATALOG, DCTERMS.title, None),),
        expect=[("Violation", C, "dct:title")],
    ),
    "catalog-without-spatial": dict(
        remove=((CATALOG, DCTERMS.spatial, None),),
        expect=[("Violation", C, "dct:spatial")],
    ),
    "catalog-place-with-bad-code": dict(
        remove_vocab=((PLACE, GK.divisionCode, None),),
        add_vocab='<place/654002> gk:divisionCode "65400" .',
        expect=[("Violation", C, "dct:spatial")],
    ),
    "catalog-place-with-two-codes": dict(
        add_vocab='<place/654002> gk:divisionCode "654000" .',
        expect=[("Violation", C, "dct:spatial")],
    ),
    "catalog-place-without-name": dict(
        remove_vocab=((PLACE, SKOS.prefLabel, None),),
        expect=[("Violation", C, "dct:spatial")],
    ),
    "catalog-place-not-a-location": dict(
        remove_vocab=((PLACE, RDF.type, DCTERMS.Location),),
        expect=[("Violation", C, "dct:spatial")],
    ),
    "catalog-without-publisher": dict(
        remove=((CATALOG, DCTERMS.publisher, None),),
        expect=[("Violation", C, "dct:publisher")],
    ),
    "catalog-domain-not-a-domain": dict(
        remove=((CATALOG, GK.domain, None),),
        add=f"<{C}> gk:domain <vocab/level/county> .",
        expect=[("Violation", C, "gk:domain")],
    ),
    "organisation-without-label": dict(
        remove=((ORG_, SKOS.prefLabel, None),),
        expect=[("Violation", "org/654002/k1", "skos:prefLabel")],
    ),
    "channel-without-label": dict(
        remove=((CHANNEL, SKOS.prefLabel, None),),
        expect=[("Violation", "channel/654002/k3", "skos:prefLabel")],
    ),
    "channel-type-not-a-channel-type": dict(
        remove=((CHANNEL, DCTERMS.type, None),),
        add="<channel/654002/k3> dct:type <vocab/audience/whole-society> .",
        expect=[("Violation", "channel/654002/k3", "dct:type")],
    ),
    "item-without-match-record": dict(
        remove=((ITEM, GK.standardItemMatch, None),),
        expect=[("Violation", I, "gk:standardItemMatch")],
    ),
    "standard-item-outside-scheme": dict(
        remove=((ITEM, GK.standardItem, None),),
        add=f"<{I}> gk:standardItem <vocab/level/county> .",
        expect=[("Violation", I, "gk:standardItem")],
    ),
    "unknown-match-method": dict(
        remove=((MATCH, GK.matchMethod, None),),
        add=f'<{M}> gk:matchMethod "guessed" .',
        expect=[("Violation", M, "gk:matchMethod")],
    ),
    "match-score-above-one": dict(
        remove=((MATCH, GK.matchScore, None),),
        add=f"<{M}> gk:matchScore 1.5 .",
        expect=[("Violation", M, "gk:matchScore")],
    ),
    "match-score-not-decimal": dict(
        remove=((MATCH, GK.matchScore, None),),
        add=f"<{M}> gk:matchScore 1 .",
        expect=[("Violation", M, "gk:matchScore")],
    ),
    "citation-without-law": dict(
        remove=((CITATION, GK.legalResource, None),),
        expect=[("Violation", CI, "gk:legalResource")],
    ),
    "citation-without-title": dict(
        remove=((CITATION, GK.citedAs, None),),
        expect=[("Violation", CI, "gk:citedAs")],
    ),
    "candidate-without-rank": dict(
        add=f"""<{M}> gk:candidate <{M}/candidate/1> .
                <{M}/candidate/1> a gk:Candidate ; gk:matchScore 0.4 ;
                    gk:matchedConcept <vocab/standard/social-insurance/01-02> .""",
        expect=[("Violation", M + "/candidate/1", "gk:candidateRank")],
    ),
    "organisation-without-canonical": dict(
        remove=((ORG_, GK.canonical, None),),
        expect=[("Violation", "org/654002/k1", "gk:canonical")],
    ),
    "channel-canonical-not-a-channel": dict(
        remove=((CHANNEL, GK.canonical, None),),
        add="<channel/654002/k3> gk:canonical <org/654002/k1> .",
        expect=[("Violation", "channel/654002/k3", "gk:canonical")],
    ),
}

WARNINGS_AND_INFOS = {
    "no-standard-item": dict(
        remove=((ITEM, GK.standardItem, None), (MATCH, GK.matchedConcept, None), (MATCH, GK.matchMethod, None),
                (MATCH, GK.matchScore, None)),
        add=f'<{M}> gk:matchMethod "unmatched" ; gk:matchScore 0.0 .',
        expect=[("Warning", I, "gk:standardItem")],
    ),
    "garbled-item-name": dict(
        remove=((MATCH, GK.matchMethod, None), (MATCH, GK.matchScore, None)),
        add=f'<{M}> gk:matchMethod "garbled-alias" ; gk:matchScore 0.9 .',
        expect=[("Warning", M, "gk:matchMethod")],
    ),
    "garbled-citation": dict(
        remove=((CITATION, GK.matchMethod, None), (CITATION, GK.matchScore, None)),
        add=f'<{CI}> gk:matchMethod "garbled-alias" ; gk:matchScore 0.9 .',
        expect=[("Warning", CI, "gk:matchMethod")],
    ),
    "no-legal-basis": dict(
        remove=((ITEM, GK.legalBasis, None),),
        expect=[("Warning", I, "gk:legalBasis")],
    ),
    "unlisted-law": dict(
        add=f"""<law/x-abc> a eli:LegalResource ; dct:title "劳动保障条例"@zh ; gk:unlisted true .
                <{I}> gk:legalBasis <law/x-abc> .""",
        expect=[("Warning", I, "gk:legalBasis")],
    ),
    "body-of-another-place": dict(
        remove=((ORG_, DCTERMS.spatial, None),),
        add="<org/654002/k1> dct:spatial <place/654301> .",
        expect=[("Warning", I, "gk:responsibleBody")],
    ),
    "channel-of-another-place": dict(
        remove=((CHANNEL, DCTERMS.spatial, None),),
        add="<channel/654002/k3> dct:spatial <place/654301> .",
        expect=[("Warning", I, "gk:channel")],
    ),
    "audience-unknown": dict(
        remove=((ITEM, GK.audience, None),),
        expect=[("Warning", I, "gk:audience")],
    ),
    "method-unknown": dict(
        remove=((ITEM, GK.disclosureMethod, None),),
        expect=[("Warning", I, "gk:disclosureMethod")],
    ),
    "level-unknown": dict(
        remove=((ITEM, GK.disclosureLevel, None),),
        expect=[("Warning", I, "gk:disclosureLevel")],
    ),
    "incomplete-row": dict(
        add=f"<{I}> gk:incomplete true .",
        expect=[("Warning", I, "gk:incomplete")],
    ),
    "time-limit-unknown": dict(
        remove=((ITEM, GK.timeLimitWorkingDays, None),),
        expect=[("Warning", I, "gk:timeLimitWorkingDays")],
    ),
    "ticks-lost": dict(
        add=f"<{I}> gk:ticksLost true .",
        expect=[("Info", I, "gk:ticksLost")],
    ),
    "ticks-lost-and-left-unknown": dict(
        remove=(
            (ITEM, GK.audience, None),
            (ITEM, GK.disclosureMethod, None),
            (ITEM, GK.disclosureLevel, None),
        ),
        add=f"<{I}> gk:ticksLost true .",
        expect=[
            ("Info", I, "gk:ticksLost"),
            ("Warning", I, "gk:audience"),
            ("Warning", I, "gk:disclosureLevel"),
            ("Warning", I, "gk:disclosureMethod"),
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(VIOLATIONS), ids=str)
def test_violation(case: str, engine: str) -> None:
    spec = dict(VIOLATIONS[case])
    expect = spec.pop("expect")
    assert outcome(run(engine, **spec)) == sorted(expect)


@pytest.mark.parametrize("case", sorted(WARNINGS_AND_INFOS), ids=str)
def test_warning_or_info(case: str, engine: str) -> None:
    spec = dict(WARNINGS_AND_INFOS[case])
    expect = spec.pop("expect")
    assert outcome(run(engine, **spec)) == sorted(expect)


# --- details of particular results -----------------------------------------------------


def test_negative_time_limit_reports_the_value(engine: str) -> None:
    [result] = run(
        engine,
        remove=((ITEM, GK.timeLimitWorkingDays, None),), add=f"<{I}> gk:timeLimitWorkingDays -1 ."
    )
    assert result.value == Literal(-1)
    assert "non-negative" in result.message_en and "非负整数" in result.message_zh


def test_unlisted_law_warning_names_the_law(engine: str) -> None:
    [result] = run(
        engine,
        add=f"""<law/x-abc> a eli:LegalResource ; dct:title "劳动保障条例"@zh ; gk:unlisted true .
                <{I}> gk:legalBasis <law/x-abc> ."""
    )
    assert result.value == URIRef(B + "law/x-abc")
    assert result.message_en == "The legal basis matches no known law"


def test_garbled_citation_warning_points_at_the_citation(engine: str) -> None:
    [result] = run(
        engine,
        remove=((CITATION, GK.matchMethod, None),),
        add=f'<{CI}> gk:matchMethod "garbled-alias" .',
    )
    assert (result.focus_node, result.value) == (CITATION, Literal("garbled-alias"))
    assert "garbled, cut or misprinted" in result.message_en and "乱码" in result.message_zh


def test_body_of_another_place_names_both_places(engine: str) -> None:
    [result] = run(
        engine,
        remove=((ORG_, DCTERMS.spatial, None),),
        add="<org/654002/k1> dct:spatial <place/654301> .",
    )
    assert result.value == ORG_
    assert result.message_en == (
        "伊宁市人力资源和社会保障局 names a different place than the catalog: "
        "阿勒泰市 (654301), not 伊宁市 (654002)"
    )
    assert result.message_zh == (
        "公开主体或渠道「伊宁市人力资源和社会保障局」所属地为阿勒泰市 (654301)，"
        "与目录所属地伊宁市 (654002)不同"
    )


def test_place_not_in_vocabulary_is_named_by_its_iri(engine: str) -> None:
    [result] = run(
        engine,
        remove=((CHANNEL, DCTERMS.spatial, None),),
        add="<channel/654002/k3> dct:spatial <place/999999> .",
    )
    assert result.result_path == GK.channel
    assert B + "place/999999" in result.message_en


def test_audience_outside_scheme_reports_the_concept(engine: str) -> None:
    [result] = run(
        engine,
        remove=((ITEM, GK.audience, None),),
        add=f"<{I}> gk:audience <vocab/method/proactive> .",
    )
    assert result.value == URIRef(B + "vocab/method/proactive")
    assert result.source_shape == URIRef(
        "https://w3id.org/gongkai/shapes#DisclosureItem-audienceClass"
    )


def test_vocabulary_entries_are_not_reported_per_catalog(engine: str) -> None:
    # A broken organisation in the vocabulary is not the catalog's fault.
    assert run(engine, add_vocab="<org/000000/nameless> a cv:PublicOrganisation .") == []
