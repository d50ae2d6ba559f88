"""A fast SHACL engine for the Gongkai shapes that gives exactly pySHACL's results.

Why: pySHACL interprets the shapes graph anew for every focus node and shape, which
costs about 2.3 s per catalog; at national scale (thousands of catalogs) validation
must cost a few hundredths of a second. Here the shapes graph is compiled once into
plain Python objects (``compile_shapes``), and each catalog is checked over dict
indexes of its own triples beside the shared vocabulary index (``ValidationContext``).
SPARQL-based constraints run in pyoxigraph over a small in-memory store of just the
triples their query can read.

Exactly: pySHACL (validated one catalog at a time, inference off, Infos and Warnings
allowed, as ``gongkai.validate`` runs it) stays the reference, and this engine copies
its behaviour where it goes beyond the SHACL text too: value checks use rdflib's own
term values (ill-typed literals, pySHACL's datatype special cases and literal
comparison), sh:node fails when the nested shape gives any result at all, sh:not
follows pySHACL's notion of conformance (a nested shape whose own severity is Info or
Warning counts as conforming), SPARQL messages lose their language tag and have
{?var} placeholders filled in the way pySHACL does it, and sh:flags honours only "i"
and "m". Only the constructs our shapes use are supported; anything else raises
``UnsupportedShapes`` when the shapes are compiled, never a silently skipped
constraint.

Known difference, outside our shapes: Oxigraph keeps numeric literals in canonical form
("1.50"^^xsd:decimal is 1.5) and language tags in lower case, where rdflib keeps them
as written; a SPARQL constraint that returned such a literal, printed it or tested
its language tag could differ from pySHACL. Our query returns IRIs and prints labels.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal as Choice

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.paths import AlternativePath, InvPath, MulPath, SequencePath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node, Variable

from gongkai.errors import GongkaiError
from gongkai.namespaces import SH
from gongkai.validate import (
    ValidationResult,
    _message_templates,
    _messages,
    _path_text,
    _severity_name,
)

# Severities pySHACL treats as "allowed" (validate.py runs it with allow_infos and
# allow_warnings): a shape of such a severity counts as conforming even when it fails.
_ALLOWED = frozenset({SH.Info, SH.Warning})

# A result before it knows its catalog graph:
# (severity, focus node, result path, value, source shape, component, message_en, message_zh)
Raw = tuple
_EMPTY: tuple = ()

# Terms used on hot paths, looked up once (rdflib builds a new URIRef per attribute access).
_TYPE, _SUBCLASS_OF = RDF.type, RDFS.subClassOf
_STRING, _LANG_STRING, _INTEGER = XSD.string, RDF.langString, XSD.integer
_RDFS_LITERAL, _RDFS_DATATYPE = RDFS.Literal, RDFS.Datatype
_PYTHON_TYPES = {
    XSD.integer: int,
    XSD.float: float,
    XSD.decimal: Decimal,
    XSD.boolean: bool,
    XSD.date: datetime.date,
    XSD.time: datetime.time,
    XSD.dateTime: datetime.datetime,
}


def _intern(term: Node, canonical: dict[str, URIRef]) -> Node:
    """One URIRef object per IRI, so that dict and list lookups find terms by identity
    instead of calling rdflib's (Python-level) __eq__."""
    if type(term) is not URIRef:
        return term
    key = str(term)
    known = canonical.get(key)
    if known is None:
        canonical[key] = term
        return term
    return known


class UnsupportedShapes(GongkaiError):
    """The shapes use a SHACL construct the fast engine does not implement (use the
    pySHACL engine for them), or are malformed in a way pySHACL would also refuse."""


# --------------------------------------------------------------------------- program


@dataclass(frozen=True)
class _Path:
    """sh:path: a property IRI, or sh:inversePath of one. ``result_path`` is what a
    result says, as gongkai.validate reads pySHACL's report (complex paths as text)."""

    predicate: URIRef
    inverse: bool
    result_path: Node


@dataclass(eq=False)
class Shape:
    """One compiled node or property shape."""

    node: Node
    path: _Path | None
    severity: Node
    deactivated: bool
    messages: tuple[str, str]
    message_terms: tuple[Node, ...]
    targets: tuple[Node, ...]
    constraints: list = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return self.severity in _ALLOWED

    def raw(self, focus: Node, value: Node | None, component: URIRef) -> Raw:
        path = self.path.result_path if self.path else None
        return (self.severity, focus, path, value, self.node, component, *self.messages)


@dataclass
class Program:
    """The compiled shapes: those with targets are validated, the rest are reached
    through sh:property, sh:node and sh:not."""

    shapes: dict[Node, Shape]
    top: list[Shape]
    sparql: list[SparqlConstraint]

    def sparql_predicates(self) -> frozenset | None:
        """The predicates SPARQL constraints can read (None: any triple)."""
        found: set = set()
        for constraint in self.sparql:
            if constraint.predicates is None:
                return None
            found |= constraint.predicates
        return frozenset(found)


# --------------------------------------------------------------------------- constraints


class _ValueTest:
    """A constraint that judges each value node on its own."""

    component: URIRef

    def ok(self, value: Node, data: _Catalog) -> bool:
        raise NotImplementedError

    def evaluate(self, data: _Catalog, shape: Shape, pairs: list) -> tuple[bool, list[Raw]]:
        ok, component = self.ok, self.component
        bad = [shape.raw(f, v, component) for f, values in pairs for v in values if not ok(v, data)]
        return not bad, bad


@dataclass
class _Count:
    minimum: int | None
    maximum: int | None

    def __post_init__(self) -> None:
        self.component = SH.MinCountConstraintComponent if self.minimum is not None else SH.MaxCountConstraintComponent

    def evaluate(self, data: _Catalog, shape: Shape, pairs: list) -> tuple[bool, list[Raw]]:
        if self.minimum is not None:
            if self.minimum == 0:
                return True, []
            bad = [shape.raw(f, None, self.component) for f, values in pairs if len(values) < self.minimum]
        else:
            bad = [shape.raw(f, None, self.component) for f, values in pairs if len(values) > self.maximum]
        return not bad, bad


@dataclass
class _Class(_ValueTest):
    cls: Node
    component = SH.ClassConstraintComponent

    def ok(self, value: Node, data: _Catalog) -> bool:
        return not isinstance(value, Literal) and data.is_instance(value, self.cls)


@dataclass
class _Datatype(_ValueTest):
    """pySHACL's datatype test: the literal's datatype IRI, not ill-typed, and parsed by
    rdflib to the Python type of the datatype (for the datatypes pySHACL knows);
    plus its special cases for rdfs:Literal, rdfs:Datatype, plain and tagged strings."""

    datatype: URIRef
    component = SH.DatatypeConstraintComponent

    def __post_init__(self) -> None:
        rule = self.datatype
        self.expected = (str, bytes) if rule in (_STRING, _LANG_STRING) else _PYTHON_TYPES.get(rule)
        self.any_literal, self.any_typed = rule == _RDFS_LITERAL, rule == _RDFS_DATATYPE
        self.plain, self.tagged = rule == _STRING, rule == _LANG_STRING

    def well_typed(self, value: Literal) -> bool:
        return self.expected is None or isinstance(value.value, self.expected)

    def ok(self, value: Node, data: _Catalog) -> bool:
        if not isinstance(value, Literal):
            return False
        datatype = value.datatype
        # Both are URIRefs: comparing them as strings is rdflib's equality, minus its cost.
        if datatype is not None and str.__eq__(datatype, self.datatype):
            return getattr(value, "ill_typed", None) is not True and self.well_typed(value)
        if self.any_literal or (self.any_typed and datatype):
            return True
        if self.plain and datatype is None and value.language is None:
            return self.well_typed(value)
        if self.tagged and value.language:
            return self.well_typed(value)
        return False


def _compare(a: Literal, b: Literal) -> int:
    """pySHACL's literal comparison (rdflib value semantics; TypeError if incomparable)."""
    if a.eq(b):
        return 0
    if a.value.__class__ in (datetime.datetime, datetime.time):
        if a.value == b.value:
            return 0
        if a.value > b.value:
            return 1
    elif a > b:
        return 1
    return -1


@dataclass
class _Bound(_ValueTest):
    """sh:minInclusive (``sign`` 1) or sh:maxInclusive (``sign`` -1).

    rdflib's literal comparison is slow and the same values recur (scores, ranks), so
    outcomes are remembered per value term; equal terms compare alike."""

    bound: Literal
    sign: int
    known: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.component = SH.MinInclusiveConstraintComponent if self.sign > 0 else SH.MaxInclusiveConstraintComponent

    def ok(self, value: Node, data: _Catalog) -> bool:
        known = self.known.get(value)
        if known is None:
            if len(self.known) > 100_000:
                self.known.clear()
            known = self.known[value] = self.judge(value)
        return known

    def judge(self, value: Node) -> bool:
        if not isinstance(value, Literal):
            return False
        if isinstance(value.value, str) != isinstance(self.bound.value, str):
            return False
        try:
            return _compare(value, self.bound) * self.sign >= 0
        except (TypeError, NotImplementedError):
            return False


@dataclass
class _In(_ValueTest):
    members: frozenset
    component = SH.InConstraintComponent

    def ok(self, value: Node, data: _Catalog) -> bool:
        return value in self.members


def _string_of(value: Node) -> str:
    """The string pySHACL measures and matches (its value_node_to_string)."""
    if isinstance(value, Literal) and value.value is not None and value.datatype in (None, _LANG_STRING, _STRING):
        return str(value.value)
    return str(value)


@dataclass
class _MinLength(_ValueTest):
    length: int
    component = SH.MinLengthConstraintComponent

    def ok(self, value: Node, data: _Catalog) -> bool:
        if self.length == 0:
            return True
        return not isinstance(value, BNode) and len(_string_of(value)) >= self.length


@dataclass
class _Pattern(_ValueTest):
    regex: re.Pattern
    component = SH.PatternConstraintComponent

    def ok(self, value: Node, data: _Catalog) -> bool:
        return not isinstance(value, BNode) and self.regex.search(_string_of(value)) is not None


@dataclass
class _NodeRef:
    """sh:node: a result for each value node on which the other shape gives any result
    (or does not conform)."""

    shape: Shape
    component = SH.NodeConstraintComponent

    def evaluate(self, data: _Catalog, shape: Shape, pairs: list) -> tuple[bool, list[Raw]]:
        bad = []
        for f, values in pairs:
            for v in values:
                conforms, results = data.run_one(self.shape, v)
                if not conforms or results:
                    bad.append(shape.raw(f, v, self.component))
        return not bad, bad


@dataclass
class _NotRef:
    """sh:not: a result for each value node that conforms to the other shape."""

    shape: Shape
    component = SH.NotConstraintComponent

    def evaluate(self, data: _Catalog, shape: Shape, pairs: list) -> tuple[bool, list[Raw]]:
        bad = [shape.raw(f, v, self.component) for f, values in pairs for v in values if data.run_one(self.shape, v)[0]]
        return not bad, bad


@dataclass
class _PropertyRef:
    """sh:property: the property shape's own results, validated on each value node."""

    shape: Shape
    component = SH.PropertyConstraintComponent

    def evaluate(self, data: _Catalog, shape: Shape, pairs: list) -> tuple[bool, list[Raw]]:
        focus = [v for _f, values in pairs for v in values]
        if not focus:
            return True, []
        if len(focus) == 1:
            return data.run_one(self.shape, focus[0])
        # Several focus nodes only at the top level, where conformance is not used.
        return data.run(self.shape, focus)


# --------------------------------------------------------------------------- SPARQL

# pySHACL's test for a query that mentions $this (it then pre-binds it).
_MENTIONS_THIS = re.compile(r"([\s{}()])[\$\?]this", flags=re.M)
# What pySHACL refuses in a SPARQL constraint (its check_invalid_sparql).
_FORBIDDEN = (
    (re.compile(r"^(?:[^#]*|M)(?!#)#?[^\?\$\#]M?INUS[\s\{]", flags=re.M | re.I), "a MINUS clause"),
    (
        re.compile(r"^(?!\s*#).*?(?<![\w\-\:])VALUES\b(?:\s*(?:\(|[\?\$]\w+|\{|\w|\s))", flags=re.M | re.I),
        "a VALUES clause",
    ),
    (re.compile(r"^(?:[^#]*|S)(?!#)#?[^\?\$\#]S?ERVICE[\s\<]", flags=re.M | re.I), "a federated query (SERVICE)"),
)
_PREBOUND_AS = re.compile(r"[^\w]+AS[\s]+[\$\?](\w+)", flags=re.M | re.I)
_IRI_REF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_SAFE_IRI = re.compile(r'[^<>"{}|^`\\\x00-\x20]*')
# Parts of a query that make one query over all focus nodes differ from one per node.
_NOT_BATCHABLE = {"ToMultiSet", "SubSelect", "Group", "AggregateJoin", "Slice"}


@dataclass
class SparqlConstraint:
    """One sh:sparql constraint of a node shape.

    pySHACL runs the query once per focus node with $this pre-bound. Here it runs once
    per catalog: in ``batch`` mode with ``VALUES ?this { ... }`` as the first element of
    the WHERE group (the same solutions as pre-binding when the query has no
    sub-select, grouping or LIMIT and projects ?this); in ``each`` mode once per focus
    node with $this substituted; in ``once`` mode (no $this in the query) once, its
    solutions holding for every focus node.
    """

    node: Node
    text: str
    values_at: int | None
    mode: Choice["batch", "each", "once"]
    predicates: frozenset | None
    shape_messages: tuple[Node, ...]
    messages: tuple[Node, ...]
    templates: tuple[Literal, ...]
    component = SH.SPARQLConstraintComponent

    def evaluate(self, data: _Catalog, shape: Shape, pairs: list) -> tuple[bool, list[Raw]]:
        focus = [f for f, _values in pairs]
        if not focus:
            return True, []
        bad = []
        for f, rows in data.sparql_rows(self, focus):
            bad.extend(self._results(shape, f, rows))
        return not bad, bad

    def _results(self, shape: Shape, focus: Node, rows: Iterable[list]) -> list[Raw]:
        """pySHACL's results for one focus node's solutions (deduplicated as it does)."""
        results, seen, failed = [], set(), False
        for row in rows:
            bound = dict(row)
            if bound.pop("failure", None) is not None:
                if not failed:
                    failed = True
                    results.append(self._raw(shape, focus, focus, None, bound))
                continue
            p, v, t = bound.pop("path", None), bound.pop("value", None), bound.pop("this", None)
            if p is None and v is None and t is None:
                continue
            key = (t, p, v, tuple(bound.items()))
            if key in seen:
                continue
            seen.add(key)
            v = focus if v is None else v
            substitutions = dict(bound)
            for name, term in (("this", t), ("path", p), ("value", v)):
                if term is not None:
                    substitutions[name] = term
            results.append(self._raw(shape, t or focus, v, p, substitutions))
        return results

    def _raw(self, shape: Shape, focus: Node, value: Node, path: Node | None, substitutions: dict) -> Raw:
        if isinstance(path, BNode):
            path = Literal(str(path))
        filled = [
            Literal(_fill(str(m.value), substitutions)) if isinstance(m, Literal) else m
            for m in [m for m in self.messages if m not in self.shape_messages] + list(self.shape_messages)
        ]
        en, zh = _messages(filled, list(self.templates))
        return (shape.severity, focus, path, value, shape.node, self.component, en, zh)


def _fill(message: str, substitutions: dict) -> str:
    """pySHACL's {?var} substitution, replacement strings and all."""
    for name, term in substitutions.items():
        message = re.sub(f"{{[?$]{name}}}", str(term), message)
    return message


def _where_group(text: str) -> int | None:
    """The offset just inside the '{' that opens the query's WHERE group."""
    depth, i, n = 0, 0, len(text)
    while i < n:
        c = text[i]
        if c == "<":
            match = _IRI_REF.match(text, i)
            if match:
                i = match.end()
                continue
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif c in "\"'":
            quote = c * 3 if text.startswith(c * 3, i) else c
            i += len(quote)
            while i < n and not text.startswith(quote, i):
                i += 2 if text[i] == "\\" else 1
            i += len(quote)
            continue
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "{" and depth == 0:
            return i + 1
        i += 1
    return None


def _analyse(algebra: CompValue) -> tuple[frozenset | None, bool]:
    """(the predicates the query can read, or None for any; whether it can be batched)."""
    predicates: set | None = set()
    batchable = True

    def path(p: object) -> None:
        nonlocal predicates
        if isinstance(p, URIRef):
            if predicates is not None:
                predicates.add(p)
        elif isinstance(p, (SequencePath, AlternativePath)):
            for part in p.args:
                path(part)
        elif isinstance(p, InvPath):
            path(p.arg)
        elif isinstance(p, MulPath) and p.mod == "+":
            path(p.path)
        else:  # a variable, a negated set, or a zero-length path can see any triple
            predicates = None

    def walk(node: object) -> None:
        nonlocal batchable
        if isinstance(node, CompValue):
            if node.name in _NOT_BATCHABLE:
                batchable = False
            for key, value in node.items():
                if key == "triples":
                    for triple in value:
                        path(triple[1])
                else:
                    walk(value)
        elif isinstance(node, (list, tuple)):
            for item in node:
                walk(item)

    walk(algebra)
    return (None if predicates is None else frozenset(predicates)), batchable


# --------------------------------------------------------------------------- compiler

_SHAPE_PARAMETERS = {
    SH.targetClass, SH.property, SH.path, SH.minCount, SH.maxCount, SH["class"], SH.datatype,
    SH.minInclusive, SH.maxInclusive, SH["in"], SH.minLength, SH.pattern, SH.flags, SH.node,
    SH["not"], SH.severity, SH.message, SH.deactivated, SH.sparql,
}
# Non-validating shape characteristics, ignored by pySHACL too.
_SHAPE_ANNOTATIONS = {SH.name, SH.description, SH.order, SH.group, SH.defaultValue}
_SPARQL_PARAMETERS = {SH.select, SH.message, SH.prefixes, SH.deactivated}
_DEFAULT_PREFIXES = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL)}


class _Compiler:
    def __init__(self, shapes: Graph, canonical: dict[str, URIRef]) -> None:
        self.g = shapes
        self.canonical = canonical
        self.templates = _message_templates(shapes)
        self.shapes: dict[Node, Shape] = {}
        self.sparql: list[SparqlConstraint] = []

    def fail(self, node: Node | None, message: str) -> UnsupportedShapes:
        where = f"shape {self.name(node)}: " if node is not None else ""
        return UnsupportedShapes(f"{where}{message}")

    def name(self, node: Node) -> str:
        """A shape's IRI, or for a blank node where it hangs: "[ sh:path <p> ] (sh:property of <S>)"."""
        g = self.g
        if isinstance(node, BNode):
            path = g.value(node, SH.path)
            for predicate in (SH.property, SH.node, SH["not"]):
                parent = g.value(predicate=predicate, object=node)
                if parent is not None:
                    what = "[ ]" if path is None else f"[ sh:path {_path_text(g, path)} ]"
                    return f"{what} ({predicate.n3(g.namespace_manager)} of {self.name(parent)})"
        return node.n3()

    def compile(self) -> Program:
        g = self.g
        if any(g.subjects(RDF.type, SH.ConstraintComponent)):
            raise self.fail(None, "custom constraint components (sh:ConstraintComponent) are not supported")
        paths = self.discover()
        for node, path in paths.items():
            self.shapes[node] = self.header(node, path)
        for shape in self.shapes.values():
            shape.constraints = self.constraints(shape)
        self.check_cycles()
        top = [s for s in self.shapes.values() if s.targets]
        self.check_messages(top)
        return Program(self.shapes, sorted(top, key=lambda s: str(s.node)), self.sparql)

    def discover(self) -> dict[Node, Node | None]:
        """The shapes pySHACL finds in the graph, each with its sh:path (None: node shape)."""
        g = self.g
        node_shapes = set(g.subjects(RDF.type, SH.NodeShape))
        property_shapes = set(g.subjects(RDF.type, SH.PropertyShape))
        implied = {s for p in (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf,
                               SH.property, SH.node) for s in g.subjects(p, None)}
        used = {o for p in (SH.property, SH.node, SH["not"], SH.qualifiedValueShape) for o in g.objects(None, p)}
        for p in (SH["and"], SH["or"], SH.xone):
            for head in g.objects(None, p):
                used.update(g.items(head))
        found: dict[Node, Node | None] = {}
        for node in node_shapes | property_shapes | implied | used:
            path_values = list(g.objects(node, SH.path))
            if node in node_shapes and (path_values or node in property_shapes):
                raise self.fail(node, "a sh:NodeShape cannot have sh:path or be a sh:PropertyShape")
            if len(path_values) > 1 or (node in property_shapes and not path_values):
                raise self.fail(node, "a property shape needs exactly one sh:path")
            found[node] = path_values[0] if path_values else None
        return found

    def header(self, node: Node, path_node: Node | None) -> Shape:
        g = self.g
        for predicate in set(g.predicates(node, None)):
            if str(predicate).startswith(str(SH)) and predicate not in _SHAPE_PARAMETERS | _SHAPE_ANNOTATIONS:
                raise self.fail(node, f"{predicate.n3(g.namespace_manager)} is not supported by the fast engine")
        class_types = {RDFS.Class, *g.subjects(RDFS.subClassOf, RDFS.Class)}
        if any(t in class_types for t in g.objects(node, RDF.type)):
            raise self.fail(node, "implicit class targets (a shape that is also a class) are not supported")
        severity = self.one(node, SH.severity, SH.Violation)
        deactivated = self.one(node, SH.deactivated, None)
        if deactivated is not None and not isinstance(deactivated, Literal):
            raise self.fail(node, "sh:deactivated must be a literal")
        message_terms = tuple(g.objects(node, SH.message))
        return Shape(
            node=node,
            path=self.path(node, path_node) if path_node is not None else None,
            severity=severity,
            deactivated=bool(deactivated.value) if deactivated is not None else False,
            messages=_messages(message_terms, self.templates.get(node, [])),
            message_terms=message_terms,
            targets=tuple(self.iri(t) for t in g.objects(node, SH.targetClass)),
        )

    def iri(self, term: Node) -> Node:
        return _intern(term, self.canonical)

    def one(self, node: Node, predicate: URIRef, default: Node | None) -> Node | None:
        values = list(self.g.objects(node, predicate))
        if len(values) > 1:
            raise self.fail(node, f"more than one {predicate.n3(self.g.namespace_manager)}")
        return values[0] if values else default

    def path(self, shape: Node, node: Node) -> _Path:
        g = self.g
        if isinstance(node, URIRef):
            return _Path(self.iri(node), False, node)
        described = list(g.predicate_objects(node))
        if len(described) == 1 and described[0][0] == SH.inversePath and isinstance(described[0][1], URIRef):
            return _Path(self.iri(described[0][1]), True, Literal(_path_text(g, node)))
        raise self.fail(shape, "only IRI paths and sh:inversePath of an IRI are supported")

    def constraints(self, shape: Shape) -> list:
        g, node = self.g, shape.node
        objects = {p: list(g.objects(node, p)) for p in _SHAPE_PARAMETERS}
        out: list = []
        for predicate, minimum in ((SH.minCount, True), (SH.maxCount, False)):
            if objects[predicate]:
                count = self.count(shape, predicate, objects[predicate])
                out.append(_Count(count, None) if minimum else _Count(None, count))
        out += [_Class(self.iri(c)) for c in objects[SH["class"]]]
        if objects[SH.datatype]:
            out.append(_Datatype(self.single(shape, SH.datatype, objects)))
        for predicate, sign in ((SH.minInclusive, 1), (SH.maxInclusive, -1)):
            for bound in objects[predicate]:
                if not isinstance(bound, Literal):
                    raise self.fail(node, f"{predicate.n3(g.namespace_manager)} must be a literal")
                out.append(_Bound(bound, sign))
        if objects[SH["in"]]:
            members = g.items(self.single(shape, SH["in"], objects))
            out.append(_In(frozenset(self.iri(m) for m in members)))
        if objects[SH.minLength]:
            length = self.single(shape, SH.minLength, objects)
            if not isinstance(length, Literal) or not isinstance(length.value, int) or length.value < 0:
                raise self.fail(node, "sh:minLength must be a non-negative integer")
            out.append(_MinLength(length.value))
        out += self.patterns(shape, objects)
        for predicate, kind in ((SH.node, _NodeRef), (SH["not"], _NotRef), (SH.property, _PropertyRef)):
            for other in objects[predicate]:
                target = self.shapes.get(other)
                if target is None:
                    raise self.fail(node, f"{other.n3()} is not a shape")
                if kind is _NodeRef and target.path is not None:
                    raise self.fail(node, f"sh:node {other.n3()} is a property shape")
                if kind is _PropertyRef and (target.path is None or shape.path is not None):
                    raise self.fail(node, "sh:property is supported only from a node shape to a property shape")
                out.append(kind(target))
        for constraint in objects[SH.sparql]:
            if shape.path is not None:
                raise self.fail(node, "sh:sparql is supported on node shapes only")
            compiled = self.sparql_constraint(shape, constraint)
            if compiled is not None:
                out.append(compiled)
        return out

    def count(self, shape: Shape, predicate: URIRef, values: list) -> int:
        if shape.path is None:
            raise self.fail(shape.node, f"{predicate.n3(self.g.namespace_manager)} on a node shape")
        [value] = values if len(values) == 1 else [None]
        if not (isinstance(value, Literal) and value.datatype == _INTEGER and value.value >= 0):
            raise self.fail(shape.node, f"{predicate.n3(self.g.namespace_manager)} must be one non-negative xsd:integer")
        return int(value.value)

    def single(self, shape: Shape, predicate: URIRef, objects: dict) -> Node:
        if len(objects[predicate]) > 1:
            raise self.fail(shape.node, f"more than one {predicate.n3(self.g.namespace_manager)}")
        return objects[predicate][0]

    def patterns(self, shape: Shape, objects: dict) -> list[_Pattern]:
        if objects[SH.flags] and not objects[SH.pattern]:
            raise self.fail(shape.node, "sh:flags without sh:pattern")
        flags = 0
        if objects[SH.flags]:
            text = str(self.single(shape, SH.flags, objects)).lower()
            flags = (re.I if "i" in text else 0) | (re.M if "m" in text else 0)
        out = []
        for pattern in objects[SH.pattern]:
            if not isinstance(pattern, Literal):
                raise self.fail(shape.node, "sh:pattern must be a literal")
            text = str(pattern.value) if pattern.value is not None and len(pattern.value) > 1 else str(pattern)
            out.append(_Pattern(re.compile(text, flags)))
        return out

    def sparql_constraint(self, shape: Shape, node: Node) -> SparqlConstraint | None:
        g = self.g
        for predicate in set(g.predicates(node, None)):
            if str(predicate).startswith(str(SH)) and predicate not in _SPARQL_PARAMETERS:
                raise self.fail(shape.node, f"{predicate.n3(g.namespace_manager)} on a SPARQL constraint")
        selects = list(g.objects(node, SH.select))
        if len(selects) != 1 or not (isinstance(selects[0], Literal) and isinstance(selects[0].value, str)):
            raise self.fail(shape.node, "a SPARQL constraint needs one sh:select string")
        deactivated = self.one(node, SH.deactivated, None)
        if isinstance(deactivated, Literal) and deactivated.value is True:
            return None
        text = selects[0].value
        self.check_query(shape.node, text)
        prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in self.prefixes(shape.node, node).items())
        try:
            algebra = prepareQuery(f"{prefixes}\n{text}").algebra
        except Exception as error:  # pySHACL could not run the query either
            raise self.fail(shape.node, f"the SPARQL query does not parse: {error}") from error
        predicates, batchable = _analyse(algebra)
        values_at = _where_group(text)
        if not _MENTIONS_THIS.search(text):
            mode = "once"
        elif batchable and values_at is not None and Variable("this") in algebra.get("PV", []):
            mode = "batch"
        else:
            mode = "each"
        try:
            ox.Store().query(f"{prefixes}\n{text}")
        except SyntaxError as error:
            raise self.fail(shape.node, f"the SPARQL query does not parse in Oxigraph: {error}") from error
        compiled = SparqlConstraint(
            node=node,
            text=f"{prefixes}\n{text}",
            values_at=None if values_at is None else len(prefixes) + 1 + values_at,
            mode=mode,
            predicates=predicates,
            shape_messages=shape.message_terms,
            messages=tuple(g.objects(node, SH.message)),
            templates=tuple(self.templates.get(node, [])) + tuple(self.templates.get(shape.node, [])),
        )
        self.sparql.append(compiled)
        return compiled

    def check_query(self, shape: Node, text: str) -> None:
        for pattern, what in _FORBIDDEN:
            if pattern.search(text):
                raise self.fail(shape, f"a SPARQL constraint must not contain {what} (pySHACL refuses it too)")
        rebound = _PREBOUND_AS.search(text)
        if rebound and rebound.group(1) in {"this", "shapesGraph", "currentShape"}:
            raise self.fail(shape, f"a SPARQL constraint cannot rebind ${rebound.group(1)} with AS")
        for name in ("shapesGraph", "currentShape", "PATH"):
            if re.search(r"[\s{}()][\$\?]" + name, text):
                raise self.fail(shape, f"${name} in a SPARQL constraint is not supported")

    def prefixes(self, shape: Node, node: Node) -> dict[str, str]:
        """pySHACL's prefixes for a SPARQL constraint (its collect_prefixes)."""
        g = self.g
        prefixes = dict(_DEFAULT_PREFIXES)
        sources = set(g.objects(node, SH.prefixes))
        if not sources:
            return prefixes
        graph_declares = set(g.objects(g.identifier, SH.declare))
        ontologies = set(g.subjects(RDF.type, OWL.Ontology))
        global_declares = graph_declares | {d for o in ontologies for d in g.objects(o, SH.declare)}
        declared: dict[str, str] = {}
        for source in sources:
            own = set(g.objects(source, SH.declare))
            declares = own | graph_declares if own and source in ontologies else global_declares | own
            for declare in declares:
                names, namespaces = list(g.objects(declare, SH.prefix)), list(g.objects(declare, SH.namespace))
                if len(names) != 1 or len(namespaces) != 1 or not all(
                    isinstance(t, Literal) for t in (*names, *namespaces)
                ):
                    raise self.fail(shape, "sh:declare needs exactly one sh:prefix and one sh:namespace literal")
                name, namespace = str(names[0].value), str(namespaces[0].value)
                if declared.get(name, namespace) != namespace:
                    raise self.fail(shape, f"prefix {name}: is declared with two namespaces")
                declared[name] = namespace
        prefixes.update(declared)
        return prefixes

    def check_cycles(self) -> None:
        state: dict[Node, int] = {}

        def visit(shape: Shape) -> None:
            state[shape.node] = 1
            for constraint in shape.constraints:
                other = getattr(constraint, "shape", None)
                if isinstance(other, Shape):
                    if state.get(other.node) == 1:
                        raise self.fail(shape.node, "recursive shapes are not supported")
                    if other.node not in state:
                        visit(other)
            state[shape.node] = 2

        for shape in self.shapes.values():
            if shape.node not in state:
                visit(shape)

    def check_messages(self, top: list[Shape]) -> None:
        """Results need sh:message: pySHACL's generated messages depend on namespace
        bindings of the data graph and are not reproduced."""
        seen: set[Node] = set()
        todo = list(top)
        while todo:
            shape = todo.pop()
            if shape.node in seen:
                continue
            seen.add(shape.node)
            todo += [c.shape for c in shape.constraints if isinstance(c, _PropertyRef)]
            own = [c for c in shape.constraints if not isinstance(c, (_PropertyRef, SparqlConstraint))]
            if own and not shape.message_terms:
                raise self.fail(shape.node, "a shape whose results are reported needs sh:message")


def compile_shapes(shapes: Graph, canonical: dict[str, URIRef] | None = None) -> Program:
    """Compile a shapes graph once; raises UnsupportedShapes for anything unsupported.
    ``canonical`` collects the IRI objects the program uses (see _intern)."""
    return _Compiler(shapes, {} if canonical is None else canonical).compile()


# --------------------------------------------------------------------------- data


def _closure(start: Node, step) -> frozenset:
    seen = {start}
    todo = [start]
    while todo:
        for nxt in step(todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return frozenset(seen)


class _Index:
    """subject → predicate → objects (duplicate-free, in order of arrival), with IRIs
    interned in ``canonical``."""

    def __init__(self, triples: Iterable[tuple[Node, Node, Node]], canonical: dict[str, URIRef]) -> None:
        unique = isinstance(triples, (set, frozenset, Graph))
        spo: dict[Node, dict[Node, list[Node]]] = {}
        known = canonical.get
        for s, p, o in triples:
            # _intern, inlined: this loop runs for every triple of every catalog.
            if type(s) is URIRef:
                s = known(str(s)) or canonical.setdefault(str(s), s)
            if type(p) is URIRef:
                p = known(str(p)) or canonical.setdefault(str(p), p)
            if type(o) is URIRef:
                o = known(str(o)) or canonical.setdefault(str(o), o)
            predicates = spo.get(s)
            if predicates is None:
                spo[s] = {p: [o]}
                continue
            objects = predicates.get(p)
            if objects is None:
                predicates[p] = [o]
            else:
                objects.append(o)
        if not unique:
            for predicates in spo.values():
                for p, objects in predicates.items():
                    if len(objects) > 1:
                        predicates[p] = list(dict.fromkeys(objects))
        self.spo = spo
        self._pos: dict[Node, dict[Node, list[Node]]] = {}
        self._typed: dict[Node, list[Node]] | None = None

    def objects(self, s: Node, p: Node) -> list[Node]:
        predicates = self.spo.get(s)
        return predicates.get(p, _EMPTY) if predicates else _EMPTY  # type: ignore[return-value]

    def subjects(self, p: Node, o: Node) -> list[Node]:
        index = self._pos.get(p)
        if index is None:
            index = self._pos[p] = {}
            for s, predicates in self.spo.items():
                for obj in predicates.get(p, _EMPTY):
                    index.setdefault(obj, []).append(s)
        return index.get(o, _EMPTY)  # type: ignore[return-value]

    def typed(self, cls: Node) -> list[Node]:
        if self._typed is None:
            self._typed = {}
            for s, predicates in self.spo.items():
                for t in predicates.get(_TYPE, _EMPTY):
                    self._typed.setdefault(t, []).append(s)
        return self._typed.get(cls, _EMPTY)  # type: ignore[return-value]

    def has_predicate(self, p: Node) -> bool:
        return any(p in predicates for predicates in self.spo.values())


def _union(a: Sequence[Node], b: Sequence[Node]) -> Sequence[Node]:
    if not b:
        return a
    if not a:
        return b
    return tuple(dict.fromkeys((*a, *b)))


class _Catalog:
    """One catalog's triples beside the vocabulary, and the evaluation over them."""

    def __init__(self, triples: Iterable[tuple[Node, Node, Node]], context: ValidationContext) -> None:
        self.context = context
        self.own = _Index(triples, dict(context.canonical))
        self.vocabulary = context.vocabulary
        self.classes_here = self.own.has_predicate(_SUBCLASS_OF)
        self._instances: dict[tuple[Node, Node], bool] = {}
        self._nested: dict[tuple[Node, Node], tuple[bool, list[Raw]]] = {}
        self._store: ox.Store | None = None
        self._terms: dict[Node, object] = {}
        self._reverse: dict[object, Node] = {}

    def described(self, node: Node) -> bool:
        return node in self.own.spo

    def values(self, node: Node, path: _Path) -> Sequence[Node]:
        p = path.predicate
        if path.inverse:
            return _union(self.own.subjects(p, node), self.vocabulary.subjects(p, node))
        own, shared = self.own.spo.get(node), self.vocabulary.spo.get(node)
        found = own.get(p, _EMPTY) if own else _EMPTY
        return _union(found, shared.get(p, _EMPTY)) if shared else found

    def superclasses(self, cls: Node) -> frozenset:
        if not self.classes_here:
            return self.context.superclasses(cls)
        return _closure(cls, lambda c: _union(self.own.objects(c, _SUBCLASS_OF),
                                              self.vocabulary.objects(c, _SUBCLASS_OF)))

    def subclasses(self, cls: Node) -> frozenset:
        if not self.classes_here:
            return self.context.subclasses(cls)
        return _closure(cls, lambda c: _union(self.own.subjects(_SUBCLASS_OF, c),
                                              self.vocabulary.subjects(_SUBCLASS_OF, c)))

    def is_instance(self, node: Node, cls: Node) -> bool:
        key = (node, cls)
        known = self._instances.get(key)
        if known is None:
            types = _union(self.own.objects(node, _TYPE), self.vocabulary.objects(node, _TYPE))
            known = self._instances[key] = any(cls in self.superclasses(t) for t in types)
        return known

    def focus_nodes(self, shape: Shape) -> list[Node]:
        """The shape's targets that the catalog describes: results on other nodes are
        dropped anyway (see gongkai.validate.validate_catalogs)."""
        found: dict[Node, None] = {}
        for target in shape.targets:
            for cls in self.subclasses(target):
                found.update(dict.fromkeys(self.own.typed(cls)))
                found.update(dict.fromkeys(s for s in self.vocabulary.typed(cls) if self.described(s)))
        return list(found)

    def run(self, shape: Shape, focus: Sequence[Node]) -> tuple[bool, list[Raw]]:
        """pySHACL's Shape.validate: (conforms, results) for the focus nodes."""
        if shape.deactivated:
            return True, []
        if shape.path is None:
            pairs = [(f, (f,)) for f in focus]
        else:
            pairs = [(f, self.values(f, shape.path)) for f in focus]
        results: list[Raw] = []
        conforms = True
        for constraint in shape.constraints:
            ok, found = constraint.evaluate(self, shape, pairs)
            if found:
                results += found
            if not ok and not shape.allowed and any(r[0] not in _ALLOWED for r in found):
                conforms = False
        return conforms, results

    def run_one(self, shape: Shape, node: Node) -> tuple[bool, list[Raw]]:
        key = (shape.node, node)
        known = self._nested.get(key)
        if known is None:
            known = self._nested[key] = self.run(shape, (node,))
        return known

    # -- SPARQL ----------------------------------------------------------------------

    def sparql_rows(self, constraint: SparqlConstraint, focus: Sequence[Node]) -> Iterable[tuple[Node, list]]:
        """(focus node, solutions) pairs, each solution as [(variable, rdflib term)]."""
        store = self.store()
        if constraint.mode == "once":
            rows = self.query(store, constraint.text)
            return [(f, rows) for f in focus]
        batch = {}
        if constraint.mode == "batch":
            batch = {f: None for f in focus if isinstance(f, URIRef) and _SAFE_IRI.fullmatch(f)}
        out: dict[Node, list] = {f: [] for f in focus}
        if batch:
            at = constraint.values_at
            values = " ".join(f"<{f}>" for f in batch)
            text = f"{constraint.text[:at]} VALUES ?this {{ {values} }} {constraint.text[at:]}"
            for row in self.query(store, text):
                this = dict(row).get("this")
                if this in out:
                    out[this].append(row)
        for f in focus:
            if f not in batch:
                out[f] = self.query(store, constraint.text, {ox.Variable("this"): self.to_ox(f)})
        return out.items()

    def query(self, store: ox.Store, text: str, substitutions: dict | None = None) -> list[list]:
        solutions = store.query(text, substitutions=substitutions)
        names = [v.value for v in solutions.variables]
        rows = []
        for solution in solutions:
            rows.append([(n, self.from_ox(solution[n])) for n in names if solution[n] is not None])
        return rows

    def store(self) -> ox.Store:
        """An in-memory store of the catalog and vocabulary triples SPARQL can read."""
        if self._store is None:
            predicates = self.context.sparql_predicates
            quads = [
                ox.Quad(self.to_ox(s), self.to_ox(p), self.to_ox(o))
                for s, ps in self.own.spo.items()
                for p, objects in ps.items()
                if predicates is None or p in predicates
                for o in objects
            ]
            self._store = ox.Store()
            self._store.extend(self.context.sparql_vocabulary())
            self._store.extend(quads)
        return self._store

    def to_ox(self, term: Node) -> object:
        converted = self.context.ox_terms.get(term)
        if converted is None:
            converted = self._terms.get(term)
        if converted is None:
            converted = self._terms[term] = _to_ox(term)
            self._reverse.setdefault(converted, term)
        return converted

    def from_ox(self, term: object) -> Node:
        """The rdflib term that was put into the store, so that for instance a literal
        typed xsd:string in the data comes back typed, as rdflib's engine returns it."""
        known = self._reverse.get(term)
        if known is None:
            known = self.context.ox_reverse.get(term)
        return known if known is not None else _from_ox(term)


def _to_ox(term: Node) -> object:
    if isinstance(term, BNode):
        try:
            return ox.BlankNode(term)
        except ValueError:  # an id Oxigraph does not accept: any id will do, consistently
            return ox.BlankNode()
    try:
        if isinstance(term, URIRef):
            return ox.NamedNode(term)
        if isinstance(term, Literal):
            if term.language:
                return ox.Literal(term, language=term.language)
            if term.datatype is not None:
                return ox.Literal(term, datatype=ox.NamedNode(term.datatype))
            return ox.Literal(term)
    except ValueError as error:
        raise GongkaiError(f"SPARQL constraints cannot read {term.n3()}: {error}") from error
    raise GongkaiError(f"SPARQL constraints cannot read {term!r}")


def _from_ox(term: object) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == _STRING:
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


# --------------------------------------------------------------------------- context


class ValidationContext:
    """What validating a catalog needs besides its triples: the compiled shapes, the
    vocabulary index and the message templates (sh:message by shape, as
    gongkai.validate reads them). Built once, before worker processes fork, so that
    they share it."""

    def __init__(self, vocabulary: Graph, shapes: Graph) -> None:
        self.canonical: dict[str, URIRef] = {str(_TYPE): _TYPE, str(_SUBCLASS_OF): _SUBCLASS_OF}
        self.program = compile_shapes(shapes, self.canonical)
        self.templates = _message_templates(shapes)
        self.vocabulary = _Index(vocabulary, self.canonical)
        self.vocabulary.typed(_TYPE)  # build the lazy indexes before workers fork
        self.sparql_predicates = self.program.sparql_predicates()
        self._superclasses: dict[Node, frozenset] = {}
        self._subclasses: dict[Node, frozenset] = {}
        self._sparql_vocabulary: list | None = None
        self.ox_terms: dict[Node, object] = {}
        self.ox_reverse: dict[object, Node] = {}
        if self.program.sparql:
            self.sparql_vocabulary()

    def superclasses(self, cls: Node) -> frozenset:
        known = self._superclasses.get(cls)
        if known is None:
            known = self._superclasses[cls] = _closure(cls, lambda c: self.vocabulary.objects(c, _SUBCLASS_OF))
        return known

    def subclasses(self, cls: Node) -> frozenset:
        known = self._subclasses.get(cls)
        if known is None:
            known = self._subclasses[cls] = _closure(cls, lambda c: self.vocabulary.subjects(_SUBCLASS_OF, c))
        return known

    def sparql_vocabulary(self) -> list:
        """The vocabulary's quads for SPARQL stores, converted once per process."""
        if self._sparql_vocabulary is None:
            predicates = self.sparql_predicates
            triples = [
                (s, p, o)
                for s, ps in self.vocabulary.spo.items()
                for p, objects in ps.items()
                if predicates is None or p in predicates
                for o in objects
            ]
            for term in dict.fromkeys(t for triple in triples for t in triple):
                converted = self.ox_terms[term] = _to_ox(term)
                self.ox_reverse.setdefault(converted, term)
            self._sparql_vocabulary = [ox.Quad(*(self.ox_terms[t] for t in triple)) for triple in triples]
        return self._sparql_vocabulary

    def validate(self, graph_iri: URIRef, triples: Iterable[tuple[Node, Node, Node]]) -> list[ValidationResult]:
        """The catalog's results, sorted and duplicate-free, exactly as pySHACL's."""
        catalog = _Catalog(triples, self)
        raws: list[Raw] = []
        for shape in self.program.top:
            focus = catalog.focus_nodes(shape)
            if focus:
                raws += catalog.run(shape, focus)[1]
        results = {
            ValidationResult(
                severity=_severity_name(severity),
                focus_node=focus,
                result_path=path,
                value=value,
                message_en=en,
                message_zh=zh,
                source_shape=shape,
                graph=graph_iri,
                constraint_component=component,
            )
            for severity, focus, path, value, shape, component, en, zh in raws
            if catalog.described(focus)
        }
        return sorted(results, key=ValidationResult.sort_key)
