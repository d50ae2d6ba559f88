"""The comparison queries and the /compare dashboard, on the seed catalogs."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.test_browser import ARTIFACTS, CHROMIUM, FLAGS, _require_browser
from webapp.compare import chosen_places


def test_chosen_places_parses_both_forms():
    from werkzeug.datastructures import MultiDict

    assert chosen_places(MultiDict([("places", "152202,654002"), ("places", "654002")])) == ["152202", "654002"]
    assert chosen_places(MultiDict()) == []


@pytest.fixture(scope="module")
def client(seed_app):
    return seed_app.test_client()


def cells(html: str) -> dict[tuple[str, str], str]:
    """(notation, place) -> status, read from the rendered matrix."""
    import re

    found = {}
    for row in re.finditer(r'<tr data-notation="([^"]+)">(.*?)</tr>', html, re.S):
        for cell in re.finditer(r'data-place="(\d{6})" data-status="(\w+)"', row.group(2)):
            found[(row.group(1), cell.group(1))] = cell.group(2)
    return found


def test_dashboard_matrix_shows_real_cells(client):
    html = client.get("/compare?places=152202&places=654002", headers={"Accept": "text/html"}).get_data(as_text=True)
    matrix = cells(html)
    assert len(matrix) >= 2 * 60
    # 参保单位注销 and 职工参保登记 are in 阿尔山市's catalog only
    registration = {n: s for (n, p), s in matrix.items() if p == "654002"}
    assert matrix[("01-01", "152202")] == "present" and matrix[("01-01", "654002")] == "present"
    assert set(registration.values()) <= {"present", "partial", "absent"}
    assert "阿勒泰市" in html  # the anomaly panel shows the Altay rows of the Arxan catalog
    assert 'id="coverage-chart"' in html and "<rect" in html
    for name in ("compare-matrix", "compare-coverage", "compare-legal-bases", "compare-channel-types", "compare-anomalies"):
        assert f"/queries/{name}?format=csv&amp;place=152202&amp;place=654002" in html


def test_anomalies_name_the_altay_rows(client):
    rows = json.loads(client.get("/queries/compare-anomalies?place=152202&format=json").data)["results"]["bindings"]
    altay = {(r["source_line"]["value"], r["detail"]["value"]) for r in rows if r["anomaly"]["value"] == "names another place"}
    assert ("9", "阿勒泰市社会保险服务中心 → 阿勒泰市") in altay
    assert {line for line, _ in altay} >= {"9", "10", "11", "12"}
    twice = {r["item_label"]["value"] for r in rows if r["anomaly"]["value"] == "name listed twice"}
    assert "病残津贴申领" in twice
    kinds = {(r["anomaly"]["value"], r["anomaly_zh"]["value"]) for r in rows}
    assert ("names another place", "责任主体或渠道属于其他地方") in kinds and len(kinds) == len(dict(kinds))


def test_the_anomaly_panel_speaks_the_page_language(client):
    zh = client.get("/compare?places=152202&lang=zh").get_data(as_text=True)
    en = client.get("/compare?places=152202&lang=en").get_data(as_text=True)
    assert "<td>责任主体或渠道属于其他地方</td>" in zh and "<td>names another place</td>" not in zh
    assert "<td>names another place</td>" in en and "<td>责任主体或渠道属于其他地方</td>" not in en


def standard_items_of(store_path, code: str) -> dict[str, set[str]]:
    """standard item -> local item IRIs of the place's catalog, read without the saved query."""
    from gongkai.namespaces import sparql_prefixes
    from gongkai.query_service import execute
    from gongkai.store import OxigraphStore

    sparql = sparql_prefixes() + f"""SELECT ?standard ?item WHERE {{
      ?place gk:divisionCode "{code}" . ?catalog a gk:Catalog ; dct:spatial ?place .
      ?item gk:inCatalog ?catalog ; gk:standardItem ?standard }}"""
    found: dict[str, set[str]] = {}
    with OxigraphStore.open(store_path, read_only=True) as store:
        for row in execute(store, sparql).bindings:
            found.setdefault(row["standard"]["value"], set()).add(row["item"]["value"])
    return found


@pytest.mark.parametrize(("a", "b"), [("654002", "152202"), ("152202", "654002")])
def test_difference_lists_the_items_of_standards_only_a_discloses(client, seed_store, a, b):
    rows = json.loads(client.get(f"/queries/compare-difference?a={a}&b={b}&format=json").data)["results"]["bindings"]
    of_a, of_b = standard_items_of(seed_store, a), standard_items_of(seed_store, b)
    expected = {(standard, item) for standard, items in of_a.items() if standard not in of_b for item in items}
    assert expected  # the seeds differ both ways
    assert {(r["standard"]["value"], r["item"]["value"]) for r in rows} == expected
    assert all(r["source_line"]["value"].isdigit() for r in rows)


def test_difference_with_a_place_without_catalog_is_empty(client):
    # "missing from a place we know nothing about" would list every item: no rows instead
    for args in ("a=654002&b=999999", "a=999999&b=654002"):
        body = json.loads(client.get(f"/queries/compare-difference?{args}&format=json").data)
        assert body["results"]["bindings"] == []


def test_coverage_csv_download(client):
    response = client.get("/queries/compare-coverage?place=152202&place=654002&format=csv")
    assert response.data.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert {r["place_code"] for r in table} == {"152202", "654002"}
    for row in table:
        assert int(row["present"]) <= int(row["standard_items"])


@pytest.fixture(scope="module")
def site(live_site):
    return live_site


def test_compare_in_a_real_browser(site):
    sync_playwright = _require_browser()
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(site + "/compare")
        page.uncheck("input[name=places][value='654002']")
        page.check("input[name=places][value='654002']")
        page.click("#compare-run")
        page.wait_for_selector("#matrix")
        assert page.locator("#matrix thead th.place").count() == 2
        arxan = page.locator("#matrix tr[data-notation='01-01'] td[data-place='152202']")
        assert arxan.get_attribute("data-status") == "present"
        assert "机关事业单位社会保险登记" in arxan.get_attribute("title")
        arxan.locator("summary").click()
        assert "机关事业单位社会保险登记" in arxan.locator(".local-names").inner_text()
        assert page.locator("#coverage-chart svg rect").count() == 2
        assert "阿勒泰市" in page.locator("#anomalies").inner_text()
        page.screenshot(path=str(ARTIFACTS / "05-compare.png"), full_page=True)
        with page.expect_download() as download_info:
            page.evaluate("""() => { const a = document.querySelector('#panel-coverage a.download-csv');
                                       a.setAttribute('download', 'coverage.csv'); a.click(); }""")
        path = download_info.value.path()
        with open(path, "rb") as handle:
            data = handle.read()
        assert data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        assert {r["place_code"] for r in rows} == {"152202", "654002"}
        context.close()
        browser.close()
    assert CHROMIUM.exists()


def test_cli_compare_and_reconcile(seed_store):
    from tests.test_cli import gongkai

    table = gongkai("compare", "--store", str(seed_store), "152202", "654002")
    assert table.returncode == 0, table.stderr
    assert "机关事业单位社会保险登记" in table.stdout and "● 1" in table.stdout
    data = json.loads(gongkai("compare", "--store", str(seed_store), "152202", "654002", "--format", "json").stdout)
    cell = next(row for row in data["matrix"] if row["notation"] == "01-01")["cells"]
    assert cell["152202"]["status"] == "present" and cell["654002"]["status"] == "present"
    assert {r["place_code"] for r in data["coverage"]} == {"152202", "654002"}
    rows = list(csv.reader(io.StringIO(gongkai("compare", "--store", str(seed_store), "152202", "654002",
                                               "--format", "csv").stdout)))
    assert rows[0] == ["notation", "standard_item", "category", "152202", "654002"]
    missing = gongkai("compare", "--store", str(seed_store), "152202", "999999")
    assert missing.returncode == 2 and "999999" in missing.stderr
    report = gongkai("reconcile", "--report", "-q")
    assert report.returncode == 0 and "工伤康复复" in report.stdout and "unmatched" in report.stdout
