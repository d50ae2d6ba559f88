"""Check a SPARQL query's text before it reaches the engine.

Why a separate check: the web endpoint is read-only and must never fetch remote data
(SSRF), and pyoxigraph would happily try a ``SERVICE`` call over the network. The
engine's own parser gives no access to the parsed algebra, so this module reads the
query with the scanner of :mod:`gongkai.sparql_lexer`, which knows exactly what SPARQL
hides from keyword matching -- comments, string literals in all four quote styles,
IRIs, prefixed names, variables -- and looks only at bare keywords. It does not judge
syntax: whatever it lets through, the engine parses and reports on. Because keywords
are only recognised outside strings, IRIs and comments, ``"SERVICE"``,
``<http://x/insert>``, ``# DELETE``, ``?service`` or ``ex:drop`` never trigger a
refusal.

SERVICE is looked for the way pyoxigraph's parser reads, which needs no space before
a keyword: ``1.SERVICE``, ``9SERVICE``, ``trueSERVICE`` and ``SERVICE:x`` (the
keyword, then the name ``:x``) all reach the engine as SERVICE, so SERVICE inside any
bare word, or before the colon of a prefixed name, is refused. An unterminated
``'''`` is read as ``''`` then ``'``, as the engine does. The tests check this
against the engine itself. (Update keywords need no such care: pyoxigraph's query
parser cannot run an update, and the store is opened read-only; refusing them is
only for a clear message.)

It also reports the query form and the IRIs of ``FROM`` / ``FROM NAMED`` (resolved
against ``PREFIX`` and ``BASE``), because the query service must know whether the
query chose its own dataset before it decides what the default graph is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from gongkai.sparql_lexer import COMMENT, IRI, PNAME, SPACE, STRING, VAR, WORD, Token, tokenize

__all__ = ["QUERY_FORMS", "UPDATE_KEYWORDS", "QueryInfo", "QueryRefused", "inspect_query"]

QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD"}
)
READ_ONLY_MESSAGE = "this endpoint is read-only: SPARQL Update is not accepted"
SERVICE_MESSAGE = "SERVICE is disabled: this endpoint never fetches remote data"
NO_FORM_MESSAGE = "not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE"


class QueryRefused(Exception):
    """A query this endpoint will not run; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class QueryInfo:
    """What the guard learnt about an accepted query."""

    form: str  # "SELECT" | "ASK" | "CONSTRUCT" | "DESCRIBE"
    from_graphs: tuple[str, ...] = ()
    from_named_graphs: tuple[str, ...] = ()


# --------------------------------------------------------------------------- tokens

# Strings, comments and variables never hold a keyword or a graph name: dropped.
_SKIP = frozenset({SPACE, COMMENT, STRING, VAR})
_KEYWORD = "keyword"  # a letter run of a bare word, upper-cased (this module's own kind)
_LETTERS = re.compile("[A-Za-z]+")


def _tokens(text: str) -> list[Token]:
    """The tokens the check looks at: keywords, prefixed names, IRIs and punctuation.

    The engine needs no space between a number or keyword and the next keyword
    ("1.SERVICE", "9SERVICE", "trueSERVICE" all call SERVICE), so a bare word is cut
    into its letter runs, each a keyword token, and SERVICE is looked for inside.
    """
    out: list[Token] = []
    append = out.append
    for token in tokenize(text, _SKIP):
        if token.kind != WORD:
            append(token)
        elif token.text.isascii() and token.text.isalpha():  # the usual case: one run
            append(Token(_KEYWORD, token.text.upper(), token.start))
        else:
            for run in _LETTERS.finditer(token.text):
                append(Token(_KEYWORD, run.group().upper(), token.start + run.start()))
    return out


# --------------------------------------------------------------------------- IRIs

_UCHAR_RE = re.compile(r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}")
_LOCAL_ESC_RE = re.compile(r"\\(.)")


def _unescape_iri(token: str) -> str:
    return _UCHAR_RE.sub(lambda m: chr(int(m.group()[2:], 16)), token[1:-1])


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base else iri


def _graph_iri(token: Token, prefixes: dict[str, str], base: str | None) -> str:
    if token.kind == IRI:
        return _resolve(_unescape_iri(token.text), base)
    prefix, _, local = token.text.partition(":")
    namespace = prefixes.get(prefix)
    if namespace is None:
        return token.text  # undeclared prefix: the engine reports it
    return namespace + _LOCAL_ESC_RE.sub(r"\1", local)


# --------------------------------------------------------------------------- the check


def _hides_service(token: Token) -> bool:
    """SERVICE as, or glued into, a keyword -- or before the colon of a prefixed name.

    "SERVICE:x" or "trueSERVICEex:x" reach the engine as the keyword followed by a
    prefixed name, so a prefix holding SERVICE is refused too. A local name cannot be
    cut short by the engine (it reads names greedily), so ``cpsv:PublicService`` or
    ``ex:a.SERVICE`` are fine.
    """
    if token.kind == _KEYWORD:
        return "SERVICE" in token.text
    if token.kind == PNAME:
        return "SERVICE" in token.text.partition(":")[0].upper()
    return False


def inspect_query(text: str, max_length: int = 20_000, *, base_iri: str | None = None) -> QueryInfo:
    """Refuse what this endpoint must not run; describe the rest.

    Raises :class:`QueryRefused` (status 413) for a text longer than ``max_length``
    characters, and (status 400) for SPARQL Update, ``SERVICE``, or a text with no
    query form. Syntax is otherwise left to the engine. ``base_iri`` is the base the
    engine will be given (relative ``FROM`` IRIs are resolved against it, then
    against the query's own ``BASE``).
    """
    if len(text) > max_length:
        raise QueryRefused(
            f"query too long: {len(text):,} characters; the limit is {max_length:,}", status=413
        )
    tokens = _tokens(text)
    keywords = {t.text for t in tokens if t.kind == _KEYWORD}
    if keywords & UPDATE_KEYWORDS:
        raise QueryRefused(READ_ONLY_MESSAGE)
    if any(_hides_service(t) for t in tokens):
        raise QueryRefused(SERVICE_MESSAGE)
    form = next((t.text for t in tokens if t.kind == _KEYWORD and t.text in QUERY_FORMS), None)
    if form is None:
        raise QueryRefused(NO_FORM_MESSAGE)

    prefixes: dict[str, str] = {}
    base: str | None = base_iri
    graphs: list[str] = []
    named: list[str] = []
    for i, token in enumerate(tokens):
        if token.kind != _KEYWORD:
            continue
        following = tokens[i + 1 : i + 3]
        if token.text == "BASE" and following and following[0].kind == IRI:
            base = _resolve(_unescape_iri(following[0].text), base)
        elif (
            token.text == "PREFIX"
            and len(following) == 2
            and following[0].kind == PNAME
            and following[0].text.endswith(":")
            and following[1].kind == IRI
        ):
            prefixes[following[0].text[:-1]] = _resolve(_unescape_iri(following[1].text), base)
        elif token.text == "FROM" and following:
            target, is_named = following[0], False
            if target.kind == _KEYWORD and target.text == "NAMED":
                target, is_named = (following[1] if len(following) > 1 else target), True
            if target.kind in (IRI, PNAME):
                (named if is_named else graphs).append(_graph_iri(target, prefixes, base))
    return QueryInfo(form=form, from_graphs=tuple(graphs), from_named_graphs=tuple(named))
