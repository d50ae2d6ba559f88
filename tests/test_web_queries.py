"""/queries and /openapi.json through the real app (Flask test client)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from gongkai.saved_queries import load_queries
from webapp import create_app


@pytest.fixture(scope="module")
def client(seed_store):
    app = create_app({"GONGKAI_STORE": str(seed_store), "TESTING": True})
    yield app.test_client()
    app.extensions["gongkai"].close()


JSON = {"Accept": "application/sparql-results+json"}
HTML = {"Accept": "text/html"}


def bindings(response) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in row.items()} for row in json.loads(response.data)["results"]["bindings"]]


def test_library_lists_every_query(client):
    names = set(load_queries())
    page = client.get("/queries", headers=HTML).get_data(as_text=True)
    for name in names:
        assert f'/queries/{name}"' in page
    listing = json.loads(client.get("/queries?format=json").data)
    assert {q["name"] for q in listing} == names and len(names) >= 15


@pytest.mark.parametrize("name", sorted(load_queries()))
def test_every_query_page_runs_with_its_defaults(client, name):
    page = client.get(f"/queries/{name}", headers=HTML)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    text = page.get_data(as_text=True)
    assert 'id="query-text"' in text and 'id="open-editor"' in text
    api = client.get(f"/queries/{name}", headers=JSON)
    assert api.status_code == 200 and api.mimetype == "application/sparql-results+json"


def test_items_per_place_in_json_and_csv(client):
    rows = bindings(client.get("/queries/items-per-place?place=654002", headers=JSON))
    by_category = {r["category_label"]: int(r["items"]) for r in rows}
    assert by_category["养老保险服务"] > 10 and all(r["__place"] == "654002" for r in rows)
    download = client.get("/queries/items-per-place?place=654002&format=csv")
    assert download.data.startswith(b"\xef\xbb\xbf") and download.mimetype == "text/csv"
    table = list(csv.DictReader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert {r["category_label"]: int(r["items"]) for r in table} == by_category
    tsv = client.get("/queries/items-per-place?place=654002&format=tsv")
    assert tsv.mimetype == "text/tab-separated-values" and tsv.data.decode().startswith("?__place\t")


def test_html_page_shows_table_chart_and_downloads(client):
    text = client.get("/queries/items-per-place?place=654002", headers=HTML).get_data(as_text=True)
    assert 'id="results-table"' in text and "养老保险服务" in text
    assert "<svg" in text and 'id="download-csv"' in text


def test_bad_parameter_is_a_400_naming_it(client):
    response = client.get("/queries/items-per-place?place=12", headers=JSON)
    assert response.status_code == 400
    assert json.loads(response.data)["parameter"] == "place"
    unknown = client.get("/queries/items-per-place?colour=red", headers=JSON)
    assert unknown.status_code == 400 and "colour" in json.loads(unknown.data)["error"]


@pytest.mark.parametrize("value", ['" } ; DROP ALL #', "养老\" } UNION { ?s ?p ?o", "x> <y", "}\n}\nSELECT * {"])
def test_injection_through_a_parameter_changes_nothing(client, value):
    response = client.get("/queries/search-items", query_string={"text": value}, headers=JSON)
    assert response.status_code == 200
    assert bindings(response) == []


def test_honest_pagination(client):
    first = client.get("/queries/items-citing-law?page_size=50", headers=JSON)
    assert 'rel="next"' in first.headers["Link"] and 'rel="prev"' not in first.headers["Link"]
    assert len(bindings(first)) == 50
    third = client.get("/queries/items-citing-law?page_size=50&page=3", headers=JSON)
    assert 'rel="prev"' in third.headers["Link"] and 'rel="next"' not in third.headers["Link"]
    assert len(bindings(third)) == 146 - 100  # 67 + 79 items cite the Social Insurance Law


def test_negotiation_and_not_found(client):
    assert client.get("/queries/items-per-place?format=pdf").status_code == 406
    assert client.get("/queries/no-such-query", headers=JSON).status_code == 404
    assert client.get("/queries/items-per-place", headers={"Accept": "application/json"}).status_code == 200


def test_openapi_document_is_valid(client):
    from openapi_spec_validator import validate

    document = json.loads(client.get("/openapi.json").data)
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert {f"/queries/{name}" for name in load_queries()} <= set(document["paths"])
