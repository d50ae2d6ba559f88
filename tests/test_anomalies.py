"""Anomaly records (gongkai.anomalies) say what matching the items says.

Unit tests on hand-made items pin the records' triples and IRIs; the integration tests
compare the review list a built store states (saved query compare-anomalies, which reads
the records) with the same list found from the items by SPARQL (the five item-level
patterns the query matched before the build recorded them), on the seeds and on 12
generated catalogs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from gongkai.anomalies import (
    DOUBTFUL_CITATION,
    NO_LEGAL_BASIS,
    OTHER_PLACE,
    ItemAnomalies,
    catalog_anomalies,
    citation_detail,
    other_place_detail,
)
from gongkai.iri import IriMinter
from gongkai.namespaces import DEFAULT_BASE, GK
from gongkai.query_service import execute
from gongkai.saved_queries import bind, load_queries
from gongkai.store import OxigraphStore
from gongkai.vocab import load_vocabulary

B = DEFAULT_BASE
CATALOG = URIRef(B + "catalog/654002/social-insurance")
MINTER = IriMinter(B)


def item(key: str) -> URIRef:
    return URIRef(B + f"item/654002/social-insurance/{key}")


def records(triples) -> dict[URIRef, tuple]:
    """record -> (item, kind notation, detail or None), checking every record's shape."""
    out = {}
    for s, p, record in triples:
        if p != GK.anomaly:
            continue
        assert s == CATALOG and (record, RDF.type, GK.Anomaly) in triples
        (of,) = [o for s2, p2, o in triples if s2 == record and p2 == GK.anomalyOf]
        (kind,) = [o for s2, p2, o in triples if s2 == record and p2 == GK.anomalyKind]
        details = [o for s2, p2, o in triples if s2 == record and p2 == GK.anomalyDetail]
        assert len(details) <= 1
        assert str(kind).startswith(B + "vocab/anomaly-kind/")
        out[record] = (of, str(kind).rsplit("/", 1)[1], str(details[0]) if details else None)
    return out


def test_the_records_of_a_small_catalog():
    triples = catalog_anomalies(CATALOG, [
        ItemAnomalies(item("a"), "养老保险待遇核定", ((NO_LEGAL_BASIS, ""),)),
        ItemAnomalies(item("b"), "失业登记", ((OTHER_PLACE, other_place_detail("阿勒泰市社保局", "阿勒泰市")),
                                             (DOUBTFUL_CITATION, citation_detail("社会保险法", "fuzzy", "中华人民共和国社会保险法")))),
        ItemAnomalies(item("c"), "失业登记"),
        ItemAnomalies(item("d"), "参保登记"),
    ], MINTER)
    found = sorted(records(triples).values())
    assert found == sorted([
        (item("a"), "no-legal-basis", None),
        (item("b"), "other-place", "阿勒泰市社保局 → 阿勒泰市"),
        (item("b"), "doubtful-citation", "《社会保险法》 (fuzzy) → 中华人民共和国社会保险法"),
        (item("b"), "name-listed-twice", None),
        (item("c"), "name-listed-twice", None),
    ])
    assert MINTER.anomaly(item("a"), NO_LEGAL_BASIS) == URIRef(f"{item('a')}/anomaly/no-legal-basis")
    assert str(MINTER.anomaly(item("b"), OTHER_PLACE, "x → y")).startswith(f"{item('b')}/anomaly/other-place/")
    # one record per item, kind and detail: the same finding twice is one record
    twice = catalog_anomalies(CATALOG, [ItemAnomalies(item("a"), "x", ((NO_LEGAL_BASIS, ""), (NO_LEGAL_BASIS, "")))],
                              MINTER)
    assert len(records(twice)) == 1
    assert (MINTER.anomaly(item("a"), NO_LEGAL_BASIS), GK.anomalyDetail, Literal("")) not in twice


def test_a_citation_without_a_matched_title_has_no_arrow():
    assert citation_detail("某某办法", "unmatched", None) == "《某某办法》 (unmatched)"


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="not an anomaly kind: 'odd'"):
        catalog_anomalies(CATALOG, [ItemAnomalies(item("a"), "x", (("odd", ""),))], MINTER)


def test_every_kind_is_a_concept_of_the_vocabulary_with_the_label_the_query_shows():
    from rdflib.namespace import SKOS

    from gongkai.anomalies import KINDS

    vocabulary = load_vocabulary(B)
    for kind in KINDS:
        concept = MINTER.concept("anomaly-kind", kind)
        assert (concept, RDF.type, GK.AnomalyKind) in vocabulary.graph
        assert [str(label) for label in vocabulary.graph.objects(concept, SKOS.prefLabel) if label.language == "en"]


# --- what a built store records equals what its items say --------------------------------

# The item-level patterns compare-anomalies matched before the build recorded anomalies
# (the doubtful citations in one branch here).
MATCHED = """PREFIX gk: <https://w3id.org/gongkai/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>

SELECT DISTINCT ?place_code ?anomaly ?item ?item_label ?detail ?source_line
WHERE {
  ?catalog a gk:Catalog ;
           dct:spatial ?place .
  ?place gk:divisionCode ?code .
  # each branch finds its items itself: UNION branches are evaluated on their own
  {
    # the bodies and channels of the catalog's graph placed elsewhere (one index range),
    # then the items naming them
    GRAPH ?catalog { ?named dct:spatial ?other }
    ?catalog dct:spatial ?own_place .
    FILTER (?other != ?own_place)
    ?item gk:responsibleBody|gk:channel ?named ;
          gk:inCatalog ?catalog .
    ?named skos:prefLabel ?named_label .
    ?other skos:prefLabel ?other_label .
    FILTER (lang(?other_label) = "zh")
    BIND ("names another place" AS ?anomaly)
    BIND (CONCAT(STR(?named_label), " → ", STR(?other_label)) AS ?detail)
  } UNION {
    ?item gk:inCatalog ?catalog .
    FILTER NOT EXISTS { ?item gk:legalBasis ?any_law }
    BIND ("no legal basis" AS ?anomaly)
    BIND ("" AS ?detail)
  } UNION {
    # doubtful citations: matched fuzzily, not at all, or through a text other than the
    # title as printed (the old query split this into three branches for Oxigraph's sake)
    ?item gk:citation ?citation ;
          gk:inCatalog ?catalog .
    ?citation gk:citedAs ?cited ; gk:matchMethod ?method .
    FILTER (?method IN ("fuzzy", "unmatched") || EXISTS { ?citation gk:matchedText ?canonical_text })
    OPTIONAL { ?citation gk:legalResource/dct:title ?canonical }
    BIND ("law cited under a garbled, shortened or unlisted title" AS ?anomaly)
    BIND (CONCAT("《", STR(?cited), "》 (", ?method, ")", IF(BOUND(?canonical), CONCAT(" → ", STR(?canonical)), "")) AS ?detail)
  } UNION {
    # a catalog's items are stated in its named graph: look the label up there (one lookup)
    # rather than among every item of every catalog that bears it
    ?item gk:inCatalog ?catalog ;
          skos:prefLabel ?twin_label .
    GRAPH ?catalog { ?twin skos:prefLabel ?twin_label }
    FILTER (?twin != ?item)
    ?twin gk:inCatalog ?catalog .
    BIND ("name listed twice" AS ?anomaly)
    BIND ("" AS ?detail)
  } UNION {
    # the catalog's unmatched reconciliation records (one index range of its graph), then
    # the items whose standard-item match they are
    GRAPH ?catalog { ?unmatched gk:matchMethod "unmatched" }
    ?item gk:standardItemMatch ?unmatched ;
          gk:inCatalog ?catalog .
    BIND ("no standard item" AS ?anomaly)
    BIND ("" AS ?detail)
  }
  ?item skos:prefLabel ?item_label ;
        prov:wasDerivedFrom/gk:sourceLine ?source_line .
  BIND (STR(?code) AS ?place_code)
}
ORDER BY ?place_code ?anomaly ?source_line ?item ?detail
"""


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory) -> Path:
    from tests.test_national import build_corpus

    return build_corpus(tmp_path_factory.mktemp("anomalies"))


@pytest.fixture(scope="module")
def edited_store(tmp_path_factory) -> Path:
    """The seeds with one row's legal basis printed as 无 (none) and another citing a law
    of no list."""
    from gongkai.manifest import load_manifest
    from gongkai.pipeline import build_store
    from tests.conftest import seeds_naming_what_no_list_has

    folder = tmp_path_factory.mktemp("edited")
    manifest = seeds_naming_what_no_list_has(folder)
    path = folder / "sources" / "001_cd5a28862c838c28.txt"
    lines = path.read_text(encoding="utf-8").split("\n")
    cells = lines[19].split("\t")
    assert cells[4].startswith("《政府信息公开条例》"), cells
    lines[19] = "\t".join([*cells[:4], "无", *cells[5:]])
    path.write_text("\n".join(lines), encoding="utf-8")
    build_store(load_manifest(manifest), folder / "store", full=True, workers=1)
    return folder / "store"


@pytest.mark.parametrize("which", ["seeds", "edited", "corpus"])
def test_the_recorded_anomalies_are_the_matched_ones(which, request):
    recorded_query = bind(load_queries()["compare-anomalies"], {}).unpaged
    with OxigraphStore.open(request.getfixturevalue(f"{which.replace('seeds', 'seed')}_store"), read_only=True) as store:
        def rows(sparql):
            return [tuple(row.get(name, {}).get("value") for name in
                          ("place_code", "anomaly", "item", "item_label", "detail", "source_line"))
                    for row in execute(store, sparql, max_rows=1_000_000).bindings]
        expected = rows(MATCHED)
        kinds = {row[1] for row in expected}
        # the edited seeds have every kind; the corpus's generator places no body elsewhere
        # and keeps every legal basis
        assert len(kinds) == {"seeds": 4, "edited": 5, "corpus": 3}[which], kinds
        assert rows(recorded_query) == expected
