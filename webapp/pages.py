"""Human pages: the overview, the ontology, the SHACL shapes, the validation report and
the downloads (DESIGN.md §7).

* ``/ontology`` -- the gk: classes and properties documented from the vocabulary graph;
  the ontology's own triples as RDF by content negotiation.
* ``/shapes`` -- every SHACL shape (target, severity, messages zh/en); the shapes graph
  (gongkai.validate.load_shapes) as RDF by content negotiation.
* ``/validation`` -- the report stored in the validation graph, grouped by severity and
  by catalog, each result linking to its focus node; ``?format=json`` (or Accept) gives
  JSON; ``?severity=`` / ``?catalog=`` filter; the report graph as RDF too.
* ``/download`` and ``/download/gongkai.<ext>.gz`` -- dumps of the whole store in every
  export format, gzip-compressed, served as ``application/gzip`` with a file name and
  ``ETag`` = the data version, cached on disk in ``<store parent>/downloads/<version>/``.
* ``/.well-known/void`` -- the VoID/DCAT description (the ``dataset`` graph), Turtle by
  default.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import tempfile
import threading
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request, send_file
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection

from gongkai.errors import GongkaiError
from gongkai.export import FORMATS, serialize_store
from gongkai.namespaces import DCTERMS, GK, OWL, PREFIXES, RDF, RDFS, SH, sparql_prefixes
from gongkai.query_service import QueryFailed, QueryTimeout
from gongkai.results import GRAPH_FORMATS, serialize
from gongkai.validate import SEVERITIES, SHAPES_NAMESPACE, load_shapes
from webapp.data import GraphData
from webapp.resources import (
    HTML,
    bindings,
    construct,
    format_links,
    iri_term,
    negotiate,
    not_acceptable,
    page_lang,
    pick,
    query_failed,
    rdf_response,
    value,
)

bp = Blueprint("pages", __name__)

CATALOGS = """
SELECT ?catalog ?title ?place ?place_label ?code (COUNT(DISTINCT ?item) AS ?items) WHERE {
  GRAPH ?catalog { ?catalog a gk:Catalog ; dct:title ?title ; dct:spatial ?place . OPTIONAL { ?item gk:inCatalog ?catalog } }
  ?place gk:divisionCode ?code ; skos:prefLabel ?place_label .
  FILTER(lang(?place_label) = "zh")
} GROUP BY ?catalog ?title ?place ?place_label ?code ORDER BY ?code
"""


def graph_data() -> GraphData:
    return current_app.extensions["gongkai"]


bp.register_error_handler(QueryTimeout, query_failed)
bp.register_error_handler(QueryFailed, query_failed)


@bp.route("/")
def overview():
    data = graph_data()
    meta = data.metadata()
    catalogs = data.select(CATALOGS)
    validation = meta.get("validation", {})
    stats = {
        "catalogs": len(catalogs),
        "places": len({row["place"] for row in catalogs}),
        "items": sum(int(row["items"]) for row in catalogs),
        "triples": meta.get("quads", 0),
        "violations": validation.get("Violation", 0),
        "warnings": validation.get("Warning", 0),
    }
    return render_template("overview.html", stats=stats, catalogs=catalogs)


# --------------------------------------------------------------------------- shared

ONTOLOGY_IRI = "https://w3id.org/gongkai/ontology"
GK_NS = str(GK)
SHAPES_PREFIX = "gks"
CURIE_PREFIXES: dict[str, str] = {
    **{prefix: str(ns) for prefix, ns in PREFIXES.items()}, SHAPES_PREFIX: SHAPES_NAMESPACE,
}


def _curie(iri: str) -> str:
    for prefix, namespace in CURIE_PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _html(template: str, **context: Any) -> Response:
    response = Response(render_template(template, **context), mimetype=HTML)
    response.headers["Vary"] = "Accept"
    return response


def _graph_iri(name: str) -> str:
    return graph_data().base + name


def _built_at() -> datetime | None:
    text = graph_data().metadata().get("built_at")
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")) if text else None
    except ValueError:
        return None


# --------------------------------------------------------------------------- /ontology

ONTOLOGY_TRIPLES = f"""
SELECT ?vg ?s ?p ?o WHERE {{
  GRAPH ?vg {{ ?s ?p ?o FILTER(?s = <{ONTOLOGY_IRI}> || STRSTARTS(STR(?s), "{GK_NS}")) }}
}} ORDER BY ?s ?p ?o
"""

ONTOLOGY_RDF = f"""
CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  GRAPH ?vg {{ ?s ?p ?o FILTER(?s = <{ONTOLOGY_IRI}> || STRSTARTS(STR(?s), "{GK_NS}")) }}
}}
"""

CLASS_TYPES = {str(OWL.Class), str(RDFS.Class)}
PROPERTY_KINDS = {
    str(OWL.ObjectProperty): "ObjectProperty",
    str(OWL.DatatypeProperty): "DatatypeProperty",
    str(OWL.AnnotationProperty): "AnnotationProperty",
    str(RDF.Property): "Property",
}


def _literal(props: dict[str, list[dict]], predicate: URIRef, lang: str) -> str | None:
    labels: dict[str, str] = {}
    for term in props.get(str(predicate), []):
        if term["type"] == "literal":
            labels.setdefault((term.get("xml:lang") or "").split("-")[0], term["value"])
    return labels.get(lang) if lang else pick(labels, "zh")


def _iris(props: dict[str, list[dict]], predicate: URIRef) -> list[dict[str, str]]:
    return [{"iri": term["value"], "curie": _curie(term["value"])}
            for term in props.get(str(predicate), []) if term["type"] == "uri"]


def ontology_model() -> dict[str, Any]:
    lang = page_lang()
    subjects: dict[str, dict[str, list[dict]]] = {}
    for row in bindings(ONTOLOGY_TRIPLES, vg=iri_term(_graph_iri("graph/vocabulary"))):
        subjects.setdefault(row["s"]["value"], {}).setdefault(row["p"]["value"], []).append(row["o"])
    head = subjects.pop(ONTOLOGY_IRI, {})
    classes, properties = [], []
    for iri, props in sorted(subjects.items()):
        types = {term["value"] for term in props.get(str(RDF.type), [])}
        name = iri[len(GK_NS):]
        term = {
            "iri": iri,
            "name": name,
            "curie": f"gk:{name}",
            "label_zh": _literal(props, RDFS.label, "zh"),
            "label_en": _literal(props, RDFS.label, "en"),
            "comment": _literal(props, RDFS.comment, lang) or _literal(props, RDFS.comment, "en")
            or _literal(props, RDFS.comment, "zh"),
            "parents": _iris(props, RDFS.subClassOf) + _iris(props, RDFS.subPropertyOf),
            "domain": _iris(props, RDFS.domain),
            "range": _iris(props, RDFS.range),
            "kinds": sorted(PROPERTY_KINDS[t] for t in types if t in PROPERTY_KINDS),
        }
        (classes if types & CLASS_TYPES else properties).append(term)
    return {
        "iri": ONTOLOGY_IRI,
        "title": _literal(head, DCTERMS.title, lang) or _literal(head, RDFS.label, lang) or ONTOLOGY_IRI,
        "title_zh": _literal(head, DCTERMS.title, "zh"),
        "title_en": _literal(head, DCTERMS.title, "en"),
        "description": _literal(head, DCTERMS.description, lang) or _literal(head, DCTERMS.description, "en"),
        "comment": _literal(head, RDFS.comment, lang),
        "version": _literal(head, OWL.versionInfo, ""),
        "version_iri": next((t["iri"] for t in _iris(head, OWL.versionIRI)), None),
        "license": next((t["iri"] for t in _iris(head, DCTERMS.license)), None),
        "see_also": _iris(head, RDFS.seeAlso),
        "namespace": GK_NS,
        "classes": classes,
        "properties": properties,
    }


@bp.route("/ontology")
def ontology():
    fmt = negotiate(GRAPH_FORMATS)
    if fmt is None:
        return not_acceptable(GRAPH_FORMATS)
    if fmt != "html":
        outcome = construct(ONTOLOGY_RDF, vg=iri_term(_graph_iri("graph/vocabulary")))
        return rdf_response(serialize(outcome, fmt), fmt)
    model = ontology_model()
    if not model["classes"] and not model["properties"]:
        abort(404)
    return _html("ontology.html", o=model, formats=format_links())


# --------------------------------------------------------------------------- /shapes

RDFLIB_FORMATS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}
SHAPE_META = {SH.path, SH.severity, SH.message, SH.property, SH.sparql, SH.targetClass, SH.targetNode,
              SH.targetSubjectsOf, SH.targetObjectsOf, SH.name, SH.description, SH.prefixes, SH.select,
              SH.declare}
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


@cache
def shapes_graph() -> Graph:
    return load_shapes()


@cache
def shapes_serialized(fmt: str) -> bytes:
    data = shapes_graph().serialize(format=RDFLIB_FORMATS[fmt], encoding="utf-8")
    return data if data.endswith(b"\n") else data + b"\n"


def _term_text(graph: Graph, term: Any) -> str:
    if isinstance(term, URIRef):
        return _curie(str(term))
    if isinstance(term, BNode) and (term, RDF.first, None) in graph:
        return "( " + " ".join(_term_text(graph, item) for item in Collection(graph, term)) + " )"
    if isinstance(term, Literal):
        return str(term)
    return str(term)


def _messages(graph: Graph, node: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for message in graph.objects(node, SH.message):
        if isinstance(message, Literal):
            out.setdefault((message.language or "").split("-")[0] or "en", str(message))
    return out


def _shape_view(graph: Graph, node: Any, referenced_by: dict[Any, list[Any]]) -> dict[str, Any]:
    iri = str(node)
    severity = graph.value(node, SH.severity)
    path = graph.value(node, SH.path)
    constraints = sorted(
        (_curie(str(p)), _term_text(graph, o))
        for p, o in graph.predicate_objects(node)
        if str(p).startswith(str(SH)) and p not in SHAPE_META
    )
    return {
        "iri": iri,
        "id": iri.rsplit("#", 1)[-1],
        "curie": _curie(iri),
        "kind": "PropertyShape" if (node, RDF.type, SH.PropertyShape) in graph else "NodeShape",
        "targets": [(_curie(str(p)), _curie(str(o)), str(o)) for p in TARGETS for o in graph.objects(node, p)],
        "path": _term_text(graph, path) if path is not None else None,
        "path_iri": str(path) if isinstance(path, URIRef) else None,
        "severity": str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
        "severity_default": severity is None,
        "messages": _messages(graph, node),
        "constraints": constraints,
        "referenced_by": sorted(_curie(str(s)) for s in referenced_by.get(node, [])),
        "sparql": [
            {"curie": _curie(str(c)), "select": str(graph.value(c, SH.select) or "").strip("\n"),
             "messages": _messages(graph, c)}
            for c in sorted(graph.objects(node, SH.sparql), key=str)
        ],
    }


def shapes_model() -> list[dict[str, Any]]:
    graph = shapes_graph()
    referenced_by: dict[Any, list[Any]] = {}
    for s, o in graph.subject_objects(SH.node):
        referenced_by.setdefault(o, []).append(s)
    rank = {name: i for i, name in enumerate(SEVERITIES)}
    shapes = []
    for node in set(graph.subjects(RDF.type, SH.NodeShape)):
        view = _shape_view(graph, node, referenced_by)
        view["properties"] = sorted(
            (_shape_view(graph, p, referenced_by) for p in graph.objects(node, SH.property)),
            key=lambda v: (rank.get(v["severity"], 9), v["id"]),
        )
        shapes.append(view)
    return sorted(shapes, key=lambda v: (not v["targets"], [t[1] for t in v["targets"]], v["id"]))


@bp.route("/shapes")
def shapes():
    fmt = negotiate(GRAPH_FORMATS)
    if fmt is None:
        return not_acceptable(GRAPH_FORMATS)
    if fmt != "html":
        return rdf_response(shapes_serialized(fmt), fmt)
    return _html("shapes.html", shapes=shapes_model(), formats=format_links())


# --------------------------------------------------------------------------- /validation

JSON_MEDIA = "application/json"
VALIDATION_OFFERS = {"json": JSON_MEDIA, **GRAPH_FORMATS}
HTML_RESULT_CAP = 2000

VALIDATION_COUNTS = """
SELECT ?vg ?source ?severity (COUNT(DISTINCT ?r) AS ?n) WHERE {
  GRAPH ?vg { ?r a sh:ValidationResult ; sh:resultSeverity ?severity . OPTIONAL { ?r dct:source ?source } }
} GROUP BY ?vg ?source ?severity
"""

VALIDATION_CONFORMS = """
SELECT ?vg ?report ?conforms WHERE { GRAPH ?vg { ?report a sh:ValidationReport ; sh:conforms ?conforms } }
"""

CATALOG_TITLES = """
SELECT ?catalog ?title WHERE { GRAPH ?catalog { ?catalog a gk:Catalog ; dct:title ?title } } ORDER BY ?catalog
"""

VALIDATION_RESULTS = """
SELECT ?vg ?severity ?source ?r ?focus ?path ?value ?message_zh ?message_en WHERE {
  GRAPH ?vg {
    ?r a sh:ValidationResult ; sh:resultSeverity ?severity ; sh:focusNode ?focus ; dct:source ?source .
    OPTIONAL { ?r sh:resultPath ?path }
    OPTIONAL { ?r sh:value ?value }
    OPTIONAL { ?r sh:resultMessage ?message_zh FILTER(langMatches(lang(?message_zh), "zh")) }
    OPTIONAL { ?r sh:resultMessage ?message_en FILTER(langMatches(lang(?message_en), "en")) }
  }
} ORDER BY ?source ?severity ?focus ?path ?value ?r
"""

# labels of the focus nodes and values, apart: as OPTIONALs of the query above they
# would be joined against every label of the store wherever ?value is unbound
VALIDATION_LABELS = """
SELECT DISTINCT ?vg ?node ?label WHERE {
  { SELECT DISTINCT ?vg ?node WHERE { GRAPH ?vg { { ?r sh:focusNode ?node } UNION { ?r sh:value ?node } } FILTER(isIRI(?node)) } }
  ?node skos:prefLabel|dct:title|rdfs:label ?label .
}
"""

GRAPH_DUMP = """
CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?this { ?s ?p ?o } }
"""

GRAPH_SIZE = """
SELECT ?this (COUNT(*) AS ?n) WHERE { GRAPH ?this { ?s ?p ?o } } GROUP BY ?this
"""


def _severity_name(iri: str | None) -> str:
    return (iri or "").rsplit("#", 1)[-1]


def validation_counts() -> dict[str, Any]:
    vg = iri_term(_graph_iri("graph/validation"))
    titles = {row["catalog"]: row["title"] for row in graph_data().select(CATALOG_TITLES)}
    totals = dict.fromkeys(SEVERITIES, 0)
    by_catalog: dict[str, dict[str, Any]] = {}
    for row in bindings(VALIDATION_COUNTS, vg=vg):
        severity = _severity_name(value(row, "severity"))
        n = int(row["n"]["value"])
        totals[severity] = totals.get(severity, 0) + n
        source = value(row, "source") or ""
        entry = by_catalog.setdefault(source, {"catalog": source, "title": titles.get(source, source),
                                               "counts": dict.fromkeys(SEVERITIES, 0)})
        entry["counts"][severity] = entry["counts"].get(severity, 0) + n
    conforms_rows = bindings(VALIDATION_CONFORMS, vg=vg)
    conforms = (value(conforms_rows[0], "conforms") == "true") if conforms_rows else totals.get("Violation", 0) == 0
    report = value(conforms_rows[0], "report") if conforms_rows else None
    return {
        "conforms": conforms,
        "report": report,
        "counts": totals,
        "total": sum(totals.values()),
        "catalogs": [by_catalog[key] for key in sorted(by_catalog)],
        "titles": titles,
    }


def validation_results(severity: str | None, catalog: str | None, max_rows: int) -> tuple[list[dict], bool]:
    terms: dict[str, dict] = {"vg": iri_term(_graph_iri("graph/validation"))}
    if severity:
        terms["severity"] = iri_term(str(SH[severity]))
    if catalog:
        terms["source"] = iri_term(catalog)
    outcome = graph_data().run(sparql_prefixes() + VALIDATION_RESULTS, substitutions=terms, max_rows=max_rows)
    labels: dict[str, dict[str, str]] = {}
    if outcome.bindings:
        for row in bindings(VALIDATION_LABELS, vg=terms["vg"]):
            lang = (row["label"].get("xml:lang") or "").split("-")[0]
            labels.setdefault(row["node"]["value"], {}).setdefault(lang, row["label"]["value"])
    lang = page_lang()
    results: dict[str, dict[str, Any]] = {}
    for row in outcome.bindings:
        key = row["r"]["value"]
        if key in results:
            continue
        val = row.get("value")
        results[key] = {
            "result": key,
            "severity": _severity_name(value(row, "severity")),
            "catalog": value(row, "source"),
            "focus_node": value(row, "focus"),
            "focus_label": pick(labels.get(value(row, "focus") or "", {}), lang),
            "result_path": value(row, "path"),
            "value": val,
            "value_label": pick(labels.get(val["value"], {}), lang) if val and val["type"] == "uri" else None,
            "message": {"zh": value(row, "message_zh") or "", "en": value(row, "message_en") or ""},
        }
    return list(results.values()), outcome.truncated


@bp.route("/validation")
def validation():
    fmt = negotiate(VALIDATION_OFFERS)
    if fmt is None:
        return not_acceptable(VALIDATION_OFFERS)
    data = graph_data()
    if fmt in GRAPH_FORMATS:
        this = iri_term(_graph_iri("graph/validation"))
        size = bindings(GRAPH_SIZE, this=this)
        rows = int(size[0]["n"]["value"]) if size else 1
        outcome = data.run(sparql_prefixes() + GRAPH_DUMP, substitutions={"this": this}, max_rows=max(rows, 1))
        return rdf_response(serialize(outcome, fmt), fmt)
    severity = request.args.get("severity")
    if severity not in SEVERITIES:
        severity = None
    counts = validation_counts()
    catalog = request.args.get("catalog")
    if catalog not in counts["titles"]:
        catalog = None
    if fmt == "json":
        results, _ = validation_results(severity, catalog, max(counts["total"], 1))
        document = {
            "data_version": data.data_version,
            "conforms": counts["conforms"],
            "counts": counts["counts"],
            "catalogs": {c["catalog"]: {"title": c["title"], "counts": c["counts"]} for c in counts["catalogs"]},
            "results": [
                {key: r[key] for key in ("result", "severity", "catalog", "focus_node", "result_path", "value", "message")}
                for r in results
            ],
        }
        response = Response(json.dumps(document, ensure_ascii=False, indent=2) + "\n", mimetype=JSON_MEDIA)
        response.headers["Vary"] = "Accept"
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
    results, truncated = validation_results(severity, catalog, HTML_RESULT_CAP)
    lang = page_lang()
    groups: list[dict[str, Any]] = []
    for sev in SEVERITIES:
        in_severity = [r for r in results if r["severity"] == sev]
        if not in_severity:
            continue
        by_catalog: dict[str, list[dict]] = {}
        for r in in_severity:
            by_catalog.setdefault(r["catalog"] or "", []).append(r)
        groups.append({
            "severity": sev,
            "count": counts["counts"].get(sev, 0) if not catalog else sum(
                c["counts"].get(sev, 0) for c in counts["catalogs"] if c["catalog"] == catalog),
            "catalogs": [
                {"catalog": name, "title": counts["titles"].get(name, name), "results": rows}
                for name, rows in sorted(by_catalog.items())
            ],
        })
    formats = format_links({"json": JSON_MEDIA, **GRAPH_FORMATS})
    return _html("validation.html", counts=counts, groups=groups, truncated=truncated, cap=HTML_RESULT_CAP,
                 severity=severity, catalog=catalog, lang_key=lang, formats=formats, severities=SEVERITIES)


# --------------------------------------------------------------------------- /download

DUMP_NAMES = {f"gongkai.{ext}.gz": fmt for fmt, (_media, ext) in FORMATS.items()}
_dump_lock = threading.Lock()


def downloads_root() -> Path:
    return graph_data().store_path.resolve().parent / "downloads"


def _write_atomically(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def dump(name: str) -> Path | bytes:
    """The gzip-compressed dump ``name``: a cached file, or the bytes when the cache
    cannot be written (or the store changed while it was being exported)."""
    fmt = DUMP_NAMES[name]
    version = graph_data().data_version
    root = downloads_root()
    path = root / version / name
    if path.is_file():
        return path
    with _dump_lock:
        if path.is_file():
            return path
        with graph_data().open_store() as store:
            store_version = str(store.metadata().get("data_version", ""))
            payload = gzip.compress(serialize_store(store, fmt), compresslevel=6, mtime=0)
        if store_version != version or not version:
            return payload
        try:
            _write_atomically(path, payload)
        except OSError:
            return payload
        for other in root.iterdir():  # dumps of older data versions are never served again
            if other.is_dir() and other.name != version:
                shutil.rmtree(other, ignore_errors=True)
        return path


@bp.route("/download")
def download():
    version = graph_data().data_version
    folder = downloads_root() / version
    files = []
    for name, fmt in DUMP_NAMES.items():
        path = folder / name
        files.append({
            "name": name,
            "format": fmt,
            "media_type": FORMATS[fmt][0],
            "size": path.stat().st_size if path.is_file() else None,
            "graphs": fmt in {"nquads", "trig", "jsonld"},
        })
    return _html("download.html", files=files)


@bp.route("/download/<name>")
def download_file(name: str):
    if name not in DUMP_NAMES:
        abort(404)
    try:
        payload = dump(name)
    except GongkaiError as error:
        return Response(f"cannot export the store: {error}\n", status=503, mimetype="text/plain")
    source = payload if isinstance(payload, Path) else io.BytesIO(payload)
    response = send_file(source, mimetype="application/gzip", as_attachment=True, download_name=name,
                         etag=graph_data().data_version, last_modified=_built_at(), conditional=True)
    response.headers.pop("Content-Encoding", None)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# --------------------------------------------------------------------------- VoID


@bp.route("/.well-known/void")
def void():
    fmt = negotiate(GRAPH_FORMATS, html=False)
    if fmt is None:
        if request.args.get("format"):
            return not_acceptable(GRAPH_FORMATS, html=False)
        fmt = "turtle"  # a well-known location: Turtle to whoever asks
    outcome = construct(GRAPH_DUMP, this=iri_term(_graph_iri("dataset")))
    return rdf_response(serialize(outcome, fmt), fmt)
