"""The shared SPARQL scanner: token kinds and offsets, and the corner cases that decide
whether a '{', a '#' or a keyword is syntax or hidden in a string, IRI or comment."""

from __future__ import annotations

import random

import pyoxigraph
import pytest

from gongkai.sparql_lexer import (
    COMMENT,
    IRI,
    KINDS,
    PNAME,
    PUNCT,
    SPACE,
    STRING,
    VAR,
    WORD,
    Token,
    tokenize,
)


def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in tokenize(text, skip=(SPACE,))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a bare word may hold a keyword glued to a number: one word, cut by the guard
        ("1.SERVICE", [(WORD, "1.SERVICE")]),
        ("9SERVICE trueSERVICE", [(WORD, "9SERVICE"), (WORD, "trueSERVICE")]),
        ("1.5e3 1. 10", [(WORD, "1.5e3"), (WORD, "1"), (PUNCT, "."), (WORD, "10")]),
        # '#' inside an IRI is a fragment, outside it starts a comment (to the line end)
        ("<a#b>", [(IRI, "<a#b>")]),
        ("<a#b> # c <d> {\n}", [(IRI, "<a#b>"), (COMMENT, "# c <d> {"), (PUNCT, "}")]),
        ("<http://x/#f>#c", [(IRI, "<http://x/#f>"), (COMMENT, "#c")]),
        ("<http://x/\\u0041>", [(IRI, "<http://x/\\u0041>")]),
        # no spaces or quotes in an IRI: '<' is then an operator
        ("?a < ?b", [(VAR, "?a"), (PUNCT, "<"), (VAR, "?b")]),
        ("?a <= ?b", [(VAR, "?a"), (PUNCT, "<"), (PUNCT, "="), (VAR, "?b")]),
        ('<a"b>', [(PUNCT, "<"), (WORD, "a"), (STRING, '"b>')]),
        # long strings hold quotes and newlines
        ("'''it's ''quoted''\n{ # no comment }''' x",
         [(STRING, "'''it's ''quoted''\n{ # no comment }'''"), (WORD, "x")]),
        ('"""say "hi" ""twice""\n}""" x', [(STRING, '"""say "hi" ""twice""\n}"""'), (WORD, "x")]),
        ("'''a''''", [(STRING, "'''a'''"), (STRING, "'")]),  # and an unterminated one
        ("'''\\''''", [(STRING, "'''\\''''")]),
        # an unterminated long string is '' then ', as the engine reads it
        ("'''abc'", [(STRING, "''"), (STRING, "'abc'")]),
        ("'''abc\n{ }", [(STRING, "''"), (STRING, "'abc"), (PUNCT, "{"), (PUNCT, "}")]),
        # an unterminated short string stops at the end of its line
        ('"abc { \n}', [(STRING, '"abc { '), (PUNCT, "}")]),
        # escaped quotes do not end a string
        ('"a\\"b" c', [(STRING, '"a\\"b"'), (WORD, "c")]),
        ("'it\\'s' c", [(STRING, "'it\\'s'"), (WORD, "c")]),
        ('"a\\\\" c', [(STRING, '"a\\\\"'), (WORD, "c")]),
        # variables, and '?' alone (the path modifier)
        ("?x $y ?_p ?__q", [(VAR, "?x"), (VAR, "$y"), (VAR, "?_p"), (VAR, "?__q")]),
        ("?x.", [(VAR, "?x"), (PUNCT, ".")]),
        ("ex:p? ?o", [(PNAME, "ex:p"), (PUNCT, "?"), (VAR, "?o")]),
        ("$ ?", [(PUNCT, "$"), (PUNCT, "?")]),
        # prefixed names: dots inside, never at the end
        ("ex:a.b.c", [(PNAME, "ex:a.b.c")]),
        ("?s :p ex:o.", [(VAR, "?s"), (PNAME, ":p"), (PNAME, "ex:o"), (PUNCT, ".")]),
        ("ex:o..", [(PNAME, "ex:o"), (PUNCT, "."), (PUNCT, ".")]),
        ("PREFIX ex: <http://e/>", [(WORD, "PREFIX"), (PNAME, "ex:"), (IRI, "<http://e/>")]),
        ("_:b1 ex:a-b_c·d", [(PNAME, "_:b1"), (PNAME, "ex:a-b_c·d")]),
        ("ex:有 :select", [(PNAME, "ex:有"), (PNAME, ":select")]),
        # escapes in a local name hide '#', quotes, parentheses and '.'
        ("ex:a\\#b }", [(PNAME, "ex:a\\#b"), (PUNCT, "}")]),
        ("ex:a\\'b ex:c\\(d", [(PNAME, "ex:a\\'b"), (PNAME, "ex:c\\(d")]),
        ("ex:a\\. ex:%41%42", [(PNAME, "ex:a\\."), (PNAME, "ex:%41%42")]),
        # 'a' is a keyword like any other bare word
        ("?s a ex:C", [(VAR, "?s"), (WORD, "a"), (PNAME, "ex:C")]),
        ("SELECT*{}", [(WORD, "SELECT"), (PUNCT, "*"), (PUNCT, "{"), (PUNCT, "}")]),
    ],
)
def test_tokens(text: str, expected: list[tuple[str, str]]) -> None:
    assert kinds(text) == expected


def test_offsets_and_white_space() -> None:
    text = "SELECT ?x\n  # c\n{ <a> }"
    tokens = tokenize(text)
    assert tokens == [
        Token(WORD, "SELECT", 0), Token(SPACE, " ", 6), Token(VAR, "?x", 7), Token(SPACE, "\n  ", 9),
        Token(COMMENT, "# c", 12), Token(SPACE, "\n", 15), Token(PUNCT, "{", 16), Token(SPACE, " ", 17),
        Token(IRI, "<a>", 18), Token(SPACE, " ", 21), Token(PUNCT, "}", 22),
    ]
    assert all(text[t.start : t.end] == t.text for t in tokens)
    assert tokenize("") == []


def test_skip_leaves_out_kinds() -> None:
    text = "SELECT ?x # c\n{ 'x' }"
    assert [t.kind for t in tokenize(text, skip=(SPACE, COMMENT, STRING))] == [WORD, VAR, PUNCT, PUNCT]
    assert [t.text for t in tokenize(text, skip=frozenset(KINDS) - {VAR})] == ["?x"]


def test_is_word_ignores_case_and_never_matches_names() -> None:
    select, name, var = tokenize("select ex:select ?select", skip=(SPACE,))
    assert select.is_word("SELECT", "ASK")
    assert not select.is_word("ASK")
    assert not name.is_word("SELECT") and not var.is_word("SELECT")


ALPHABET = list("{}()<>#'\"\\?$:._-%*;,=! \n\ta1ÿ中·") + ["'''", '"""', "\\u0041", "SELECT", "ex:a", "%4F"]


@pytest.mark.parametrize("seed", range(5))
def test_any_text_is_covered_exactly_once(seed: int) -> None:
    """Whatever the text, the tokens are contiguous, cover it, and have known kinds."""
    rng = random.Random(seed)
    for _ in range(300):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))
        tokens = tokenize(text)
        assert "".join(t.text for t in tokens) == text
        assert all(t.kind in KINDS and t.text for t in tokens)
        assert [t.start for t in tokens] == [0, *(t.end for t in tokens)][: len(tokens)]
        assert all(len(t.text) == 1 for t in tokens if t.kind == PUNCT)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?o WHERE { VALUES ?o { '''it's\n}''' \"\"\"a \"b\" }\"\"\" 'c\\'d' } }",
        "PREFIX ex: <http://e/> SELECT ?o WHERE { VALUES ?o { ex:a\\#b ex:c.d ex:e\\. } }",
        "SELECT ?o WHERE { VALUES ?o { <http://x/#f> <http://x/\\u0041> 1.5e3 } }",
    ],
)
def test_literals_agree_with_the_engine(query: str) -> None:
    """The strings, IRIs and names the scanner reads are the terms the engine reads."""
    tokens = tokenize(query, skip=(SPACE,))
    block = [i for i, t in enumerate(tokens) if t.kind == PUNCT and t.text == "{"][1]
    values = tokens[block + 1 : -2]  # between "VALUES ?o {" and "} }"
    assert all(t.kind in (STRING, IRI, PNAME, WORD) for t in values), values
    answers = list(pyoxigraph.Store().query(query))
    assert len(answers) == len(values)
