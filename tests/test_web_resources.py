"""Dereferenceable IRIs (webapp/resources.py) against the real seed store.

The item of 伊宁市 (file 001_cd5a28862c838c28.txt, line 8) 工程建设项目办理工伤保险参保登记
and the 阿尔山市 item whose body and channels name 阿勒泰市 are real rows of the seeds.
"""

from __future__ import annotations

import re

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS

from gongkai.namespaces import GK

BASE = "https://w3id.org/gongkai/"
ITEM_NAME = "工程建设项目办理工伤保险参保登记"
ITEM_BODY = "伊宁市人力资源和社会保障局"
ALTAY_ITEM_NAME = "建设工程项目工伤保险参保登记"  # 阿尔山市 catalog, body of 阿勒泰市

RDF_PARSERS = {
    "turtle": ("text/turtle", "turtle"),
    "jsonld": ("application/ld+json", "json-ld"),
    "ntriples": ("application/n-triples", "nt"),
    "rdfxml": ("application/rdf+xml", "xml"),
}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def app(seed_app):
    return seed_app


@pytest.fixture(scope="module")
def client(seed_app):
    return seed_app.test_client()


def _select(app, sparql: str) -> list[dict[str, str]]:
    return app.extensions["gongkai"].select(sparql)


def _item(app, name: str, catalog_code: str) -> str:
    rows = _select(app, f"""
        SELECT ?item WHERE {{ ?item a gk:DisclosureItem ; skos:prefLabel "{name}"@zh ;
                                    gk:inCatalog/dct:spatial/gk:divisionCode "{catalog_code}" }}""")
    assert len(rows) == 1, rows
    return rows[0]["item"]


@pytest.fixture(scope="module")
def item(app) -> str:
    return _item(app, ITEM_NAME, "654002")


@pytest.fixture(scope="module")
def altay_item(app) -> str:
    return _item(app, ALTAY_ITEM_NAME, "152202")


def path_of(iri: str) -> str:
    assert iri.startswith(BASE)
    return "/" + iri[len(BASE):]


def text(response) -> str:
    return response.get_data(as_text=True)


# --------------------------------------------------------------------------- HTML


def test_item_iri_dereferences_to_html_for_a_browser(client, item):
    assert item.startswith(BASE + "item/654002/social-insurance/")
    response = client.get(path_of(item), headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "Accept" in response.headers["Vary"]
    page = text(response)
    assert f'<h1 id="label"><span lang="zh">{ITEM_NAME}</span>' in page
    assert ITEM_BODY in page
    assert 'href="/org/654002/' in page  # the body is a local link
    # provenance: source file and line, with the raw text, linking to the source-row page
    provenance = page[page.index('id="provenance"'):]
    assert "001_cd5a28862c838c28.txt" in provenance
    assert 'href="/source/001_cd5a28862c838c28.txt/L8"' in provenance
    assert re.search(r'<td class="num"><a href="/source/001_cd5a28862c838c28.txt/L8">8</a></td>', provenance)
    assert "《政府信息公开条例》、《社会保险法》、《社会保险费征缴暂行条例》" in provenance
    # the type, as CURIE, and the property table with CURIEs and language tags
    assert "gk:DisclosureItem" in page
    assert "gk:responsibleBody" in page and "skos:prefLabel" in page
    assert '<sup class="lang-tag">@zh</sup>' in page
    assert "^^xsd:integer" in page  # gk:timeLimitWorkingDays 20
    # incoming links, the named graph, links to the other formats
    assert "dct:hasPart" in page[page.index('id="incoming"'):]
    assert 'href="/catalog/654002/social-insurance"' in page[page.index('id="graphs"'):]
    for fmt in ("turtle", "jsonld", "ntriples", "rdfxml"):
        assert f"?format={fmt}" in page


def test_format_html_parameter_gives_html(client, item):
    response = client.get(path_of(item) + "?format=html", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert ITEM_NAME in text(response)


def test_merged_cell_rows_are_shown_and_linked(client, app):
    rows = _select(app, """SELECT ?item ?row ?line WHERE { ?item gk:mergedCellFrom ?row .
                             ?row gk:sourceLine ?line } ORDER BY ?item ?line LIMIT 1""")
    assert rows
    page = text(client.get(path_of(rows[0]["item"]) + "?format=html"))
    provenance = page[page.index('id="provenance"'):]
    assert 'class="prov-merged"' in provenance
    assert f'href="{path_of(rows[0]["row"])}"' in provenance


def test_source_row_page_shows_the_raw_text(client):
    page = text(client.get("/source/001_cd5a28862c838c28.txt/L8?format=html"))
    assert "001_cd5a28862c838c28.txt : 8" in page
    assert 'id="raw-text"' in page and ITEM_NAME in page
    assert "prov:wasDerivedFrom" in page[page.index('id="incoming"'):]  # the item derived from it


def test_altay_item_in_the_arxan_catalog_shows_the_other_place_warning(client, altay_item):
    assert "/item/152202/" in altay_item
    english = text(client.get(path_of(altay_item) + "?format=html&lang=en"))
    banner = english[english.index('id="other-place"'):]
    assert "names a different place" in banner
    assert "阿勒泰市社会保险服务中心" in banner and "654301" in banner and "152202" in banner
    # the SHACL results whose focus node is this item, in the page language
    results = english[english.index('id="validation"'):]
    assert "Warning" in results and "names a different place than the catalog" in results
    chinese = text(client.get(path_of(altay_item) + "?format=html&lang=zh"))
    assert "所属地为" in chinese[chinese.index('id="other-place"'):]
    assert "与目录所属地阿尔山市 (152202)不同" in chinese[chinese.index('id="validation"'):]


def test_every_kind_of_minted_iri_dereferences(client, app, item):
    rows = _select(app, """
        SELECT ?catalog ?category ?org ?channel ?law ?place ?row ?concept ?scheme ?result WHERE {
          ?i gk:inCatalog ?catalog ; gk:category ?category ; gk:responsibleBody ?org ;
             gk:channel ?channel ; gk:legalBasis ?law ; prov:wasDerivedFrom ?row ; gk:audience ?concept .
          ?catalog dct:spatial ?place . ?concept skos:inScheme ?scheme .
          ?result sh:focusNode ?i .
        } LIMIT 1""")
    assert rows
    iris = list(rows[0].values()) + [
        BASE + "dataset", BASE + "graph/vocabulary", BASE + "graph/validation", BASE + "validation/report",
        BASE + "source/001_cd5a28862c838c28.txt", item,
    ]
    for iri in iris:
        assert iri.startswith(BASE), iri
        html = client.get(path_of(iri), headers={"Accept": BROWSER})
        assert html.status_code == 200, iri
        turtle = client.get(path_of(iri), headers={"Accept": "text/turtle"})
        assert turtle.status_code == 200, iri
        graph = Graph().parse(data=turtle.get_data(), format="turtle")
        assert (URIRef(iri), None, None) in graph or (None, None, URIRef(iri)) in graph, iri


def test_a_named_graph_iri_is_described_by_its_size(client, app):
    meta = app.extensions["gongkai"].metadata()
    response = client.get("/graph/vocabulary", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.get_data(), format="turtle")
    void_triples = URIRef("http://rdfs.org/ns/void#triples")
    size = graph.value(URIRef(BASE + "graph/vocabulary"), void_triples)
    assert size is not None and 0 < int(size) < meta["quads"]
    page = text(client.get("/graph/vocabulary?format=html"))
    assert 'id="graph-summary"' in page and str(int(size)) in page


# --------------------------------------------------------------------------- RDF


@pytest.mark.parametrize("fmt", sorted(RDF_PARSERS))
def test_item_as_rdf_by_accept_and_by_format(client, item, fmt):
    media_type, parser = RDF_PARSERS[fmt]
    expected = (URIRef(item), SKOS.prefLabel, Literal(ITEM_NAME, lang="zh"))
    for response in (client.get(path_of(item), headers={"Accept": media_type}),
                     client.get(path_of(item) + f"?format={fmt}", headers={"Accept": BROWSER})):
        assert response.status_code == 200
        assert response.mimetype == media_type
        assert "Accept" in response.headers["Vary"]
        graph = Graph().parse(data=response.get_data(), format=parser)
        assert expected in graph
        # outgoing triples plus the labels of their objects
        body = graph.value(URIRef(item), GK.responsibleBody)
        assert body is not None
        assert (body, SKOS.prefLabel, Literal(ITEM_BODY, lang="zh")) in graph


def test_q_values_pick_the_format(client, item):
    cases = {
        "application/rdf+xml;q=0.5, application/ld+json;q=0.9": "application/ld+json",
        "text/turtle;q=0.2, application/n-triples": "application/n-triples",
        "text/html;q=0.1, text/turtle;q=0.8": "text/turtle",
        "application/rdf+xml, text/html;q=0.5": "application/rdf+xml",
        "*/*": "text/turtle",
        "text/*": "text/turtle",
        BROWSER: "text/html",
    }
    for accept, expected in cases.items():
        response = client.get(path_of(item), headers={"Accept": accept})
        assert response.status_code == 200, accept
        assert response.mimetype == expected, accept


def test_nothing_acceptable_is_406(client, item):
    response = client.get(path_of(item) + "?format=pdf")
    assert response.status_code == 406
    assert "Accept" in response.headers["Vary"]
    assert client.get(path_of(item), headers={"Accept": "image/png"}).status_code == 406


def test_unknown_iri_is_404(client):
    missing = "/item/654002/social-insurance/0000000000"
    response = client.get(missing, headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    page = client.get(missing, headers={"Accept": BROWSER})
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert 'id="not-found"' in text(page)
    assert client.get("/law/no-such-law?format=jsonld").status_code == 404


def test_the_iri_is_a_substitution_not_spliced(client):
    # a path that would break (or inject into) a query if it were pasted into the text
    response = client.get('/item/x> } UNION { ?s ?p ?o } #', headers={"Accept": "text/turtle"})
    assert response.status_code == 404


# --------------------------------------------------------------------------- caching


def test_etag_and_last_modified_follow_the_data_version(client, app, item):
    meta = app.extensions["gongkai"].metadata()
    response = client.get(path_of(item), headers={"Accept": "text/turtle"})
    etag = response.headers["ETag"]
    assert meta["data_version"][:16] in etag
    assert response.headers["Last-Modified"]
    again = client.get(path_of(item), headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status_code == 304
    assert not again.get_data()
    # another representation of the same IRI has another ETag
    other = client.get(path_of(item), headers={"Accept": "application/ld+json", "If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag
    # HTML varies by language too
    zh = client.get(path_of(item) + "?format=html&lang=zh")
    en = client.get(path_of(item) + "?format=html&lang=en", headers={"If-None-Match": zh.headers["ETag"]})
    assert en.status_code == 200 and en.headers["ETag"] != zh.headers["ETag"]
    assert client.get(path_of(item) + "?format=html&lang=zh",
                      headers={"If-None-Match": zh.headers["ETag"]}).status_code == 304
