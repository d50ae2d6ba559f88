"""The reference vocabularies (ontology/vocab/*.ttl) as lookups the pipeline can use.

The SKOS files are the single source: the parser's header words for tick columns, the
content elements, the channel-type keywords, the known laws and places are all read
from them, so adding an altLabel there teaches the pipeline a new variant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from gongkai.namespaces import DEFAULT_BASE, ELI, GK, bind_prefixes
from gongkai.normalize import clean, law_match_key
from gongkai.resources import ontology_files

TICK_ROLES = {GK.Audience: "audience", GK.DisclosureMethod: "method", GK.DisclosureLevel: "level"}


@lru_cache(maxsize=65536)  # every cell of every row is asked whether it is a header word
def header_key(label: str) -> str:
    """How header words are compared: cleaned, no brackets or punctuation."""
    text = clean(label)
    for ch in "()（）、，,.．:：":
        text = text.replace(ch, "")
    return text


@dataclass(frozen=True)
class Lexicon:
    """Plain data the parser needs from the vocabularies (no RDF in the parser)."""

    tick_labels: dict[str, tuple[str, str]]  # header key -> (role, concept prefLabel)
    standard_categories: tuple[str, ...]
    content_labels: tuple[str, ...]
    # what gongkai.parse.classify found for a cell's text under this lexicon: cell texts
    # recur within and across the catalogs of a corpus, and classifying one is the
    # parser's costliest step (bounded there)
    cell_kinds: dict[str, str] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Vocabulary:
    """The vocabulary graph plus the lookups the mapping needs."""

    graph: Graph
    base: str
    lexicon: Lexicon
    concepts: dict[tuple[str, str], URIRef]  # (role, prefLabel) -> concept
    content_elements: dict[str, URIRef]  # label or altLabel -> concept
    channel_keywords: tuple[tuple[str, URIRef], ...]  # longest keyword first
    other_channel_type: URIRef
    laws: dict[str, URIRef]  # law_match_key(title or altLabel) -> legal resource
    places: dict[str, tuple[str, URIRef]]  # place name -> (division code, place)
    domains: dict[str, URIRef]  # notation -> policy domain concept

    def channel_type(self, channel_name: str) -> URIRef:
        best: tuple[int, URIRef] | None = None
        for keyword, concept in self.channel_keywords:
            if keyword in channel_name and (best is None or len(keyword) > best[0]):
                best = (len(keyword), concept)
        return best[1] if best else self.other_channel_type

    def law(self, title: str) -> URIRef | None:
        return self.laws.get(law_match_key(title))

    def content_element(self, label: str) -> URIRef | None:
        return self.content_elements.get(label)

    def places_named_in(self, text: str) -> list[tuple[str, URIRef]]:
        """County-level places whose name occurs in ``text`` (codes not ending in 00)."""
        return [
            (code, iri)
            for name, (code, iri) in self.places.items()
            if name in text and not code.endswith("00")
        ]


def _labels(graph: Graph, subject: URIRef, *predicates: URIRef) -> list[str]:
    out = []
    for predicate in predicates:
        for value in graph.objects(subject, predicate):
            if isinstance(value, Literal) and value.language in (None, "zh"):
                out.append(str(value))
    return out


def _zh(graph: Graph, subject: URIRef, predicate: URIRef = SKOS.prefLabel) -> str:
    labels = _labels(graph, subject, predicate)
    return labels[0] if labels else ""


def load_vocabulary_graph(base: str = DEFAULT_BASE) -> Graph:
    graph = bind_prefixes(Graph())
    for path in ontology_files():
        graph.parse(path, format="turtle", publicID=base)
    return graph


@cache
def load_vocabulary(base: str = DEFAULT_BASE) -> Vocabulary:
    graph = load_vocabulary_graph(base)
    tick_labels: dict[str, tuple[str, str]] = {}
    concepts: dict[tuple[str, str], URIRef] = {}
    for cls, role in TICK_ROLES.items():
        for concept in sorted(graph.subjects(RDF.type, cls)):
            pref = _zh(graph, concept)
            concepts[(role, pref)] = concept
            for label in _labels(graph, concept, SKOS.prefLabel, SKOS.altLabel):
                tick_labels[header_key(label)] = (role, pref)
    content: dict[str, URIRef] = {}
    for concept in sorted(graph.subjects(RDF.type, GK.ContentElement)):
        for label in _labels(graph, concept, SKOS.prefLabel, SKOS.altLabel):
            content[label] = concept
    keywords: list[tuple[str, URIRef]] = []
    other = None
    for concept in sorted(graph.subjects(RDF.type, GK.ChannelType)):
        if str(graph.value(concept, SKOS.notation)) == "other":
            other = concept
        keywords += [(str(k), concept) for k in graph.objects(concept, SKOS.hiddenLabel)]
    keywords.sort(key=lambda pair: (-len(pair[0]), pair[0]))
    laws: dict[str, URIRef] = {}
    for law in sorted(graph.subjects(RDF.type, ELI.LegalResource)):
        for title in _labels(graph, law, DCTERMS.title, SKOS.altLabel):
            laws[law_match_key(title)] = law
    places: dict[str, tuple[str, URIRef]] = {}
    for place in sorted(graph.subjects(RDF.type, DCTERMS.Location)):
        code = str(graph.value(place, GK.divisionCode))
        for label in _labels(graph, place, SKOS.prefLabel, SKOS.altLabel):
            places[label] = (code, place)
    categories = tuple(
        _zh(graph, c)
        for c in sorted(graph.subjects(RDF.type, GK.Category))
        if str(graph.value(c, GK.level)) == "1"
    )
    domains = {
        str(graph.value(d, SKOS.notation)): d for d in sorted(graph.subjects(RDF.type, GK.PolicyDomain))
    }
    if other is None:
        raise ValueError("channel-types vocabulary lacks the 'other' concept")
    lexicon = Lexicon(tick_labels, categories, tuple(sorted(content, key=len, reverse=True)))
    return Vocabulary(graph, base, lexicon, concepts, content, tuple(keywords), other, laws, places, domains)
