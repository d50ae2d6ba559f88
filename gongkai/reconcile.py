"""Reconciliation: link what a catalog prints to the reference vocabularies.

Every catalog item is matched to a standard item (ontology/vocab/standard-items-*.ttl),
every cited legal basis to a legal resource (legal-resources.ttl), and every body and
channel of a catalog to one canonical entity of its place (variants and cut forms of one
name clustered). Each decision records how it was made and how sure it is:

==============  ======  =================================================================
method          score   meaning
==============  ======  =================================================================
curated         1.0     a row of data/mappings/*.csv said so (always wins)
exact           1.0     the normalised text is the reference entry's preferred name
alias           1.0     ... is one of its other names (skos:altLabel)
garbled-alias   0.9     ... is a garbled, cut or misprinted form listed for it
                        (gk:garbledLabel): matched, but the damage stays visible
heading         0.9     a level-3 item inherits the standard item of its level-2 heading
                        (x the heading's own score; see the standard-items file header)
fuzzy           < 1     character-level similarity above the threshold
unmatched       0.0     nothing good enough; the best candidates are kept with scores
==============  ======  =================================================================

Similarity is deterministic and character-level: the Dice coefficient of character
bigram sets. For item names each bigram is weighted by its inverse document frequency
over the standard-item labels (``log(1 + N / df)``), so the words every item shares
(保险, 养老, 申领) count less than the ones that tell items apart (暂停, 恢复, 注销); law
titles are few and short, and use the plain coefficient. Names are compared after
normalisation (cleaning, numbering and punctuation removed; for titles also 中华人民共和国
and a document number or revision note printed inside 《》).

Items, in order: curated; exact / alias / garbled-alias on the item's own name; a name
that contains a standard name of at least ``CONTAINED_MIN`` characters is that item
qualified by a group of insured people (工伤保险个人基本信息变更 → 个人基本信息变更),
method fuzzy; the nearest heading (level-2, or a level-1 cell that is not a level-1
item) naming a standard item, method heading; fuzzy on the name with a
``CATEGORY_BONUS`` when the candidate's level-1 item is the item's, accepted from
``ITEM_THRESHOLD``; otherwise unmatched with the ``TOP`` best candidates.

Legal bases: curated; exact / alias / garbled-alias on ``law_match_key``; fuzzy from
``LAW_THRESHOLD``; otherwise unmatched with candidates.

Bodies and channels, per catalog (one place): names are taken most used first; a name
joins an earlier (canonical) name when a curated row says so, when it is a cut form (a
head or tail of exactly one canonical name, preferring names of the catalog's own
place), or when it is similar from ``ENTITY_THRESHOLD`` on, names the same places and,
for channels, has the same channel type. Otherwise it is canonical itself (exact).

Everything here is a pure function of data, except ``load_curated`` (reads the CSVs).
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from gongkai.errors import GongkaiError
from gongkai.model import CatalogEntry, LayoutCorrection, ParsedCatalog
from gongkai.namespaces import ELI, GK
from gongkai.normalize import clean, law_match_key, strip_numbering
from gongkai.resources import resource_dir

if TYPE_CHECKING:
    from gongkai.pipeline import Build
    from gongkai.vocab import Vocabulary

CURATED = "curated"
EXACT = "exact"
ALIAS = "alias"
GARBLED_ALIAS = "garbled-alias"
HEADING = "heading"
FUZZY = "fuzzy"
UNMATCHED = "unmatched"
METHODS = (CURATED, EXACT, ALIAS, GARBLED_ALIAS, HEADING, FUZZY, UNMATCHED)

ITEM_THRESHOLD = 0.7
LAW_THRESHOLD = 0.75
ENTITY_THRESHOLD = 0.7
CATEGORY_BONUS = 0.1
CONTAINED_MIN = 6
GARBLED_SCORE = 0.9
HEADING_FACTOR = 0.9
TOP = 3

STANDARD_ITEM = "standard-item"
LEGAL_RESOURCE = "legal-resource"
ORGANISATION = "organisation"
CHANNEL = "channel"
KINDS = (STANDARD_ITEM, LEGAL_RESOURCE, ORGANISATION, CHANNEL)

_PREF, _ALT, _GARBLED = "pref", "alt", "garbled"
_LABEL_METHOD = {_PREF: EXACT, _ALT: ALIAS, _GARBLED: GARBLED_ALIAS}
_LABEL_SCORE = {_PREF: 1.0, _ALT: 1.0, _GARBLED: GARBLED_SCORE}
_NOT_WORD = re.compile(r"[\W_]+")


@lru_cache(maxsize=65536)
def name_key(text: str) -> str:
    """How item, body and channel names are compared: cleaned, unnumbered, no punctuation."""
    return _NOT_WORD.sub("", strip_numbering(clean(text)))


_TRAILING_NOTE = re.compile(r"[（(][^（）()]*(?:令|号|修正|修订|通过|施行|公布)[^（）()]*[)）]\s*$")


@lru_cache(maxsize=65536)
def law_key(text: str) -> str:
    """How cited titles are compared: law_match_key (no 中华人民共和国, brackets or
    spaces), after dropping a document number or revision note printed inside 《》."""
    text = _TRAILING_NOTE.sub("", clean(text).strip("《》〈〉<> "))
    return _NOT_WORD.sub("", law_match_key(text))


def score_literal(score: float) -> Decimal:
    """A score as the xsd:decimal the graph states: three decimals at most, stable text."""
    return Decimal(str(round(score, 3)))


# --- similarity ---------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def bigrams(key: str) -> frozenset[str]:
    if len(key) < 2:
        return frozenset({key}) if key else frozenset()
    return frozenset(key[i : i + 2] for i in range(len(key) - 1))


def dice(a: str, b: str) -> float:
    """Plain Dice coefficient of the bigram sets of two keys."""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


@dataclass(frozen=True)
class Entry:
    """One reference entry (standard item, legal resource) as the matcher sees it."""

    iri: URIRef
    label: str  # preferred label, as written
    code: str  # skos:notation, or the law's IRI tail
    broader: URIRef | None = None  # level-1 item of a standard item
    labels: tuple[tuple[str, str, str], ...] = ()  # (key, kind, label as written)


_SIMILARITY_CACHE = 400_000


@dataclass(frozen=True)
class LabelIndex:
    """Reference entries with their label keys and the bigram weights of those labels."""

    entries: tuple[Entry, ...]
    by_key: dict[str, tuple[Entry, str, str]]  # key -> (entry, kind, label as written)
    weights: dict[str, float]
    unseen_weight: float
    weighted: bool = True
    # (key, other) -> similarity: a corpus repeats the same names thousands of times
    _similarities: dict[tuple[str, str], float] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, entries: Iterable[Entry], weighted: bool = True) -> LabelIndex:
        entries = tuple(sorted(entries, key=lambda e: (e.code, str(e.iri))))
        by_key: dict[str, tuple[Entry, str, str]] = {}
        rank = {_PREF: 0, _ALT: 1, _GARBLED: 2}
        for entry in entries:
            for key, kind, label in entry.labels:
                current = by_key.get(key)
                if current is None or rank[kind] < rank[current[1]]:
                    by_key[key] = (entry, kind, label)
        df: Counter[str] = Counter()
        for entry in entries:
            df.update(frozenset().union(*(bigrams(k) for k, _, _ in entry.labels)) if entry.labels else ())
        n = max(len(entries), 1)
        weights = {b: math.log(1 + n / count) for b, count in df.items()}
        return cls(entries, by_key, weights, math.log(1 + 2 * n), weighted)

    def by_code(self, code: str) -> Entry | None:
        return next((e for e in self.entries if e.code == code), None)

    def by_iri(self, iri: URIRef) -> Entry | None:
        return next((e for e in self.entries if e.iri == iri), None)

    def _weight(self, gram: str) -> float:
        return self.weights.get(gram, self.unseen_weight)

    def _mass(self, grams: frozenset[str]) -> float:
        return sum(self._weight(g) for g in grams)

    def similarity(self, key: str, other: str) -> float:
        """IDF-weighted Dice coefficient of the bigram sets of two keys, in [0, 1] (plain
        Dice for an index built unweighted)."""
        if not self.weighted:
            return dice(key, other)
        found = self._similarities.get((key, other))
        if found is None:
            x, y = bigrams(key), bigrams(other)
            total = self._mass(x) + self._mass(y)
            found = 2 * self._mass(x & y) / total if total else 0.0
            if len(self._similarities) >= _SIMILARITY_CACHE:
                self._similarities.clear()  # bounded memory; refills with what recurs
            self._similarities[(key, other)] = found
        return found

    def entry_similarity(self, key: str, entry: Entry) -> tuple[float, str]:
        """The best similarity of ``key`` to any label of ``entry``, with that label."""
        best = (0.0, entry.label)
        for label_key, _kind, label in entry.labels:
            score = self.similarity(key, label_key)
            if score > best[0]:
                best = (score, label)
        return best


# --- the reference ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """What reconciliation needs from the vocabularies, as plain lookups."""

    standard_items: LabelIndex
    level1: dict[str, URIRef]  # label key (pref, alt, garbled) -> level-1 item
    level1_labels: dict[URIRef, str]
    laws: LabelIndex
    places: tuple[tuple[str, str], ...]  # (name, division code) of county-level places
    channel_keywords: tuple[tuple[str, str], ...]  # (keyword, channel-type code), longest first

    def level1_of(self, heading: str) -> URIRef | None:
        """The level-1 item a heading names: by a label, or as the cut-off beginning of
        exactly one label (four characters at least)."""
        key = name_key(heading)
        if key in self.level1:
            return self.level1[key]
        if len(key) >= 4:
            found = {iri for label, iri in self.level1.items() if label.startswith(key)}
            if len(found) == 1:
                return found.pop()
        return None

    def channel_type(self, name: str) -> str:
        best = ""
        best_len = 0
        for keyword, code in self.channel_keywords:
            if keyword in name and len(keyword) > best_len:
                best, best_len = code, len(keyword)
        return best or "other"

    def places_named(self, name: str) -> frozenset[str]:
        return frozenset(code for place, code in self.places if place in name)


def _zh_labels(graph: Graph, subject: URIRef, predicate: URIRef) -> list[str]:
    return sorted(str(o) for o in graph.objects(subject, predicate) if isinstance(o, Literal) and o.language in (None, "zh"))


def _entry_labels(graph: Graph, subject: URIRef, pref: URIRef, key) -> tuple[tuple[str, str, str], ...]:
    garbled = set(_zh_labels(graph, subject, GK.garbledLabel))
    labels: list[tuple[str, str, str]] = [(key(t), _PREF, t) for t in _zh_labels(graph, subject, pref)]
    for text in _zh_labels(graph, subject, SKOS.altLabel):
        labels.append((key(text), _GARBLED if text in garbled else _ALT, text))
    for text in sorted(garbled - set(_zh_labels(graph, subject, SKOS.altLabel))):
        labels.append((key(text), _GARBLED, text))
    return tuple(label for label in labels if label[0])


def build_reference(vocabulary: Vocabulary) -> Reference:
    """The reference lookups of a loaded vocabulary (ontology/vocab/*.ttl)."""
    graph = vocabulary.graph
    items = []
    for concept in sorted(graph.subjects(RDF.type, GK.StandardItem)):
        labels = _entry_labels(graph, concept, SKOS.prefLabel, name_key)
        pref = _zh_labels(graph, concept, SKOS.prefLabel)
        notation = graph.value(concept, SKOS.notation)
        broader = graph.value(concept, SKOS.broader)
        items.append(Entry(concept, pref[0] if pref else str(concept), str(notation or concept),
                           broader if isinstance(broader, URIRef) else None, labels))
    level1: dict[str, URIRef] = {}
    level1_labels: dict[URIRef, str] = {}
    for category in sorted(graph.subjects(RDF.type, GK.Category)):
        if str(graph.value(category, GK.level)) != "1":
            continue
        pref = _zh_labels(graph, category, SKOS.prefLabel)
        level1_labels[category] = pref[0] if pref else str(category)
        for key, _kind, _label in _entry_labels(graph, category, SKOS.prefLabel, name_key):
            level1.setdefault(key, category)
    laws = []
    for law in sorted(graph.subjects(RDF.type, ELI.LegalResource)):
        if (law, GK.unlisted, Literal(True)) in graph:
            continue
        titles = _zh_labels(graph, law, DCTERMS.title)
        laws.append(Entry(law, titles[0] if titles else str(law), str(law).rsplit("/", 1)[-1], None,
                          _entry_labels(graph, law, DCTERMS.title, law_key)))
    places = tuple(sorted((name, code) for name, (code, _iri) in vocabulary.places.items() if not code.endswith("00")))
    keywords = tuple(
        (keyword, str(graph.value(concept, SKOS.notation) or concept)) for keyword, concept in vocabulary.channel_keywords
    )
    return Reference(LabelIndex.build(items), level1, level1_labels, LabelIndex.build(laws, weighted=False), places,
                     keywords)


# --- curated decisions ---------------------------------------------------------------------


@dataclass(frozen=True)
class CuratedRow:
    target: str  # standard-item notation, law key, or canonical name
    note: str
    file: str
    line: int


@dataclass(frozen=True)
class Curated:
    """The curated decisions of data/mappings/: they always win over automatic methods."""

    items: dict[tuple[str, str], CuratedRow] = field(default_factory=dict)  # (place, name key)
    laws: dict[str, CuratedRow] = field(default_factory=dict)  # law key of the cited title
    entities: dict[tuple[str, str, str], CuratedRow] = field(default_factory=dict)  # (place, kind, key)
    layout: dict[str, dict[int, LayoutCorrection]] = field(default_factory=dict)  # file name -> line ->

    def layout_of(self, file_name: str) -> dict[int, LayoutCorrection]:
        """The layout corrections of one source file, by line (read by the parser)."""
        return self.layout.get(file_name, {})


CURATED_FILES = {
    "standard-items.csv": ("place_code", "item_name", "standard_notation", "note"),
    "legal-resources.csv": ("cited_title", "law_key", "note"),
    "entities.csv": ("place_code", "kind", "name", "canonical_name", "note"),
    "layout.csv": ("file", "line", "level2_item", "note"),
}


def _read_rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise GongkaiError(f"curated mapping lacks column(s) {', '.join(missing)}", str(path), 1)
        rows = []
        for row in reader:
            values = {c: (row.get(c) or "").strip() for c in columns}
            if any(values.values()):
                rows.append((reader.line_num, values))
        return rows


def load_curated(directory: Path | None = None) -> Curated:
    """Read data/mappings/{standard-items,legal-resources,entities,layout}.csv (the I/O edge)."""
    directory = resource_dir("mappings") if directory is None else directory
    items: dict[tuple[str, str], CuratedRow] = {}
    laws: dict[str, CuratedRow] = {}
    entities: dict[tuple[str, str, str], CuratedRow] = {}
    layout: dict[str, dict[int, LayoutCorrection]] = {}
    for file_name, columns in CURATED_FILES.items():
        path = directory / file_name
        for line, row in _read_rows(path, columns):
            where = (str(path), line)
            if not row["note"]:
                raise GongkaiError("a curated row must say why (column note is empty)", *where)
            if file_name == "standard-items.csv":
                if not (row["place_code"] and row["item_name"] and row["standard_notation"]):
                    raise GongkaiError("place_code, item_name and standard_notation are required", *where)
                items[(row["place_code"], name_key(row["item_name"]))] = CuratedRow(
                    row["standard_notation"], row["note"], *where)
            elif file_name == "legal-resources.csv":
                if not (row["cited_title"] and row["law_key"]):
                    raise GongkaiError("cited_title and law_key are required", *where)
                laws[law_key(row["cited_title"])] = CuratedRow(row["law_key"], row["note"], *where)
            elif file_name == "layout.csv":
                if not (row["file"] and row["line"].isdigit() and int(row["line"]) > 0 and row["level2_item"]):
                    raise GongkaiError("file, line (a line number) and level2_item are required", *where)
                layout.setdefault(row["file"], {})[int(row["line"])] = LayoutCorrection(
                    row["file"], int(row["line"]), row["level2_item"], row["note"], *where)
            else:
                if row["kind"] not in (ORGANISATION, CHANNEL):
                    raise GongkaiError(f"kind must be {ORGANISATION} or {CHANNEL}", *where)
                if not (row["place_code"] and row["name"] and row["canonical_name"]):
                    raise GongkaiError("place_code, name and canonical_name are required", *where)
                entities[(row["place_code"], row["kind"], name_key(row["name"]))] = CuratedRow(
                    clean(row["canonical_name"]), row["note"], *where)
    return Curated(items, laws, entities, layout)


@cache
def curated_mappings() -> Curated:
    """The shipped curated decisions, read once."""
    return load_curated()


# --- matches --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    target: URIRef
    label: str
    score: float


@dataclass(frozen=True)
class Match:
    """One reconciliation decision for one printed value."""

    kind: str  # standard-item | legal-resource
    text: str  # the value as printed (item name, cited title)
    method: str
    score: float
    target: URIRef | None = None
    target_label: str = ""
    target_code: str = ""
    matched_text: str = ""  # the label or heading through which it matched
    candidates: tuple[Candidate, ...] = ()
    note: str = ""

    @property
    def matched(self) -> bool:
        return self.target is not None and self.method != UNMATCHED


@dataclass(frozen=True)
class Canonical:
    """A body's or channel's canonical entity within its catalog's place."""

    kind: str  # organisation | channel
    name: str
    canonical: str
    method: str
    score: float
    uses: int = 0  # how many items of the catalog name it
    note: str = ""


@dataclass(frozen=True)
class ItemReconciliation:
    line: int
    name: str
    standard: Match
    citations: tuple[Match, ...]


@dataclass(frozen=True)
class CatalogReconciliation:
    file: str
    place_code: str
    place_name: str
    items: tuple[ItemReconciliation, ...]  # in the order of the catalog's entries
    entities: tuple[Canonical, ...]

    def canonical(self, kind: str, name: str) -> Canonical | None:
        return next((c for c in self.entities if c.kind == kind and c.name == name), None)


def _candidates(index: LabelIndex, ranked: list[tuple[float, Entry]]) -> tuple[Candidate, ...]:
    return tuple(Candidate(e.iri, e.label, round(s, 3)) for s, e in ranked[:TOP] if s > 0)


def _ranked(index: LabelIndex, key: str, bonus: dict[URIRef, float] | None = None) -> list[tuple[float, Entry]]:
    scored = []
    for entry in index.entries:
        score, _label = index.entry_similarity(key, entry)
        score = min(score + (bonus or {}).get(entry.broader or entry.iri, 0.0), 1.0)
        # rounded: the weighted sums add floats in set order, which varies between
        # processes; unrounded, ties broke differently from run to run
        scored.append((round(score, 9), entry))
    return sorted(scored, key=lambda pair: (-pair[0], pair[1].code))


def _by_label(kind: str, text: str, key: str, index: LabelIndex) -> Match | None:
    found = index.by_key.get(key)
    if found is None:
        return None
    entry, label_kind, label = found
    return Match(kind, text, _LABEL_METHOD[label_kind], _LABEL_SCORE[label_kind], entry.iri, entry.label,
                 entry.code, label)


def _curated_target(kind: str, text: str, row: CuratedRow, index: LabelIndex) -> Match:
    entry = index.by_code(row.target)
    if entry is None:
        what = "standard item" if kind == STANDARD_ITEM else "legal resource"
        raise GongkaiError(f"curated row names an unknown {what} {row.target!r}", row.file, row.line)
    return Match(kind, text, CURATED, 1.0, entry.iri, entry.label, entry.code, entry.label, note=row.note)


def _heading(entry: CatalogEntry, reference: Reference) -> Match | None:
    """The standard item named by the item's nearest heading (level 2 first)."""
    for depth in range(len(entry.categories) - 1, -1, -1):
        heading = entry.categories[depth]
        if depth == 0 and reference.level1_of(heading) is not None:
            return None  # a level-1 item, not a standard item
        found = _by_label(STANDARD_ITEM, heading, name_key(heading), reference.standard_items)
        if found is not None:
            return found
    return None


def _contained(key: str, index: LabelIndex) -> tuple[Entry, str] | None:
    """The standard item whose (longest) name, of CONTAINED_MIN characters at least, the
    key contains: a standard item qualified by a group of insured people."""
    best: tuple[int, Entry, str] | None = None
    for label_key, (entry, kind, label) in index.by_key.items():
        if kind == _GARBLED or len(label_key) < CONTAINED_MIN or label_key == key or label_key not in key:
            continue
        if best is None or len(label_key) > best[0] or (len(label_key) == best[0] and entry.code < best[1].code):
            best = (len(label_key), entry, label)
    return (best[1], best[2]) if best else None


def match_item(entry: CatalogEntry, place_code: str, reference: Reference, curated: Curated) -> Match:
    """The standard item of one catalog item."""
    index = reference.standard_items
    key = name_key(entry.name)
    row = curated.items.get((place_code, key))
    if row is not None:
        return _curated_target(STANDARD_ITEM, entry.name, row, index)
    found = _by_label(STANDARD_ITEM, entry.name, key, index)
    if found is not None:
        return found
    level1 = reference.level1_of(entry.categories[0]) if entry.categories else None
    bonus = {level1: CATEGORY_BONUS} if level1 is not None else {}
    contained = _contained(key, index)
    if contained is not None:
        target, label = contained
        score = index.entry_similarity(key, target)[0] + bonus.get(target.broader, 0.0)
        return Match(STANDARD_ITEM, entry.name, FUZZY, min(score, 0.99), target.iri, target.label, target.code, label)
    heading = _heading(entry, reference)
    if heading is not None:
        return Match(STANDARD_ITEM, entry.name, HEADING, heading.score * HEADING_FACTOR, heading.target,
                     heading.target_label, heading.target_code, heading.text)
    ranked = _ranked(index, key, bonus)
    best_score, best = ranked[0] if ranked else (0.0, None)
    if best is not None and best_score >= ITEM_THRESHOLD:
        _raw, label = index.entry_similarity(key, best)
        return Match(STANDARD_ITEM, entry.name, FUZZY, min(best_score, 0.99), best.iri, best.label, best.code, label,
                     candidates=_candidates(index, ranked[1:]))
    return Match(STANDARD_ITEM, entry.name, UNMATCHED, 0.0, candidates=_candidates(index, ranked))


def match_citation(title: str, reference: Reference, curated: Curated) -> Match:
    """The legal resource of one cited title (the text inside 《》)."""
    index = reference.laws
    key = law_key(title)
    row = curated.laws.get(key)
    if row is not None:
        return _curated_target(LEGAL_RESOURCE, title, row, index)
    found = _by_label(LEGAL_RESOURCE, title, key, index)
    if found is not None:
        return found
    ranked = _ranked(index, key)
    best_score, best = ranked[0] if ranked else (0.0, None)
    if best is not None and best_score >= LAW_THRESHOLD:
        _raw, label = index.entry_similarity(key, best)
        return Match(LEGAL_RESOURCE, title, FUZZY, min(best_score, 0.99), best.iri, best.label, best.code, label,
                     candidates=_candidates(index, ranked[1:]))
    return Match(LEGAL_RESOURCE, title, UNMATCHED, 0.0, candidates=_candidates(index, ranked))


# --- bodies and channels ----------------------------------------------------------------------


def _cut_form_of(name: str, canonicals: Sequence[str], own: frozenset[str], reference: Reference) -> str | None:
    """The one canonical name ``name`` is the head or tail of (cut by the page layout)."""
    if len(name) < 2:
        return None
    whole = [c for c in canonicals if c != name and (c.endswith(name) or c.startswith(name))]
    if len(whole) > 1:
        # several completions: keep those naming only the catalog's own place (or none)
        whole = [c for c in whole if reference.places_named(c) <= own]
    return whole[0] if len(whole) == 1 else None


def canonicalise(
    kind: str, uses: Counter[str], place_code: str, reference: Reference, curated: Curated
) -> tuple[Canonical, ...]:
    """The canonical entity of each name of one kind (organisation, channel) in one catalog."""
    own = frozenset({place_code})
    order = sorted(uses, key=lambda n: (-uses[n], -len(n), n))
    canonicals: list[str] = []
    decided: dict[str, Canonical] = {}
    for name in order:
        row = curated.entities.get((place_code, kind, name_key(name)))
        if row is not None:
            decided[name] = Canonical(kind, name, row.target, CURATED, 1.0, uses[name], row.note)
            continue
        whole = _cut_form_of(name, canonicals, own, reference)
        if whole is not None:
            score = 0.5 + 0.5 * len(name) / len(whole)
            decided[name] = Canonical(kind, name, whole, FUZZY, score, uses[name], f"cut form of {whole}")
            continue
        places = reference.places_named(name)
        best: tuple[float, str] | None = None
        for other in canonicals:
            if reference.places_named(other) != places:
                continue
            if kind == CHANNEL and reference.channel_type(other) != reference.channel_type(name):
                continue
            score = dice(name_key(name), name_key(other))
            if score >= ENTITY_THRESHOLD and (best is None or score > best[0]):
                best = (score, other)
        if best is not None:
            decided[name] = Canonical(kind, name, best[1], FUZZY, min(best[0], 0.99), uses[name])
            continue
        canonicals.append(name)
        decided[name] = Canonical(kind, name, name, EXACT, 1.0, uses[name])
    return tuple(decided[name] for name in sorted(decided))


def publisher_name(parsed: ParsedCatalog) -> str:
    source = parsed.source
    return source.publisher or f"{source.place_name}人民政府"


def reconcile_catalog(parsed: ParsedCatalog, reference: Reference, curated: Curated) -> CatalogReconciliation:
    """Every item, citation, body and channel of one parsed catalog, reconciled."""
    code = parsed.source.place_code
    items = tuple(
        ItemReconciliation(
            entry.source_line,
            entry.name,
            match_item(entry, code, reference, curated),
            tuple(match_citation(c.title, reference, curated) for c in entry.legal_bases),
        )
        for entry in parsed.entries
    )
    bodies: Counter[str] = Counter(e.responsible_body for e in parsed.entries if e.responsible_body)
    bodies[publisher_name(parsed)] += 0
    channels: Counter[str] = Counter(name for e in parsed.entries for name in e.channels)
    entities = canonicalise(ORGANISATION, bodies, code, reference, curated) + canonicalise(
        CHANNEL, channels, code, reference, curated)
    return CatalogReconciliation(parsed.source.file_name, code, parsed.source.place_name, items, entities)


def reconcile(catalogs: Iterable[ParsedCatalog], reference: Reference, curated: Curated) -> list[CatalogReconciliation]:
    return [reconcile_catalog(parsed, reference, curated) for parsed in catalogs]


# --- the report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    place_code: str
    place_name: str
    file: str
    line: int | None  # None for bodies and channels (one row per distinct name)
    kind: str
    text: str
    method: str
    score: float
    target: str  # IRI of the standard item or law; canonical name of a body or channel
    target_label: str
    target_code: str
    matched_text: str
    candidates: tuple[Candidate, ...]
    note: str
    uses: int = 1

    def as_dict(self) -> dict:
        return {
            "place_code": self.place_code, "place_name": self.place_name, "file": self.file, "line": self.line,
            "kind": self.kind, "text": self.text, "method": self.method, "score": float(score_literal(self.score)),
            "target": self.target, "target_label": self.target_label, "target_code": self.target_code,
            "matched_text": self.matched_text,
            "candidates": [{"target": str(c.target), "label": c.label, "score": c.score} for c in self.candidates],
            "note": self.note, "uses": self.uses,
        }


CSV_COLUMNS = ("place_code", "place_name", "file", "line", "kind", "text", "method", "score", "target",
               "target_label", "target_code", "matched_text", "candidates", "note", "uses")


@dataclass(frozen=True)
class ReconciliationReport:
    """What matched how (counts per kind and method), what did not, and the candidates."""

    rows: tuple[ReportRow, ...]

    def counts(self) -> dict[str, dict[str, int]]:
        counts = {kind: dict.fromkeys(METHODS, 0) for kind in KINDS}
        for row in self.rows:
            counts[row.kind][row.method] += row.uses if row.kind in (ORGANISATION, CHANNEL) else 1
        return counts

    def unmatched(self) -> list[ReportRow]:
        return [r for r in self.rows if r.method == UNMATCHED]

    def to_json(self) -> str:
        document = {
            "thresholds": {"item": ITEM_THRESHOLD, "law": LAW_THRESHOLD, "entity": ENTITY_THRESHOLD,
                           "category_bonus": CATEGORY_BONUS, "heading_factor": HEADING_FACTOR,
                           "garbled_alias_score": GARBLED_SCORE, "contained_min_chars": CONTAINED_MIN},
            "counts": self.counts(),
            "unmatched": len(self.unmatched()),
            "rows": [r.as_dict() for r in self.rows],
        }
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"

    def to_csv(self, bom: bool = True) -> str:
        """Every decision as CSV; with ``bom`` a UTF-8 BOM first (write it as UTF-8) so
        that Excel on Chinese Windows reads it."""
        out = StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for r in self.rows:
            writer.writerow([
                r.place_code, r.place_name, r.file, "" if r.line is None else r.line, r.kind, r.text, r.method,
                str(score_literal(r.score)), r.target, r.target_label, r.target_code, r.matched_text,
                "; ".join(f"{c.label} ({c.score:.3f})" for c in r.candidates), r.note, r.uses,
            ])
        return ("\ufeff" if bom else "") + out.getvalue()

    def to_text(self) -> str:
        counts = self.counts()
        lines = ["Reconciliation report", ""]
        width = max(len(m) for m in METHODS)
        header = f"{'':16}" + "".join(f"{m:>{width + 2}}" for m in METHODS)
        lines.append(header)
        for kind in KINDS:
            lines.append(f"{kind:16}" + "".join(f"{counts[kind][m]:>{width + 2}}" for m in METHODS))
        lines.append("(bodies and channels: counted per item that names them)")
        lines.append("")
        lines += self._section("Unmatched (with the best candidates)", [r for r in self.rows if r.method == UNMATCHED])
        lines += self._section("Fuzzy matches (check them)", [r for r in self.rows if r.method == FUZZY])
        lines += self._section("Garbled aliases (matched, but the source is damaged)",
                               [r for r in self.rows if r.method == GARBLED_ALIAS])
        lines += self._section("Curated", [r for r in self.rows if r.method == CURATED])
        return "\n".join(lines).rstrip() + "\n"

    @staticmethod
    def _section(title: str, rows: list[ReportRow]) -> list[str]:
        if not rows:
            return [f"{title}: none", ""]
        grouped: dict[tuple, list[ReportRow]] = defaultdict(list)
        for r in rows:
            grouped[(r.place_code, r.kind, r.text, r.method, r.target, r.note)].append(r)
        out = [f"{title}: {len(rows)}"]
        for (place, kind, text, method, _target, note), group in grouped.items():
            first = group[0]
            where = ", ".join(f"line {r.line}" for r in group if r.line is not None)
            where = f" [{first.file} {where}]" if where else f" [{first.file}]"
            target = f" -> {first.target_label or first.target} ({first.target_code})" if first.target else ""
            if kind in (ORGANISATION, CHANNEL):
                target = f" -> {first.target}"
            out.append(f"  {place} {kind}: {text}{target} {method} {first.score:.3f}{where}")
            if first.matched_text and first.matched_text not in (text, first.target_label):
                out.append(f"      via {first.matched_text}")
            if first.candidates:
                out.append("      candidates: " + "; ".join(f"{c.label} ({c.score:.3f})" for c in first.candidates))
            if note:
                out.append(f"      note: {note}")
        out.append("")
        return out


def report_rows(reconciliations: Iterable[CatalogReconciliation]) -> tuple[ReportRow, ...]:
    rows: list[ReportRow] = []
    for rec in reconciliations:
        base = (rec.place_code, rec.place_name, rec.file)
        for item in rec.items:
            for match in (item.standard, *item.citations):
                rows.append(ReportRow(*base, item.line, match.kind, match.text, match.method, match.score,
                                      str(match.target or ""), match.target_label, match.target_code,
                                      match.matched_text, match.candidates, match.note))
        for entity in rec.entities:
            rows.append(ReportRow(*base, None, entity.kind, entity.name, entity.method, entity.score, entity.canonical,
                                  entity.canonical, "", "", (), entity.note, entity.uses))
    return tuple(rows)


def reconciliation_report(build: Build) -> ReconciliationReport:
    """The reconciliation report of a build (from ``pipeline.build_graphs``)."""
    reconciliations = build.reconciliations
    if not reconciliations and build.catalogs:
        reconciliations = reconcile(build.catalogs, build_reference(build.vocabulary), curated_mappings())
    return ReconciliationReport(report_rows(reconciliations))
