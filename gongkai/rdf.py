"""Map parsed catalogs to RDF: one named graph per catalog, every item traceable to its row.

Pure: parsed records, their reconciliation and the vocabulary in, rdflib graphs out.
IRIs come from the one IriMinter, so the same input gives the same graph; there are no
blank nodes.

Reconciliation (gongkai.reconcile) is stated as records with their own IRIs:

- ``<item> gk:standardItem <standard item>`` when matched, and always
  ``<item> gk:standardItemMatch <item/match/standard>``, a gk:Match with
  gk:matchedConcept, gk:matchMethod, gk:matchScore, gk:matchedText and, for fuzzy and
  unmatched items, gk:candidate nodes ``<item/match/standard/candidate/N>``;
- per cited title ``<item> gk:citation <item/citation/N>``, a gk:Citation with
  gk:citedAs (the title as printed), gk:legalResource (the matched law, or the unlisted
  law node) and method, score, candidates; ``gk:legalBasis`` links the same law directly;
- every organisation and channel ``gk:canonical`` its canonical node (itself when it is
  the canonical name), and a variant also ``gk:canonicalMatch <node/match/canonical>``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from functools import lru_cache

from rdflib import Graph, Literal, URIRef
from rdflib import namespace as rdflib_namespaces
from rdflib.term import Node

from gongkai import namespaces
from gongkai.anomalies import (
    DOUBTFUL_CITATION,
    NO_LEGAL_BASIS,
    NO_STANDARD_ITEM,
    OTHER_PLACE,
    ItemAnomalies,
    catalog_anomalies,
    citation_detail,
    other_place_detail,
)
from gongkai.iri import IriMinter, text_key
from gongkai.model import CatalogEntry, ParsedCatalog
from gongkai.namespaces import TermCache, bind_prefixes
from gongkai.reconcile import (
    CHANNEL,
    EXACT,
    FUZZY,
    ORGANISATION,
    UNMATCHED,
    CatalogReconciliation,
    ItemReconciliation,
    Match,
    build_reference,
    curated_mappings,
    reconcile_catalog,
    score_literal,
)
from gongkai.statistics import ItemFacts, catalog_statistics
from gongkai.vocab import Vocabulary

# terms built once (see TermCache): the mapper is the hot loop of a national build
DCAT, DCTERMS, PROV, RDF, SKOS, VOID, XSD = (
    TermCache(getattr(rdflib_namespaces, name)) for name in ("DCAT", "DCTERMS", "PROV", "RDF", "SKOS", "VOID", "XSD"))
CV, ELI, FOAF, GK, ORG = (TermCache(getattr(namespaces, name)) for name in ("CV", "ELI", "FOAF", "GK", "ORG"))


@lru_cache(maxsize=65536)
def zh(text: str) -> Literal:
    """A Chinese-tagged literal (cached: labels recur on every row that names them)."""
    return Literal(text, lang="zh")


@lru_cache(maxsize=65536, typed=True)  # typed: True and 1 are equal keys, not equal literals
def literal(value: str | int | bool) -> Literal:
    """A literal of a value that recurs (match methods, line numbers, ranks, file
    names): building an rdflib Literal converts and checks it, and one object shared by
    many triples is also found faster in the sets and caches downstream."""
    return Literal(value)


@lru_cache(maxsize=4096)
def score(raw: float) -> Literal:
    """A match score as its xsd:decimal literal (see score_literal)."""
    return Literal(score_literal(raw))


def states_matched_text(match: Match) -> bool:
    """Whether a match record states gk:matchedText: matched through a text other than
    the one printed (an alias, a heading, a fuzzy candidate's label)."""
    return match.method != EXACT and bool(match.matched_text) and match.matched_text != match.text


def item_keys(entries: tuple[CatalogEntry, ...]) -> list[str]:
    """Stable keys: a hash of the item name, numbered when a catalog repeats a name."""
    seen: Counter[str] = Counter()
    keys = []
    for entry in entries:
        base = text_key(entry.name)
        seen[base] += 1
        keys.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return keys


class _CatalogMapper:
    """Holds what every triple of one catalog shares: its graph, place, IRIs."""

    def __init__(
        self, parsed: ParsedCatalog, vocabulary: Vocabulary, minter: IriMinter, reconciliation: CatalogReconciliation
    ) -> None:
        self.parsed = parsed
        self.reconciliation = reconciliation
        self.source = parsed.source
        self.vocabulary = vocabulary
        self.mint = minter
        self.code = self.source.place_code
        self.domain = self.source.domain
        self.catalog = minter.catalog(self.code, self.domain)
        self.place = minter.place(self.code)
        # plain tuples, not an rdflib Graph: adding to a Graph costs several times
        # more than building the triple, which matters at national scale
        self.triples: set[tuple[URIRef, URIRef, Node]] = set()
        self.facts: list[ItemFacts] = []  # what gongkai.statistics counts, item by item
        # nodes already described, by (kind, name or category path): a body or channel is
        # named on many rows, and stating its triples again only finds them in the set
        self.described: dict[tuple[str, object], URIRef] = {}
        self.channel_types: dict[str, URIRef] = {}  # channel name -> its channel type
        self.spatial: dict[URIRef, URIRef] = {}  # body or channel -> its dct:spatial
        self.anomalies: list[ItemAnomalies] = []  # what gongkai.anomalies records, item by item

    def add(self, s: URIRef, p: URIRef, o: Node) -> None:
        self.triples.add((s, p, o))

    # -- shared entities ------------------------------------------------------------

    def place_of(self, label: str) -> tuple[URIRef, list[URIRef]]:
        """(dct:spatial, places named) for an organisation's or channel's label."""
        named = [iri for _code, iri in self.vocabulary.places_named_in(label)]
        if self.source.place_name and self.source.place_name in label and self.place not in named:
            named.append(self.place)
        if not named or self.place in named:
            return self.place, named
        return named[0], named

    def organisation(self, name: str) -> URIRef:
        known = self.described.get((ORGANISATION, name))
        if known is not None:
            return known
        org = self.described[(ORGANISATION, name)] = self.mint.organisation(self.code, name)
        self.add(org, RDF.type, CV.PublicOrganisation)
        self.add(org, RDF.type, ORG.Organization)
        self.add(org, RDF.type, FOAF.Agent)
        self.add(org, SKOS.prefLabel, zh(name))
        self.add(org, DCTERMS.title, zh(name))  # CPSV-AP: a foaf:Agent has a title and one identifier
        self.add(org, DCTERMS.identifier, Literal(f"{self.code}/{text_key(name)}"))
        spatial, named = self.place_of(name)
        self.spatial[org] = spatial
        self.add(org, DCTERMS.spatial, spatial)
        for place in named:
            self.add(org, GK.mentionsPlace, place)
        self.canonical(org, ORGANISATION, name)
        return org

    def channel(self, name: str) -> URIRef:
        known = self.described.get((CHANNEL, name))
        if known is not None:
            return known
        channel = self.described[(CHANNEL, name)] = self.mint.channel(self.code, name)
        channel_type = self.channel_types[name] = self.vocabulary.channel_type(name)
        self.add(channel, RDF.type, CV.Channel)
        self.add(channel, SKOS.prefLabel, zh(name))
        self.add(channel, DCTERMS.identifier, Literal(f"{self.code}/{text_key(name)}"))
        self.add(channel, DCTERMS.type, channel_type)
        spatial, named = self.place_of(name)
        self.spatial[channel] = spatial
        self.add(channel, DCTERMS.spatial, spatial)
        for place in named:
            self.add(channel, GK.mentionsPlace, place)
        self.canonical(channel, CHANNEL, name)
        return channel

    def canonical(self, node: URIRef, kind: str, name: str) -> None:
        """``gk:canonical`` to the canonical node of the name (itself when canonical); a
        variant also gets its reconciliation record."""
        record = self.reconciliation.canonical(kind, name)
        if record is None or record.canonical == name:
            self.add(node, GK.canonical, node)
            return
        make = self.organisation if kind == ORGANISATION else self.channel
        target = make(record.canonical)
        self.add(node, GK.canonical, target)
        match = self.mint.match(node, "canonical")
        self.add(node, GK.canonicalMatch, match)
        self.add(match, RDF.type, GK.Match)
        self.add(match, GK.canonical, target)
        self.add(match, GK.matchMethod, literal(record.method))
        self.add(match, GK.matchScore, score(record.score))
        self.add(match, GK.matchedText, zh(record.canonical))
        if record.note:
            self.add(match, SKOS.note, Literal(record.note))

    def unlisted_law(self, title: str, document_number: str | None) -> URIRef:
        """A legal resource that matches no entry of the reference list, kept and flagged
        (scoped to this catalog: see gongkai.iri)."""
        law = self.mint.unlisted_law(self.code, self.domain, title)
        self.add(law, RDF.type, ELI.LegalResource)
        self.add(law, DCTERMS.title, zh(title))
        self.add(law, GK.unlisted, literal(True))
        if document_number:
            self.add(law, GK.documentNumber, Literal(document_number))
        return law

    def content_element(self, label: str) -> URIRef:
        known = self.vocabulary.content_element(label)
        if known is not None:
            return known
        concept = self.mint.unlisted_content_element(self.code, self.domain, label)
        self.add(concept, RDF.type, SKOS.Concept)
        self.add(concept, RDF.type, GK.ContentElement)
        self.add(concept, SKOS.inScheme, self.mint.scheme("content-element"))
        self.add(concept, SKOS.prefLabel, zh(label))
        self.add(concept, GK.unlisted, literal(True))
        return concept

    def category(self, path: tuple[str, ...]) -> URIRef:
        known = self.described.get(("category", path))
        if known is not None:
            return known
        concept = self.described[("category", path)] = self.mint.category(self.code, self.domain, path)
        scheme = self.mint.category_scheme(self.code, self.domain)
        self.add(concept, RDF.type, SKOS.Concept)
        self.add(concept, RDF.type, GK.Category)
        self.add(concept, SKOS.prefLabel, zh(path[-1]))
        self.add(concept, SKOS.inScheme, scheme)
        self.add(concept, GK.level, literal(len(path)))
        if len(path) > 1:
            self.add(concept, SKOS.broader, self.category(path[:-1]))
        else:
            self.add(concept, SKOS.topConceptOf, scheme)
            self.add(scheme, RDF.type, SKOS.ConceptScheme)
            self.add(scheme, SKOS.prefLabel, zh(f"{self.source.place_name}公开事项分类"))
            self.add(scheme, DCTERMS.source, self.catalog)
        return concept

    def source_row(self, line: int, raw: str | None = None) -> URIRef:
        file_name = self.source.file_name
        row = self.mint.source_row(file_name, line)
        self.add(row, RDF.type, GK.SourceRow)
        self.add(row, GK.sourceFile, literal(file_name))
        self.add(row, GK.sourceLine, literal(line))
        self.add(row, DCTERMS.isPartOf, self.mint.source_file(file_name))
        if raw is not None:
            self.add(row, GK.rawText, Literal(raw))
        return row

    # -- the catalog ------------------------------------------------------------------

    def catalog_metadata(self) -> None:
        source, catalog = self.source, self.catalog
        domain_concept = self.vocabulary.domains.get(self.domain)
        if domain_concept is None:
            domain_concept = self.mint.concept("domain", self.domain)
            self.add(domain_concept, RDF.type, SKOS.Concept)
            self.add(domain_concept, RDF.type, GK.PolicyDomain)
            self.add(domain_concept, SKOS.prefLabel, Literal(self.domain))
            self.add(domain_concept, SKOS.inScheme, self.mint.scheme("domain"))
        domain_label = self.vocabulary.graph.value(domain_concept, SKOS.prefLabel) or self.domain
        title = source.title or f"{source.place_name}{domain_label}领域基层政务公开标准目录"
        self.add(catalog, RDF.type, GK.Catalog)
        self.add(catalog, RDF.type, DCAT.Dataset)
        self.add(catalog, DCTERMS.title, zh(title))
        if self.parsed.title and self.parsed.title != title:
            self.add(catalog, DCTERMS.alternative, zh(self.parsed.title))
        description = (
            f"{source.place_name}（{self.code}）{domain_label}领域基层政务公开标准目录，"
            f"由 Gongkai 从源文件 {source.file_name} 转换而来。"
        )
        self.add(catalog, DCTERMS.description, zh(description))
        self.add(catalog, DCTERMS.spatial, self.place)
        self.add(catalog, GK.domain, domain_concept)
        publisher = self.organisation(source.publisher or f"{source.place_name}人民政府")
        self.add(catalog, DCTERMS.publisher, publisher)
        if (self.place, RDF.type, DCTERMS.Location) not in self.vocabulary.graph:
            # A place the vocabulary does not list yet: describe it here (once: a triple
            # in two graphs would count twice in the union default graph).
            self.add(self.place, RDF.type, DCTERMS.Location)
            self.add(self.place, GK.divisionCode, Literal(self.code))
            self.add(self.place, SKOS.prefLabel, zh(source.place_name))
        file_node = self.mint.source_file(source.file_name)
        self.add(catalog, PROV.wasDerivedFrom, file_node)
        self.add(file_node, RDF.type, GK.SourceFile)
        self.add(file_node, GK.sourceFile, Literal(source.file_name))
        if self.parsed.sha256:
            self.add(file_node, GK.sha256, Literal(self.parsed.sha256))
        if source.format:
            self.add(file_node, DCTERMS.format, Literal(source.format))
        if source.note:
            self.add(file_node, DCTERMS.description, Literal(source.note))

    def match_record(self, node: URIRef, match: Match, target: URIRef) -> None:
        """Method, score, matched text, note and (for doubtful matches) candidates."""
        self.add(node, GK.matchMethod, literal(match.method))
        self.add(node, GK.matchScore, score(match.score))
        if states_matched_text(match):
            self.add(node, GK.matchedText, zh(match.matched_text))
        if match.note:
            self.add(node, SKOS.note, Literal(match.note))
        if match.method in (FUZZY, UNMATCHED):
            for rank, candidate in enumerate(match.candidates, 1):
                proposed = self.mint.candidate(node, rank)
                self.add(node, GK.candidate, proposed)
                self.add(proposed, RDF.type, GK.Candidate)
                self.add(proposed, target, candidate.target)
                self.add(proposed, GK.matchScore, score(candidate.score))
                self.add(proposed, GK.candidateRank, literal(rank))

    def standard_item(self, item: URIRef, match: Match) -> None:
        node = self.mint.match(item, "standard")
        self.add(item, GK.standardItemMatch, node)
        self.add(node, RDF.type, GK.Match)
        if match.matched:
            self.add(item, GK.standardItem, match.target)
            self.add(node, GK.matchedConcept, match.target)
        self.match_record(node, match, GK.matchedConcept)

    def item(self, entry: CatalogEntry, key: str, domain_label: str, reconciled: ItemReconciliation) -> URIRef:
        item = self.mint.item(self.code, self.domain, key)
        self.add(item, RDF.type, GK.DisclosureItem)
        self.add(item, SKOS.prefLabel, zh(entry.name))
        self.add(item, DCTERMS.title, zh(entry.name))
        self.add(item, DCTERMS.identifier, Literal(f"{self.code}/{self.domain}/{key}"))
        path = " › ".join((*entry.categories, entry.name))
        self.add(item, DCTERMS.description, zh(f"{self.source.place_name}{domain_label}领域公开事项：{path}"))
        self.add(item, GK.inCatalog, self.catalog)
        self.add(item, DCTERMS.isPartOf, self.catalog)
        self.add(self.catalog, DCTERMS.hasPart, item)
        if entry.categories:
            self.add(item, GK.category, self.category(entry.categories))
        self.standard_item(item, reconciled.standard)
        for element in entry.content_elements:
            self.add(item, GK.contentElement, self.content_element(element))
        if entry.legal_basis_text:
            self.add(item, GK.legalBasisText, zh(entry.legal_basis_text))
        laws = set()
        found: list[tuple[str, str]] = [] if entry.legal_bases else [(NO_LEGAL_BASIS, "")]
        for index, (citation, match) in enumerate(zip(entry.legal_bases, reconciled.citations, strict=True), 1):
            law = match.target if match.matched else self.unlisted_law(citation.title, citation.document_number)
            if match.method in (FUZZY, UNMATCHED) or states_matched_text(match):
                titles = [citation.title] if not match.matched else self.law_titles(law)
                found += [(DOUBTFUL_CITATION, citation_detail(citation.title, match.method, title))
                          for title in titles or [None]]
            self.add(item, GK.legalBasis, law)
            laws.add(str(law))
            node = self.mint.citation(item, index)
            self.add(item, GK.citation, node)
            self.add(node, RDF.type, GK.Citation)
            self.add(node, RDF.type, GK.Match)
            self.add(node, GK.citedAs, zh(citation.title))
            self.add(node, GK.legalResource, law)
            self.match_record(node, match, GK.legalResource)
        if entry.time_limit_text:
            self.add(item, GK.timeLimitText, zh(entry.time_limit_text))
        if entry.time_limit_days is not None:
            self.add(item, GK.timeLimitWorkingDays, literal(entry.time_limit_days))
        named: list[tuple[URIRef, str]] = []
        if entry.responsible_body:
            body = self.organisation(entry.responsible_body)
            self.add(item, GK.responsibleBody, body)
            named.append((body, entry.responsible_body))
        channels = set()
        for name in entry.channels:
            channel = self.channel(name)
            self.add(item, GK.channel, channel)
            channels.add((str(channel), str(self.channel_types[name])))
            named.append((channel, name))
        for node, name in named:
            if self.spatial[node] != self.place:
                found += [(OTHER_PLACE, other_place_detail(name, label)) for label in self.place_labels(self.spatial[node])]
        if reconciled.standard.method == UNMATCHED:
            found.append((NO_STANDARD_ITEM, ""))
        predicates = {"audience": GK.audience, "method": GK.disclosureMethod, "level": GK.disclosureLevel}
        for role, label in entry.ticks:
            concept = self.vocabulary.concepts.get((role, label))
            if concept is not None:
                self.add(item, predicates[role], concept)
        if entry.row_number:
            self.add(item, GK.rowNumber, literal(entry.row_number))
        if entry.ticks_lost:
            self.add(item, GK.ticksLost, literal(True))
        if entry.incomplete:
            self.add(item, GK.incomplete, literal(True))
        self.add(item, PROV.wasDerivedFrom, self.source_row(entry.source_line, entry.raw_text))
        for line in entry.merged_from_lines:
            self.add(item, GK.mergedCellFrom, self.source_row(line))
        standard = reconciled.standard
        self.facts.append(ItemFacts(standard.method, str(standard.target) if standard.matched else None,
                                    frozenset(laws), frozenset(channels)))
        self.anomalies.append(ItemAnomalies(item, entry.name, tuple(found)))
        return item

    def law_titles(self, law: URIRef) -> list[str]:
        """The titles the vocabulary gives a listed legal resource."""
        return [str(title) for title in self.vocabulary.graph.objects(law, DCTERMS.title)]

    def place_labels(self, place: URIRef) -> list[str]:
        """The Chinese names the vocabulary gives a place (a body or channel is only ever
        placed elsewhere at a place of the vocabulary: see place_of)."""
        return [str(label) for label in self.vocabulary.graph.objects(place, SKOS.prefLabel)
                if isinstance(label, Literal) and label.language == "zh"]


def catalog_graph(
    parsed: ParsedCatalog,
    vocabulary: Vocabulary,
    minter: IriMinter,
    reconciliation: CatalogReconciliation | None = None,
) -> Graph:
    """The named graph of one catalog (its IRI is the catalog's IRI).

    ``reconciliation`` is the catalog's reconciliation (``gongkai.reconcile``); without
    it the catalog is reconciled here, with the shipped curated mappings.
    """
    graph = bind_prefixes(Graph(identifier=minter.catalog(parsed.source.place_code, parsed.source.domain)))
    graph.addN((s, p, o, graph) for s, p, o in catalog_triples(parsed, vocabulary, minter, reconciliation))
    return graph


def catalog_triples(
    parsed: ParsedCatalog,
    vocabulary: Vocabulary,
    minter: IriMinter,
    reconciliation: CatalogReconciliation | None = None,
) -> set[tuple[URIRef, URIRef, Node]]:
    """The triples of :func:`catalog_graph` as a set, for the streaming build, which
    never needs them in an rdflib Graph."""
    if reconciliation is None:
        reconciliation = reconcile_catalog(parsed, build_reference(vocabulary), curated_mappings())
    mapper = _CatalogMapper(parsed, vocabulary, minter, reconciliation)
    mapper.catalog_metadata()
    domain_concept = vocabulary.domains.get(parsed.source.domain)
    domain_label = str(vocabulary.graph.value(domain_concept, SKOS.prefLabel)) if domain_concept else parsed.source.domain
    keys = item_keys(parsed.entries)
    for entry, key, reconciled in zip(parsed.entries, keys, reconciliation.items, strict=True):
        mapper.item(entry, key, domain_label, reconciled)
    mapper.triples |= catalog_statistics(mapper.catalog, mapper.facts, minter)
    mapper.triples |= catalog_anomalies(mapper.catalog, mapper.anomalies, minter)
    return mapper.triples


def graph_counts(graph: Graph) -> tuple[int, int]:
    """(triples, disclosure items) of a catalog graph: what its VoID subset states."""
    return len(graph), len(set(graph.subjects(RDF.type, GK.DisclosureItem)))


def dataset_description(
    catalogs: Mapping[URIRef, tuple[int, int]], vocabulary_triples: int, minter: IriMinter, data_version: str
) -> Graph:
    """VoID + DCAT description of the whole dataset, with one subset per catalog graph.

    ``catalogs`` maps each catalog graph to its (triples, disclosure items) counts, so
    that a build can describe graphs it streamed or reused without holding them."""
    graph = bind_prefixes(Graph(identifier=minter.dataset()))
    dataset = minter.dataset()
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, DCTERMS.title, Literal("Gongkai: 基层政务公开标准目录知识图谱", lang="zh")))
    graph.add((dataset, DCTERMS.title, Literal("Gongkai: China's grassroots disclosure standard catalogs", lang="en")))
    graph.add((dataset, DCTERMS.description, Literal(
        "County disclosure standard catalogs converted to linked data under the gk: ontology "
        "(aligned to CPSV-AP 3.2), one named graph per catalog, each item traceable to its "
        "source file and line.", lang="en")))
    graph.add((dataset, VOID.uriSpace, Literal(minter.base)))
    graph.add((dataset, DCTERMS.hasVersion, Literal(data_version)))
    for vocab in (GK, CV, ELI, SKOS, DCAT, PROV):
        graph.add((dataset, VOID.vocabulary, URIRef(str(vocab))))
    total = vocabulary_triples
    for catalog_iri, (triples, entities) in sorted(catalogs.items()):
        graph.add((dataset, VOID.subset, catalog_iri))
        graph.add((catalog_iri, RDF.type, VOID.Dataset))
        graph.add((catalog_iri, VOID.triples, Literal(triples)))
        graph.add((catalog_iri, VOID.entities, Literal(entities)))
        total += triples
    graph.add((dataset, VOID.triples, Literal(total)))
    return graph
