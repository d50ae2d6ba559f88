"""The records that flow between pipeline stages: plain, immutable data."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from gongkai.normalize import LegalCitation


@dataclass(frozen=True)
class SourceRow:
    """One line of a source file, split into cells, with where it came from."""

    file: str
    line: int
    cells: tuple[str, ...]
    raw: str = ""
    end_line: int | None = None  # last physical line, when a quoted cell spans lines

    @property
    def is_blank(self) -> bool:
        return not any(cell.strip() for cell in self.cells)


@dataclass(frozen=True)
class CatalogSource:
    """A catalog as the manifest (data/sources.toml) or the ingest command describes it."""

    path: Path
    place_code: str
    place_name: str
    domain: str
    province: str = ""
    publisher: str = ""
    format: str = "tsv"
    title: str = ""
    note: str = ""

    @property
    def file_name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class CatalogEntry:
    """One disclosure item as read from its row, cleaned, before it becomes RDF."""

    name: str
    categories: tuple[str, ...]
    source_file: str
    source_line: int
    raw_text: str = ""
    row_number: str | None = None
    content_elements: tuple[str, ...] = ()
    legal_basis_text: str = ""
    legal_bases: tuple[LegalCitation, ...] = ()
    time_limit_text: str = ""
    time_limit_days: int | None = None
    responsible_body: str = ""
    channels: tuple[str, ...] = ()
    ticks: tuple[tuple[str, str], ...] = ()  # (role, concept label) for every ticked column
    ticks_lost: bool = False
    incomplete: bool = False
    merged_from_lines: tuple[int, ...] = ()  # rows whose merged cells filled this item


@dataclass(frozen=True)
class LayoutCorrection:
    """A curated reading of one source line whose layout the parser cannot tell from
    another (data/mappings/layout.csv): its level-2 cell is an item of its own that the
    PDF text put beside a level-3 item, not that item's heading. The same layout is a
    real heading elsewhere in the same file, so no parsing rule can decide it."""

    file_name: str
    line: int
    level2_item: str  # the level-2 cell, as printed
    note: str
    mapping_file: str  # where the decision is written down
    mapping_line: int

    @property
    def where(self) -> str:
        return f"{Path(self.mapping_file).name} line {self.mapping_line}"


class LedgerStatus(StrEnum):
    ITEM = "item"
    MERGED = "merged"  # merged into the item above
    HEADER = "header"
    TITLE = "title"
    BLANK = "blank"
    REJECTED = "rejected"


@dataclass(frozen=True)
class LedgerEntry:
    """What became of one source line: the ledger accounts for every line of every file."""

    file: str
    line: int
    status: LedgerStatus
    detail: str = ""
    items: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ParsedCatalog:
    source: CatalogSource
    entries: tuple[CatalogEntry, ...]
    ledger: tuple[LedgerEntry, ...]
    sha256: str = ""
    title: str = ""
