"""The documentation and data pages (webapp/pages.py) against the real seed store:
/ontology, /shapes, /validation, /download (+ the dumps), /.well-known/void, caching
validators and the language switch."""

from __future__ import annotations

import gzip
import json
import re

import pyoxigraph
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from gongkai.export import FORMATS
from gongkai.namespaces import GK, SH
from gongkai.store import OxigraphStore

BASE = "https://w3id.org/gongkai/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
PARSE_FORMATS = {
    "turtle": pyoxigraph.RdfFormat.TURTLE,
    "ntriples": pyoxigraph.RdfFormat.N_TRIPLES,
    "nquads": pyoxigraph.RdfFormat.N_QUADS,
    "trig": pyoxigraph.RdfFormat.TRIG,
    "jsonld": pyoxigraph.RdfFormat.JSON_LD,
    "rdfxml": pyoxigraph.RdfFormat.RDF_XML,
}
QUAD_FORMATS = {"nquads", "trig", "jsonld"}


@pytest.fixture(scope="module")
def app(seed_app):
    return seed_app


@pytest.fixture(scope="module")
def client(seed_app):
    return seed_app.test_client()


@pytest.fixture(scope="module")
def meta(app):
    return app.extensions["gongkai"].metadata()


@pytest.fixture(scope="module")
def item_path(app) -> str:
    """The page of 伊宁市's item 工程建设项目办理工伤保险参保登记 (file 001_…, line 8)."""
    rows = app.extensions["gongkai"].select("""
        SELECT ?item WHERE { ?item skos:prefLabel "工程建设项目办理工伤保险参保登记"@zh ;
                                   prov:wasDerivedFrom/gk:sourceLine 8 }""")
    assert len(rows) == 1
    return "/" + rows[0]["item"][len(BASE):]


def text(response) -> str:
    return response.get_data(as_text=True)


# --------------------------------------------------------------------------- /ontology


def test_ontology_page_documents_classes_and_properties(client):
    response = client.get("/ontology", headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = text(response)
    classes = page[page.index('id="class-table"'):page.index('id="property-table"')]
    properties = page[page.index('id="property-table"'):]
    # gk:DisclosureItem: labels zh/en, its alignment to CPSV-AP and schema.org
    row = classes[classes.index('id="DisclosureItem"'):]
    row = row[:row.index("</tr>")]
    assert "公开事项" in row and "Disclosure item" in row
    assert "cpsv:PublicService" in row and "schema:GovernmentService" in row
    # gk:legalBasis: subproperty of cv:hasLegalResource, range eli:LegalResource
    row = properties[properties.index('id="legalBasis"'):]
    row = row[:row.index("</tr>")]
    assert "cv:hasLegalResource" in row and "eli:LegalResource" in row and "gk:DisclosureItem" in row
    # comments in the page language
    assert "One item of a disclosure standard catalog" in text(client.get("/ontology?lang=en&format=html"))
    assert "基层政务公开标准目录中的一个公开事项" in text(client.get("/ontology?lang=zh&format=html"))


@pytest.mark.parametrize("fmt,media_type,parser", [
    ("turtle", "text/turtle", "turtle"), ("jsonld", "application/ld+json", "json-ld"),
    ("ntriples", "application/n-triples", "nt"), ("rdfxml", "application/rdf+xml", "xml"),
])
def test_ontology_rdf_by_content_negotiation(client, fmt, media_type, parser):
    from gongkai.resources import resource_dir

    expected = Graph().parse(resource_dir("ontology") / "gongkai.ttl", format="turtle")
    response = client.get("/ontology", headers={"Accept": media_type})
    assert response.status_code == 200 and response.mimetype == media_type
    assert "Accept" in response.headers["Vary"]
    graph = Graph().parse(data=response.get_data(), format=parser)
    assert set(graph) == set(expected)  # the ontology file's triples, no more, no less
    assert (URIRef("https://w3id.org/gongkai/ontology"), RDF.type, OWL.Ontology) in graph
    assert (GK.DisclosureItem, RDFS.label, Literal("公开事项", lang="zh")) in graph
    assert client.get(f"/ontology?format={fmt}").mimetype == media_type


def test_gk_terms_link_to_the_ontology_page(client, item_path):
    page = text(client.get(item_path + "?format=html"))
    assert 'href="/ontology#responsibleBody"' in page
    assert 'href="/ontology#DisclosureItem"' in page


# --------------------------------------------------------------------------- /shapes


def test_shapes_page_lists_every_shape_with_target_severity_and_messages(client):
    from gongkai.validate import load_shapes

    shapes = load_shapes()
    page = text(client.get("/shapes", headers={"Accept": BROWSER}))
    for kind in (SH.NodeShape, SH.PropertyShape):
        for shape in shapes.subjects(RDF.type, kind):
            assert f'id="{str(shape).rsplit("#", 1)[-1]}"' in page, shape
    item_shape = page[page.index('<section class="node-shape" id="DisclosureItemShape"'):]
    item_shape = item_shape[:item_shape.index("</section>")]
    assert "sh:targetClass" in item_shape and "gk:DisclosureItem" in item_shape
    row = item_shape[item_shape.index('id="DisclosureItem-legalBasisMissing"'):]
    row = row[:row.index("</tr>")]
    assert "sev-Warning" in row and "gk:legalBasis" in row and "sh:minCount 1" in row
    for message in shapes.objects(URIRef("https://w3id.org/gongkai/shapes#DisclosureItem-legalBasisMissing"),
                                  SH.message):
        assert str(message) in row
    place = page[page.index('id="DisclosureItemPlaceShape"'):]
    assert "names a different place than the catalog" in place and "sh:sparql" in place


def test_shapes_as_turtle(client):
    from gongkai.validate import load_shapes

    response = client.get("/shapes", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.get_data(), format="turtle")
    assert len(graph) == len(load_shapes())
    assert (URIRef("https://w3id.org/gongkai/shapes#DisclosureItemShape"), SH.targetClass, GK.DisclosureItem) in graph
    assert client.get("/shapes?format=jsonld").mimetype == "application/ld+json"


# --------------------------------------------------------------------------- /validation


def test_validation_counts_equal_the_store_metadata(client, meta):
    expected = meta["validation"]
    assert expected["Warning"] > 0
    page = text(client.get("/validation", headers={"Accept": BROWSER}))
    for severity, count in expected.items():
        assert f'id="count-{severity}">{count}</div>' in page
    document = client.get("/validation?format=json")
    assert document.status_code == 200 and document.mimetype == "application/json"
    report = json.loads(document.get_data())
    assert report["counts"] == expected
    assert report["data_version"] == meta["data_version"]
    assert report["conforms"] == (expected["Violation"] == 0)
    assert len(report["results"]) == sum(expected.values())
    per_catalog = {catalog: sum(entry["counts"].values()) for catalog, entry in report["catalogs"].items()}
    assert set(per_catalog) == {BASE + "catalog/152202/social-insurance", BASE + "catalog/654002/social-insurance"}
    assert sum(per_catalog.values()) == sum(expected.values())
    assert client.get("/validation", headers={"Accept": "application/json"}).mimetype == "application/json"


def test_validation_groups_by_severity_and_catalog_and_links_focus_nodes(client, meta):
    page = text(client.get("/validation?format=html&lang=en"))
    warnings = page[page.index('id="severity-Warning"'):]
    warnings = warnings[:warnings.index("</section>")]
    assert "阿尔山市社会保险领域基层政务公开标准目录" in warnings
    assert "伊宁市社会保险领域基层政务公开标准目录" in warnings
    assert "names a different place than the catalog" in warnings
    focus_links = re.findall(r'<tr class="result"><td><a href="(/item/[^"]+)"', page)
    assert len(focus_links) == sum(meta["validation"].values())
    assert client.get(focus_links[0], headers={"Accept": BROWSER}).status_code == 200
    # filters
    infos = text(client.get("/validation?format=html&severity=Info"))
    assert 'id="severity-Info"' in infos and 'id="severity-Warning"' not in infos
    assert len(re.findall(r'<tr class="result">', infos)) == meta["validation"]["Info"]
    report = json.loads(client.get("/validation?format=json").get_data())
    yining = BASE + "catalog/654002/social-insurance"
    expected = report["catalogs"][yining]["counts"]
    only = json.loads(client.get(f"/validation?format=json&catalog={yining}&severity=Warning").get_data())
    assert len(only["results"]) == expected["Warning"] > 0
    assert {r["catalog"] for r in only["results"]} == {yining}
    page = text(client.get(f"/validation?format=html&catalog={yining}"))
    assert len(re.findall(r'<tr class="result">', page)) == sum(expected.values())


def test_validation_report_as_rdf(client):
    response = client.get("/validation?format=turtle")
    graph = Graph().parse(data=response.get_data(), format="turtle")
    assert (None, RDF.type, SH.ValidationReport) in graph
    assert len(set(graph.subjects(RDF.type, SH.ValidationResult))) > 0


# --------------------------------------------------------------------------- /download


def test_download_page_links_every_dump_and_the_void(client):
    page = text(client.get("/download", headers={"Accept": BROWSER}))
    for _fmt, (_media, ext) in FORMATS.items():
        assert f'href="/download/gongkai.{ext}.gz"' in page
    assert 'href="/.well-known/void"' in page


def test_every_dump_parses_back_with_the_store_counts(client, app, meta, seed_store):
    with OxigraphStore.open(seed_store) as store:
        triples = {(q.subject, q.predicate, q.object) for q in store.quads()}
    for fmt, (_media, ext) in FORMATS.items():
        name = f"gongkai.{ext}.gz"
        response = client.get(f"/download/{name}")
        assert response.status_code == 200, name
        assert response.mimetype == "application/gzip"
        assert "Content-Encoding" not in response.headers
        assert name in response.headers["Content-Disposition"]
        assert response.headers["ETag"] == f'"{meta["data_version"]}"'
        statements = list(pyoxigraph.parse(gzip.decompress(response.get_data()), format=PARSE_FORMATS[fmt]))
        if fmt in QUAD_FORMATS:
            assert len(set(statements)) == meta["quads"], name
        else:
            assert len(set(statements)) == len(triples), name
        again = client.get(f"/download/{name}", headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304, name
    cached = seed_store.parent / "downloads" / meta["data_version"]
    assert sorted(p.name for p in cached.iterdir()) == sorted(f"gongkai.{ext}.gz" for _m, ext in FORMATS.values())
    assert client.get("/download/gongkai.pdf.gz").status_code == 404


def test_rdflib_reads_the_turtle_dump(client):
    data = gzip.decompress(client.get("/download/gongkai.ttl.gz").get_data())
    graph = Graph().parse(data=data, format="turtle")
    assert (None, RDF.type, GK.DisclosureItem) in graph


def test_void_description_as_turtle(client, meta):
    response = client.get("/.well-known/void")
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.get_data(), format="turtle")
    dataset = URIRef(BASE + "dataset")
    void = "http://rdfs.org/ns/void#"
    assert (dataset, RDF.type, URIRef(void + "Dataset")) in graph
    assert set(graph.objects(dataset, URIRef(void + "subset"))) == {
        URIRef(BASE + "catalog/152202/social-insurance"), URIRef(BASE + "catalog/654002/social-insurance")}
    browser = client.get("/.well-known/void", headers={"Accept": BROWSER})
    assert browser.status_code == 200 and browser.mimetype == "text/turtle"


# --------------------------------------------------------------------------- caching, language


@pytest.mark.parametrize("path", ["/", "/ontology", "/shapes", "/validation", "/download"])
def test_pages_carry_etag_and_last_modified_and_answer_304(client, meta, path):
    response = client.get(path, headers={"Accept": BROWSER})
    assert response.status_code == 200
    etag = response.headers["ETag"]
    assert meta["data_version"][:16] in etag
    assert response.last_modified is not None
    assert response.last_modified.strftime("%Y-%m-%dT%H:%M:%SZ") == meta["built_at"]
    again = client.get(path, headers={"Accept": BROWSER, "If-None-Match": etag})
    assert again.status_code == 304
    assert client.get(path, headers={"Accept": BROWSER, "If-None-Match": '"something-else"'}).status_code == 200


def test_language_switch_changes_ui_strings(client, item_path):
    for path in ("/ontology", "/shapes", "/validation", "/download", item_path):
        zh = text(client.get(path + "?format=html&lang=zh"))
        en = text(client.get(path + "?format=html&lang=en"))
        assert '<html lang="zh-CN">' in zh and '<html lang="en">' in en
        assert zh != en
    assert "<h1>Downloads</h1>" in text(client.get("/download?lang=en"))
    assert "<h1>数据下载</h1>" in text(client.get("/download?lang=zh"))
    assert "<h1>SHACL validation report</h1>" in text(client.get("/validation?lang=en&format=html"))
    assert "<h2>Properties</h2>" in text(client.get(item_path + "?format=html&lang=en"))
    assert "<h2>属性</h2>" in text(client.get(item_path + "?format=html&lang=zh"))


def test_pages_work_without_javascript(client, item_path):
    for path in ("/ontology", "/shapes", "/validation", "/download", item_path):
        assert "<script" not in text(client.get(path + "?format=html")), path
