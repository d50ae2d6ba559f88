"""Pre-binding for engines that cannot take ``substitutions``: VALUES in the query text.

The embedded store binds a query's parameters the way pyoxigraph does (SEP-0007
``substitutions``): the variable acts as a constant wherever it is in scope, and keeps
its value in the projection. A remote SPARQL 1.1 server only takes query text, so
:func:`prebind` rewrites the query into plain SPARQL 1.1 with the same results:

* ``VALUES ?v { term }`` is put first in the outermost WHERE pattern (so the
  projection shows the value even where no pattern mentions the variable),
* and first in every nested group pattern that mentions the variable (OPTIONAL,
  UNION branches, GRAPH, MINUS, EXISTS ...), so it constrains the patterns where they
  are evaluated -- not only after the fact, which would give the same answers but
  scan the whole store;
* except where a nested group uses a single value only in expressions (FILTER, BIND),
  not in any pattern: there the value is written into the expressions as a constant.
  A FILTER needs the value in its own group's scope, but a group holding VALUES is
  evaluated by Oxigraph on its own, before the join that would narrow it: for
  search-items at 2,850 catalogs, every item label of the store (8 s) instead of the
  place's (4 ms);
* a sub-SELECT sees the variable only when it projects it (or is ``SELECT *``), as in
  pyoxigraph; it then gets the VALUES in its own WHERE pattern, so its LIMIT, ORDER BY
  and aggregates apply to the bound rows -- as with pre-binding.

Within the rules the saved queries already follow for pyoxigraph (see
:mod:`gongkai.saved_queries`: a substituted variable is projected by the outermost
SELECT, never tested with ``BOUND()``, never copied by a bare ``BIND``), the rewritten
query gives the same solutions. The term is written in N-Triples syntax by pyoxigraph
(so it is escaped, never spliced); blank nodes and triple terms cannot be bound this way.

The query is read with the scanner of :mod:`gongkai.sparql_lexer` (comments, the four
string forms and IRIs hide braces and keywords), the same one :mod:`gongkai.sparql_guard`
uses; it does not judge syntax -- the server does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode

from gongkai.sparql_lexer import COMMENT, IRI, SPACE, STRING, VAR, Token, tokenize

__all__ = ["has_relative_iri", "prebind"]

FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")
# what never opens a pattern nor names a variable (a '{' in a string is not a brace)
_SKIP = frozenset({SPACE, COMMENT, STRING})


def _tokens(text: str) -> list[Token]:
    """Variables, words, IRIs and punctuation of ``text`` (see :mod:`gongkai.sparql_lexer`)."""
    return tokenize(text, _SKIP)


@dataclass
class _Select:
    projected: set[str] | None  # None: SELECT *
    where: _Group | None


@dataclass
class _Group:
    open: int  # token index of "{"
    close: int  # token index of the matching "}"
    variables: set[str] = field(default_factory=set)  # mentioned at this level
    patterned: set[str] = field(default_factory=set)  # ... outside FILTER and BIND expressions
    # token indexes of the variables used at this level in FILTER or BIND expressions
    in_expressions: dict[str, list[int]] = field(default_factory=dict)
    children: list[_Group] = field(default_factory=list)
    select: _Select | None = None  # the group's body is a sub-SELECT

    def mentions(self) -> set[str]:
        """Variables this group exposes to the pattern around it."""
        if self.select is not None:
            inner = self.select.where.mentions() if self.select.where else set()
            return inner if self.select.projected is None else set(self.select.projected)
        found = set(self.variables)
        for child in self.children:
            found |= child.mentions()
        return found

    def in_patterns(self) -> set[str]:
        """Variables of :meth:`mentions` that some pattern uses, not only an expression
        (a sub-SELECT counts whole: its VALUES go in its own WHERE)."""
        if self.select is not None:
            return self.mentions()
        found = set(self.patterned)
        for child in self.children:
            found |= child.in_patterns()
        return found


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.match: dict[int, int] = {}
        self.paren: dict[int, int] = {}
        stack: list[int] = []
        parens: list[int] = []
        for i, token in enumerate(self.tokens):
            if token.text == "{":
                stack.append(i)
            elif token.text == "}" and stack:
                self.match[stack.pop()] = i
            elif token.text == "(":
                parens.append(i)
            elif token.text == ")" and parens:
                self.paren[parens.pop()] = i

    def expression_end(self, j: int) -> int:
        """For FILTER or BIND at token ``j``: the index of its expression's closing
        parenthesis; ``j`` when it has none (FILTER EXISTS { ... } is a pattern)."""
        tokens = self.tokens
        k = j + 1
        if k < len(tokens) and tokens[k].text == "(":
            return self.paren.get(k, j)
        if (k + 1 < len(tokens) and tokens[k + 1].text == "(" and tokens[k].text != "{"
                and not tokens[k].is_word("EXISTS", "NOT")):
            return self.paren.get(k + 1, j)  # FILTER regex(...), FILTER fn:f(...)
        return j

    def close_of(self, i: int) -> int:
        try:
            return self.match[i]
        except KeyError:
            raise ValueError("cannot bind the parameters: unbalanced braces in the query") from None

    def projection(self, i: int) -> tuple[set[str] | None, int]:
        """Variables a SELECT projects (None for *), from token ``i`` after SELECT; returns
        the index of the first token after the projection."""
        projected: set[str] = set()
        star = False
        depth = 0
        after_as = False
        tokens = self.tokens
        while i < len(tokens):
            token = tokens[i]
            if depth == 0 and (token.text == "{" or token.is_word("WHERE", "FROM")):
                break
            if token.text == "(":
                depth += 1
            elif token.text == ")":
                depth -= 1
            elif token.text == "*" and depth == 0:
                star = True
            elif token.kind == VAR and (depth == 0 or after_as):
                projected.add(token.text[1:])
            after_as = token.is_word("AS")
            i += 1
        return (None if star else projected), i

    def group(self, i: int) -> _Group:
        """The group pattern whose "{" is token ``i``."""
        close = self.close_of(i)
        group = _Group(open=i, close=close)
        j = i + 1
        if j < close and self.tokens[j].is_word("SELECT"):
            group.select = self.sub_select(j + 1, close)
            return group
        values = False
        expression = -1  # the last token of the FILTER or BIND expression being read
        while j < close:
            token = self.tokens[j]
            if token.text == "{":
                if values:  # a VALUES data block: terms, not patterns
                    j = self.close_of(j) + 1
                    values = False
                    continue
                child = self.group(j)  # EXISTS { ... } in an expression is a pattern too
                group.children.append(child)
                j = child.close + 1
                continue
            if token.kind == VAR:
                name = token.text[1:]
                group.variables.add(name)
                if j < expression:
                    group.in_expressions.setdefault(name, []).append(j)
                else:
                    group.patterned.add(name)
            elif token.is_word("VALUES"):
                values = True
            elif token.is_word("FILTER", "BIND") and j > expression:
                expression = self.expression_end(j)
            j += 1
        return group

    def sub_select(self, i: int, end: int) -> _Select:
        projected, j = self.projection(i)
        while j < end and self.tokens[j].text != "{":
            j += 1
        where = self.group(j) if j < end else None
        return _Select(projected, where)


_SCHEME = re.compile(r"^<[A-Za-z][A-Za-z0-9+.\-]*:")


def has_relative_iri(sparql: str) -> bool:
    """Whether the query writes an IRI that needs a base (``<s>``, ``<#x>``, ``<>``).

    Such a query only means the same on a remote server when it is sent with a BASE;
    one without is sent untouched (so the server's error positions stay true).
    """
    return any(t.kind == IRI and not _SCHEME.match(t.text) for t in _tokens(sparql))


def _term_text(term: NamedNode | Literal | BlankNode | Sequence[NamedNode | Literal] | object) -> str:
    if isinstance(term, (NamedNode, Literal)):
        return str(term)  # N-Triples syntax, escaped by pyoxigraph
    if isinstance(term, (list, tuple)) and term:
        return " ".join(_term_text(t) for t in term)
    raise ValueError(f"cannot bind {term!r} in query text: only IRIs and literals can be sent to a remote server")


def prebind(sparql: str, substitutions: Mapping[str, NamedNode | Literal | Sequence[NamedNode | Literal]]) -> str:
    """``sparql`` with every substituted variable bound by VALUES (see the module doc).

    Keys are variable names (a leading ``?`` or ``$`` is ignored). A value may also be a
    non-empty list of terms: the variable then takes each of them, in the same places
    (how :mod:`gongkai.national` runs a query for a window of places). Raises ``ValueError``
    when the query cannot be bound: a SELECT that does not project a substituted
    variable (pyoxigraph refuses those too), a blank node or triple term as value, or no
    WHERE pattern to bind in.
    """
    if not substitutions:
        return sparql
    terms = {name.lstrip("?$"): _term_text(term) for name, term in substitutions.items()}
    single = {name.lstrip("?$") for name, term in substitutions.items() if isinstance(term, (NamedNode, Literal))}
    scanner = _Scanner(sparql)
    tokens = scanner.tokens
    form_at = next((i for i, t in enumerate(tokens) if t.is_word(*FORMS)), None)
    if form_at is None:
        raise ValueError("cannot bind the parameters: not a SELECT, CONSTRUCT, ASK or DESCRIBE query")
    form = tokens[form_at].text.upper()
    i = form_at + 1
    edits: list[tuple[int, int, str]] = []  # (start, end, text): text[start:end] becomes text
    if form == "SELECT":
        projected, i = scanner.projection(i)
        if projected is not None:
            missing = sorted(set(terms) - projected)
            if missing:
                raise ValueError(
                    f"cannot bind the parameters: the SELECT projection does not contain ?{missing[0]}"
                )
    elif form == "CONSTRUCT" and i < len(tokens) and tokens[i].text == "{":
        i = scanner.close_of(i) + 1  # the template: not a pattern
    elif form == "CONSTRUCT" and i < len(tokens) and tokens[i].is_word("WHERE"):
        # CONSTRUCT WHERE { triples }: its pattern is its template and takes no VALUES,
        # so it is spelt out as CONSTRUCT { triples } WHERE { VALUES ... triples }.
        brace = i + 1
        if brace >= len(tokens) or tokens[brace].text != "{":
            raise ValueError("cannot bind the parameters: no WHERE pattern")
        close = scanner.close_of(brace)
        template = sparql[tokens[brace].start : tokens[close].start + 1]
        edits.append((tokens[i].start, tokens[i].start, template + " "))
        i = brace
    while i < len(tokens) and tokens[i].text != "{":
        i += 1
    if i >= len(tokens):
        raise ValueError("cannot bind the parameters: the query has no WHERE pattern")
    _bind(scanner, scanner.group(i), terms, set(terms), single, outermost=True, edits=edits)
    text = sparql
    for start, end, insert in sorted(edits, key=lambda e: e[0], reverse=True):
        text = text[:start] + insert + text[end:]
    return text


def _values(names: set[str], terms: Mapping[str, str]) -> str:
    return " ".join(f"VALUES ?{name} {{ {terms[name]} }}" for name in sorted(names))


def _bind(
    scanner: _Scanner,
    group: _Group,
    terms: Mapping[str, str],
    names: set[str],
    single: set[str],
    *,
    outermost: bool,
    edits: list[tuple[int, int, str]],
) -> None:
    tokens = scanner.tokens
    after_open = tokens[group.open].start + 1
    if group.select is not None:
        select = group.select
        visible = set(names) if select.projected is None else names & select.projected
        hidden = names - visible
        if outermost and hidden:
            # { SELECT ... } cannot take VALUES beside it: { VALUES ... { SELECT ... } }
            edits.append((after_open, after_open, f" {_values(hidden, terms)} {{"))
            edits.append((tokens[group.close].start, tokens[group.close].start, "} "))
        if visible and select.where is not None:
            _bind(scanner, select.where, terms, visible, single, outermost=True, edits=edits)
        return
    if outermost:
        here, inlined = set(names), set()
    else:
        mentioned = names & group.mentions()
        inlined = (mentioned & single) - group.in_patterns()
        here = mentioned - inlined
    if here:
        edits.append((after_open, after_open, f" {_values(here, terms)} "))
    for name in inlined:
        _inline(scanner, group, name, terms[name], edits)
    names = names - inlined
    for child in group.children:
        if names & child.mentions():
            _bind(scanner, child, terms, names, single, outermost=False, edits=edits)


def _inline(scanner: _Scanner, group: _Group, name: str, term: str, edits: list[tuple[int, int, str]]) -> None:
    """Write ``term`` for ``?name`` in the expressions of ``group`` and of the groups in
    it (which use it in no pattern: see :meth:`_Group.in_patterns`)."""
    for index in group.in_expressions.get(name, ()):
        token = scanner.tokens[index]
        edits.append((token.start, token.start + len(token.text), term))
    for child in group.children:
        if name in child.mentions():
            _inline(scanner, child, name, term, edits)
