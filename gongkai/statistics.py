"""Per-catalog statistics, stated in the catalog's own graph at build time.

Why: the national comparisons rank or aggregate every catalog -- coverage of the
standard items, the law-citation network, the channel-type mix -- and counting them
from the items on every request reads all 230k items of 2,850 catalogs (7-14 s on the
embedded store). Each count depends on one catalog's items only, so the build states
it once, beside the catalog's other triples, and the saved queries read a few numbers a
catalog. The counts are made from the facts the mapping states in each item's triples
(its match method, standard item, legal bases, channels and their types), so they say
what counting the items says (``tests/test_statistics.py`` compares a built store's
numbers with those counted from its items by SPARQL):

* on the catalog: ``gk:itemCount`` (its disclosure items), ``gk:standardItemsCovered``
  (standard items reconciled exactly, by an alias or by a curator: any method but
  fuzzy), ``gk:standardItemsMatched`` (fuzzy matches included), ``gk:unmatchedItemCount``
  (items whose standard-item match is "unmatched");
* ``gk:legalBasisTally`` -> a ``gk:Tally`` per legal resource its items cite
  (``gk:citedLegalResource``, ``gk:itemCount``). Its own property, not the citations'
  ``gk:legalResource``: the catalogs citing a law are then one index range
  (``?tally gk:citedLegalResource <law>``), not a look-up per citation of the law;
* ``gk:channelTypeTally`` -> a ``gk:Tally`` per channel type its items name
  (``dct:type``, ``gk:itemCount``, ``gk:channelCount``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF
from rdflib.term import Node

from gongkai.iri import IriMinter
from gongkai.namespaces import GK

__all__ = ["ItemFacts", "catalog_statistics"]

Triple = tuple[URIRef, URIRef, Node]
FUZZY = "fuzzy"
UNMATCHED = "unmatched"


@dataclass(frozen=True)
class ItemFacts:
    """What the statistics count of one disclosure item, as the mapping states it: plain
    strings, gathered while its triples are made (hashing rdflib terms again to read the
    triples back cost a national build a minute of CPU)."""

    method: str  # gk:matchMethod of its standard-item match
    standard: str | None  # its gk:standardItem, when matched
    laws: frozenset[str]  # its gk:legalBasis
    channels: frozenset[tuple[str, str]]  # (gk:channel, that channel's dct:type)


def catalog_statistics(catalog: URIRef, items: Iterable[ItemFacts], minter: IriMinter) -> set[Triple]:
    """The statistics triples of ``catalog`` from the facts of its items (see the module doc)."""
    count = 0
    covered: set[str] = set()
    matched: set[str] = set()
    unmatched = 0
    citing: dict[str, int] = defaultdict(int)
    naming: dict[str, int] = defaultdict(int)
    channels: dict[str, set[str]] = defaultdict(set)
    for item in items:
        count += 1
        unmatched += item.method == UNMATCHED
        if item.standard is not None:
            matched.add(item.standard)
            if item.method != FUZZY:
                covered.add(item.standard)
        for law in item.laws:
            citing[law] += 1
        for kind in {kind for _channel, kind in item.channels}:
            naming[kind] += 1
        for channel, kind in item.channels:
            channels[kind].add(channel)

    out: set[Triple] = {
        (catalog, GK.itemCount, Literal(count)),
        (catalog, GK.standardItemsCovered, Literal(len(covered))),
        (catalog, GK.standardItemsMatched, Literal(len(matched))),
        (catalog, GK.unmatchedItemCount, Literal(unmatched)),
    }
    for law, items_citing in citing.items():
        tally = minter.tally(catalog, "law", URIRef(law))
        out |= {(catalog, GK.legalBasisTally, tally), (tally, RDF.type, GK.Tally),
                (tally, GK.citedLegalResource, URIRef(law)), (tally, GK.itemCount, Literal(items_citing))}
    for kind, items_naming in naming.items():
        tally = minter.tally(catalog, "channel-type", URIRef(kind))
        out |= {(catalog, GK.channelTypeTally, tally), (tally, RDF.type, GK.Tally), (tally, DCTERMS.type, URIRef(kind)),
                (tally, GK.itemCount, Literal(items_naming)), (tally, GK.channelCount, Literal(len(channels[kind])))}
    return out
