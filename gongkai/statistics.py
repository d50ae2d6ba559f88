"""Per-catalog statistics, stated in the catalog's own graph at build time.

Why: the national comparisons rank or aggregate every catalog -- coverage of the
standard items, the law-citation network, the channel-type mix -- and counting them
from the items on every request reads all 230k items of 2,850 catalogs (7-14 s on the
embedded store). Each count depends on one catalog's triples only, so the build states
it once, beside the catalog's other triples, and the saved queries read a few numbers a
catalog. The counts are computed from the catalog's final triples, the same patterns
the item-level queries match, so they say exactly what counting the items would say
(``tests/test_statistics.py`` compares them with those queries):

* on the catalog: ``gk:itemCount`` (its disclosure items), ``gk:standardItemsCovered``
  (standard items reconciled exactly, by an alias or by a curator: any method but
  fuzzy), ``gk:standardItemsMatched`` (fuzzy matches included), ``gk:unmatchedItemCount``
  (items whose standard-item match is "unmatched");
* ``gk:legalBasisTally`` -> a ``gk:Tally`` per legal resource its items cite
  (``gk:legalResource``, ``gk:itemCount``);
* ``gk:channelTypeTally`` -> a ``gk:Tally`` per channel type its items name
  (``dct:type``, ``gk:itemCount``, ``gk:channelCount``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF
from rdflib.term import Node

from gongkai.iri import IriMinter
from gongkai.namespaces import GK

__all__ = ["catalog_statistics"]

Triple = tuple[URIRef, URIRef, Node]
FUZZY = "fuzzy"
UNMATCHED = "unmatched"


def catalog_statistics(catalog: URIRef, triples: Iterable[Triple], minter: IriMinter) -> set[Triple]:
    """The statistics triples of ``catalog`` from its own ``triples`` (see the module doc)."""
    by_predicate: dict[URIRef, list[tuple[URIRef, Node]]] = defaultdict(list)
    for s, p, o in triples:
        by_predicate[p].append((s, o))
    items = {s for s, o in by_predicate[GK.inCatalog] if o == catalog}
    method = dict(by_predicate[GK.matchMethod])
    match_of = {s: o for s, o in by_predicate[GK.standardItemMatch] if s in items}
    covered, matched, unmatched = set(), set(), 0
    standards: dict[URIRef, set[Node]] = defaultdict(set)
    for s, o in by_predicate[GK.standardItem]:
        if s in items:
            standards[s].add(o)
    for item in items:
        how = method.get(match_of.get(item))
        if how is None:
            continue
        how = str(how)
        unmatched += how == UNMATCHED
        matched.update(standards[item])
        if how != FUZZY:
            covered.update(standards[item])

    out: set[Triple] = {
        (catalog, GK.itemCount, Literal(len(items))),
        (catalog, GK.standardItemsCovered, Literal(len(covered))),
        (catalog, GK.standardItemsMatched, Literal(len(matched))),
        (catalog, GK.unmatchedItemCount, Literal(unmatched)),
    }

    citing: dict[Node, set[URIRef]] = defaultdict(set)
    for s, o in by_predicate[GK.legalBasis]:
        if s in items:
            citing[o].add(s)
    for law, cited_by in citing.items():
        tally = minter.tally(catalog, "law", law)
        out |= {(catalog, GK.legalBasisTally, tally), (tally, RDF.type, GK.Tally),
                (tally, GK.legalResource, law), (tally, GK.itemCount, Literal(len(cited_by)))}

    channel_type: dict[Node, set[Node]] = defaultdict(set)
    for s, o in by_predicate[DCTERMS.type]:
        channel_type[s].add(o)
    naming: dict[Node, set[URIRef]] = defaultdict(set)
    channels: dict[Node, set[Node]] = defaultdict(set)
    for s, o in by_predicate[GK.channel]:
        if s in items:
            for kind in channel_type.get(o, ()):
                naming[kind].add(s)
                channels[kind].add(o)
    for kind, named_by in naming.items():
        tally = minter.tally(catalog, "channel-type", kind)
        out |= {(catalog, GK.channelTypeTally, tally), (tally, RDF.type, GK.Tally), (tally, DCTERMS.type, kind),
                (tally, GK.itemCount, Literal(len(named_by))),
                (tally, GK.channelCount, Literal(len(channels[kind])))}
    return out
