"""The seed catalogs against an independent reading (tests/fixtures/seeds-gold.csv).

The gold file was written by reading the raw lines of data/sources/ by hand: one row per
item a careful reader records, with the body, time limit, legal bases and channels where
the reader could tell them (伊宁市 lines 18-19 were read again once their level-2 cells
were known to be items of their own: data/mappings/layout.csv). The bars are the project's: >= 95% of the reader's items
present with the right name, >= 95% of our items are such items, >= 95% of the fields
right, no fragment an item, and a ledger line for every source line.
"""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from gongkai.model import LedgerStatus
from tests.conftest import FIXTURES, REPO


def gold_rows() -> list[dict[str, str]]:
    with (FIXTURES / "seeds-gold.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def our_items(seed_build) -> Counter:
    return Counter((e.source_file, e.source_line, e.name) for c in seed_build.catalogs for e in c.entries)


def test_item_recall_and_precision(seed_build):
    gold = Counter((r["file"], int(r["line"]), r["name"]) for r in gold_rows())
    ours = our_items(seed_build)
    matched = sum((gold & ours).values())
    recall = matched / sum(gold.values())
    precision = matched / sum(ours.values())
    missing = sorted((gold - ours).elements())
    extra = sorted((ours - gold).elements())
    assert recall >= 0.95, f"recall {recall:.3f}; missing {missing}"
    assert precision >= 0.95, f"precision {precision:.3f}; extra {extra}"


def _entry_index(seed_build):
    return {(e.source_file, e.source_line, e.name): e for c in seed_build.catalogs for e in c.entries}


def test_fields_of_matched_items(seed_build):
    entries = _entry_index(seed_build)
    checked = right = 0
    wrong = []
    for row in gold_rows():
        entry = entries.get((row["file"], int(row["line"]), row["name"]))
        if entry is None:
            continue
        expectations = {
            "body": (row["body"], entry.responsible_body),
            "days": (row["days"], str(entry.time_limit_days)),
            "laws": (row["laws"], "|".join(c.title for c in entry.legal_bases)),
            "channels": (row["channels"], "|".join(entry.channels)),
        }
        for field, (expected, actual) in expectations.items():
            if expected:
                checked += 1
                if expected == actual:
                    right += 1
                else:
                    wrong.append((row["line"], row["name"], field, expected, actual))
    assert checked > 200
    assert right / checked >= 0.95, wrong


def test_the_seeds_parse_to_the_expected_counts(seed_build):
    by_file = {c.source.file_name: c for c in seed_build.catalogs}
    assert len(by_file["000_c073cd0789e26141.txt"].entries) == 67
    assert len(by_file["001_cd5a28862c838c28.txt"].entries) == 81


FRAGMENTS = {"投诉渠道", "务", "申请", "变更", "开", "局", "中心", "服务中心", "例》", "个人基本信息", "养老保险服",
             "工伤保险服", "伊宁市人力资源和社会保障", "源和社会保障局"}


def test_no_fragment_becomes_an_item(seed_build):
    names = {e.name for c in seed_build.catalogs for e in c.entries}
    assert not names & FRAGMENTS


@pytest.mark.parametrize("file_name", ["000_c073cd0789e26141.txt", "001_cd5a28862c838c28.txt"])
def test_ledger_accounts_for_every_source_line(seed_build, file_name):
    parsed = next(c for c in seed_build.catalogs if c.source.file_name == file_name)
    line_count = len((REPO / "data/sources" / file_name).read_text(encoding="utf-8").splitlines())
    assert [e.line for e in parsed.ledger] == list(range(1, line_count + 1))
    items_in_ledger = sum(len(e.items) for e in parsed.ledger if e.status == LedgerStatus.ITEM)
    assert items_in_ledger == len(parsed.entries)
    for entry in parsed.ledger:
        if entry.status in (LedgerStatus.REJECTED, LedgerStatus.MERGED):
            assert entry.detail, f"line {entry.line} has no reason"


def test_altay_rows_inside_the_arxan_catalog_stay_visible(seed_build):
    parsed = next(c for c in seed_build.catalogs if c.source.place_code == "152202")
    bodies = {e.source_line: e.responsible_body for e in parsed.entries}
    assert bodies[9] == "阿勒泰市社会保险服务中心"
    assert bodies[23] == "阿尔山市社会保险服务中心"


def test_a_level_2_item_of_yining_ends_the_level_2_heading_above_it(seed_build):
    """伊宁市's three-level table prints level-2 items (no level-3 under them) after a
    level-2 heading with level-3 items: that heading ends there, so the items after it
    sit under their level-1 category only (lines 27-29 after 23, 47 after 44-46, 55-62
    after 54)."""
    parsed = next(c for c in seed_build.catalogs if c.source.place_code == "654002")
    categories = {e.source_line: e.categories for e in parsed.entries}
    assert categories[23] == ("社会保险缴费申报与变更", "社会保险费断缴补缴申报")
    assert categories[27] == categories[29] == ("社会保险缴费申报与变更",)
    assert categories[46] == ("养老保险服务", "个人账户一次性待遇申领")
    assert categories[47] == categories[51] == ("养老保险服务",)
    assert categories[54] == ("养老保险服务", "养老保险死亡待遇申领")
    assert categories[55] == categories[56] == categories[62] == ("养老保险服务",)
