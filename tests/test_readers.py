"""Readers: every line becomes a row with its number; bad files give one clear error."""

from __future__ import annotations

import pytest

from gongkai.errors import GongkaiError
from gongkai.readers import read_rows
from tests.conftest import FIXTURES, SEED_001


def test_tsv_rows_keep_line_numbers_and_cells():
    rows, sha = read_rows(SEED_001)
    assert len(rows) == 119
    assert rows[6].line == 7 and rows[6].cells[:2] == ("社会保险登记", "机关事业单位社会保险登记")
    assert rows[0].is_blank
    assert len(sha) == 64


def test_csv_record_spanning_lines_keeps_its_first_line():
    rows, _ = read_rows(FIXTURES / "catalogs/county-export.csv", "csv")
    assert [(r.line, r.end_line) for r in rows] == [(1, None), (2, 3), (4, None)]
    assert rows[1].cells[2] == "事项名称、办理材料、\n收费依据及标准"


def test_gb18030_text_is_decoded(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("公开事项\t公开依据\n社会保险登记\t《社会保险法》\n".encode("gb18030"))
    rows, _ = read_rows(path)
    assert rows[1].cells == ("社会保险登记", "《社会保险法》")


def test_missing_file(tmp_path):
    with pytest.raises(GongkaiError, match="no such file") as error:
        read_rows(tmp_path / "nope.txt")
    assert "nope.txt" in str(error.value)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(GongkaiError, match="empty file"):
        read_rows(path)


def test_binary_file_names_the_line(tmp_path):
    path = tmp_path / "catalog.pdf"
    path.write_bytes(b"%PDF-1.7\nline two\n\x00\x01\x02binary")
    with pytest.raises(GongkaiError) as error:
        read_rows(path)
    assert str(error.value) == f"{path}:3: binary file, not a text catalog (NUL byte)"


def test_unknown_format(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("a\tb\n", encoding="utf-8")
    with pytest.raises(GongkaiError, match="unknown format 'xlsx'"):
        read_rows(path, "xlsx")
