"""Readers: a source file in, rows of cells out, each row knowing its file and line.

One reader per format. Every line of the file becomes a row (blank ones too), so the
ledger can account for each of them. Bad input stops here with a one-line error that
names the file and, where there is one, the line.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from pathlib import Path

from gongkai.errors import GongkaiError
from gongkai.model import SourceRow

ENCODINGS = ("utf-8-sig", "gb18030")


def read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise GongkaiError("no such file", file=str(path))
    if not path.is_file():
        raise GongkaiError("not a file", file=str(path))
    try:
        return path.read_bytes()
    except OSError as exc:
        raise GongkaiError(f"cannot read: {exc.strerror}", file=str(path)) from exc


def decode(data: bytes, path: Path) -> str:
    """Text of a catalog file; UTF-8 first, then GB18030 (common for Chinese government files)."""
    if not data.strip():
        raise GongkaiError("empty file: no catalog table in it", file=str(path))
    nul = data.find(b"\x00")
    if nul != -1:
        line = data.count(b"\n", 0, nul) + 1
        raise GongkaiError("binary file, not a text catalog (NUL byte)", file=str(path), line=line)
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise GongkaiError(
            "undecodable bytes: not UTF-8 or GB18030 text", file=str(path), line=line
        ) from exc
    raise AssertionError("unreachable")


def _split_lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def read_tsv(path: Path, text: str) -> list[SourceRow]:
    """PDF-extracted tables: one table row per line, cells separated by tabs."""
    lines = _split_lines(text)
    if lines and lines[-1] == "":
        lines.pop()
    return [
        SourceRow(file=path.name, line=number, cells=tuple(line.split("\t")), raw=line)
        for number, line in enumerate(lines, start=1)
    ]


def read_csv(path: Path, text: str) -> list[SourceRow]:
    """CSV exports. A quoted cell may span lines: the row is numbered by its first line."""
    rows: list[SourceRow] = []
    reader = csv.reader(io.StringIO(text.replace("\r\n", "\n")))
    start = 1
    try:
        for record in reader:
            end = reader.line_num if reader.line_num > start else None
            rows.append(SourceRow(path.name, start, tuple(record), ",".join(record), end))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise GongkaiError(f"malformed CSV: {exc}", file=str(path), line=reader.line_num) from exc
    return rows


READERS: dict[str, Callable[[Path, str], list[SourceRow]]] = {
    "tsv": read_tsv,
    "pdf-text": read_tsv,
    "txt": read_tsv,
    "csv": read_csv,
}


def guess_format(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    return "csv" if suffix == "csv" else "tsv"


def read_rows(path: Path, fmt: str | None = None) -> tuple[list[SourceRow], str]:
    """Rows of a catalog file and the SHA-256 of its bytes (for provenance)."""
    fmt = fmt or guess_format(path)
    if fmt not in READERS:
        raise GongkaiError(f"unknown format {fmt!r} (known: {', '.join(sorted(READERS))})", file=str(path))
    data = read_bytes(path)
    text = decode(data, path)
    return READERS[fmt](path, text), hashlib.sha256(data).hexdigest()
