"""`/queries`: the saved-query library as pages and as an API (grlc-style).

Parameters are validated and typed by gongkai.saved_queries and reach the engine as
RDF terms (substitutions) or VALUES built from validated terms, never as spliced text.
The same URL answers a browser with HTML and an API client with JSON, CSV (UTF-8 with
BOM, for Excel on Chinese Windows) or TSV, by Accept or `?format=`. Pagination is
honest: Link rel=next only when a next page exists, rel=prev only after page 1.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)

from gongkai.query_service import QueryFailed, QueryOutcome, QuerySyntaxError, QueryTimeout
from gongkai.results import serialize
from gongkai.saved_queries import (
    BoundQuery,
    ParameterError,
    SavedQuery,
    bind,
    load_queries,
    openapi,
    to_oxigraph_term,
)
from webapp.charts import bar_chart
from webapp.data import GraphData
from webapp.negotiation import choose, prefers_html

bp = Blueprint("queries", __name__)

OFFERS = {"json": "application/sparql-results+json", "csv": "text/csv", "tsv": "text/tab-separated-values"}
IGNORED = ("format", "lang")


@cache
def library() -> dict[str, SavedQuery]:
    return load_queries()


def _query(name: str) -> SavedQuery:
    query = library().get(name)
    if query is None:
        abort(404, description=f"no saved query named {name!r}")
    return query


def _data() -> GraphData:
    return current_app.extensions["gongkai"]


@bp.route("/queries")
def index():
    queries = sorted(library().values(), key=lambda q: q.name)
    if request.args.get("format") == "json" or (not prefers_html(request.headers.get("Accept")) and request.args.get("format") != "html"):
        return jsonify([{"name": q.name, "summary": q.summary, "description": q.description, "tags": q.tags,
                         "example": q.example, "url": url_for("queries.show", name=q.name, _external=True),
                         "parameters": [p.name for p in q.parameters]} for q in queries])
    return render_template("queries.html", queries=queries)


@bp.route("/openapi.json")
def openapi_document():
    document = openapi(library(), base_path=url_for("pages.overview"))
    document.setdefault("servers", [{"url": request.host_url.rstrip("/")}])
    return jsonify(document)


@bp.route("/queries/<name>")
def show(name: str):
    query = _query(name)
    html = request.args.get("format") == "html" or (
        not request.args.get("format") and prefers_html(request.headers.get("Accept")))
    fmt = None if html else choose(request.headers.get("Accept"), OFFERS, request.args.get("format"))
    if not html and fmt is None:
        return _error(406, "acceptable formats: " + ", ".join(OFFERS.values()), None, html)
    arguments = request.args.to_dict(flat=False)
    if html and request.args.get("run", "1") != "1":
        arguments = {}
    try:
        bound = bind(query, arguments, ignore=(*IGNORED, "run"), extra_row=True)
    except ParameterError as error:
        return _error(400, str(error), error.parameter, html, query)
    try:
        outcome = _data().run_saved(bound)
    except QueryTimeout as error:
        return _error(503, f"query timed out: {error}", None, html, query)
    except (QuerySyntaxError, QueryFailed, ValueError) as error:
        return _error(500, f"query failed: {error}", None, html, query)
    has_next = bound.page_size is not None and len(outcome.bindings) > bound.page_size
    if has_next:
        outcome.bindings = outcome.bindings[: bound.page_size]
    links = _page_links(query, bound, has_next)
    if html:
        response = Response(render_template(
            "query.html", query=query, bound=bound, outcome=outcome, links=links, chart=_chart(query, outcome),
            editor_link=url_for("sparql.endpoint", query=editor_text(bound)), arguments=request.args,
            max_rows=_data().max_rows))
    else:
        body = serialize(outcome, fmt, bom=(fmt == "csv"))
        response = Response(body, mimetype=OFFERS[fmt])
        if fmt != "json":
            response.mimetype_params["charset"] = "utf-8"
            response.headers["Content-Disposition"] = f'inline; filename="{query.name}.{fmt}"'
    header = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())
    if header:
        response.headers["Link"] = header
    response.headers["Vary"] = "Accept"
    response.headers["Access-Control-Allow-Origin"] = "*"
    if outcome.truncated:
        response.headers["X-Gongkai-Truncated"] = f"true; max-rows={_data().max_rows}"
    return response


def _page_links(query: SavedQuery, bound: BoundQuery, has_next: bool) -> dict[str, str]:
    if bound.page is None:
        return {}
    args: dict[str, Any] = request.args.to_dict(flat=False)
    links = {}
    if has_next:
        links["next"] = url_for("queries.show", name=query.name, _external=True, **{**args, "page": bound.page + 1})
    if bound.page > 1:
        links["prev"] = url_for("queries.show", name=query.name, _external=True, **{**args, "page": bound.page - 1})
    return links


def _chart(query: SavedQuery, outcome: QueryOutcome) -> str:
    if not query.chart or query.chart.get("type") != "bar" or not outcome.bindings:
        return ""
    x, y = query.chart["x"], query.chart["y"]
    labels, values = [], []
    for row in outcome.bindings:
        if x in row and y in row:
            try:
                values.append(float(row[y]["value"]))
            except ValueError:
                continue
            labels.append(row[x]["value"])
    return bar_chart(labels, values, title=query.summary)


def editor_text(bound: BoundQuery) -> str:
    """The bound query as a self-contained text for the editor: single-valued arguments
    become a trailing VALUES block (the user runs it as their own query)."""
    if not bound.substitutions:
        return bound.text
    names = sorted(bound.substitutions)
    terms = " ".join(str(to_oxigraph_term(bound.substitutions[n])) for n in names)
    return f"{bound.text.rstrip()}\nVALUES ({' '.join('?' + n for n in names)}) {{ ({terms}) }}\n"


def _error(status: int, message: str, parameter: str | None, html: bool, query: SavedQuery | None = None):
    if html:
        return render_template("query_error.html", status=status, message=message, query=query), status
    response = jsonify({"error": message, "parameter": parameter})
    response.status_code = status
    return response
