"""Anomaly records: what a careful reader of a catalog would flag, stated at build time.

Why: the review list of every place (saved query compare-anomalies) was found by five
item-level patterns -- bodies and channels placed elsewhere, items without a legal
basis, doubtful citations, names listed twice, items matching no standard item -- and
at 2,850 catalogs a page of the national list took about a second on the embedded
store. Each anomaly depends on one catalog's own triples (and the vocabulary's labels),
so the mapper finds them once while it states those triples, and the catalog's graph
states one ``gk:Anomaly`` record per item, kind and detail:

    <catalog> gk:anomaly <item>/anomaly/<kind>[/<key of the detail>] .
    <record> a gk:Anomaly ; gk:anomalyOf <item> ; gk:anomalyKind <vocab/anomaly-kind/…> ;
             gk:anomalyDetail "…" (when there is one) .

The kinds are the concepts of ``ontology/vocab/anomaly-kinds.ttl``; their English
labels are the texts the saved query shows. ``tests/test_anomalies.py`` compares a
built store's records with the item-level patterns, on the seeds and on generated
catalogs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from gongkai.iri import IriMinter
from gongkai.namespaces import GK

__all__ = [
    "DOUBTFUL_CITATION", "KINDS", "NAME_LISTED_TWICE", "NO_LEGAL_BASIS", "NO_STANDARD_ITEM", "OTHER_PLACE",
    "ItemAnomalies", "catalog_anomalies", "citation_detail", "other_place_detail",
]

Triple = tuple[URIRef, URIRef, Node]

# the kinds: notations of ontology/vocab/anomaly-kinds.ttl
OTHER_PLACE = "other-place"
NO_LEGAL_BASIS = "no-legal-basis"
DOUBTFUL_CITATION = "doubtful-citation"
NAME_LISTED_TWICE = "name-listed-twice"
NO_STANDARD_ITEM = "no-standard-item"
KINDS = (OTHER_PLACE, NO_LEGAL_BASIS, DOUBTFUL_CITATION, NAME_LISTED_TWICE, NO_STANDARD_ITEM)


@dataclass(frozen=True)
class ItemAnomalies:
    """One disclosure item's name and the anomalies found on its own triples, as
    ``(kind, detail)`` ("" when the kind says it all). Names listed twice need the
    whole catalog: :func:`catalog_anomalies` finds them."""

    item: URIRef
    name: str
    found: tuple[tuple[str, str], ...] = ()


def other_place_detail(named: str, place_label: str) -> str:
    """A body or channel of another place: its name, then that place's name."""
    return f"{named} → {place_label}"


def citation_detail(cited: str, method: str, canonical: str | None) -> str:
    """A doubtful citation: the title as printed, how it was matched, and the title of
    the legal resource it was matched to (an unlisted one's is the printed title)."""
    detail = f"《{cited}》 ({method})"
    return f"{detail} → {canonical}" if canonical is not None else detail


def catalog_anomalies(catalog: URIRef, items: Iterable[ItemAnomalies], minter: IriMinter) -> set[Triple]:
    """The anomaly records of ``catalog`` (see the module docstring)."""
    items = list(items)
    names = Counter(item.name for item in items)
    out: set[Triple] = set()
    for item in items:
        found = set(item.found)
        if names[item.name] > 1:
            found.add((NAME_LISTED_TWICE, ""))
        for kind, detail in found:
            if kind not in KINDS:
                raise ValueError(f"not an anomaly kind: {kind!r}")
            record = minter.anomaly(item.item, kind, detail)
            out |= {(catalog, GK.anomaly, record), (record, RDF.type, GK.Anomaly),
                    (record, GK.anomalyOf, item.item), (record, GK.anomalyKind, minter.concept("anomaly-kind", kind))}
            if detail:
                out.add((record, GK.anomalyDetail, Literal(detail)))
    return out
