"""Read data/sources.toml: which catalogs to build and what the files do not say."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from gongkai.errors import GongkaiError
from gongkai.model import CatalogSource
from gongkai.readers import READERS

REQUIRED = ("file", "place_code", "place_name", "domain")
OPTIONAL = ("format", "province", "publisher", "title", "note")
_DOMAIN = re.compile(r"^[a-z][a-z0-9-]*$")


def _table_lines(text: str) -> list[int]:
    """Line numbers of each [[catalog]] header, to point errors at the right table."""
    return [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == "[[catalog]]"]


def check_source_fields(fields: dict, where: str, line: int | None) -> None:
    """The checks a catalog description must pass, from the manifest or the command line."""
    code = str(fields.get("place_code", ""))
    if not re.fullmatch(r"\d{6}", code):
        raise GongkaiError(f"place_code {code!r} is not a 6-digit GB/T 2260 code", where, line)
    if not str(fields.get("place_name", "")).strip():
        raise GongkaiError("place_name is empty", where, line)
    if not _DOMAIN.match(str(fields.get("domain", ""))):
        raise GongkaiError(
            f"domain {fields.get('domain')!r} must be a lower-case slug such as social-insurance", where, line
        )
    fmt = fields.get("format", "pdf-text")
    if fmt not in READERS:
        raise GongkaiError(f"format {fmt!r} unknown (known: {', '.join(sorted(READERS))})", where, line)


def load_manifest(path: Path) -> list[CatalogSource]:
    """Catalog sources listed in the manifest, with paths resolved beside it in sources/."""
    if not path.is_file():
        raise GongkaiError("manifest not found", file=str(path))
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"at line (\d+)", str(exc))
        raise GongkaiError(f"malformed manifest: {exc}", str(path), int(match.group(1)) if match else None) from exc
    tables = data.get("catalog")
    if not isinstance(tables, list) or not tables:
        raise GongkaiError("manifest lists no [[catalog]] tables", file=str(path))
    lines = _table_lines(text)
    sources: list[CatalogSource] = []
    seen: set[str] = set()
    for index, table in enumerate(tables):
        line = lines[index] if index < len(lines) else None
        missing = [key for key in REQUIRED if not table.get(key)]
        if missing:
            raise GongkaiError(f"catalog is missing {', '.join(missing)}", str(path), line)
        unknown = sorted(set(table) - set(REQUIRED) - set(OPTIONAL))
        if unknown:
            raise GongkaiError(f"unknown key(s) {', '.join(unknown)}", str(path), line)
        check_source_fields(table, str(path), line)
        if table["file"] in seen:
            raise GongkaiError(f"file {table['file']} listed twice", str(path), line)
        seen.add(table["file"])
        sources.append(
            CatalogSource(
                path=path.parent / "sources" / table["file"],
                place_code=str(table["place_code"]),
                place_name=table["place_name"],
                domain=table["domain"],
                province=table.get("province", ""),
                publisher=table.get("publisher", ""),
                format=table.get("format", "pdf-text"),
                title=table.get("title", ""),
                note=" ".join(table.get("note", "").split()),
            )
        )
    return sources
