"""The saved-query library: headers, parameter binding, injection safety, OpenAPI, and
every saved query answering on the real seed store."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyoxigraph
import pytest

from gongkai.errors import GongkaiError
from gongkai.saved_queries import (
    BoundQuery,
    ParameterError,
    SavedQuery,
    Window,
    bind,
    load_queries,
    load_query,
    openapi,
    run,
    to_oxigraph_term,
)
from gongkai.store import OxigraphStore
from tests.conftest import REPO, SEED_000, SEED_001

XSD = "http://www.w3.org/2001/XMLSchema#"
BASE = "https://w3id.org/gongkai/"
ITEM_ARXAN_SUSPEND = BASE + "item/152202/social-insurance/02b5b70e92"  # 暂停养老保险待遇申请
ITEM_YINING_INJURY = BASE + "item/654002/social-insurance/15df912b58"  # 工伤认定申请

REQUIRED_QUERIES = {
    "items-per-place", "legal-bases-per-place", "items-without-legal-basis", "channels-per-place",
    "on-request-only-items", "other-place-mentions", "law-citation-network", "item-provenance",
    "item-details", "tick-distribution", "time-limits-per-place", "unlisted-legal-bases", "catalogs",
    "ticks-lost-items", "search-items", "items-in-category", "content-element-coverage",
}


@pytest.fixture(scope="module")
def queries() -> dict[str, SavedQuery]:
    return load_queries()


@pytest.fixture(scope="module")
def store(seed_store: Path):
    with OxigraphStore.open(seed_store) as opened:
        yield opened


def rows(store: OxigraphStore, query: SavedQuery, args: dict[str, Any] | None = None) -> list[dict[str, str]]:
    """The query's solutions as {variable: lexical value} (unbound variables left out)."""
    bound = bind(query, args or {})
    result = run(store, bound)
    names = [v.value for v in result.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in result]


def pick(found: list[dict[str, str]], **where: str) -> list[dict[str, str]]:
    return [r for r in found if all(r.get(k) == v for k, v in where.items())]


def write_query(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.rq"
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the files


def test_the_library_has_the_queries_users_need(queries):
    assert len(queries) >= 15
    assert set(queries) >= REQUIRED_QUERIES
    assert list(queries) == sorted(queries)


def test_every_query_has_summary_description_tags_and_example(queries):
    for name, query in queries.items():
        assert query.name == name and query.path is not None and query.path.stem == name
        assert query.summary and query.description and query.tags
        assert query.example.startswith(f"/queries/{name}"), name
        assert query.form == "SELECT"
        assert query.summary.isascii(), f"{name}: the summary is the English title"


def _code(text: str) -> str:
    """Query text without comments (good enough for the files here: no '#' inside strings/IRIs
    except in IRIs, which the regex keeps)."""
    out = []
    for line in text.splitlines():
        stripped = re.sub(r"<[^>\s]*>", lambda m: m.group().replace("#", "\0"), line)
        out.append(stripped.split("#", 1)[0].replace("\0", "#"))
    return "\n".join(out)


def test_declared_parameters_are_used_and_used_ones_declared(queries):
    for name, query in queries.items():
        code = _code(query.text)
        used = {m.group(2): m.group(1) == "_" for m in re.finditer(r"[?$](__?)([a-z][a-z0-9_]*)\b", code)}
        declared = {p.name: p.required for p in query.parameters}
        assert used == declared, name
        for parameter in query.parameters:
            assert parameter.description
            assert parameter.type in ("iri", "string", "integer", "place-code", "boolean")
            if parameter.multi:
                assert f"#VALUES ?{parameter.variable}" in query.text, name


def test_every_query_orders_its_rows(queries):
    for name, query in queries.items():
        tail = _code(query.text).rsplit("}", 1)[1]
        assert "ORDER BY" in tail, f"{name} has no top-level ORDER BY"


def test_single_valued_parameters_are_projected(queries):
    """pyoxigraph substitutes only projected variables (see the module docstring)."""
    for name, query in queries.items():
        head = _code(query.text).split("WHERE", 1)[0]
        for parameter in query.parameters:
            if not parameter.multi:
                assert f"?{parameter.variable}" in head, f"{name}: ?{parameter.variable} must be in SELECT"


def test_headers_mean_the_same_to_pyyaml_as_grlc_reads_them(queries):
    yaml = pytest.importorskip("yaml")
    for name, query in queries.items():
        header = "\n".join(line[3:] for line in query.text.splitlines() if line.startswith("#+"))
        data = yaml.safe_load(header)
        assert data["summary"] == query.summary and data["example"] == query.example, name
        assert data["tags"] == query.tags
        assert data.get("pagination") == query.pagination
        assert data.get("chart") == query.chart
        assert set(data.get("parameters") or {}) == {p.name for p in query.parameters}


@pytest.mark.parametrize(
    "header",
    [
        "summary: plain text, with commas and 中文（全角：冒号）\ndescription: >\n  folded\n  lines\n\n  new paragraph\n",
        "description: |\n  kept\n    indented\n  lines\nsummary: x\n",
        "description: a plain value\n  continued here\n  and here # comment\nsummary: 'single '' quote'\n",
        'summary: "double \\" quote \\u4e2d"\ntags:\n- a\n- "b, c"\nexample: /queries/x?a=1&b=2\n',
        "parameters:\n  place:\n    type: place-code\n    default: '654002'\n    enum: [\"1\", '2', three]\n"
        "    list: true\n  n:\n    default: 20\n    flag: false\n    none: ~\n",
        "chart: {type: bar, x: a, y: 'b c'}\npagination: 100 # rows\n# a comment line\ntags: []\n",
    ],
)
def test_header_subset_agrees_with_pyyaml(header):
    yaml = pytest.importorskip("yaml")
    from gongkai.saved_queries import _parse_header

    lines = list(enumerate(header.splitlines(), start=1))
    assert _parse_header(lines)[0] == yaml.safe_load(header)


def test_a_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.rq"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.format(name="bom").encode("utf-8"))
    assert load_query(path).summary == "Items of a place"


def test_queries_are_packaged():
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '"gongkai._data.queries" = "queries"' in text
    assert '"gongkai._data.queries" = ["*.rq"]' in text


# --------------------------------------------------------------------------- header errors

GOOD = """\
#+ summary: Items of a place
#+ description: Items of one place.
#+ tags: [test]
#+ example: /queries/{name}?place=654002
#+ parameters:
#+   place:
#+     type: place-code
#+     description: the place
PREFIX gk: <https://w3id.org/gongkai/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?__place ?item WHERE {{
  ?item gk:inCatalog/dct:spatial/gk:divisionCode ?__place .
}}
ORDER BY ?item
"""


def test_a_good_test_query_loads(tmp_path):
    query = load_query(write_query(tmp_path, "good", GOOD.format(name="good")))
    assert [p.name for p in query.parameters] == ["place"]
    assert query.parameters[0].required is False and query.parameters[0].variable == "__place"


def test_a_place_keyed_query_may_ask_for_its_national_view_in_one_query(tmp_path):
    text = GOOD.format(name="sparse").replace("ORDER BY ?item", "ORDER BY ?__place ?item").replace(
        "#+ tags: [test]", "#+ tags: [test]\n#+ pagination: 10")
    assert load_query(write_query(tmp_path, "sparse", text)).window.key == "__place"
    one = text.replace("#+ pagination: 10", "#+ pagination: 10\n#+ national: one-query")
    assert load_query(write_query(tmp_path, "sparse", one)).window is None


KEYED = """\
#+ summary: Items by title
#+ description: Items ordered by their title.
#+ tags: [test]
#+ example: /queries/{name}
#+ pagination: 10
#+ national:
#+   windows: item
#+   keys: SELECT ?__item WHERE {{ ?__item dct:title ?title }} ORDER BY ?title ?__item
#+ parameters:
#+   item:
#+     type: iri
#+     description: one item
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?__item ?title WHERE {{
  ?__item dct:title ?title .
}}
ORDER BY ?title ?__item DESC(?x)
"""


def test_a_query_may_declare_windows_of_another_key(tmp_path):
    query = load_query(write_query(tmp_path, "keyed", KEYED.format(name="keyed")))
    assert query.window == Window(parameter="item", key="__item", keys=(
        "PREFIX dct: <http://purl.org/dc/terms/>\n"
        "SELECT ?__item WHERE { ?__item dct:title ?title } ORDER BY ?title ?__item\n"))
    assert bind(query, {}, extra_row=True).window_parameter == query.parameters[0]
    assert bind(query, {"item": "urn:x:1"}, extra_row=True).window_parameter is None  # one key: no windows


def test_declared_keys_may_count_their_rows_sort_descending_and_name_the_row_key(tmp_path):
    """compare-coverage's shape: keys ranked by a count, descending, tallied with their
    rows (so the windows can be sized); the rows hold the key under another name."""
    counted = (KEYED.replace("SELECT ?__item WHERE {{ ?__item dct:title ?title }} ORDER BY ?title ?__item",
                             "SELECT DISTINCT ?__item (COUNT(?title) AS ?rows) WHERE {{ ?__item dct:title ?title }} "
                             "GROUP BY ?__item ORDER BY DESC(?__item)")
               .replace("#+   windows: item", "#+   windows: item\n#+   key: same_item")
               .replace("SELECT ?__item ?title WHERE", "SELECT ?__item ?same_item ?title WHERE")
               .replace("ORDER BY ?title ?__item DESC(?x)", "ORDER BY DESC(?__item) ?title"))
    query = load_query(write_query(tmp_path, "counted", counted.format(name="counted")))
    assert query.window.key == "same_item"
    assert "(COUNT(?title) AS ?rows)" in query.window.keys


@pytest.mark.parametrize(
    ("edit", "line", "message"),
    [
        (lambda t: t.replace("#+ pagination: 10\n", ""), 5, "national windows apply to a paginated query"),
        (lambda t: t.replace("#+   windows: item", "#+   windows: item\n#+   colour: red"), 8,
         "national: unknown key 'colour'"),
        (lambda t: t.replace("windows: item", "windows: place"), 7, "must name an optional parameter"),
        (lambda t: t.replace("SELECT ?__item WHERE { ?__item dct:title ?title }",
                             "SELECT ?__item ?title WHERE { ?__item dct:title ?title }"), 8,
         "must be a SELECT of ?__item alone"),
        (lambda t: t.replace("} ORDER BY ?title ?__item", "} ORDER BY ?__item ?title"), 8,
         "must end with ?__item"),
        (lambda t: t.replace("ORDER BY ?title ?__item DESC(?x)", "ORDER BY ?__item ?title"), 8,
         "must start with the ORDER BY of 'keys:'"),
        (lambda t: t.replace("{ ?__item dct:title ?title }", "{ ?__item dct:title }"), 8,
         "'keys:' is not SPARQL"),
        (lambda t: t.replace("SELECT ?__item WHERE", "SELECT ?__item (COUNT(?title) AS ?parts) WHERE"), 8,
         "alone, or with its rows"),
        (lambda t: t.replace("#+   windows: item", "#+   windows: item\n#+   key: item"), 8,
         "'key:' must name a variable the query projects"),
    ],
)
def test_declared_windows_are_checked(tmp_path, edit, line, message):
    assert_refused(write_query(tmp_path, "bad", edit(KEYED.format(name="bad"))), line, message)


RANKED = """\
#+ summary: Items ranked by size
#+ description: Items with the most parts first.
#+ tags: [test]
#+ example: /queries/{name}
#+ pagination: 10
PREFIX gk: <https://w3id.org/gongkai/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?item ?parts ?title WHERE {{
  {{
    SELECT ?item ?parts WHERE {{ ?item gk:partCount ?parts }}
    ORDER BY DESC(?parts) ?item
    #LIMIT
  }}
  OPTIONAL {{ ?item dct:title ?title }}
}}
ORDER BY DESC(?parts) $item
"""


def test_a_sub_select_sorted_as_the_query_keeps_the_rows_up_to_the_page(tmp_path):
    query = load_query(write_query(tmp_path, "ranked", RANKED.format(name="ranked")))
    assert query.page_limit
    bound = bind(query, {"page": "3", "page_size": "4"}, extra_row=True)
    # rows 9 to 13 of the query: the sub-SELECT keeps its first 13 (the extra row included)
    assert "    ORDER BY DESC(?parts) ?item\n    LIMIT 13\n  }" in bound.text
    assert bound.text.endswith("ORDER BY DESC(?parts) $item\nLIMIT 5\nOFFSET 8\n")
    assert bound.unpaged == query.text  # unpaged, the sub-SELECT keeps every row
    assert not load_query(write_query(tmp_path, "good", GOOD.format(name="good"))).page_limit

    parts = pyoxigraph.NamedNode("https://w3id.org/gongkai/ontology#partCount")
    title = pyoxigraph.NamedNode("http://purl.org/dc/terms/title")
    memory = pyoxigraph.Store()
    for n in range(30):
        item = pyoxigraph.NamedNode(f"urn:item:{n:02d}")
        memory.add(pyoxigraph.Quad(item, parts, pyoxigraph.Literal(str(n % 7), datatype=pyoxigraph.NamedNode(XSD + "integer"))))
        if n % 3:
            memory.add(pyoxigraph.Quad(item, title, pyoxigraph.Literal(f"item {n}")))
    engine = OxigraphStore(memory, Path(":memory:"), read_only=True)
    whole = [(s["item"].value, s["parts"].value, s["title"] and s["title"].value)
             for s in engine.query(query.text)]
    assert len(whole) == 30 and whole[0][:2] == ("urn:item:06", "6")
    for size in (1, 4, 7, 30):
        for page in range(1, 30 // size + 2):
            bound = bind(query, {"page": str(page), "page_size": str(size)})
            got = [(s["item"].value, s["parts"].value, s["title"] and s["title"].value) for s in run(engine, bound)]
            assert got == whole[(page - 1) * size : page * size], (size, page)


@pytest.mark.parametrize(
    ("edit", "line", "message"),
    [
        (lambda t: t.replace("#+ pagination: 10\n", ""), 11, "the query must be paginated"),
        (lambda t: t.replace("    #LIMIT\n", "    #LIMIT\n    #LIMIT\n"), 13, "one '#LIMIT' line at most"),
        (lambda t: t.replace("    #LIMIT\n", "").replace("ORDER BY DESC(?parts) $item", "#LIMIT\nORDER BY DESC(?parts) $item"),
         15, "must be the last line of a sub-SELECT"),
        (lambda t: t.replace("    #LIMIT\n", "").replace("?item gk:partCount ?parts }}", "?item gk:partCount ?parts\n#LIMIT\n }}"),
         11, "must be the last line of a sub-SELECT"),
        (lambda t: t.replace("    #LIMIT\n", "    #LIMIT\n    VALUES ?item {{ }}\n"), 12, "must be the last line"),
        (lambda t: t.replace("ORDER BY DESC(?parts) ?item\n", "ORDER BY DESC(?parts) ?item LIMIT 3\n"), 12,
         "must not have a LIMIT or OFFSET of its own"),
        (lambda t: t.replace("ORDER BY DESC(?parts) ?item\n", "ORDER BY ?item\n"), 12,
         "must have the query's own ORDER BY"),
        (lambda t: t.replace("    ORDER BY DESC(?parts) ?item\n", ""), 11, "must have the query's own ORDER BY"),
    ],
)
def test_a_page_limit_is_checked(tmp_path, edit, line, message):
    assert_refused(write_query(tmp_path, "bad", edit(RANKED).format(name="bad")), line, message)


def test_an_escaped_quote_in_a_local_name_hides_no_brace(tmp_path):
    """The shared scanner reads ``gk:it\\'s`` as one name, as the engine does, so the
    '}' after it still closes the pattern and ORDER BY is seen at the top level."""
    text = (GOOD.format(name="esc").replace("?__place .\n}", "?__place ; dct:type gk:it\\'s }")
            .replace("#+ tags: [test]", "#+ tags: [test]\n#+ pagination: 10"))
    query = load_query(write_query(tmp_path, "esc", text))
    assert bind(query, {"place": ["654002"]}).text.endswith("gk:it\\'s }\nORDER BY ?item\nLIMIT 10\nOFFSET 0\n")


@pytest.mark.parametrize(
    ("edit", "line", "message"),
    [
        (lambda t: t.replace("#+ summary: Items of a place\n", ""), 1, "missing 'summary:'"),
        (lambda t: t.replace("#+ tags: [test]", "#+ tags: [test]\n#+ colour: red"), 4, "unknown header key 'colour'"),
        (lambda t: t.replace("type: place-code", "type: place"), 7, "type must be one of"),
        (lambda t: t.replace("#+     description: the place", "#+    description: the place"), 8, "indentation"),
        (lambda t: t.replace("#+ tags: [test]", "#+ tags: yes"), 3, "ambiguous"),
        (lambda t: t.replace("#+ tags: [test]", "#+\ttags: [test]"), 3, "'#+ '"),
        (lambda t: t.replace("#+     description: the place", "#+     description: the: place"), 8, "': '"),
        (lambda t: t.replace("#+ description: Items of one place.", '#+ description: "open'), 2, "unterminated"),
        (lambda t: t.replace("?item WHERE", "?item ?_other WHERE"), 11, "?_other is not declared"),
        (lambda t: t.replace("?__place .", "?x .").replace("SELECT ?__place", "SELECT"), 6, "declared but"),
        (lambda t: t.replace("ORDER BY ?item", "ORDER BY ?item\n#+ pagination: 10"), 15, "after the query"),
        (lambda t: t.replace("?item gk:inCatalog", "?item gk:inCatalog ?? ."), 12, "SPARQL syntax error"),
        (lambda t: t.replace("SELECT ?__place ?item", "SELECT ?item"), 11, "SELECT projection"),
        (lambda t: t.replace("?place=654002", "?place=65400"), 4, "'example:' does not bind"),
        (lambda t: t.replace("/queries/bad?", "/queries/other?"), 4, "'example:' must call /queries/bad"),
        (lambda t: t.replace("description: the place", "description: the place\n#+     default: \"12\""), 9,
         "6-digit"),
        (lambda t: t.replace("description: the place", "description: the place\n#+     enum: ['654002']\n"
                                                       "#+     default: '152202'"), 10, "not in 'enum:'"),
        (lambda t: t.replace("ORDER BY ?item", "").replace("#+ tags: [test]", "#+ tags: [test]\n#+ pagination: 10"),
         10, "needs an ORDER BY"),
        (lambda t: t.replace("#+ tags: [test]", "#+ tags: [test]\n#+ pagination: 10").replace(
            "ORDER BY ?item", "ORDER BY ?item LIMIT 5"), 10, "own LIMIT"),
        (lambda t: t.replace("#+ tags: [test]", "#+ tags: [test]\n#+ national: all-at-once"), 4,
         "'national:' must be one of windows, one-query"),
        # ordered by item, not by place first: there are no windows to opt out of
        (lambda t: t.replace("#+ tags: [test]", "#+ tags: [test]\n#+ pagination: 10\n#+ national: one-query"), 5,
         "'national: one-query' applies to a query ordered by place first"),
    ],
)
def test_header_and_query_errors_name_file_and_line(tmp_path, edit, line, message):
    assert_refused(write_query(tmp_path, "bad", edit(GOOD.format(name="bad"))), line, message)


def assert_refused(path: Path, line: int, message: str) -> None:
    """Loading ``path`` fails with ``message``, naming the file and the line."""
    with pytest.raises(GongkaiError) as caught:
        load_query(path)
    assert caught.value.file == str(path)
    assert caught.value.line == line, str(caught.value)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{path}:{line}: ")


def test_load_queries_names_a_missing_folder(tmp_path):
    with pytest.raises(GongkaiError, match="no such query folder"):
        load_queries(tmp_path / "missing")


def test_a_file_without_header_or_with_a_bad_name_is_refused(tmp_path):
    with pytest.raises(GongkaiError, match="no '#\\+' header"):
        load_query(write_query(tmp_path, "plain", "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s\n"))
    with pytest.raises(GongkaiError, match="file name"):
        load_query(write_query(tmp_path, "Bad_Name", GOOD.format(name="Bad_Name")))


# --------------------------------------------------------------------------- binding

TYPED = """\
#+ summary: Every parameter type
#+ description: >
#+   A query with one parameter of each type,
#+   for the binding tests.
#+ tags:
#+   - test
#+ example: /queries/typed?code=654002
#+ pagination: 20
#+ parameters:
#+   code:
#+     type: place-code
#+     description: a place code
#+   item:
#+     type: iri
#+     description: an item
#+     default: https://w3id.org/gongkai/item/x
#+   count:
#+     type: integer
#+     description: a number
#+     default: 3
#+   flag:
#+     type: boolean
#+     description: a flag
#+     default: false
#+   name:
#+     type: string
#+     lang: zh
#+     description: a label
#+     enum: [全社会, 特定群众]
#+   words:
#+     type: string
#+     list: true
#+     description: several texts
PREFIX gk: <https://w3id.org/gongkai/ontology#>
SELECT ?_code ?_item ?__count ?__flag ?__name ?__words WHERE {
  #VALUES ?__words
  ?x ?p ?__words .
  ?_item gk:x ?_code .
  OPTIONAL { ?x gk:n ?__count ; gk:f ?__flag ; gk:l ?__name }
}
ORDER BY ?x
"""


@pytest.fixture(scope="module")
def typed(tmp_path_factory) -> SavedQuery:
    return load_query(write_query(tmp_path_factory.mktemp("typed"), "typed", TYPED))


def test_bind_types_every_value_as_an_rdf_term(typed):
    bound = bind(typed, {"code": "152202", "item": BASE + "item/y", "count": "42", "flag": "TRUE",
                         "name": "全社会", "words": ["a", "b", "a"]})
    assert isinstance(bound, BoundQuery)
    assert bound.substitutions == {
        "_code": {"type": "literal", "value": "152202"},
        "_item": {"type": "uri", "value": BASE + "item/y"},
        "__count": {"type": "literal", "value": "42", "datatype": XSD + "integer"},
        "__flag": {"type": "literal", "value": "true", "datatype": XSD + "boolean"},
        "__name": {"type": "literal", "value": "全社会", "xml:lang": "zh"},
    }
    assert bound.values == {"__words": [{"type": "literal", "value": "a"}, {"type": "literal", "value": "b"}]}
    assert bound.arguments == {"code": "152202", "item": BASE + "item/y", "count": 42, "flag": True,
                               "name": "全社会", "words": ("a", "b")}
    assert 'VALUES ?__words { "a" "b" }' in bound.text
    assert bound.text.endswith("LIMIT 20\nOFFSET 0\n")
    terms = bound.oxigraph_substitutions()
    assert terms["__name"] == pyoxigraph.Literal("全社会", language="zh")
    assert terms["__count"] == pyoxigraph.Literal(42)


def test_bind_uses_defaults_and_leaves_optional_parameters_unbound(typed):
    bound = bind(typed, {"code": "654002", "name": ""})
    assert bound.arguments == {"code": "654002", "item": BASE + "item/x", "count": 3, "flag": False}
    assert "__name" not in bound.substitutions and "__words" not in bound.substitutions
    assert bound.values == {}
    assert "#VALUES ?__words" in bound.text  # the marker stays a comment
    assert bound.page == 1 and bound.page_size == 20


@pytest.mark.parametrize(
    ("raw", "parameter", "message"),
    [
        ({}, "code", "missing required parameter 'code'"),
        ({"code": "65400"}, "code", "6-digit"),
        ({"code": "６５４００２"}, "code", "6-digit"),
        ({"code": "654002x"}, "code", "6-digit"),
        ({"code": ["654002", "152202"]}, "code", "takes one value"),
        ({"code": "654002", "count": "4.5"}, "count", "not an integer"),
        ({"code": "654002", "count": "1" * 30}, "count", "not an integer"),
        ({"code": "654002", "flag": "maybe"}, "flag", "not a boolean"),
        ({"code": "654002", "name": "群众"}, "name", "is not one of"),
        ({"code": "654002", "item": "not an iri"}, "item", "IRI"),
        ({"code": "654002", "item": "relative/path"}, "item", "no scheme"),
        ({"code": "654002", "item": "http://x/a>b"}, "item", "'>'"),
        ({"code": "654002", "item": "http://x/a b"}, "item", "not a valid IRI"),
        ({"code": "654002", "item": "http://x/{a}"}, "item", "not a valid IRI"),
        ({"code": "654002", "item": "http://x/a\nb"}, "item", "not a valid IRI"),
        ({"code": "654002", "colour": "red"}, "colour", "unknown parameter 'colour'"),
        ({"code": "654002", "page": "0"}, "page", "between 1"),
        ({"code": "654002", "page": "two"}, "page", "integer"),
        ({"code": "654002", "page_size": "1001"}, "page_size", "between 1 and 1000"),
        ({"code": "654002", "page_size": "0"}, "page_size", "between 1 and 1000"),
        ({"code": "654002", "words": ["w"] * 101}, "words", "at most 100"),
    ],
)
def test_bind_refuses_bad_values_naming_the_parameter(typed, raw, parameter, message):
    with pytest.raises(ParameterError) as caught:
        bind(typed, raw)
    assert caught.value.parameter == parameter
    assert message in str(caught.value)
    assert repr(parameter) in str(caught.value) or parameter in str(caught.value)


def test_paging_and_ignored_names(typed):
    bound = bind(typed, {"code": "654002", "page": "3", "page_size": "7", "format": "csv"},
                 ignore=["format"], extra_row=True)
    assert (bound.page, bound.page_size) == (3, 7)
    assert bound.text.endswith("LIMIT 8\nOFFSET 14\n")
    assert bind(typed, {"code": "654002", "page_size": "50"}, max_page_size=50).page_size == 50
    with pytest.raises(ParameterError, match="between 1 and 10"):
        bind(typed, {"code": "654002", "page_size": "50"}, max_page_size=10)
    assert bind(typed, {"code": "654002"}, max_page_size=10).page_size == 10


def test_an_unpaginated_query_refuses_paging(queries):
    with pytest.raises(ParameterError, match="not paginated") as caught:
        bind(queries["item-details"], {"page": "2"})
    assert caught.value.parameter == "page"


def test_bind_never_touches_the_text_for_single_values(queries):
    query = queries["search-items"]
    nasty = '"} ; DROP ALL ; { <x> ?y """ \' \n # >'
    bound = bind(query, {"text": nasty})
    assert bound.text.startswith(query.text.rstrip())  # only LIMIT/OFFSET appended
    assert bound.substitutions["_text"] == {"type": "literal", "value": nasty}


def test_to_oxigraph_term():
    assert to_oxigraph_term({"type": "uri", "value": "http://x/a"}) == pyoxigraph.NamedNode("http://x/a")
    assert to_oxigraph_term({"type": "literal", "value": "a"}) == pyoxigraph.Literal("a")
    assert to_oxigraph_term({"type": "literal", "value": "a", "xml:lang": "zh"}) == pyoxigraph.Literal(
        "a", language="zh")
    assert to_oxigraph_term({"type": "literal", "value": "5", "datatype": XSD + "integer"}) == pyoxigraph.Literal(5)
    with pytest.raises(ValueError):
        to_oxigraph_term({"type": "bnode", "value": "b0"})
    with pytest.raises(ValueError):
        to_oxigraph_term({"type": "uri", "value": "has space"})


# --------------------------------------------------------------------------- injection

ECHO = """\
#+ summary: Echo
#+ description: Gives its values back.
#+ tags: [test]
#+ example: /queries/echo?text=a&words=b
#+ parameters:
#+   text:
#+     type: string
#+     description: one text
#+   words:
#+     type: string
#+     list: true
#+     description: several texts
#+   iris:
#+     type: iri
#+     list: true
#+     description: several IRIs
SELECT ?_text ?__words ?__iris WHERE {
  #VALUES ?__words
  #VALUES ?__iris
}
ORDER BY ?__words ?__iris
"""

HOSTILE = [
    '" } ; DROP ALL ; SELECT * { "',
    "'''} INSERT DATA { <a> <b> <c> } #",
    '\\" } FILTER(false) #',
    "line one\nline two }\r\n{ ?s ?p ?o }",
    "> <http://evil/> .",
    "#VALUES ?__words",
    "\u2028\u0000\ttab",
    "中文「引号」《法》",
    "\\",
]


@pytest.fixture(scope="module")
def echo(tmp_path_factory) -> SavedQuery:
    return load_query(write_query(tmp_path_factory.mktemp("echo"), "echo", ECHO))


def test_hostile_values_come_back_verbatim_and_never_change_the_query(echo):
    engine = OxigraphStore(pyoxigraph.Store(), Path(":memory:"), read_only=True)
    bound = bind(echo, {"text": HOSTILE[0], "words": HOSTILE})
    assert bound.text.count("VALUES ?__words {") == 1 and "\n  #VALUES ?__iris\n" in bound.text
    result = run(engine, bound)
    got = sorted(s["__words"].value for s in result)
    assert got == sorted(HOSTILE)  # one row per value: nothing was added, dropped or parsed
    for solution in run(engine, bound):
        assert solution["_text"].value == HOSTILE[0]
        assert solution["__iris"] is None


def test_hostile_iris_are_refused_before_reaching_the_query(echo):
    for bad in ["http://x/> } DROP ALL", "http://x/a\nb", 'http://x/"', "javascript alert(1)", "urn:x y", ""]:
        if not bad:
            assert bind(echo, {"text": "a", "iris": [bad]}).values == {}
            continue
        with pytest.raises(ParameterError) as caught:
            bind(echo, {"text": "a", "iris": ["http://ok/", bad]})
        assert caught.value.parameter == "iris"
    bound = bind(echo, {"text": "a", "iris": ["http://example.org/是/a?b=c#d"]})
    assert "VALUES ?__iris { <http://example.org/是/a?b=c#d> }" in bound.text


def test_the_values_clause_goes_to_the_where_pattern_without_a_marker(tmp_path):
    text = ECHO.replace("  #VALUES ?__words\n", "").replace("echo?", "nomarker?")
    query = load_query(write_query(tmp_path, "nomarker", text))
    bound = bind(query, {"text": "a", "words": ["x", "y"]})
    assert 'WHERE {\n  VALUES ?__words { "x" "y" }' in bound.text
    engine = OxigraphStore(pyoxigraph.Store(), Path(":memory:"), read_only=True)
    assert sorted(s["__words"].value for s in run(engine, bound)) == ["x", "y"]


def test_pyoxigraph_substitution_rule():
    """The rule the module docstring states: substituted variables must be projected."""
    store = pyoxigraph.Store()
    store.add(pyoxigraph.Quad(pyoxigraph.NamedNode("http://x/a"), pyoxigraph.NamedNode("http://x/p"),
                              pyoxigraph.Literal("v")))
    subs = {pyoxigraph.Variable("s"): pyoxigraph.NamedNode("http://x/a")}
    assert [str(r["o"]) for r in store.query("SELECT ?s ?o WHERE { ?s <http://x/p> ?o }", substitutions=subs)] \
        == ['"v"']
    with pytest.raises(RuntimeError, match="SELECT projection"):
        store.query("SELECT ?o WHERE { ?s <http://x/p> ?o }", substitutions=subs)


# --------------------------------------------------------------------------- OpenAPI


def test_openapi_document_is_valid_3_1(queries):
    from openapi_spec_validator import validate

    document = openapi(queries, base_path="/")
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {f"/queries/{name}" for name in queries}
    json.dumps(document, ensure_ascii=False)  # serialisable as it is

    get = document["paths"]["/queries/items-per-place"]["get"]
    assert get["summary"] == queries["items-per-place"].summary and "dashboards" in get["tags"]
    params = {p["name"]: p for p in get["parameters"]}
    assert set(params) == {"place", "page", "page_size", "format"}
    assert params["page_size"]["schema"]["default"] == 200
    details = {p["name"] for p in document["paths"]["/queries/item-details"]["get"]["parameters"]}
    assert details == {"item", "format"}  # not paginated: no page / page_size
    assert params["place"]["schema"] == {"type": "string", "pattern": "^[0-9]{6}$"}
    assert params["place"]["required"] is False
    assert params["format"]["schema"]["enum"] == ["json", "csv", "tsv", "html"]
    content = get["responses"]["200"]["content"]
    assert {"application/sparql-results+json", "text/csv", "text/tab-separated-values"} <= set(content)
    assert get["x-gongkai-chart"] == {"type": "bar", "x": "category_label", "y": "items"}

    channel = {p["name"]: p for p in document["paths"]["/queries/items-by-channel-type"]["get"]["parameters"]}
    assert channel["channel_type"]["schema"]["type"] == "array" and channel["channel_type"]["explode"] is True
    assert "service-hall" in channel["channel_type"]["schema"]["items"]["enum"]
    assert channel["page_size"]["schema"]["maximum"] == 1000 and channel["page_size"]["schema"]["default"] == 100

    prefixed = openapi(queries, base_path="/api/")
    validate(prefixed)
    assert all(path.startswith("/api/queries/") for path in prefixed["paths"])


# --------------------------------------------------------------------------- on the seed store


def test_every_saved_query_answers_with_its_defaults_and_its_example(queries, store):
    for name, query in queries.items():
        for args in ({}, query.example_arguments()):
            result = run(store, bind(query, args))
            assert isinstance(result, pyoxigraph.QuerySolutions), name
            list(result)


def test_items_per_place(queries, store):
    found = rows(store, queries["items-per-place"])
    totals: dict[str, int] = {}
    for r in found:
        totals[r["__place"]] = totals.get(r["__place"], 0) + int(r["items"])
    assert totals == {"654002": 81, "152202": 67}  # every item sits under one level-1 category
    assert pick(found, __place="654002", category_label="养老保险服务")[0]["items"] == "26"
    assert pick(found, __place="152202", category_label="工伤保险服务")[0]["items"] == "20"
    assert pick(found, __place="654002", category_label="职工正常退休（职）申请")[0]["items"] == "2"
    assert pick(found, __place="152202", place_label="阿尔山市", domain_label="社会保险")
    yining = rows(store, queries["items-per-place"], {"place": "654002"})
    assert len(yining) == 10 and {r["__place"] for r in yining} == {"654002"}
    assert yining[0]["category_label"] == "养老保险服务"  # ordered by items, descending
    assert rows(store, queries["items-per-place"], {"place": "110101"}) == []


def test_legal_bases_per_place(queries, store):
    found = rows(store, queries["legal-bases-per-place"])
    assert len(found) == 24  # every cited title resolves to one of the 12 listed laws
    # 劳动保障监察条例 as cited (line 49) and under its garbled title 劳动保障条例 (17 items)
    labour = pick(found, __place="152202", law_title="劳动保障监察条例")[0]
    assert (labour["listed"], labour["items"], labour["catalog_items"], labour["percent"]) == ("true", "18", "67",
                                                                                               "26.9")
    law = pick(found, __place="654002", law_title="中华人民共和国社会保险法")[0]
    assert (law["listed"], law["items"], law["catalog_items"]) == ("true", "79", "81")
    # both cited by all 67 items once 信息公示条例 counts for 政府信息公开条例: ties ordered by title
    assert [(r["law_title"], r["items"]) for r in rows(store, queries["legal-bases-per-place"], {"place": "152202"})][:2] == [
        ("中华人民共和国政府信息公开条例", "67"), ("中华人民共和国社会保险法", "67")]


def test_items_without_legal_basis(queries, store, seed_store, vocabulary):
    assert rows(store, queries["items-without-legal-basis"]) == []  # every seed item cites a law
    # take the legal bases away from one real item and validate its catalog again, as a
    # build would: the query (which reads the validation report) must find exactly that item
    from rdflib import Graph, URIRef

    from gongkai.validate import result_triples, validate_catalogs

    memory = pyoxigraph.Store()
    memory.extend(store.quads())
    item = pyoxigraph.NamedNode(ITEM_YINING_INJURY)
    legal = pyoxigraph.NamedNode("https://w3id.org/gongkai/ontology#legalBasis")
    catalog = pyoxigraph.NamedNode(BASE + "catalog/654002/social-insurance")
    for quad in list(memory.quads_for_pattern(item, legal, None, None)):
        memory.remove(quad)
    graph = Graph().parse(data=memory.dump(format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=catalog),
                          format="nt")
    report = validate_catalogs({URIRef(catalog.value): graph}, vocabulary.graph)
    flagged = Graph()
    for triple in result_triples(report.results):
        flagged.add(triple)
    memory.load(flagged.serialize(format="nt").encode(), format=pyoxigraph.RdfFormat.N_TRIPLES)
    edited = OxigraphStore(memory, Path(":memory:"), read_only=True)
    found = rows(edited, queries["items-without-legal-basis"])
    assert [(r["__place"], r["item_label"], r["source_line"], r["source_file"]) for r in found] == [
        ("654002", "工伤认定申请", "76", SEED_001.name)]
    assert found[0]["legal_basis_text"] == "《政府信息公开条例》、《社会保险法》、《工伤保险条例》"
    assert rows(edited, queries["items-without-legal-basis"], {"place": "152202"}) == []


def test_channels_per_place(queries, store):
    found = rows(store, queries["channels-per-place"])
    hall = pick(found, __place="152202", channel_label="阿尔山市政务服务中心")[0]
    assert (hall["channel_type_label"], hall["items"]) == ("政务服务中心（大厅）", "59")
    assert hall["channel_type"] == BASE + "vocab/channel-type/service-hall"
    assert pick(found, __place="152202", channel_label="阿勒泰市政务服务中心")[0]["items"] == "2"
    assert pick(found, __place="654002", channel_label="新疆政务服务网伊宁市分站")[0]["items"] == "73"
    assert pick(found, __place="654002", channel_label="政府门户网站")[0]["channel_type_label"] == "政府网站"
    assert len(rows(store, queries["channels-per-place"], {"place": "654002"})) == 3


def test_on_request_only_items(queries, store):
    found = rows(store, queries["on-request-only-items"])
    assert [(r["__place"], r["item_label"], r["source_line"], r["responsible_body_label"]) for r in found] == [
        ("654002", "工伤认定申请", "76", "伊宁市人力资源和社会保障局")]
    assert rows(store, queries["on-request-only-items"], {"place": "152202"}) == []


def test_other_place_mentions_find_altay_inside_arxan(queries, store):
    found = rows(store, queries["other-place-mentions"])
    assert len(found) == 15
    assert {(r["__place"], r["other_place_code"], r["other_place_label"]) for r in found} == {
        ("152202", "654301", "阿勒泰市")}
    bodies = pick(found, role="responsible body")
    assert {r["source_line"] for r in bodies} == {"9", "10", "11", "12", "14"}
    assert {r["named_label"] for r in bodies} == {"阿勒泰市社会保险服务中心"}
    first = pick(found, source_line="9")
    assert {r["named_label"] for r in first} == {"阿勒泰市社会保险服务中心", "阿勒泰市人民政府网站",
                                                 "阿勒泰市政务服务中心", "阿勒泰市政务服务网"}
    assert first[0]["item_label"] == "机关事业单位社会保险登记"
    assert rows(store, queries["other-place-mentions"], {"place": "654002"}) == []


def test_law_citation_network(queries, store):
    found = rows(store, queries["law-citation-network"])
    assert len(found) == 24
    law = BASE + "law/social-insurance-law"
    assert [(r["__place"], r["items"], r["catalogs_citing"]) for r in pick(found, __law=law)] == [
        ("152202", "67", "2"), ("654002", "79", "2")]
    # garbled titles (劳动保障条例, 劳动保险条例) count for the law they stand for
    supervision = pick(found, law_title="劳动保障监察条例")
    assert [(r["listed"], r["__place"], r["items"], r["catalogs_citing"]) for r in supervision] == [
        ("true", "152202", "18", "2"), ("true", "654002", "16", "2")]
    assert {r["catalogs_citing"] for r in found} == {"2"}  # both seeds cite every law they cite
    # place by place, each place's most cited laws first
    assert [r["__place"] for r in found] == ["152202"] * 12 + ["654002"] * 12
    first = [int(r["items"]) for r in found[:12]]
    assert first == sorted(first, reverse=True)
    one = rows(store, queries["law-citation-network"], {"law": BASE + "law/work-injury-insurance-regulation"})
    assert [(r["__place"], r["items"]) for r in one] == [("152202", "20"), ("654002", "15")]
    place = rows(store, queries["law-citation-network"], {"place": "654002"})
    assert [r["__law"] for r in place] == [r["__law"] for r in found[12:]]


def test_item_provenance(queries, store):
    found = rows(store, queries["item-provenance"])  # default: 暂停养老保险待遇申请 of 阿尔山市
    assert [(r["role"], r["source_line"]) for r in found] == [
        ("source row", "31"), ("merged cell", "28"), ("merged cell", "30")]
    sha = hashlib.sha256(SEED_000.read_bytes()).hexdigest()
    for r in found:
        assert r["_item"] == ITEM_ARXAN_SUSPEND and r["item_label"] == "暂停养老保险待遇申请"
        assert (r["source_file"], r["file_sha256"], r["file_format"]) == (SEED_000.name, sha, "pdf-text")
    assert "暂停养老保险待遇申请" in found[0]["raw_text"]
    line_31 = SEED_000.read_text(encoding="utf-8").splitlines()[30]
    assert found[0]["raw_text"] == line_31
    other = rows(store, queries["item-provenance"], {"item": ITEM_YINING_INJURY})
    assert [(r["role"], r["source_file"], r["source_line"]) for r in other] == [
        ("source row", SEED_001.name, "76"), ("merged cell", SEED_001.name, "75")]
    assert rows(store, queries["item-provenance"], {"item": BASE + "item/000000/none/x"}) == []


def test_item_details(queries, store):
    found = rows(store, queries["item-details"])  # default: 工伤认定申请 of 伊宁市
    assert len(found) == 38
    by_label: dict[str, set[str]] = {}
    for r in found:
        by_label.setdefault(r["property_label"], set()).add(r.get("value_label") or r["value"])
    assert by_label["公开方式"] == {"依申请"}
    assert by_label["公开对象"] == {"特定群众"}
    assert by_label["公开依据"] == {"中华人民共和国政府信息公开条例", "中华人民共和国社会保险法", "工伤保险条例"}
    assert by_label["公开时限（工作日）"] == {"20"}
    assert by_label["公开主体"] == {"伊宁市人力资源和社会保障局"}
    assert by_label["对应标准事项"] == {"工伤认定申请"}
    assert len(by_label["公开依据引用"]) == 3 and len(by_label["标准事项对齐记录"]) == 1
    assert by_label["wasDerivedFrom"] == {f"{SEED_001.name}:76"}
    assert len(by_label["公开内容要素"]) == 11
    assert {r["graph"] for r in found} == {BASE + "catalog/654002/social-insurance"}


def test_tick_distribution(queries, store):
    found = rows(store, queries["tick-distribution"])
    table = {(r["__place"], r["__dimension"], r["value_label"]): r["items"] for r in found}
    assert table[("152202", "audience", "全社会")] == "4"
    assert table[("152202", "audience", "（未知）")] == "63"
    assert table[("654002", "method", "依申请")] == "1"
    assert table[("654002", "method", "主动")] == "68"
    assert table[("654002", "level", "乡、村级")] == "61"
    assert table[("654002", "audience", "（未知）")] == "12"
    method = rows(store, queries["tick-distribution"], {"place": "654002", "dimension": "method"})
    assert [(r["value_label"], r["items"]) for r in method] == [("主动", "68"), ("（未知）", "12"), ("依申请", "1")]
    with pytest.raises(ParameterError, match="dimension"):
        bind(queries["tick-distribution"], {"dimension": "colour"})


def test_time_limits_per_place(queries, store):
    found = rows(store, queries["time-limits-per-place"])
    assert [(r["__place"], r["items"], r["items_with_limit"], r["min_days"], r["median_days"], r["max_days"],
             r["items_without_limit"]) for r in found] == [
        ("152202", "67", "67", "20", "20", "20", "0"), ("654002", "81", "81", "20", "20", "20", "0")]
    assert float(found[0]["mean_days"]) == 20


def _tiny_catalog(days: list[int | None]) -> OxigraphStore:
    """A catalog of len(days) items with these time limits (None: no time limit)."""
    gk = "https://w3id.org/gongkai/ontology#"
    dct = "http://purl.org/dc/terms/"
    catalog, place = "http://t/catalog", "http://t/place"
    lines = [f"<{catalog}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{gk}Catalog> .",
             f"<{catalog}> <{dct}spatial> <{place}> .",
             f'<{place}> <{gk}divisionCode> "999999" .']
    for number, value in enumerate(days):
        item = f"http://t/item/{number}"
        lines.append(f"<{item}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{gk}DisclosureItem> .")
        lines.append(f"<{item}> <{gk}inCatalog> <{catalog}> .")
        if value is not None:
            lines.append(f'<{item}> <{gk}timeLimitWorkingDays> "{value}"^^<{XSD}integer> .')
    memory = pyoxigraph.Store()
    memory.load("\n".join(lines), format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=pyoxigraph.NamedNode(catalog))
    return OxigraphStore(memory, Path(":memory:"), read_only=True)


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ([30, 5, 20, 10], ("4", "4", "5", "10", "30", "16.3", "0")),
        ([5, 10, 20, None], ("4", "3", "5", "10", "20", "11.7", "1")),
        ([7, 7, 7, 60, 60], ("5", "5", "7", "7", "60", "28.2", "0")),
        ([None, None], ("2", None, None, None, None, None, "2")),
    ],
)
def test_time_limits_median_on_a_small_catalog(queries, days, expected):
    found = rows(_tiny_catalog(days), queries["time-limits-per-place"])
    keys = ("items", "items_with_limit", "min_days", "median_days", "max_days", "mean_days", "items_without_limit")
    assert [tuple(r.get(k) for k in keys) for r in found] == [expected]


def test_unlisted_legal_bases(queries, store):
    # every title the seeds cite resolves to a listed law (garbled ones as garbled aliases)
    assert rows(store, queries["unlisted-legal-bases"], {"page_size": "1000"}) == []
    # an item citing a law of no reference list: the query finds exactly that citation
    memory = pyoxigraph.Store()
    memory.extend(store.quads())
    gk, dct = "https://w3id.org/gongkai/ontology#", "http://purl.org/dc/terms/"
    law = pyoxigraph.NamedNode(BASE + "law/x-0123456789")
    graph = pyoxigraph.NamedNode(BASE + "catalog/654002/social-insurance")
    memory.add(pyoxigraph.Quad(law, pyoxigraph.NamedNode(gk + "unlisted"), pyoxigraph.Literal(True), graph))
    memory.add(pyoxigraph.Quad(law, pyoxigraph.NamedNode(dct + "title"), pyoxigraph.Literal("工伤保险暂行办法", language="zh"),
                               graph))
    memory.add(pyoxigraph.Quad(pyoxigraph.NamedNode(ITEM_YINING_INJURY), pyoxigraph.NamedNode(gk + "legalBasis"), law, graph))
    edited = OxigraphStore(memory, Path(":memory:"), read_only=True)
    found = rows(edited, queries["unlisted-legal-bases"], {"page_size": "1000"})
    assert [(r["__law"], r["law_title"], r["__place"], r["item_label"], r["source_line"]) for r in found] == [
        (str(law.value), "工伤保险暂行办法", "654002", "工伤认定申请", "76")]
    assert rows(edited, queries["unlisted-legal-bases"], {"place": "152202"}) == []
    # one law: its citations; a listed law is not unlisted, so none
    assert rows(edited, queries["unlisted-legal-bases"], {"law": law.value}) == found
    assert rows(edited, queries["unlisted-legal-bases"], {"law": BASE + "law/social-insurance-law"}) == []


def test_catalogs(queries, store):
    found = rows(store, queries["catalogs"])
    assert [(r["__place"], r["place_label"], r["title"], r["domain_label"], r["publisher_label"], r["source_file"],
             r["items"], r["void_entities"]) for r in found] == [
        ("152202", "阿尔山市", "阿尔山市社会保险领域基层政务公开标准目录", "社会保险", "阿尔山市人民政府", SEED_000.name,
         "67", "67"),
        ("654002", "伊宁市", "伊宁市社会保险领域基层政务公开标准目录", "社会保险", "伊宁市人民政府", SEED_001.name,
         "81", "81")]
    assert found[0]["sha256"] == hashlib.sha256(SEED_000.read_bytes()).hexdigest()
    assert found[1]["sha256"] == hashlib.sha256(SEED_001.read_bytes()).hexdigest()
    assert all(int(r["void_triples"]) > 1000 and r["data_version"] and r["format"] == "pdf-text" for r in found)


def test_ticks_lost_items(queries, store):
    found = rows(store, queries["ticks-lost-items"], {"page_size": "1000"})
    assert len(pick(found, __place="152202")) == 61 and len(pick(found, __place="654002")) == 12
    yining = rows(store, queries["ticks-lost-items"], {"place": "654002"})
    assert (yining[0]["item_label"], yining[0]["source_line"]) == ("企业职工个人社会保险信息变更", "12")
    assert yining[0]["raw_text"] == SEED_001.read_text(encoding="utf-8").splitlines()[11]
    first_page = rows(store, queries["ticks-lost-items"], {"page_size": "50"})
    second_page = rows(store, queries["ticks-lost-items"], {"page_size": "50", "page": "2"})
    assert len(first_page) == 50 and len(second_page) == 23
    assert first_page + second_page == found  # stable order: pages tile the full result


def test_search_items(queries, store):
    found = rows(store, queries["search-items"])  # default text: 养老
    assert len(found) == 48 and all("养老" in r["item_label"] for r in found)
    assert pick(found, item_label="城乡居民养老保险参保登记", __place="152202")[0]["category_label"] == "社会保险登记"
    injury = rows(store, queries["search-items"], {"text": "工伤认定", "place": "654002"})
    assert [(r["item"], r["item_label"], r["category_label"], r["source_line"]) for r in injury] == [
        (ITEM_YINING_INJURY, "工伤认定申请", "工伤保险服务", "76")]
    assert rows(store, queries["search-items"], {"text": '"} UNION { ?item ?p ?o }'}) == []


def test_items_in_category(queries, store):
    found = rows(store, queries["items-in-category"])  # default: 伊宁市, 养老保险服务
    assert len(found) == 26 and {(r["_place"], r["_category"]) for r in found} == {("654002", "养老保险服务")}
    unemployment = rows(store, queries["items-in-category"], {"place": "152202", "category": "失业保险服务"})
    assert len(unemployment) == 10
    assert unemployment[0]["item_label"] == "失业补助金申领" and unemployment[0]["source_line"] == "79"
    # a level-2 category works too
    level2 = rows(store, queries["items-in-category"], {"place": "654002", "category": "暂停养老保险待遇申请"})
    assert {r["item_label"] for r in level2} == {"暂停企业职工养老保险待遇申请", "暂停城乡居民养老保险待遇申请"}
    assert rows(store, queries["items-in-category"], {"place": "152202", "category": "不存在"}) == []


def test_content_element_coverage(queries, store):
    found = rows(store, queries["content-element-coverage"])
    assert len(found) == 22
    name = pick(found, __place="152202", element_label="事项名称")[0]
    assert (name["items"], name["catalog_items"], name["percent"]) == ("66", "67", "98.5")
    complaints = pick(found, __place="152202", element_label="监督投诉渠道")[0]
    assert (complaints["items"], complaints["percent"]) == ("67", "100")
    assert pick(found, __place="654002", element_label="办理材料")[0]["items"] == "81"


def test_anomalies_per_place(queries, store):
    found = rows(store, queries["anomalies-per-place"])
    keys = ("__place", "items", "without_legal_basis", "citing_unlisted_law", "other_place_body_or_channel",
            "ticks_lost", "incomplete")
    assert [tuple(r[k] for k in keys) for r in found] == [
        ("152202", "67", "0", "0", "5", "61", "0"), ("654002", "81", "0", "0", "0", "12", "0")]


def test_items_by_channel_type_with_list_parameters(queries, store):
    query = queries["items-by-channel-type"]
    halls = rows(store, query, {"page_size": "1000"})  # default: service-hall
    assert len(halls) == 61 and {r["place_code"] for r in halls} == {"152202"}
    assert len(pick(halls, channel_label="阿勒泰市政务服务中心")) == 2
    web = rows(store, query, {"channel_type": ["government-website"], "place": ["654002"], "page_size": "1000"})
    assert len(web) == 76 and {r["channel_label"] for r in web} == {"政府门户网站"}
    both = rows(store, query, {"channel_type": ["government-website", "service-hall"],
                               "place": ["654002", "152202"], "page_size": "1000"})
    assert len(both) == 61 + 58 + 76
    assert rows(store, query, {"place": ["654002"]}) == []  # 伊宁市 names no service hall
    with pytest.raises(ParameterError, match="channel_type"):
        bind(query, {"channel_type": ["website"]})


def test_items_citing_law_pages(queries, store):
    query = queries["items-citing-law"]
    first = rows(store, query)
    second = rows(store, query, {"page": "2"})
    assert (len(first), len(second)) == (100, 46)  # 67 + 79 items cite the Social Insurance Law
    assert first[0]["item_label"] == "机关事业单位社会保险登记" and first[0]["source_line"] == "9"
    assert {r["_law"] for r in first + second} == {BASE + "law/social-insurance-law"}
    assert rows(store, query, {"page": "3"}) == []


def test_standard_category_matrix(queries, store):
    found = rows(store, queries["standard-category-matrix"])
    assert len(found) == 16
    table = {(r["standard_label"], r["__place"]): r["items"] for r in found}
    assert table[("社会保险费缴纳", "152202")] == "0"
    assert table[("社会保险费缴纳", "654002")] == "6"
    assert table[("养老保险服务", "654002")] == "26"


# --------------------------------------------------------------------------- command line


def gongkai(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gongkai.cli", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=600, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})


def test_cli_runs_a_saved_query_with_parameters(seed_store):
    result = gongkai("query", "--store", str(seed_store), "items-per-place", "--param", "place=654002",
                     "--format", "json")
    assert result.returncode == 0, result.stderr
    bindings = json.loads(result.stdout)["results"]["bindings"]
    assert len(bindings) == 10 and sum(int(b["items"]["value"]) for b in bindings) == 81
    table = gongkai("query", "--store", str(seed_store), "items-by-channel-type", "--param",
                    "channel_type=government-website", "--param", "channel_type=service-hall",
                    "--param", "place=152202", "--param", "page_size=5")
    assert table.returncode == 0, table.stderr
    assert "阿勒泰市政务服务中心" in table.stdout and "(5 rows)" in table.stdout


def test_cli_saved_query_errors(seed_store):
    bad = gongkai("query", "--store", str(seed_store), "items-per-place", "--param", "place=6540")
    assert bad.returncode == 2 and "parameter 'place'" in bad.stderr and "6-digit" in bad.stderr
    unknown = gongkai("query", "--store", str(seed_store), "no-such-query")
    assert unknown.returncode == 2 and "no saved query named 'no-such-query'" in unknown.stderr
    malformed = gongkai("query", "--store", str(seed_store), "items-per-place", "--param", "place")
    assert malformed.returncode == 2 and "NAME=VALUE" in malformed.stderr
    inline = gongkai("query", "--store", str(seed_store), "SELECT * WHERE { ?s ?p ?o } LIMIT 1",
                     "--param", "a=b")
    assert inline.returncode == 2 and "saved queries only" in inline.stderr


def test_cli_still_runs_files_and_inline_sparql(seed_store, tmp_path):
    rq = tmp_path / "items-per-place.rq"  # a file, even though its stem is a saved query's name
    rq.write_text("SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE { ?i a gk:DisclosureItem }", encoding="utf-8")
    assert "148" in gongkai("query", "--store", str(seed_store), str(rq)).stdout
    inline = gongkai("query", "--store", str(seed_store), "SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE { ?i a gk:DisclosureItem }")
    assert inline.returncode == 0 and "148" in inline.stdout


def test_cli_lists_saved_queries(queries):
    result = gongkai("queries")
    assert result.returncode == 0, result.stderr
    for name, query in queries.items():
        assert f"{name}  {query.summary}" in result.stdout
    assert "--param place=" in result.stdout and "place-code" in result.stdout
    listing = json.loads(gongkai("queries", "--format", "json").stdout)
    assert [q["name"] for q in listing] == list(queries)
    channel = next(q for q in listing if q["name"] == "items-by-channel-type")
    assert channel["parameters"][0] == {
        "name": "channel_type", "type": "string", "required": False, "list": True, "default": ["service-hall"],
        "enum": ["government-website", "online-service-platform", "service-hall", "bulletin-board", "social-media",
                 "press-and-broadcast", "hotline", "other"],
        "description": "channel type (skos:notation of the channel-type scheme)"}
    assert "queries" in gongkai("--help").stdout
