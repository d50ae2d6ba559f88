"""`/compare`: the cross-city dashboard.

Every panel is a saved comparison query (queries/compare-*.rq) run for the chosen
places, so each one shows its SPARQL, links to its saved-query page and downloads as
CSV (UTF-8 with BOM) and JSON from there: the dashboard adds layout, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for

from gongkai.compare import legal_differences, pivot_matrix
from gongkai.query_service import QueryFailed, QueryTimeout
from gongkai.saved_queries import ParameterError, bind
from webapp.charts import bar_chart
from webapp.data import GraphData
from webapp.queries import library

bp = Blueprint("compare", __name__)

PLACES = """
SELECT DISTINCT ?code ?label WHERE {
  ?catalog a gk:Catalog ; dct:spatial ?place .
  ?place gk:divisionCode ?code .
  OPTIONAL { ?place skos:prefLabel ?label FILTER (lang(?label) = "zh") }
} ORDER BY ?code
"""


@dataclass
class Panel:
    """One dashboard panel: a saved query's rows plus the links around them."""

    name: str
    title: str
    rows: list[dict[str, str]] = field(default_factory=list)
    sparql: str = ""
    links: dict[str, str] = field(default_factory=dict)
    error: str = ""


def _data() -> GraphData:
    return current_app.extensions["gongkai"]


def chosen_places(args) -> list[str]:
    """`places=152202&places=654002` or `places=152202,654002`, in the given order."""
    codes: list[str] = []
    for value in args.getlist("places"):
        for code in value.replace("，", ",").split(","):
            code = code.strip()
            if code and code not in codes:
                codes.append(code)
    return codes


def run_panel(name: str, arguments: dict[str, Any]) -> Panel:
    query = library()[name]
    panel = Panel(name, query.summary, sparql=query.text)
    panel.links = {
        "page": url_for("queries.show", name=name, **arguments),
        "csv": url_for("queries.show", name=name, format="csv", **arguments),
        "json": url_for("queries.show", name=name, format="json", **arguments),
    }
    try:
        bound = bind(query, {**arguments, "page_size": str(query.pagination)} if query.pagination else arguments)
        outcome = _data().run_saved(bound)
    except (ParameterError, QueryTimeout, QueryFailed) as error:
        panel.error = str(error)
        return panel
    panel.rows = [{k: v["value"] for k, v in row.items()} for row in outcome.bindings]
    return panel


@bp.route("/compare")
def dashboard():
    data = _data()
    all_places = data.select(PLACES)
    places = chosen_places(request.args) or [row["code"] for row in all_places]
    known = {row["code"]: row.get("label", row["code"]) for row in all_places}
    unknown = [code for code in places if code not in known]
    places = [code for code in places if code in known]
    arguments = {"place": places}
    panels = {name: run_panel(name, arguments) for name in (
        "compare-matrix", "compare-coverage", "compare-legal-bases", "compare-channel-types", "compare-anomalies")}
    coverage = panels["compare-coverage"]
    chart = bar_chart([f"{r.get('place_label', r['place_code'])} {r['place_code']}" for r in coverage.rows],
                      [float(r["coverage_percent"]) for r in coverage.rows], title=coverage.title)
    channel_chart = bar_chart(
        [f"{known.get(r['place_code'], r['place_code'])} · {r['channel_type_label']}" for r in panels["compare-channel-types"].rows],
        [float(r["items"]) for r in panels["compare-channel-types"].rows], title=panels["compare-channel-types"].title)
    return render_template(
        "compare.html", all_places=all_places, places=places, place_labels=known, unknown=unknown,
        panels=panels, matrix=pivot_matrix(panels["compare-matrix"].rows), coverage_chart=chart,
        channel_chart=channel_chart, legal=legal_differences(panels["compare-legal-bases"].rows, places))
