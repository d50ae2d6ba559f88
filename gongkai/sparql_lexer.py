"""The one lexical scanner for SPARQL text: tokens with kinds and offsets.

Why one scanner: the read-only guard (:mod:`gongkai.sparql_guard`), the saved-query
binder (:mod:`gongkai.saved_queries`) and the remote pre-binder (:mod:`gongkai.prebind`)
all need the same first step -- to know which characters of a query are inside a
comment, a string literal or an IRI, so that a ``{``, a ``#`` or a keyword there is
not mistaken for syntax. Separate tokenizers drift apart in corner cases (escapes in
names and IRIs, unterminated long strings), and then the guard passes a query that
the binder reads differently; one scanner cannot disagree with itself. It does not judge syntax: every character lands in exactly one token,
and whatever is not valid SPARQL is left to the engine to report.

It reads the way pyoxigraph's parser does where that decides what is a keyword:

* long strings (``'''...'''``, ``\"\"\"...\"\"\"``) may hold quotes and newlines; an
  *unterminated* ``'''`` is not swallowed but read as ``''`` then ``'``, as the engine
  does; an unterminated short string runs to the end of its line;
* ``<...>`` is an IRI only without spaces or ``<>"{}|^`\\`` inside (``\\u`` escapes
  allowed), so ``?a < ?b`` stays an operator and ``<a#b>`` holds no comment;
* a name (keyword, number, prefixed name, blank node label) never ends with ``.``:
  ``?s :p :o.`` ends a triple, and ``1.SERVICE`` is one bare word ``1.SERVICE`` that a
  caller may cut further (the engine needs no space before a keyword);
* ``?`` or ``$`` alone (the ``?`` path modifier) is punctuation, not a variable.

Performance: this runs on every ``/sparql`` request, so it is one compiled regular
expression applied once (``finditer``) with no per-character Python.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import NamedTuple

__all__ = [
    "COMMENT",
    "IRI",
    "KINDS",
    "PNAME",
    "PUNCT",
    "SPACE",
    "STRING",
    "VAR",
    "WORD",
    "Token",
    "tokenize",
]

SPACE = "space"  # a run of white space
COMMENT = "comment"  # '#' to the end of the line, without the line break
STRING = "string"  # a string literal in any of the four quote styles, quotes included
IRI = "iri"  # <...>, brackets included
VAR = "var"  # ?name or $name, the sigil included
PNAME = "pname"  # a bare name with a ':' -- prefixed name, 'ex:' declaration, _:label
WORD = "word"  # a bare name without ':' -- keyword, 'a', number, true/false
PUNCT = "punct"  # any other single character: { } ( ) . ; , * ? < = ...
KINDS = (SPACE, COMMENT, STRING, IRI, VAR, PNAME, WORD, PUNCT)

_ECHAR = r"\\."
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
# PLX: a percent escape, or a backslash hiding '#', a quote, '.' ... in a local name
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_NAME_START = rf"[\w:]|{_PLX}"
_NAME_MIDDLE = rf"[\w\-.:\u00B7]|{_PLX}"
_NAME_END = rf"[\w\-:\u00B7]|{_PLX}"  # as the middle, but no bare '.'
# the longest run of name characters, backed off to its last character that is not '.'
_NAME = rf"(?:{_NAME_START})(?:(?:{_NAME_MIDDLE})*(?:{_NAME_END}))?"

_TOKEN = re.compile(
    "|".join(
        [
            rf"(?P<{SPACE}>\s+)",
            rf"(?P<{COMMENT}>\#[^\r\n]*)",
            # long strings before short ones; only a terminated long string is one
            rf"(?P<{STRING}>'''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}))*'''"
            rf'|"""(?:(?:"|"")?(?:[^"\\]|{_ECHAR}))*"""'
            rf"|'(?:[^'\\\r\n]|{_ECHAR})*(?:'|$)"
            rf'|"(?:[^"\\\r\n]|{_ECHAR})*(?:"|$))',
            rf"(?P<{IRI}><(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*>)",
            rf"(?P<{VAR}>[?$][\w\u00B7]+)",
            rf"(?P<name>{_NAME})",  # WORD or PNAME, told apart by a ':' (cheaper than in the pattern)
            rf"(?P<{PUNCT}>.)",
        ]
    ),
    re.DOTALL | re.MULTILINE,
)


class Token(NamedTuple):
    """One token: its kind (:func:`tokenize` gives one of :data:`KINDS`), its exact text
    and its offset in the query."""

    kind: str
    text: str
    start: int

    @property
    def end(self) -> int:
        """The offset just after the token (``text[start:end] == token.text``)."""
        return self.start + len(self.text)

    def is_word(self, *words: str) -> bool:
        """Whether this is a bare word equal to one of ``words`` (upper case), ignoring case."""
        return self.kind == WORD and self.text.upper() in words


def tokenize(text: str, skip: Collection[str] = ()) -> list[Token]:
    """Every token of ``text`` in order, leaving out those whose kind is in ``skip``.

    With nothing skipped the tokens cover the text exactly, end to end. Callers skip
    what they never look at (usually :data:`SPACE`) so that no object is made for it.
    """
    tokens: list[Token] = []
    append = tokens.append
    # Token(...) runs NamedTuple's generated __new__, a Python function; building the
    # tuple directly halves the cost per token on this hot path
    new = tuple.__new__
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or PUNCT
        if kind == "name":
            value = match.group()
            kind = PNAME if ":" in value else WORD
            if kind in skip:
                continue
        elif kind in skip:
            continue
        else:
            value = match.group()
        append(new(Token, (kind, value, match.start())))
    return tokens
