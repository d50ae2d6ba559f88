"""Serialise a :class:`~gongkai.query_service.QueryOutcome` to the standard result formats.

Why our own writers: the outcome is already plain SPARQL-JSON terms (it crossed a
process boundary), rdflib has no TSV writer, and the W3C formats are small enough to
write exactly as specified:

* ``json`` -- SPARQL 1.1 Query Results JSON (compact, UTF-8, non-ASCII kept as is).
* ``xml`` -- SPARQL Query Results XML (``<literal xml:lang>`` / ``datatype``, ``<uri>``,
  ``<bnode>``; the boolean form for ASK). XML 1.0 cannot carry most C0 control
  characters at all, so those are written as U+FFFD (the other formats keep them).
* ``csv`` -- SPARQL 1.1 CSV: RFC 4180, CRLF line ends, plain lexical values (blank
  nodes as ``_:label``), a field quoted only when it holds ``"``, ``,``, CR or LF;
  ``bom=True`` puts a UTF-8 BOM first so Excel reads it as UTF-8 (TSV too).
* ``tsv`` -- SPARQL 1.1 TSV: header ``?var`` tab-separated, LF line ends, every term
  in full N-Triples/Turtle syntax (``<iri>``, ``"lit"@zh``, ``"5"^^<...#integer>``
  -- numbers are never abbreviated, so the type is never lost -- ``_:b0``), with
  tab, newline, CR, quote and backslash escaped.
* ASK in CSV / TSV (the spec defines neither): a single line ``true`` or ``false``.

Graph results (CONSTRUCT / DESCRIBE) are written by pyoxigraph from the sorted,
deduplicated triples, so the same outcome always gives the same bytes: ``turtle``
(with the project prefixes that are actually used), ``ntriples``, ``jsonld``
(expanded form), ``rdfxml``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph
from pyoxigraph import RdfFormat

from gongkai.namespaces import PREFIXES
from gongkai.query_service import QueryOutcome

__all__ = ["GRAPH_FORMATS", "SOLUTION_FORMATS", "serialize"]

SOLUTION_FORMATS: dict[str, str] = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_FORMATS: dict[str, str] = {
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
RESULTS_NS = "http://www.w3.org/2005/sparql-results#"
BOM = "\ufeff".encode()

Term = Mapping[str, Any]


# --------------------------------------------------------------------------- JSON


def _json(outcome: QueryOutcome) -> bytes:
    if outcome.boolean is not None:
        document: dict[str, Any] = {"head": {}, "boolean": outcome.boolean}
    else:
        document = {
            "head": {"vars": list(outcome.variables)},
            "results": {"bindings": outcome.bindings},
        }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


# --------------------------------------------------------------------------- XML

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    # a raw CR would be read back as LF (XML end-of-line handling): keep it as a reference
    return escape(_XML_INVALID.sub("\ufffd", value), {"\r": "&#13;"})


def _xml_term(term: Term) -> str:
    kind = term["type"]
    if kind == "uri":
        return f"<uri>{_text(term['value'])}</uri>"
    if kind == "bnode":
        return f"<bnode>{_text(term['value'])}</bnode>"
    if kind == "triple":
        parts = "".join(
            f"<{role}>{_xml_term(term['value'][role])}</{role}>"
            for role in ("subject", "predicate", "object")
        )
        return f"<triple>{parts}</triple>"
    attribute = ""
    if "xml:lang" in term:
        attribute = f" xml:lang={quoteattr(term['xml:lang'])}"
    elif "datatype" in term:
        attribute = f" datatype={quoteattr(_XML_INVALID.sub(chr(0xFFFD), term['datatype']))}"
    return f"<literal{attribute}>{_text(term['value'])}</literal>"


def _xml(outcome: QueryOutcome) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sparql xmlns="{RESULTS_NS}">']
    if outcome.boolean is not None:
        lines += ["  <head/>", f"  <boolean>{'true' if outcome.boolean else 'false'}</boolean>"]
    else:
        lines.append("  <head>")
        lines += [f"    <variable name={quoteattr(v)}/>" for v in outcome.variables]
        lines += ["  </head>", "  <results>"]
        for row in outcome.bindings:
            lines.append("    <result>")
            lines += [
                f"      <binding name={quoteattr(v)}>{_xml_term(row[v])}</binding>"
                for v in outcome.variables
                if v in row
            ]
            lines.append("    </result>")
        lines.append("  </results>")
    lines.append("</sparql>")
    return ("\n".join(lines) + "\n").encode()


# --------------------------------------------------------------------------- CSV / TSV


def _csv_field(term: Term | None) -> str:
    if term is None:
        return ""
    if term["type"] == "bnode":
        value = f"_:{term['value']}"
    elif term["type"] == "triple":
        value = _tsv_term(term)  # no plain form exists; the Turtle form is the readable one
    else:
        value = term["value"]
    if any(c in value for c in '",\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


_STRING_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_IRI_ESCAPES = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def _tsv_term(term: Term | None) -> str:
    if term is None:
        return ""
    kind = term["type"]
    if kind == "uri":
        iri = _IRI_ESCAPES.sub(lambda m: f"\\u{ord(m.group()):04X}", term["value"])
        return f"<{iri}>"
    if kind == "bnode":
        return f"_:{term['value']}"
    if kind == "triple":
        parts = " ".join(_tsv_term(term["value"][r]) for r in ("subject", "predicate", "object"))
        return f"<<( {parts} )>>"
    literal = '"' + term["value"].translate(_STRING_ESCAPES) + '"'
    if "xml:lang" in term:
        return f"{literal}@{term['xml:lang']}"
    if "datatype" in term:
        return f"{literal}^^{_tsv_term({'type': 'uri', 'value': term['datatype']})}"
    return literal


def _table(outcome: QueryOutcome, fmt: str) -> bytes:
    end = "\r\n" if fmt == "csv" else "\n"
    if outcome.boolean is not None:
        return f"{'true' if outcome.boolean else 'false'}{end}".encode()
    if fmt == "csv":
        header = ",".join(_csv_field({"type": "literal", "value": v}) for v in outcome.variables)
        cell, sep = _csv_field, ","
    else:
        header = "\t".join(f"?{v}" for v in outcome.variables)
        cell, sep = _tsv_term, "\t"
    lines = [header] + [
        sep.join(cell(row.get(v)) for v in outcome.variables) for row in outcome.bindings
    ]
    return "".join(line + end for line in lines).encode()


# --------------------------------------------------------------------------- graphs

_GRAPH_RDF_FORMATS = {
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "jsonld": RdfFormat.JSON_LD,
    "rdfxml": RdfFormat.RDF_XML,
}


def _iris(triples: list[pyoxigraph.Triple]) -> Iterator[str]:
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, pyoxigraph.NamedNode):
                yield term.value
            elif isinstance(term, pyoxigraph.Literal):
                yield term.datatype.value


def _graph(outcome: QueryOutcome, fmt: str) -> bytes:
    lines = sorted(set((outcome.ntriples or "").splitlines(keepends=True)))
    if fmt == "ntriples":
        return "".join(lines).encode()
    triples = list(pyoxigraph.parse("".join(lines), format=RdfFormat.N_TRIPLES))
    prefixes = None
    if fmt in ("turtle", "rdfxml"):
        used = set(_iris(triples))
        prefixes = {
            name: str(ns)
            for name, ns in PREFIXES.items()
            if any(iri.startswith(str(ns)) for iri in used)
        }
    data = pyoxigraph.serialize(triples, format=_GRAPH_RDF_FORMATS[fmt], prefixes=prefixes)
    return data if data.endswith(b"\n") else data + b"\n"


# --------------------------------------------------------------------------- entry point


def serialize(outcome: QueryOutcome, fmt: str, *, bom: bool = False) -> bytes:
    """The outcome in format ``fmt`` (a key of SOLUTION_FORMATS or GRAPH_FORMATS).

    ``bom`` (CSV and TSV, for Excel) puts a UTF-8 byte order mark first. Raises
    ``ValueError`` for an unknown format or one that does not fit the query form.
    """
    graph_result = outcome.ntriples is not None
    if fmt in GRAPH_FORMATS and graph_result:
        return _graph(outcome, fmt)
    if fmt in SOLUTION_FORMATS and not graph_result:
        if fmt == "json":
            return _json(outcome)
        if fmt == "xml":
            return _xml(outcome)
        data = _table(outcome, fmt)
        return BOM + data if bom else data
    if fmt in SOLUTION_FORMATS or fmt in GRAPH_FORMATS:
        raise ValueError(f"format {fmt!r} does not fit a {outcome.form} result")
    known = ", ".join([*SOLUTION_FORMATS, *GRAPH_FORMATS])
    raise ValueError(f"unknown result format {fmt!r} (known: {known})")
