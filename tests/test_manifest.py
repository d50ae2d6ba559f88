"""The manifest: the seeds' real one loads; a broken one is refused with file and line."""

from __future__ import annotations

import pytest

from gongkai.errors import GongkaiError
from gongkai.manifest import load_manifest
from tests.conftest import REPO

GOOD = """
[[catalog]]
file = "a.txt"
place_code = "654002"
place_name = "伊宁市"
domain = "social-insurance"
"""


def write(tmp_path, text):
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_real_manifest_describes_both_seeds():
    sources = load_manifest(REPO / "data/sources.toml")
    assert [(s.file_name, s.place_code, s.place_name, s.domain) for s in sources] == [
        ("000_c073cd0789e26141.txt", "152202", "阿尔山市", "social-insurance"),
        ("001_cd5a28862c838c28.txt", "654002", "伊宁市", "social-insurance"),
    ]
    assert all(s.path.is_file() for s in sources)
    assert "阿勒泰市" in sources[0].note


def test_paths_resolve_beside_the_manifest(tmp_path):
    (source,) = load_manifest(write(tmp_path, GOOD))
    assert source.path == tmp_path / "sources" / "a.txt"
    assert source.format == "pdf-text"


def test_syntax_error_names_the_line(tmp_path):
    path = write(tmp_path, GOOD + "\nplace_name = = 1\n")
    with pytest.raises(GongkaiError) as error:
        load_manifest(path)
    assert str(error.value).startswith(f"{path}:8: malformed manifest")


def test_missing_key_names_the_table_line(tmp_path):
    path = write(tmp_path, GOOD + '\n[[catalog]]\nfile = "b.txt"\nplace_code = "654002"\n')
    with pytest.raises(GongkaiError) as error:
        load_manifest(path)
    assert str(error.value) == f"{path}:8: catalog is missing place_name, domain"


@pytest.mark.parametrize(
    ("line", "message"),
    [('place_code = "65400"', "not a 6-digit"), ('domain = "Social Insurance"', "lower-case slug"),
     ('format = "xlsx"', "format 'xlsx' unknown"), ('colour = "red"', r"unknown key\(s\) colour")],
)
def test_bad_values(tmp_path, line, message):
    key = line.split(" = ")[0]
    body = "\n".join(item for item in GOOD.splitlines() if not item.startswith(key + " ")) + "\n" + line + "\n"
    with pytest.raises(GongkaiError, match=message):
        load_manifest(write(tmp_path, body))


def test_missing_manifest(tmp_path):
    with pytest.raises(GongkaiError, match="manifest not found"):
        load_manifest(tmp_path / "none.toml")
