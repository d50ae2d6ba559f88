"""Result serialisers: exact bytes for a small hand-made outcome in every format."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from gongkai.query_service import QueryOutcome
from gongkai.results import GRAPH_FORMATS, SOLUTION_FORMATS, serialize

XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
RES = "{http://www.w3.org/2005/sparql-results#}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ITEM = "https://w3id.org/gongkai/item/1"
TRICKY = '社保\t"卡",\n第二行\r尾'  # tab, quote, comma, LF, CR


def select_outcome() -> QueryOutcome:
    return QueryOutcome(
        form="SELECT",
        variables=["s", "label", "n", "b"],
        bindings=[
            {
                "s": {"type": "uri", "value": ITEM},
                "label": {"type": "literal", "value": TRICKY, "xml:lang": "zh"},
                "n": {"type": "literal", "value": "5", "datatype": XSD_INTEGER},
                "b": {"type": "bnode", "value": "b0"},
            },
            {
                "s": {"type": "uri", "value": "http://example.org/a,b"},
                "label": {"type": "literal", "value": "a < b & c"},
            },
        ],
    )


def ask_outcome(value: bool) -> QueryOutcome:
    return QueryOutcome(form="ASK", boolean=value)


NTRIPLES = (
    f'<{ITEM}> <http://www.w3.org/2004/02/skos/core#prefLabel> "社保卡"@zh .\n'
    f"<{ITEM}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
    "<https://w3id.org/gongkai/ontology#DisclosureItem> .\n"
    f'<{ITEM}> <https://w3id.org/gongkai/ontology#timeLimitWorkingDays> "20"^^<{XSD_INTEGER}> .\n'
    f"_:b0 <http://example.org/p> <{ITEM}> .\n"
    f'<{ITEM}> <http://www.w3.org/2004/02/skos/core#prefLabel> "社保卡"@zh .\n'  # duplicate
)


def graph_outcome() -> QueryOutcome:
    return QueryOutcome(form="CONSTRUCT", ntriples=NTRIPLES)


# --------------------------------------------------------------------------- media types


def test_format_tables() -> None:
    assert SOLUTION_FORMATS == {
        "json": "application/sparql-results+json",
        "xml": "application/sparql-results+xml",
        "csv": "text/csv",
        "tsv": "text/tab-separated-values",
    }
    assert GRAPH_FORMATS == {
        "turtle": "text/turtle",
        "ntriples": "application/n-triples",
        "jsonld": "application/ld+json",
        "rdfxml": "application/rdf+xml",
    }


# --------------------------------------------------------------------------- JSON


def test_json_exact_bytes() -> None:
    expected = (
        '{"head":{"vars":["s","label","n","b"]},"results":{"bindings":['
        '{"s":{"type":"uri","value":"https://w3id.org/gongkai/item/1"},'
        '"label":{"type":"literal","value":"社保\\t\\"卡\\",\\n第二行\\r尾","xml:lang":"zh"},'
        '"n":{"type":"literal","value":"5","datatype":"http://www.w3.org/2001/XMLSchema#integer"},'
        '"b":{"type":"bnode","value":"b0"}},'
        '{"s":{"type":"uri","value":"http://example.org/a,b"},'
        '"label":{"type":"literal","value":"a < b & c"}}]}}\n'
    )
    assert serialize(select_outcome(), "json") == expected.encode()


def test_json_round_trips() -> None:
    outcome = select_outcome()
    document = json.loads(serialize(outcome, "json"))
    assert document["head"]["vars"] == outcome.variables
    assert document["results"]["bindings"] == outcome.bindings


def test_json_boolean() -> None:
    assert serialize(ask_outcome(True), "json") == b'{"head":{},"boolean":true}\n'
    assert json.loads(serialize(ask_outcome(False), "json")) == {"head": {}, "boolean": False}


# --------------------------------------------------------------------------- XML


def test_xml_exact_bytes() -> None:
    expected = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'
        "  <head>\n"
        '    <variable name="s"/>\n'
        '    <variable name="label"/>\n'
        '    <variable name="n"/>\n'
        '    <variable name="b"/>\n'
        "  </head>\n"
        "  <results>\n"
        "    <result>\n"
        '      <binding name="s"><uri>https://w3id.org/gongkai/item/1</uri></binding>\n'
        '      <binding name="label"><literal xml:lang="zh">社保\t"卡",\n第二行&#13;尾</literal></binding>\n'
        '      <binding name="n"><literal datatype="http://www.w3.org/2001/XMLSchema#integer">5</literal></binding>\n'
        '      <binding name="b"><bnode>b0</bnode></binding>\n'
        "    </result>\n"
        "    <result>\n"
        '      <binding name="s"><uri>http://example.org/a,b</uri></binding>\n'
        '      <binding name="label"><literal>a &lt; b &amp; c</literal></binding>\n'
        "    </result>\n"
        "  </results>\n"
        "</sparql>\n"
    )
    assert serialize(select_outcome(), "xml") == expected.encode()


def test_xml_parses_with_the_right_structure() -> None:
    root = ET.fromstring(serialize(select_outcome(), "xml"))
    assert root.tag == f"{RES}sparql"
    assert [child.tag for child in root] == [f"{RES}head", f"{RES}results"]
    names = [v.get("name") for v in root.find(f"{RES}head")]
    assert names == ["s", "label", "n", "b"]
    results = root.find(f"{RES}results").findall(f"{RES}result")
    assert len(results) == 2
    first = {b.get("name"): b[0] for b in results[0].findall(f"{RES}binding")}
    assert first["s"].tag == f"{RES}uri" and first["s"].text == ITEM
    assert first["label"].tag == f"{RES}literal"
    assert first["label"].get(XML_LANG) == "zh"
    assert first["label"].text == TRICKY  # tab, newline and CR survive parsing
    assert first["n"].get("datatype") == XSD_INTEGER and first["n"].text == "5"
    assert first["b"].tag == f"{RES}bnode" and first["b"].text == "b0"
    second = {b.get("name"): b[0] for b in results[1].findall(f"{RES}binding")}
    assert set(second) == {"s", "label"}  # unbound variables have no binding element
    assert second["label"].text == "a < b & c"
    assert second["label"].get("datatype") is None and second["label"].get(XML_LANG) is None


def test_xml_boolean() -> None:
    expected = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'
        "  <head/>\n"
        "  <boolean>false</boolean>\n"
        "</sparql>\n"
    )
    assert serialize(ask_outcome(False), "xml") == expected.encode()
    root = ET.fromstring(serialize(ask_outcome(True), "xml"))
    assert root.find(f"{RES}boolean").text == "true"
    assert root.find(f"{RES}results") is None


def test_xml_keeps_well_formed_with_control_characters() -> None:
    outcome = QueryOutcome(
        form="SELECT", variables=["x"], bindings=[{"x": {"type": "literal", "value": "a\x01b"}}]
    )
    literal = ET.fromstring(serialize(outcome, "xml")).find(f".//{RES}literal")
    assert literal.text == "a\ufffdb"


# --------------------------------------------------------------------------- CSV


def test_csv_exact_bytes() -> None:
    expected = (
        "s,label,n,b\r\n"
        'https://w3id.org/gongkai/item/1,"社保\t""卡"",\n第二行\r尾",5,_:b0\r\n'
        '"http://example.org/a,b",a < b & c,,\r\n'
    )
    assert serialize(select_outcome(), "csv") == expected.encode()


def test_csv_parses_back() -> None:
    text = serialize(select_outcome(), "csv").decode()
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [
        ["s", "label", "n", "b"],
        [ITEM, TRICKY, "5", "_:b0"],
        ["http://example.org/a,b", "a < b & c", "", ""],
    ]


def test_csv_bom_for_excel() -> None:
    plain = serialize(select_outcome(), "csv")
    with_bom = serialize(select_outcome(), "csv", bom=True)
    assert with_bom == b"\xef\xbb\xbf" + plain
    assert not plain.startswith(b"\xef\xbb\xbf")


def test_csv_and_tsv_of_ask() -> None:
    assert serialize(ask_outcome(True), "csv") == b"true\r\n"
    assert serialize(ask_outcome(False), "tsv") == b"false\n"


# --------------------------------------------------------------------------- TSV


def test_tsv_exact_bytes() -> None:
    expected = (
        "?s\t?label\t?n\t?b\n"
        "<https://w3id.org/gongkai/item/1>\t"
        '"社保\\t\\"卡\\",\\n第二行\\r尾"@zh\t'
        '"5"^^<http://www.w3.org/2001/XMLSchema#integer>\t'
        "_:b0\n"
        '<http://example.org/a,b>\t"a < b & c"\t\t\n'
    )
    assert serialize(select_outcome(), "tsv") == expected.encode()


def test_tsv_escapes_keep_one_line_per_row() -> None:
    lines = serialize(select_outcome(), "tsv").decode().split("\n")
    assert lines[-1] == ""
    assert len(lines) == 4  # header, two rows, final newline
    assert all(len(line.split("\t")) == 4 for line in lines[:-1])


def test_tsv_backslash_and_iri_escapes() -> None:
    outcome = QueryOutcome(
        form="SELECT",
        variables=["x", "y"],
        bindings=[
            {
                "x": {"type": "literal", "value": "C:\\dir"},
                "y": {"type": "uri", "value": "http://example.org/a b"},
            }
        ],
    )
    assert serialize(outcome, "tsv") == b'?x\t?y\n"C:\\\\dir"\t<http://example.org/a\\u0020b>\n'


# --------------------------------------------------------------------------- graphs


def test_ntriples_sorted_and_deduplicated() -> None:
    expected = "".join(sorted(set(NTRIPLES.splitlines(keepends=True))))
    data = serialize(graph_outcome(), "ntriples")
    assert data == expected.encode()
    assert len(data.decode().splitlines()) == 4


def test_turtle_exact_bytes() -> None:
    expected = (
        "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "@prefix gk: <https://w3id.org/gongkai/ontology#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        "<https://w3id.org/gongkai/item/1> a gk:DisclosureItem ;\n"
        '\tskos:prefLabel "社保卡"@zh ;\n'
        "\tgk:timeLimitWorkingDays 20 .\n"
        "_:b0 <http://example.org/p> <https://w3id.org/gongkai/item/1> .\n"
    )
    assert serialize(graph_outcome(), "turtle") == expected.encode()


@pytest.mark.parametrize(
    ("fmt", "rdflib_format"),
    [("turtle", "turtle"), ("ntriples", "nt"), ("jsonld", "json-ld"), ("rdfxml", "xml")],
)
def test_graph_formats_parse_to_the_same_graph(fmt: str, rdflib_format: str) -> None:
    reference = Graph().parse(data=NTRIPLES, format="nt")
    data = serialize(graph_outcome(), fmt)
    assert data == serialize(graph_outcome(), fmt)  # deterministic
    assert data.endswith(b"\n")
    assert isomorphic(Graph().parse(data=data, format=rdflib_format), reference)


def test_empty_graph() -> None:
    empty = QueryOutcome(form="CONSTRUCT", ntriples="")
    assert serialize(empty, "ntriples") == b""
    assert len(Graph().parse(data=serialize(empty, "turtle"), format="turtle")) == 0


# --------------------------------------------------------------------------- misuse


def test_format_must_fit_the_result() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        serialize(select_outcome(), "turtle")
    with pytest.raises(ValueError, match="does not fit"):
        serialize(graph_outcome(), "csv")
    with pytest.raises(ValueError, match="unknown result format"):
        serialize(select_outcome(), "html")
