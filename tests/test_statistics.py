"""Per-catalog statistics (gongkai.statistics) say what counting the items says.

A unit test on a hand-made catalog pins every count; the integration tests compare the
numbers a built store states with the same numbers counted from its items by SPARQL
(the item-level patterns the saved queries matched before they read the statistics), on
the seeds and on 12 generated catalogs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from gongkai.iri import IriMinter
from gongkai.namespaces import DEFAULT_BASE, GK
from gongkai.query_service import execute
from gongkai.statistics import ItemFacts, catalog_statistics
from gongkai.store import OxigraphStore

B = DEFAULT_BASE
CATALOG = URIRef(B + "catalog/654002/social-insurance")
MINTER = IriMinter(B)


def iri(path: str) -> URIRef:
    return URIRef(B + path)


def facts(method: str, standard: str | None, laws=(), channels=()) -> ItemFacts:
    return ItemFacts(method, B + f"vocab/standard/{standard}" if standard else None,
                     frozenset(B + f"law/{law}" for law in laws),
                     frozenset((B + f"channel/654002/{name}", B + f"vocab/channel-type/{kind}") for name, kind in channels))


def test_the_counts_of_a_small_catalog():
    hall, hall2, web = ("hall", "service-hall"), ("hall2", "service-hall"), ("web", "government-website")
    stats = catalog_statistics(CATALOG, [
        facts("exact", "s1", laws=["l1", "l2"], channels=[hall, web]),
        facts("fuzzy", "s2", laws=["l1"], channels=[hall]),
        facts("fuzzy", "s1", channels=[hall2]),
        facts("unmatched", None),
    ], MINTER)

    def value(subject, predicate):
        found = [o for s, p, o in stats if s == subject and p == predicate]
        assert len(found) == 1, (subject, predicate, found)
        return found[0].toPython() if isinstance(found[0], Literal) else found[0]

    assert value(CATALOG, GK.itemCount) == 4
    assert value(CATALOG, GK.standardItemsCovered) == 1  # s1, exactly (the third item matches it only fuzzily)
    assert value(CATALOG, GK.standardItemsMatched) == 2  # s1 and s2
    assert value(CATALOG, GK.unmatchedItemCount) == 1
    laws = {value(t, GK.citedLegalResource): value(t, GK.itemCount)
            for s, p, t in stats if p == GK.legalBasisTally}
    assert laws == {iri("law/l1"): 2, iri("law/l2"): 1}
    kinds = {value(t, DCTERMS.type): (value(t, GK.itemCount), value(t, GK.channelCount))
             for s, p, t in stats if p == GK.channelTypeTally}
    # three items name a service hall, through two halls; the first names one hall only once
    assert kinds == {iri("vocab/channel-type/service-hall"): (3, 2), iri("vocab/channel-type/government-website"): (1, 1)}
    tally = MINTER.tally(CATALOG, "law", iri("law/l1"))
    assert str(tally).startswith(f"{CATALOG}/tally/law/") and (tally, RDF.type, GK.Tally) in stats


def test_an_item_naming_two_halls_counts_once_for_their_type():
    stats = catalog_statistics(CATALOG, [facts("exact", "s1", channels=[("a", "service-hall"), ("b", "service-hall")])],
                               MINTER)
    tally = MINTER.tally(CATALOG, "channel-type", iri("vocab/channel-type/service-hall"))
    assert (tally, GK.itemCount, Literal(1)) in stats and (tally, GK.channelCount, Literal(2)) in stats


# --- what a built store states equals what its items say --------------------------------

PREFIXES = """PREFIX gk: <https://w3id.org/gongkai/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
"""
STATED = PREFIXES + """
SELECT ?catalog ?items ?covered ?matched ?unmatched WHERE {
  ?catalog a gk:Catalog ; gk:itemCount ?items ; gk:standardItemsCovered ?covered ;
           gk:standardItemsMatched ?matched ; gk:unmatchedItemCount ?unmatched .
}"""
COUNTED = PREFIXES + """
SELECT ?catalog (COUNT(DISTINCT ?item) AS ?items) (COUNT(DISTINCT ?firm) AS ?covered)
       (COUNT(DISTINCT ?any) AS ?matched) (COUNT(DISTINCT ?lone) AS ?unmatched) WHERE {
  ?catalog a gk:Catalog .
  ?item gk:inCatalog ?catalog .
  OPTIONAL { ?item gk:standardItemMatch/gk:matchMethod ?method }
  OPTIONAL { ?item gk:standardItem ?standard }
  BIND (IF(BOUND(?method), ?standard, ?nothing) AS ?any)
  BIND (IF(?method != "fuzzy", ?standard, ?nothing) AS ?firm)
  BIND (IF(?method = "unmatched", ?item, ?nothing) AS ?lone)
} GROUP BY ?catalog"""
STATED_LAWS = PREFIXES + """
SELECT ?catalog ?law ?items WHERE { ?catalog gk:legalBasisTally ?t . ?t gk:citedLegalResource ?law ; gk:itemCount ?items }"""
COUNTED_LAWS = PREFIXES + """
SELECT ?catalog ?law (COUNT(DISTINCT ?item) AS ?items) WHERE {
  ?catalog a gk:Catalog . GRAPH ?catalog { ?item gk:legalBasis ?law }
} GROUP BY ?catalog ?law"""
STATED_CHANNELS = PREFIXES + """
SELECT ?catalog ?type ?items ?channels WHERE {
  ?catalog gk:channelTypeTally ?t . ?t dct:type ?type ; gk:itemCount ?items ; gk:channelCount ?channels }"""
COUNTED_CHANNELS = PREFIXES + """
SELECT ?catalog ?type (COUNT(DISTINCT ?item) AS ?items) (COUNT(DISTINCT ?channel) AS ?channels) WHERE {
  ?catalog a gk:Catalog .
  GRAPH ?catalog { ?item gk:inCatalog ?catalog ; gk:channel ?channel . ?channel dct:type ?type }
} GROUP BY ?catalog ?type"""


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory) -> Path:
    from tests.test_national import build_corpus

    return build_corpus(tmp_path_factory.mktemp("statistics"))


@pytest.mark.parametrize("stated,counted", [(STATED, COUNTED), (STATED_LAWS, COUNTED_LAWS),
                                            (STATED_CHANNELS, COUNTED_CHANNELS)], ids=["catalog", "laws", "channels"])
@pytest.mark.parametrize("which", ["seeds", "corpus"])
def test_the_stated_counts_are_the_counted_ones(which, stated, counted, seed_store, corpus_store):
    with OxigraphStore.open(seed_store if which == "seeds" else corpus_store, read_only=True) as store:
        def rows(sparql):
            found = execute(store, sparql, max_rows=1_000_000).bindings
            return sorted(tuple(sorted((k, v["value"]) for k, v in row.items())) for row in found)
        expected = rows(counted)
        assert expected and rows(stated) == expected
