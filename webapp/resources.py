"""Dereferenceable IRIs: the app's root stands for the IRI base (DESIGN.md §5, §7).

A request for ``/item/654002/social-insurance/<key>`` is the resource
``<BASE>item/654002/social-insurance/<key>`` (``BASE`` = :attr:`GraphData.base`), for every
kind of IRI we mint: ``catalog/``, ``item/``, ``category/``, ``org/``, ``channel/``,
``law/``, ``place/``, ``source/`` (files and rows), ``vocab/`` (concepts and schemes),
``dataset``, ``graph/…`` and ``validation/…``.

Content negotiation: HTML for browsers (:func:`prefers_html`) and for ``?format=html``;
Turtle, JSON-LD, N-Triples or RDF/XML by Accept (q-values) or ``?format=``; with no
preference the server's first choice, Turtle. ``Vary: Accept`` always; 406 when nothing
offered is acceptable; 404 when the graph has no triple about the IRI.

The RDF is a CONSTRUCT of the resource's description: its outgoing triples, from
whichever graph, plus the labels of their objects. A named graph without triples of its
own (``graph/vocabulary``, ``graph/validation``) is described by a computed VoID entry
(its triple count). The IRI is always bound as a query substitution, never spliced into
the query text.

The helpers :func:`negotiate`, :func:`rdf_response`, :func:`not_acceptable` and
:func:`plain` are shared with the other pages (``/ontology``, ``/shapes``, …).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, current_app, g, render_template, request
from pyoxigraph import NamedNode

from gongkai.namespaces import DCTERMS, GK, PREFIXES, RDF, RDFS, SH, SKOS, sparql_prefixes
from gongkai.query_service import QueryFailed, QueryOutcome, QueryTimeout
from gongkai.results import GRAPH_FORMATS, serialize
from webapp.data import GraphData
from webapp.i18n import translate
from webapp.negotiation import choose, prefers_html

bp = Blueprint("resources", __name__)

KINDS = ("catalog", "item", "category", "org", "channel", "law", "place", "source", "vocab", "graph", "validation")
HTML = "text/html"
INCOMING_CAP = 100
SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}
LABEL_PREDICATES = (str(SKOS.prefLabel), str(RDFS.label), str(DCTERMS.title))
FORMAT_LABELS = {"html": "HTML", "turtle": "Turtle", "jsonld": "JSON-LD", "ntriples": "N-Triples", "rdfxml": "RDF/XML"}

# --------------------------------------------------------------------------- queries
# Every query projects ?this: pyoxigraph only substitutes variables that are projected.

OUTGOING = """
SELECT DISTINCT ?this ?g ?p ?o WHERE { GRAPH ?g { ?this ?p ?o } } ORDER BY ?p ?o ?g
"""

OBJECT_LABELS = """
SELECT DISTINCT ?this ?o ?label WHERE {
  ?this ?p ?o . FILTER(isIRI(?o))
  ?o skos:prefLabel|rdfs:label|dct:title ?label .
}
"""

INCOMING = f"""
SELECT ?this ?s ?p ?label WHERE {{
  {{ SELECT DISTINCT ?this ?s ?p WHERE {{ ?s ?p ?this }} ORDER BY ?p ?s LIMIT {INCOMING_CAP + 1} }}
  OPTIONAL {{ ?s skos:prefLabel|rdfs:label|dct:title ?label }}
}} ORDER BY ?p ?s
"""

INCOMING_COUNT = """
SELECT ?this (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?this ?s ?p WHERE { ?s ?p ?this } } GROUP BY ?this
"""

GRAPHS = """
SELECT DISTINCT ?this ?g ?role WHERE {
  { GRAPH ?g { ?this ?p ?o } BIND("subject" AS ?role) }
  UNION { GRAPH ?g { ?s ?p ?this } BIND("object" AS ?role) }
  UNION { { SELECT ?this WHERE { GRAPH ?this { ?s ?p ?o } } LIMIT 1 } BIND(?this AS ?g) BIND("graph" AS ?role) }
} ORDER BY ?g ?role
"""

GRAPH_SUMMARY = """
SELECT ?this ?type (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?this { ?s a ?type } }
GROUP BY ?this ?type ORDER BY DESC(?n) ?type
"""

GRAPH_SIZE = """
SELECT ?this (COUNT(*) AS ?n) WHERE { GRAPH ?this { ?s ?p ?o } } GROUP BY ?this
"""

PROVENANCE = """
SELECT DISTINCT ?this ?kind ?row ?file ?line ?raw WHERE {
  { ?this prov:wasDerivedFrom ?row BIND("derived" AS ?kind) }
  UNION { ?this gk:mergedCellFrom ?row BIND("merged" AS ?kind) }
  OPTIONAL { ?row gk:sourceFile ?file }
  OPTIONAL { ?row gk:sourceLine ?line }
  OPTIONAL { ?row gk:rawText ?raw }
} ORDER BY ?kind ?file ?line ?row
"""

VALIDATION = """
SELECT ?this ?result ?severity ?path ?value ?message_zh ?message_en ?source WHERE {
  ?result sh:focusNode ?this ; sh:resultSeverity ?severity .
  OPTIONAL { ?result sh:resultPath ?path }
  OPTIONAL { ?result sh:value ?value }
  OPTIONAL { ?result dct:source ?source }
  OPTIONAL { ?result sh:resultMessage ?message_zh FILTER(langMatches(lang(?message_zh), "zh")) }
  OPTIONAL { ?result sh:resultMessage ?message_en FILTER(langMatches(lang(?message_en), "en")) }
} ORDER BY ?severity ?path ?value ?result
"""

# A body or channel whose place is not the catalog's (the 阿勒泰市 rows of the 阿尔山市
# catalog): seen from the item, and from the body or channel itself.
OTHER_PLACE = """
SELECT DISTINCT ?this ?item ?via ?via_label ?place ?place_zh ?place_en ?place_code ?home ?home_zh ?home_en ?home_code WHERE {
  {
    ?this gk:responsibleBody|gk:channel ?via .
    ?this gk:inCatalog/dct:spatial ?home .
    ?via dct:spatial ?place .
    BIND(?this AS ?item)
  } UNION {
    ?item gk:responsibleBody|gk:channel ?this .
    ?item gk:inCatalog/dct:spatial ?home .
    ?this dct:spatial ?place .
    BIND(?this AS ?via)
  }
  FILTER(?place != ?home)
  OPTIONAL { ?via skos:prefLabel ?via_label FILTER(lang(?via_label) = "zh") }
  OPTIONAL { ?place skos:prefLabel ?place_zh FILTER(lang(?place_zh) = "zh") }
  OPTIONAL { ?place skos:prefLabel ?place_en FILTER(lang(?place_en) = "en") }
  OPTIONAL { ?place gk:divisionCode ?place_code }
  OPTIONAL { ?home skos:prefLabel ?home_zh FILTER(lang(?home_zh) = "zh") }
  OPTIONAL { ?home skos:prefLabel ?home_en FILTER(lang(?home_en) = "en") }
  OPTIONAL { ?home gk:divisionCode ?home_code }
} ORDER BY ?via ?item
"""

DESCRIBE = """
CONSTRUCT { ?this ?p ?o . ?o ?lp ?label } WHERE {
  { ?this ?p ?o }
  UNION {
    ?this ?p ?o . FILTER(isIRI(?o))
    VALUES ?lp { skos:prefLabel rdfs:label dct:title }
    ?o ?lp ?label .
  }
}
"""

DESCRIBE_GRAPH = """
CONSTRUCT { ?this a void:Dataset ; void:triples ?n ; void:inDataset ?dataset . } WHERE {
  { SELECT ?this (COUNT(*) AS ?n) WHERE { GRAPH ?this { ?s ?p ?o } } GROUP BY ?this }
}
"""


BACKLINKS = """
CONSTRUCT { ?s ?p ?this . ?s ?lp ?label } WHERE {
  { ?s ?p ?this }
  UNION { ?s ?p ?this . VALUES ?lp { skos:prefLabel rdfs:label dct:title } ?s ?lp ?label }
}
"""

# --------------------------------------------------------------------------- helpers


def graph_data() -> GraphData:
    return current_app.extensions["gongkai"]


def iri_term(iri: str) -> dict[str, str]:
    return {"type": "uri", "value": iri}


def bindings(sparql: str, **terms: dict[str, Any]) -> list[dict[str, dict]]:
    """Rows of SPARQL-JSON terms (language tags and datatypes kept)."""
    outcome = graph_data().run(sparql_prefixes() + sparql, substitutions=terms or None)
    return outcome.bindings


def construct(sparql: str, **terms: dict[str, Any]) -> QueryOutcome:
    return graph_data().run(sparql_prefixes() + sparql, substitutions=terms or None)


def value(row: dict[str, dict], name: str) -> str | None:
    term = row.get(name)
    return term["value"] if term else None


def page_lang() -> str:
    return g.get("lang", "zh")


def t(key: str, **values: object) -> str:
    return translate(key, page_lang(), **values)


def negotiate(offers: dict[str, str], *, html: bool = True) -> str | None:
    """The chosen format: ``"html"`` for browsers and ``?format=html`` (when ``html``), a
    key of ``offers`` by ``?format=`` or Accept (q-values), or None (-> 406)."""
    all_offers = {**offers, "html": HTML} if html else dict(offers)
    wanted = request.args.get("format")
    if wanted:
        return choose(None, all_offers, wanted)
    accept = request.headers.get("Accept")
    if html and prefers_html(accept):
        return "html"
    return choose(accept, all_offers)


def plain(status: int, message: str) -> Response:
    response = Response(message.rstrip("\n") + "\n", status=status, mimetype="text/plain")
    response.headers["Vary"] = "Accept"
    return response


def not_acceptable(offers: dict[str, str], *, html: bool = True) -> Response:
    media = list(offers.values()) + ([HTML] if html else [])
    return plain(406, "none of the accepted media types is offered; offered: " + ", ".join(media)
                 + " (or ?format=" + "|".join([*offers, *(["html"] if html else [])]) + ")")


def rdf_response(data: bytes, fmt: str) -> Response:
    media_type = GRAPH_FORMATS[fmt]
    response = Response(data, mimetype=media_type)
    if media_type.startswith("text/"):
        response.mimetype_params["charset"] = "utf-8"
    response.headers["Vary"] = "Accept"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def format_links(offers: dict[str, str] | None = None) -> list[dict[str, str]]:
    """Links to every representation of the current page (``?format=…``)."""
    names = ["html", *(offers or GRAPH_FORMATS)]
    return [
        {"name": name, "label": FORMAT_LABELS.get(name, name.upper()), "href": f"{request.path}?format={name}"}
        for name in names
    ]


def pick(labels: dict[str, str], lang: str) -> str | None:
    """The label in ``lang``, else Chinese, else English, else any."""
    for key in (lang, "zh", "en", ""):
        if labels.get(key):
            return labels[key]
    return next(iter(labels.values()), None)


def term_view(term: dict[str, Any], labels: dict[str, dict[str, str]]) -> dict[str, Any]:
    """A SPARQL-JSON term as the templates show it."""
    view = {"type": term["type"], "value": term["value"], "lang": term.get("xml:lang"),
            "datatype": term.get("datatype"), "label": None}
    if term["type"] == "uri":
        view["label"] = pick(labels.get(term["value"], {}), page_lang())
    return view


def _label_key(term: dict[str, Any]) -> str:
    lang = term.get("xml:lang") or ""
    return lang.split("-")[0].lower()


def _property_order(p: str) -> tuple[int, str]:
    if p == str(RDF.type):
        return (0, p)
    if p in LABEL_PREDICATES:
        return (1, str(LABEL_PREDICATES.index(p)))
    return (2, p)


@bp.app_template_filter("short")
def short(iri: str) -> str:
    """A compact form of an IRI for display: its CURIE, else its path under the base."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(str(namespace)) and len(iri) > len(str(namespace)):
            return f"{prefix}:{iri[len(str(namespace)):]}"
    base = graph_data().base
    return "/" + iri[len(base):] if iri.startswith(base) and len(iri) > len(base) else iri


# --------------------------------------------------------------------------- description


def describe(iri: str) -> dict[str, Any] | None:
    """Everything the HTML page shows about ``iri``, or None when the graph has no triple
    about it (it is neither subject nor object of a triple, nor a graph name)."""
    this = iri_term(iri)
    outgoing = bindings(OUTGOING, this=this)
    graph_rows = bindings(GRAPHS, this=this)
    if not outgoing and not graph_rows:
        return None
    lang = page_lang()

    object_labels: dict[str, dict[str, str]] = {}
    for row in bindings(OBJECT_LABELS, this=this):
        object_labels.setdefault(row["o"]["value"], {}).setdefault(_label_key(row["label"]), row["label"]["value"])

    own: dict[str, dict[str, str]] = {}  # predicate -> lang -> label
    properties: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
    seen: set[tuple[str, str, str, str]] = set()
    types: list[dict[str, Any]] = []
    raw_text: list[str] = []
    for row in sorted(outgoing, key=lambda r: _property_order(r["p"]["value"])):
        p, o = row["p"]["value"], row["o"]
        key = (p, o["type"], o["value"], o.get("xml:lang") or o.get("datatype") or "")
        if key in seen:  # the same triple in two graphs
            continue
        seen.add(key)
        view = term_view(o, object_labels)
        properties.setdefault(p, []).append(view)
        if p == str(RDF.type):
            types.append(view)
        if p in LABEL_PREDICATES and o["type"] == "literal":
            own.setdefault(p, {}).setdefault(_label_key(o), o["value"])
        if p == str(GK.rawText):
            raw_text.append(o["value"])

    label_zh = label_en = None
    for p in LABEL_PREDICATES:
        labels = own.get(p, {})
        label_zh = label_zh or labels.get("zh")
        label_en = label_en or labels.get("en")
        if not label_zh and labels.get(""):
            label_zh = labels[""]
    fallback = _fallback_title(dict(properties), lang) if not (label_zh or label_en) else None

    incoming_rows = bindings(INCOMING, this=this)
    incoming: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
    for row in incoming_rows:
        key = (row["s"]["value"], row["p"]["value"])
        entry = incoming.setdefault(key, {"s": key[0], "p": key[1], "labels": {}})
        if row.get("label"):
            entry["labels"].setdefault(_label_key(row["label"]), row["label"]["value"])
    incoming_list = [
        {"s": e["s"], "p": e["p"], "label": pick(e["labels"], lang)} for e in list(incoming.values())[:INCOMING_CAP]
    ]
    if len(incoming) > INCOMING_CAP:
        count_rows = bindings(INCOMING_COUNT, this=this)
        incoming_total = int(count_rows[0]["n"]["value"]) if count_rows else len(incoming)
    else:
        incoming_total = len(incoming)

    provenance = [
        {
            "kind": value(row, "kind"),
            "row": value(row, "row"),
            "file": value(row, "file"),
            "line": value(row, "line"),
            "raw": value(row, "raw"),
        }
        for row in bindings(PROVENANCE, this=this)
    ]

    validation = []
    for row in bindings(VALIDATION, this=this):
        severity = value(row, "severity") or ""
        severity = severity.rsplit("#", 1)[-1]
        message = value(row, f"message_{lang}") or value(row, "message_en") or value(row, "message_zh") or ""
        path = value(row, "path")
        val = row.get("value")
        validation.append({
            "result": value(row, "result"),
            "severity": severity,
            "path": path,
            "value": term_view(val, object_labels) if val else None,
            "message": message,
            "source": value(row, "source"),
        })
    validation.sort(key=lambda r: (SEVERITY_ORDER.get(r["severity"], 9), r["path"] or "", r["message"]))

    other_place = []
    for row in bindings(OTHER_PLACE, this=this):
        other_place.append({
            "item": value(row, "item"),
            "via": value(row, "via"),
            "via_label": value(row, "via_label") or value(row, "via"),
            "place": value(row, "place"),
            "place_label": _place_label(row, "place", lang),
            "home": value(row, "home"),
            "home_label": _place_label(row, "home", lang),
        })

    graphs: OrderedDict[str, set[str]] = OrderedDict()
    for row in graph_rows:
        graphs.setdefault(row["g"]["value"], set()).add(row["role"]["value"])
    graph_summary = None
    if any("graph" in roles for roles in graphs.values()):
        size = bindings(GRAPH_SIZE, this=this)
        graph_summary = {
            "triples": int(size[0]["n"]["value"]) if size else 0,
            "classes": [(row["type"]["value"], int(row["n"]["value"])) for row in bindings(GRAPH_SUMMARY, this=this)],
        }

    return {
        "iri": iri,
        "label_zh": label_zh,
        "label_en": label_en,
        "fallback_title": fallback,
        "types": types,
        "properties": list(properties.items()),
        "raw_text": raw_text,
        "incoming": incoming_list,
        "incoming_total": incoming_total,
        "provenance": provenance,
        "validation": validation,
        "other_place": other_place,
        "graphs": [{"g": name, "roles": sorted(roles)} for name, roles in graphs.items()],
        "graph_summary": graph_summary,
        "has_description": bool(outgoing),
    }


def _fallback_title(properties: dict[str, list[dict[str, Any]]], lang: str) -> str | None:
    """A heading for resources without a label: a source row by its file and line, a
    validation result by its message."""
    def first(predicate: str) -> str | None:
        values = properties.get(predicate) or []
        return values[0]["value"] if values else None

    file, line = first(str(GK.sourceFile)), first(str(GK.sourceLine))
    if file:
        return f"{file} : {line}" if line else file
    messages = {v.get("lang") or "": v["value"] for v in properties.get(str(SH.resultMessage), [])}
    return pick(messages, lang) if messages else None


def _place_label(row: dict[str, dict], name: str, lang: str) -> str:
    labels = {"zh": value(row, f"{name}_zh"), "en": value(row, f"{name}_en")}
    label = pick({k: v for k, v in labels.items() if v}, lang) or value(row, name) or ""
    code = value(row, f"{name}_code")
    return f"{label} ({code})" if code else label


def description_rdf(iri: str) -> QueryOutcome | None:
    """The CONSTRUCT of the resource's description, or None when there is none."""
    this = iri_term(iri)
    outcome = construct(DESCRIBE, this=this)
    if outcome.ntriples and outcome.ntriples.strip():
        return outcome
    outcome = construct(DESCRIBE_GRAPH, this=this, dataset=iri_term(graph_data().base + "dataset"))
    if outcome.ntriples and outcome.ntriples.strip():
        return outcome
    outcome = construct(BACKLINKS, this=this)  # known only as the object of triples
    if outcome.ntriples and outcome.ntriples.strip():
        return outcome
    return None


# --------------------------------------------------------------------------- the view


def candidate_iris(path: str) -> list[str]:
    """The IRIs a request path may stand for: minted IRIs percent-encode what is not an
    unreserved character (source file names), and Flask hands us the decoded path."""
    base = graph_data().base
    candidates = []
    for iri in dict.fromkeys([base + quote(path, safe="/"), base + path]):
        try:
            NamedNode(iri)
        except ValueError:
            continue
        candidates.append(iri)
    return candidates


def _is_html_request() -> bool:
    wanted = (request.args.get("format") or "").lower()
    return wanted in ("html", HTML) or (not wanted and prefers_html(request.headers.get("Accept")))


def not_found(iri: str) -> Response:
    if _is_html_request():
        response = Response(render_template("resource.html", missing=True, iri=iri), status=404, mimetype=HTML)
        response.headers["Vary"] = "Accept"
        return response
    return plain(404, f"{t('resource.not_found')} <{iri}>")


def query_failed(error: Exception) -> Response:
    """A page query that timed out or failed: 503, so clients may retry later."""
    return plain(503, f"the graph could not answer in time: {error}")


bp.register_error_handler(QueryTimeout, query_failed)
bp.register_error_handler(QueryFailed, query_failed)


@bp.route("/<any(" + ",".join(KINDS) + "):kind>/<path:rest>")
def resource(kind: str, rest: str):
    return show(f"{kind}/{rest}")


@bp.route("/dataset")
def dataset():
    return show("dataset")


def show(path: str) -> Response | str:
    fmt = negotiate(GRAPH_FORMATS)
    if fmt is None:
        return not_acceptable(GRAPH_FORMATS)
    candidates = candidate_iris(path)
    if fmt != "html":
        for iri in candidates:
            outcome = description_rdf(iri)
            if outcome is not None:
                return rdf_response(serialize(outcome, fmt), fmt)
        return not_found(candidates[0])
    for iri in candidates:
        info = describe(iri)
        if info is not None:
            response = Response(render_template("resource.html", missing=False, r=info, formats=format_links()),
                                mimetype=HTML)
            response.headers["Vary"] = "Accept"
            return response
    return not_found(candidates[0])
