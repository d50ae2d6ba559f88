"""The mapping to RDF: the stable core every tool relies on, provenance, determinism."""

from __future__ import annotations

from rdflib import Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS

from gongkai.iri import IriMinter, text_key
from gongkai.manifest import load_manifest
from gongkai.namespaces import CV, ELI, GK
from gongkai.pipeline import build_graphs
from tests.conftest import REPO, seeds_naming_what_no_list_has

B = "https://w3id.org/gongkai/"
YINING = URIRef(B + "catalog/654002/social-insurance")
ARXAN = URIRef(B + "catalog/152202/social-insurance")


def items_named(graph, name):
    return [s for s in graph.subjects(SKOS.prefLabel, Literal(name, lang="zh")) if (s, RDF.type, GK.DisclosureItem) in graph]


def test_one_named_graph_per_catalog(seed_build):
    assert sorted(seed_build.graphs) == [ARXAN, YINING]
    names = [str(name) for name, _ in seed_build.named_graphs()]
    assert names[:4] == [str(ARXAN), str(YINING), B + "graph/vocabulary", B + "dataset"]
    # the SHACL report joins them once the build was validated
    assert names[4:] == ([B + "graph/validation"] if seed_build.report is not None else [])


def test_validation_report_is_a_named_graph(seed_build, seed_report):
    from gongkai.namespaces import SH

    name, report = seed_build.named_graphs()[-1]
    assert str(name) == B + "graph/validation"
    assert (URIRef(B + "validation/report"), RDF.type, SH.ValidationReport) in report
    assert len(set(report.subjects(RDF.type, SH.ValidationResult))) == sum(seed_report.counts().values())


def test_stable_core_of_an_item(seed_build):
    graph = seed_build.graphs[YINING]
    (item,) = items_named(graph, "工程建设项目办理工伤保险参保登记")
    assert str(item).startswith(B + "item/654002/social-insurance/")
    assert graph.value(item, GK.inCatalog) == YINING
    assert (YINING, RDF.type, GK.Catalog) in graph
    place = graph.value(YINING, DCTERMS.spatial)
    vocab = seed_build.vocabulary.graph
    assert (place, RDF.type, DCTERMS.Location) in vocab
    assert vocab.value(place, GK.divisionCode) == Literal("654002")
    assert vocab.value(place, SKOS.prefLabel) == Literal("伊宁市", lang="zh")
    category = graph.value(item, GK.category)
    assert graph.value(category, SKOS.prefLabel) == Literal("社会保险登记", lang="zh")
    laws = {vocab.value(law, DCTERMS.title) for law in graph.objects(item, GK.legalBasis)}
    assert laws == {Literal("中华人民共和国政府信息公开条例", lang="zh"), Literal("中华人民共和国社会保险法", lang="zh"),
                    Literal("社会保险费征缴暂行条例", lang="zh")}
    body = graph.value(item, GK.responsibleBody)
    assert (body, RDF.type, CV.PublicOrganisation) in graph
    assert graph.value(body, SKOS.prefLabel) == Literal("伊宁市人力资源和社会保障局", lang="zh")
    channels = {str(graph.value(c, SKOS.prefLabel)) for c in graph.objects(item, GK.channel)}
    assert channels == {"新疆政务服务网伊宁市分站", "政府门户网站"}
    assert all((c, RDF.type, CV.Channel) in graph for c in graph.objects(item, GK.channel))
    assert graph.value(item, GK.timeLimitWorkingDays) == Literal(20)
    assert str(graph.value(item, GK.timeLimitText)) == "公开事项信息形成或变更之日起20个工作日内公开"
    labels = {str(vocab.value(c, SKOS.prefLabel)) for p in (GK.audience, GK.disclosureMethod, GK.disclosureLevel)
              for c in graph.objects(item, p)}
    assert labels == {"全社会", "主动", "县级", "乡、村级"}


def test_every_item_traces_to_its_file_and_line(seed_build):
    for graph in seed_build.graphs.values():
        for item in graph.subjects(RDF.type, GK.DisclosureItem):
            row = graph.value(item, PROV.wasDerivedFrom)
            assert (row, RDF.type, GK.SourceRow) in graph
            file_name = str(graph.value(row, GK.sourceFile))
            line = int(graph.value(row, GK.sourceLine))
            raw = (REPO / "data/sources" / file_name).read_text(encoding="utf-8").splitlines()[line - 1]
            assert str(graph.value(row, GK.rawText)) == raw


def test_unknown_law_is_kept_and_flagged(seed_build):
    # garbled titles resolve to the law they stand for (reconciliation), but each citation
    # keeps the title as printed and says it matched through a garbled form
    graph = seed_build.graphs[ARXAN]
    garbled = [c for c in graph.subjects(GK.matchMethod, Literal("garbled-alias")) if (c, RDF.type, GK.Citation) in graph]
    titles = {str(graph.value(c, GK.citedAs)): graph.value(c, GK.legalResource) for c in garbled}
    assert titles == {"信息公示条例": URIRef(B + "law/open-government-information-regulation"),
                      "劳动保障条例": URIRef(B + "law/labour-security-supervision-regulation")}
    assert all((law, RDF.type, ELI.LegalResource) in seed_build.vocabulary.graph for law in titles.values())


def test_altay_body_names_its_place(seed_build):
    graph = seed_build.graphs[ARXAN]
    (item,) = items_named(graph, "机关事业单位社会保险登记")
    body = graph.value(item, GK.responsibleBody)
    assert graph.value(body, DCTERMS.spatial) == URIRef(B + "place/654301")
    (own,) = items_named(graph, "缴费人员增减申报")
    assert graph.value(graph.value(own, GK.responsibleBody), DCTERMS.spatial) == URIRef(B + "place/152202")


def test_same_input_same_graph_and_configurable_base():
    sources = load_manifest(REPO / "data/sources.toml")
    first, second = build_graphs(sources), build_graphs(sources)
    for name in first.graphs:
        assert isomorphic(first.graphs[name], second.graphs[name])
        assert sorted(first.graphs[name]) == sorted(second.graphs[name])
    other = build_graphs(sources, base="http://example.org/gk/")
    catalog = IriMinter("http://example.org/gk/").catalog("654002", "social-insurance")
    assert catalog in other.graphs
    terms = {t for g in other.graphs.values() for triple in g for t in triple if isinstance(t, URIRef)}
    # only the ontology namespace (the stable core) stays under w3id.org/gongkai
    assert {t for t in terms if str(t).startswith(B)} == {t for t in terms if str(t).startswith(str(GK))}
    vocab_terms = {t for triple in other.vocabulary.graph for t in triple if isinstance(t, URIRef)}
    assert URIRef("http://example.org/gk/vocab/audience/whole-society") in vocab_terms


def test_no_blank_nodes(seed_build):
    from rdflib import BNode

    for _name, graph in seed_build.named_graphs():
        assert not any(isinstance(t, BNode) for triple in graph for t in triple)


def test_void_description_counts_the_catalogs(seed_build):
    from rdflib.namespace import VOID

    description = seed_build.description
    dataset = URIRef(B + "dataset")
    assert set(description.objects(dataset, VOID.subset)) == {ARXAN, YINING}
    assert int(description.value(YINING, VOID.entities)) == 81
    assert int(description.value(dataset, VOID.triples)) == sum(len(g) for g in seed_build.graphs.values()) + len(seed_build.vocabulary.graph)


def test_what_no_list_has_is_stated_by_its_own_catalog_only(tmp_path):
    # an unlisted law or content element belongs to the catalog naming it (like its
    # organisations): two catalogs printing the same title get a node each, so no triple
    # is stated in two named graphs (a multiset union default graph stays exact)
    build = build_graphs(load_manifest(seeds_naming_what_no_list_has(tmp_path)))
    laws, elements = {}, {}
    for name, graph in build.graphs.items():
        for node in graph.subjects(GK.unlisted, Literal(True)):
            label = graph.value(node, DCTERMS.title) or graph.value(node, SKOS.prefLabel)
            kind = laws if (node, RDF.type, ELI.LegalResource) in graph else elements
            kind.setdefault(str(label), {})[name] = node
    code = {YINING: "654002", ARXAN: "152202"}
    assert laws == {"某某地方社保暂行规定": {
        g: URIRef(f"{B}law/{code[g]}/social-insurance/x-{text_key('某某地方社保暂行规定')}") for g in code}}
    assert elements == {"某某特有要素": {
        g: URIRef(f"{B}vocab/content-element/{code[g]}/social-insurance/x-{text_key('某某特有要素')}") for g in code}}
    graphs = [*build.graphs.values(), build.vocabulary.graph]
    seen: set = set()
    for graph in graphs:
        triples = set(graph)
        assert not triples & seen, sorted(triples & seen)[:3]
        seen |= triples
