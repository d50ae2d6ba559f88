"""Deterministic IRIs: the same input always mints the same IRI under one configurable base.

Keys are short hashes of the normalised text they stand for, so an item keeps its IRI
when rows move inside a catalog, and two catalogs that name the same law share it.

What a catalog says about a node only it mints is stated in its own named graph, so the
node's IRI carries the catalog's place (and domain): organisations, channels,
categories, and the laws and content elements a catalog names that the vocabulary does
not list ("unlisted"). A shared IRI for those would put the same triple in many named
graphs, and a server whose union default graph is a multiset (``oxigraph serve
--union-default-graph``) would then count it once per catalog.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import quote

from rdflib import URIRef

from gongkai.namespaces import DEFAULT_BASE


def _minted(iri: str) -> URIRef:
    """A URIRef without rdflib's per-character check: every part of a minted IRI is
    safe by construction (the base, checked once by IriMinter; digits; slugs; hex keys;
    quoted file names), and a national build mints millions of them."""
    return str.__new__(URIRef, iri)


def text_key(text: str, length: int = 10) -> str:
    """A stable, URL-safe key for a piece of (Chinese) text."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]


@dataclass(frozen=True)
class IriMinter:
    """Mints every instance IRI of the graph from one base."""

    base: str = DEFAULT_BASE

    def __post_init__(self) -> None:
        if not self.base.endswith(("/", "#")):
            object.__setattr__(self, "base", self.base + "/")
        URIRef(self.base)  # rdflib's check (a warning), once for every IRI minted here

    def _iri(self, path: str) -> URIRef:
        return _minted(self.base + path)

    def catalog(self, place_code: str, domain: str) -> URIRef:
        return self._iri(f"catalog/{place_code}/{domain}")

    def item(self, place_code: str, domain: str, key: str) -> URIRef:
        return self._iri(f"item/{place_code}/{domain}/{key}")

    def category(self, place_code: str, domain: str, path: tuple[str, ...]) -> URIRef:
        return self._iri(f"category/{place_code}/{domain}/{text_key('/'.join(path))}")

    def category_scheme(self, place_code: str, domain: str) -> URIRef:
        return self._iri(f"category/{place_code}/{domain}")

    def organisation(self, place_code: str, name: str) -> URIRef:
        return self._iri(f"org/{place_code}/{text_key(name)}")

    def channel(self, place_code: str, name: str) -> URIRef:
        return self._iri(f"channel/{place_code}/{text_key(name)}")

    def law(self, key: str) -> URIRef:
        return self._iri(f"law/{key}")

    def unlisted_law(self, place_code: str, domain: str, title: str) -> URIRef:
        """A title no entry of the reference list matches, as one catalog cites it."""
        return self._iri(f"law/{place_code}/{domain}/x-{text_key(title)}")

    def unlisted_content_element(self, place_code: str, domain: str, label: str) -> URIRef:
        """A content element the vocabulary does not list, as one catalog names it."""
        return self._iri(f"vocab/content-element/{place_code}/{domain}/x-{text_key(label)}")

    def match(self, subject: URIRef, what: str) -> URIRef:
        """The reconciliation record of ``subject``: ``<item>/match/standard``,
        ``<org or channel>/match/canonical``."""
        return _minted(f"{subject}/match/{what}")

    def citation(self, item: URIRef, index: int) -> URIRef:
        """The ``index``-th (1-based) legal basis an item cites: ``<item>/citation/1``."""
        return _minted(f"{item}/citation/{index}")

    def tally(self, catalog: URIRef, kind: str, counted: URIRef) -> URIRef:
        """A count of a catalog's items sharing one value (gongkai.statistics):
        ``<catalog>/tally/law/<key of the law's IRI>``."""
        return _minted(f"{catalog}/tally/{kind}/{text_key(str(counted))}")

    def anomaly(self, item: URIRef, kind: str, detail: str = "") -> URIRef:
        """An anomaly record of an item (gongkai.anomalies): ``<item>/anomaly/no-legal-basis``,
        or with the key of its detail, ``<item>/anomaly/other-place/<key>``."""
        return _minted(f"{item}/anomaly/{kind}/{text_key(detail)}" if detail else f"{item}/anomaly/{kind}")

    def candidate(self, match: URIRef, rank: int) -> URIRef:
        """A candidate a reconciliation record proposes: ``<match>/candidate/1``."""
        return _minted(f"{match}/candidate/{rank}")

    def place(self, division_code: str) -> URIRef:
        return self._iri(f"place/{division_code}")

    def source_row(self, file_name: str, line: int) -> URIRef:
        return self._iri(f"source/{quote(file_name)}/L{line}")

    def source_file(self, file_name: str) -> URIRef:
        return self._iri(f"source/{quote(file_name)}")

    def concept(self, scheme: str, key: str) -> URIRef:
        return self._iri(f"vocab/{scheme}/{key}")

    def scheme(self, scheme: str) -> URIRef:
        return self._iri(f"vocab/{scheme}")

    def dataset(self) -> URIRef:
        return self._iri("dataset")

    def validation_graph(self) -> URIRef:
        return self._iri("graph/validation")

    def validation_base(self) -> str:
        return self.base + "validation/"

    def vocabulary_graph(self) -> URIRef:
        return self._iri("graph/vocabulary")
