"""Parse rows of a damaged catalog table into disclosure items and a ledger.

Columns are found by their header NAMES, never by position. A row whose cells line up
with the header is read positionally; a row that lost or gained cells (PDF extraction
collapses empty cells, prints merged cells once, in the middle of their block) is read
by what each cell looks like instead, and its tick columns are left unknown: the
columns can no longer be told apart, and we never guess.

Every row ends in the ledger: an item (or several, when one cell names several
items), merged into the item above, header, title, blank, or rejected with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from gongkai.errors import GongkaiError
from gongkai.model import (
    CatalogEntry,
    CatalogSource,
    LayoutCorrection,
    LedgerEntry,
    LedgerStatus,
    ParsedCatalog,
    SourceRow,
)
from gongkai.normalize import (
    clean,
    is_tick,
    parse_time_limit,
    segment_known,
    split_channels,
    split_content_elements,
    split_legal_bases,
    strip_numbering,
)
from gongkai.vocab import Lexicon, header_key


class Role(StrEnum):
    ROW_NUMBER = "row-number"
    LEVEL1 = "level1"
    LEVEL2 = "level2"
    LEVEL3 = "level3"
    ITEM = "item"  # a single item-name column (no 一级/二级 split)
    CONTENT = "content"
    LEGAL = "legal"
    TIME = "time"
    BODY = "body"
    CHANNEL = "channel"
    TICK = "tick"
    GROUP = "group"  # 公开对象/公开方式/公开层级 without sub-columns
    OTHER = "other"  # a named column we do not use (咨询电话, 公开属性, 备注, ...)


NAME_ROLES = (Role.LEVEL1, Role.LEVEL2, Role.LEVEL3, Role.ITEM)
FIELD_ROLES = (Role.CONTENT, Role.LEGAL, Role.TIME, Role.BODY, Role.CHANNEL)

# Header words -> role; matched on header_key(cell), exactly or by prefix where noted.
_HEADER_EXACT = {
    "序号": Role.ROW_NUMBER, "编号": Role.ROW_NUMBER, "序": Role.ROW_NUMBER,
    "一级事项": Role.LEVEL1, "二级事项": Role.LEVEL2, "三级事项": Role.LEVEL3,
    "公开事项": Role.ITEM, "事项名称": Role.ITEM, "事项": Role.ITEM,
    "公开依据": Role.LEGAL, "公开时限": Role.TIME, "公开主体": Role.BODY,
    "公开对象": Role.GROUP, "公开方式": Role.GROUP, "公开层级": Role.GROUP,
}
_HEADER_PREFIX = {"公开内容": Role.CONTENT, "公开渠道": Role.CHANNEL, "公开载体": Role.CHANNEL}
_HEADER_OTHER = ("咨询电话", "公开属性", "备注", "联系电话", "责任人", "监督电话", "公开类别")

# Suffixes that end a complete disclosure-item name (used to split one cell that names
# several items: '旧伤复发申请确认 转诊转院申请确认').
ITEM_SUFFIXES = (
    "申请", "申领", "登记", "确认", "备案", "申报", "变更", "查询", "打印", "注销", "认证",
    "退费", "维护", "接续", "补贴", "签到", "审核", "退款", "合并", "更正", "核定", "待遇",
    "领取", "服务", "缴费", "支付", "发放", "办理", "转移", "鉴定", "评估", "审批", "公示",
)

_ORG_SUFFIX = re.compile(r"(局|中心|办公室|委员会|管理处|服务所|服务站|保障所|事务所|人民政府|办事处|政府|分局|科|股)$")
_CHANNEL_HINT = re.compile(r"(网站|服务网|分站|平台|门户|公开栏|公示栏|公告栏|宣传栏|公众号|微信|客户端|APP|热线|服务大厅|办事大厅|政务服务中心|便民服务中心)")
_LEGAL_HINT = re.compile(r"[《》〈〉]")
_TIME_HINT = re.compile(r"(工作日|之日起|个月|信息形成|形成或变更|实时|即时|日内|长期公开|常态化公开|及时公开|定期公开|随时公开)")


class Kind(StrEnum):
    EMPTY = "empty"
    TICK = "tick"
    NUMBER = "number"
    CONTENT = "content"
    LEGAL = "legal"
    TIME = "time"
    BODY = "body"
    CHANNEL = "channel"
    NAME = "name"
    FRAGMENT = "fragment"
    OTHER = "other"


ROLE_KIND = {
    Role.CONTENT: Kind.CONTENT, Role.LEGAL: Kind.LEGAL, Role.TIME: Kind.TIME,
    Role.BODY: Kind.BODY, Role.CHANNEL: Kind.CHANNEL,
}


@dataclass(frozen=True)
class Column:
    index: int
    role: Role
    label: str
    tick: tuple[str, str] | None = None  # (role, concept label) for tick columns


@dataclass(frozen=True)
class Header:
    columns: tuple[Column, ...]
    line: int

    @property
    def width(self) -> int:
        return max(c.index for c in self.columns) + 1

    def role_at(self, index: int) -> Role | None:
        for column in self.columns:
            if column.index == index:
                return column.role
        return None

    def column(self, role: Role) -> Column | None:
        return next((c for c in self.columns if c.role == role), None)

    @property
    def name_roles(self) -> tuple[Role, ...]:
        return tuple(c.role for c in self.columns if c.role in NAME_ROLES)

    @property
    def tick_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.role == Role.TICK)


# --- header detection -----------------------------------------------------------------


def header_role(cell: str, lexicon: Lexicon) -> tuple[Role, tuple[str, str] | None] | None:
    key = header_key(cell)
    if not key:
        return None
    if key in _HEADER_EXACT:
        return _HEADER_EXACT[key], None
    for prefix, role in _HEADER_PREFIX.items():
        if key.startswith(prefix):
            return role, None
    if key in lexicon.tick_labels:
        return Role.TICK, lexicon.tick_labels[key]
    if key.startswith(_HEADER_OTHER):
        return Role.OTHER, None
    return None


def is_header_row(row: SourceRow, lexicon: Lexicon) -> bool:
    hits = [header_role(c, lexicon) for c in row.cells if c.strip()]
    known = [h for h in hits if h is not None]
    # Header rows hold only header words (at most one stray cell) and at least two.
    return len(known) >= 2 and len(known) >= len(hits) - 1


def build_header(rows: Sequence[SourceRow], lexicon: Lexicon) -> Header:
    """Combine a one- or two-line header: the lower (more specific) label wins per column."""
    by_index: dict[int, Column] = {}
    for row in rows:
        for index, cell in enumerate(row.cells):
            found = header_role(cell, lexicon)
            if found is None:
                continue
            role, tick = found
            current = by_index.get(index)
            if current is None or role != Role.ITEM or current.role == Role.GROUP:
                by_index[index] = Column(index, role, clean(cell), tick)
    columns = tuple(sorted(by_index.values(), key=lambda c: c.index))
    roles = [c.role for c in columns]
    if not any(r in NAME_ROLES for r in roles):
        raise GongkaiError("header has no item column (一级事项/二级事项/公开事项)", rows[0].file, rows[0].line)
    # 公开事项 above 一级/二级事项 is only a group label.
    if Role.ITEM in roles and any(r in (Role.LEVEL1, Role.LEVEL2) for r in roles):
        columns = tuple(c for c in columns if c.role != Role.ITEM)
    return Header(columns, rows[0].line)


# --- cell classification ------------------------------------------------------------


def classify(text: str, lexicon: Lexicon) -> Kind:
    """What a cell looks like, independent of where it stands (remembered in the lexicon)."""
    kinds = lexicon.cell_kinds
    known = kinds.get(text)
    if known is None:
        if len(kinds) >= _CELL_KINDS_KEPT:
            kinds.clear()
        known = kinds[text] = _classify(text, lexicon)
    return known  # type: ignore[return-value]


_CELL_KINDS_KEPT = 100_000


def _classify(text: str, lexicon: Lexicon) -> Kind:
    raw = text.strip()
    if not raw:
        return Kind.EMPTY
    if is_tick(raw):
        return Kind.TICK
    value = clean(raw)
    if not value:
        return Kind.EMPTY
    if re.fullmatch(r"\d+(\.\d+)*\.?", value):
        return Kind.NUMBER
    if re.fullmatch(r"[\d\-—()（）+/、,，\s]{5,}", value):
        return Kind.OTHER  # a telephone number or code in an extra column
    if _LEGAL_HINT.search(value):
        return Kind.LEGAL
    if _TIME_HINT.search(value):
        return Kind.TIME
    if _is_content(value, lexicon):
        return Kind.CONTENT
    if "■" in value or "□" in value or _CHANNEL_HINT.search(value):
        return Kind.CHANNEL
    if _ORG_SUFFIX.search(value):
        return Kind.BODY
    if len(strip_numbering(value)) <= 2:
        return Kind.FRAGMENT
    return Kind.NAME


def _is_content(value: str, lexicon: Lexicon) -> bool:
    parts = [p for p in re.split(r"[、，,;；]", value) if p]
    if any(label in value for label in lexicon.content_labels if len(label) >= 4):
        return True
    # a tail cut off a content list: '投诉渠道', '依据及标准'
    return bool(parts) and all(
        any(label.endswith(p) or p in label for label in lexicon.content_labels) and len(p) >= 2
        for p in parts
    )


def _compatible(kind: Kind, role: Role | None) -> bool:
    if kind == Kind.EMPTY:
        return True
    if role is None:
        return False
    if role == Role.TICK:
        return kind == Kind.TICK
    if kind == Kind.TICK:
        return False
    if role == Role.ROW_NUMBER:
        return kind == Kind.NUMBER
    if role in (Role.OTHER, Role.GROUP):
        return True
    if kind == Kind.OTHER:
        return False
    if role in NAME_ROLES:
        return kind in (Kind.NAME, Kind.FRAGMENT)
    if role in ROLE_KIND:
        return kind in (ROLE_KIND[role], Kind.FRAGMENT)
    return False


# --- item names -----------------------------------------------------------------------


def split_item_names(cell: str) -> list[str]:
    """One cell naming several items -> several names; a name broken over lines -> one.

    Parts separated by spaces are accumulated until they end like a complete item name
    and the next part is long enough to be a name of its own.
    """
    text = clean(cell, keep_spaces=True)
    parts = [strip_numbering(p) for p in text.split(" ") if p]
    names: list[str] = []
    current = ""
    for i, part in enumerate(parts):
        current += part
        nxt = parts[i + 1] if i + 1 < len(parts) else None
        if nxt is None or (current.endswith(ITEM_SUFFIXES) and len(current) >= 4 and len(nxt) >= 4):
            names.append(current)
            current = ""
    return [n for n in names if n]


def category_match(name: str, known: Sequence[str]) -> str | None:
    """The known category ``name`` stands for: equal, or a cut-off beginning of exactly one."""
    if name in known:
        return name
    if len(name) >= 4:
        candidates = [k for k in known if k.startswith(name)]
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            return name  # a prefix of several: a category, named as printed
    return None


# --- the parser -------------------------------------------------------------------------


@dataclass
class _Block:
    """What merged cells carry down a block: the last value seen in each column."""

    level1: str = ""
    level2: str = ""
    fields: dict[Role, tuple[str, int]] = field(default_factory=dict)
    channels_known: list[str] = field(default_factory=list)
    last_item_line: int | None = None


@dataclass
class _Reading:
    """One data row, read either positionally or by cell kind."""

    row_number: str | None
    names: list[tuple[Role | None, str]]  # (name column role if known, raw text)
    fields: dict[Role, list[str]]
    ticks: list[tuple[str, str]]
    tick_count: int
    aligned: bool
    fragments: list[str]
    truncated: bool


def _read_row(row: SourceRow, header: Header, lexicon: Lexicon, block: _Block) -> _Reading:
    cells = list(row.cells)
    while len(cells) > header.width and not cells[-1].strip():
        cells.pop()
    kinds = [_piece_of_field_above(c, classify(c, lexicon), block) for c in cells]
    aligned = len(cells) == header.width and all(
        _compatible(k, header.role_at(i)) for i, k in enumerate(kinds)
    )
    names: list[tuple[Role | None, str]] = []
    fields: dict[Role, list[str]] = {}
    ticks: list[tuple[str, str]] = []
    fragments: list[str] = []
    row_number = None
    tick_count = sum(1 for k in kinds if k == Kind.TICK)
    first_tick = min((c.index for c in header.tick_columns), default=header.width)
    truncated = len(cells) <= first_tick and bool(cells) and bool(cells[-1].strip()) and tick_count == 0
    if aligned:
        for index, (cell, kind) in enumerate(zip(cells, kinds, strict=True)):
            role = header.role_at(index)
            if kind == Kind.EMPTY or role is None:
                continue
            column = next(c for c in header.columns if c.index == index)
            if role == Role.TICK and column.tick:
                ticks.append(column.tick)
            elif role == Role.ROW_NUMBER:
                row_number = clean(cell)
            elif role in NAME_ROLES:
                names.append((role, cell))
            elif role in FIELD_ROLES:
                fields.setdefault(role, []).append(cell)
    else:
        name_roles = header.name_roles
        for index, (cell, kind) in enumerate(zip(cells, kinds, strict=True)):
            role = header.role_at(index)
            if kind == Kind.NUMBER and index == 0 and role == Role.ROW_NUMBER:
                row_number = clean(cell)
            elif kind == Kind.NAME:
                names.append((role if role in name_roles else None, cell))
            elif kind == Kind.CONTENT and (split := _name_before_content(cell, lexicon)):
                # '工伤事故 事项名称、事项简述…': a name cell ran into the content cell
                names.append((None, split[0]))
                fields.setdefault(Role.CONTENT, []).append(split[1])
            elif kind == Kind.FRAGMENT:
                fragments.append(clean(cell))
            elif kind in ROLE_KIND.values():
                target = next(r for r, k in ROLE_KIND.items() if k == kind)
                fields.setdefault(target, []).append(cell)
    return _Reading(row_number, names, fields, ticks, tick_count, aligned, fragments, truncated)


def _name_before_content(cell: str, lexicon: Lexicon) -> tuple[str, str] | None:
    parts = clean(cell, keep_spaces=True).split(" ", 1)
    if len(parts) == 2 and classify(parts[0], lexicon) == Kind.NAME and classify(parts[1], lexicon) == Kind.CONTENT:
        return parts[0], parts[1]
    return None


def _piece_of_field_above(cell: str, kind: Kind, block: _Block) -> Kind:
    """A name-looking cell that is a piece of a field value above ('伊宁市人力资源和社会保障'
    cut from '伊宁市人力资源和社会保障局') belongs to that field."""
    if kind != Kind.NAME:
        return kind  # one- or two-character fragments are rejected, never merged into a field
    text = clean(cell)
    for role, (value, _line) in block.fields.items():
        if text in value.replace(" ", ""):
            return ROLE_KIND[role]
    return kind


def parse_catalog(
    rows: Sequence[SourceRow], source: CatalogSource, lexicon: Lexicon, sha256: str = "",
    layout: Mapping[int, LayoutCorrection] | None = None,
) -> ParsedCatalog:
    """Rows of one catalog file -> items and a ledger entry for every row.

    ``layout``: the curated layout corrections of this file by line
    (``Curated.layout_of``); one that does not fit its line stops the parse, naming the
    mapping's file and line.
    """
    layout = dict(layout or {})
    ledger: list[LedgerEntry] = []
    entries: list[CatalogEntry] = []
    header: Header | None = None
    block = _Block()
    title = ""
    seen_categories: list[str] = []
    known_categories = list(lexicon.standard_categories)
    i = 0
    while i < len(rows):
        row = rows[i]
        if row.is_blank:
            ledger.append(LedgerEntry(row.file, row.line, LedgerStatus.BLANK))
            i += 1
            continue
        if is_header_row(row, lexicon):
            group = [row]
            while i + 1 < len(rows) and not rows[i + 1].is_blank and is_header_row(rows[i + 1], lexicon):
                i += 1
                group.append(rows[i])
            header = build_header(group, lexicon)
            for h in group:
                ledger.append(LedgerEntry(h.file, h.line, LedgerStatus.HEADER, "header row"))
            i += 1
            continue
        if header is None:
            text = " ".join(clean(c) for c in row.cells if c.strip())
            title = title or text
            ledger.append(LedgerEntry(row.file, row.line, LedgerStatus.TITLE, text))
            i += 1
            continue
        reading = _read_row(row, header, lexicon, block)
        correction = layout.pop(row.line, None)
        made, entry = _interpret(row, reading, header, block, known_categories, seen_categories, lexicon, correction)
        entries.extend(made)
        ledger.append(entry)
        for line in range(row.line + 1, (row.end_line or row.line) + 1):
            ledger.append(LedgerEntry(row.file, line, LedgerStatus.MERGED, f"inside a multi-line cell of line {row.line}"))
        i += 1
    entries = _fill_first_block_upward(entries)
    for correction in layout.values():  # left over: its line is not an item row of the file
        raise GongkaiError(f"layout correction for line {correction.line} of {source.file_name}: that line is "
                           "not a row of items", file=correction.mapping_file, line=correction.mapping_line)
    if header is None:
        first = rows[0] if rows else None
        raise GongkaiError(
            "no recognisable header (expected column names such as 公开事项, 公开依据, 公开主体)",
            file=str(source.path),
            line=first.line if first else None,
        )
    return ParsedCatalog(source, tuple(entries), tuple(ledger), sha256, title)


_UPWARD_FIELDS = ("responsible_body", "legal_basis_text", "time_limit_text", "channels", "content_elements")


def _fill_first_block_upward(entries: list[CatalogEntry]) -> list[CatalogEntry]:
    """Items before the first printed value of a field take that value.

    A merged cell is printed in the middle of its block: the rows above it in the
    catalog's first block have nothing above them to inherit from, so they take the
    value printed below (and say so in gk:mergedCellFrom).
    """
    from dataclasses import replace

    if not entries:
        return entries
    filled = list(entries)
    for name in _UPWARD_FIELDS:
        first = next((e for e in filled if getattr(e, name)), None)
        if first is None:
            continue
        for index, entry in enumerate(filled):
            if getattr(entry, name) or entry is first:
                break
            changes = {name: getattr(first, name), "merged_from_lines": tuple(sorted({*entry.merged_from_lines, first.source_line}))}
            if name == "legal_basis_text":
                changes["legal_bases"] = first.legal_bases
            if name == "time_limit_text":
                changes["time_limit_days"] = first.time_limit_days
            filled[index] = replace(entry, **changes)
    return filled


def _names_and_categories(
    reading: _Reading, header: Header, block: _Block, known: list[str], seen: list[str],
    level2_item_beside: str | None = None,
) -> tuple[list[str], str | None, str | None, bool, list[str], bool]:
    """Item names of a row, plus the level-1 / level-2 categories it sets, whether an
    item of the row is a level-2 item (二级事项 without 三级事项), plus rejects.

    ``level2_item_beside``: the level-2 name a layout correction says is an item of its
    own, not the heading of the level-3 item beside it; the last value says whether the
    row had it there."""
    three_levels = Role.LEVEL3 in header.name_roles
    level1: str | None = None
    level2: str | None = None
    level2_item = False
    items: list[str] = []
    rejected: list[str] = []
    beside_found = False
    for role, raw in reading.names:
        names = split_item_names(raw)
        for name in names:
            if len(name) <= 2:
                rejected.append(name)
                continue
            category = category_match(name, known + seen)
            if category and not items and role in (Role.LEVEL1, None, Role.ITEM) and level1 is None:
                level1 = category
                continue
            if three_levels and role == Role.LEVEL1 and level1 is None and not items and len(reading.names) > 1:
                # a 3-level table: 一级事项 above a named 二级/三级 item is a category
                level1 = name
                continue
            if three_levels and role == Role.LEVEL2 and any(r == Role.LEVEL3 for r, _ in reading.names):
                if name == level2_item_beside:
                    items.append(name)  # an item of its own: the heading above stays
                    beside_found = True
                    continue
                level2 = name
                continue
            level2_item = level2_item or (three_levels and role == Role.LEVEL2)
            items.append(name)
    return items, level1, level2, level2_item, rejected, beside_found


def _is_piece(role: Role, own: str, whole: str, lexicon: Lexicon) -> bool:
    """Is ``own`` a piece of the merged cell ``whole`` (cut by a page or row break), as
    opposed to a complete value of its own that happens to be shorter?"""
    if own == whole or _squeeze(own) not in _squeeze(whole):
        return False
    if role == Role.CHANNEL:
        return False  # channel names are matched one by one (segment_known)
    if role == Role.LEGAL:
        text = _squeeze(own)
        complete = text.startswith("《") and text.endswith("》")
        return not complete or any(not c.complete for c in split_legal_bases(own))
    if role == Role.CONTENT:
        elements = split_content_elements(own)
        labels = set(lexicon.content_labels)
        return not elements or elements[0] not in labels or elements[-1] not in labels
    return True


def _field_value(
    role: Role, reading: _Reading, block: _Block, row: SourceRow, lexicon: Lexicon
) -> tuple[str, int | None]:
    """The value of a field column for this row: its own cell, or the merged cell above.

    A cell that is a piece of the value above (a merged cell printed in parts across
    rows or pages) stands for that value.
    """
    keep = role == Role.CHANNEL
    own = " ".join(clean(c, keep_spaces=keep) for c in reading.fields.get(role, [])).strip()
    previous = block.fields.get(role)
    if own and previous and _is_piece(role, own, previous[0], lexicon):
        return previous[0], previous[1]
    if own:
        return own, None
    if previous:
        return previous[0], previous[1]
    return "", None


def _squeeze(text: str) -> str:
    return text.replace(" ", "")


def _interpret(
    row: SourceRow,
    reading: _Reading,
    header: Header,
    block: _Block,
    known: list[str],
    seen: list[str],
    lexicon: Lexicon,
    correction: LayoutCorrection | None = None,
) -> tuple[list[CatalogEntry], LedgerEntry]:
    beside = None
    if correction is not None:
        beside = "".join(split_item_names(correction.level2_item))
    items, level1, level2, level2_item, rejected, beside_found = _names_and_categories(
        reading, header, block, known, seen, beside)
    if correction is not None and not beside_found:
        raise GongkaiError(f"layout correction for line {row.line} of {row.file}: the line has no level-2 cell "
                           f"{correction.level2_item} beside a level-3 item", file=correction.mapping_file,
                           line=correction.mapping_line)
    rejected += reading.fragments
    if level1 is not None:
        if level1 != block.level1:
            block.level2 = ""
        block.level1 = level1
        if level1 not in seen and level1 not in known:
            seen.append(level1)
    if level2 is not None:
        block.level2 = level2
    has_fields = any(reading.fields.values())
    if len(items) == 1 and len(reading.names) == 1 and not has_fields and not reading.tick_count \
            and not reading.row_number and block.last_item_line is not None:
        # A lone name with nothing else on its row: the label of a merged cell printed
        # apart from its block (e.g. '个人基本信息' under its rows), not an item.
        detail = f"label {items[0]} of a merged cell, printed apart from the item on line {block.last_item_line}"
        return [], LedgerEntry(row.file, row.line, LedgerStatus.MERGED, detail)
    if level2_item:
        # A level-2 item (no level-3 under it) ends the level-2 heading above: it and
        # the rows after it belong to the level-1 category only, not to that heading.
        block.level2 = ""
    # Remember this row's field cells for the rows below (merged cells).
    sources: dict[Role, int | None] = {}
    values: dict[Role, str] = {}
    for role in FIELD_ROLES:
        value, from_line = _field_value(role, reading, block, row, lexicon)
        values[role] = value
        sources[role] = from_line
        if value and from_line is None:
            block.fields[role] = (value, row.line)
    channels = _channels(reading.fields.get(Role.CHANNEL, []), values[Role.CHANNEL], block, sources[Role.CHANNEL] is not None)
    notes = []
    if rejected:
        notes.append("fragments not items: " + "、".join(rejected))
    if not items:
        if level1 is not None and not reading.row_number:
            detail = f"no item name: the row names only the category {level1}"
            return [], LedgerEntry(row.file, row.line, LedgerStatus.REJECTED, _join(detail, notes))
        if reading.row_number:
            what = f" (only the category {level1})" if level1 else ""
            detail = f"row numbered {reading.row_number} has no item name{what}: the name cell was lost in the source"
            return [], LedgerEntry(row.file, row.line, LedgerStatus.REJECTED, _join(detail, notes))
        if rejected and not reading.tick_count and not has_fields:
            detail = "not an item name: " + "、".join(rejected) + " (a piece of a cell cut off by the page layout)"
            return [], LedgerEntry(row.file, row.line, LedgerStatus.REJECTED, detail)
        if block.last_item_line is None:
            detail = "no item name and no item above to merge into"
            return [], LedgerEntry(row.file, row.line, LedgerStatus.REJECTED, _join(detail, notes))
        what = "tick marks" if reading.tick_count and not has_fields else "cells"
        detail = f"{what} continuing the item on line {block.last_item_line}"
        return [], LedgerEntry(row.file, row.line, LedgerStatus.MERGED, _join(detail, notes))
    categories = tuple(c for c in (block.level1, block.level2) if c)
    legal_text = values[Role.LEGAL]
    time_text = values[Role.TIME]
    merged_lines = tuple(sorted({line for line in sources.values() if line is not None}))
    ticks_lost = not reading.aligned and reading.tick_count > 0
    if not reading.aligned and reading.tick_count == 0 and len(row.cells) < header.width:
        ticks_lost = True
    entries = [
        CatalogEntry(
            name=name,
            categories=tuple(c for c in (block.level1,) if c) if name == beside else categories,
            source_file=row.file,
            source_line=row.line,
            raw_text=row.raw,
            row_number=reading.row_number,
            content_elements=tuple(split_content_elements(values[Role.CONTENT])),
            legal_basis_text=legal_text,
            legal_bases=tuple(c for c in split_legal_bases(legal_text) if len(c.title) > 2),
            time_limit_text=time_text,
            time_limit_days=parse_time_limit(time_text) if time_text else None,
            responsible_body=values[Role.BODY],
            channels=tuple(channels),
            ticks=tuple(reading.ticks) if reading.aligned else (),
            ticks_lost=ticks_lost,
            incomplete=reading.truncated,
            merged_from_lines=merged_lines,
        )
        for name in items
    ]
    block.last_item_line = row.line
    how = "read by column position" if reading.aligned else "cells lost or shifted: read by cell content, tick columns unknown"
    if merged_lines:
        notes.append("merged cells from line " + ", ".join(str(n) for n in merged_lines))
    if reading.truncated:
        notes.append("incomplete: the row stops before its tick columns")
    if correction is not None:
        notes.append(f"its level-2 cell {beside} is an item of its own, not the heading of the level-3 item "
                     f"beside it (layout correction, {correction.where}); both take the row's cells")
    detail = _join(how + (f"; split into {len(items)} items" if len(items) > 1 else ""), notes)
    return entries, LedgerEntry(row.file, row.line, LedgerStatus.ITEM, detail, tuple(items))


def _channels(cells: list[str], value: str, block: _Block, inherited: bool) -> list[str]:
    """Channel names of a row; run-together names are split against names seen before."""
    raw_names: list[str] = []
    for cell in cells if cells and not inherited else [value] if value else []:
        raw_names += split_channels(cell)
    known = block.channels_known
    names: list[str] = []
    for name in raw_names:
        for part in segment_known(name, known):
            if part not in names:
                names.append(part)
    # Learn the names that stood apart (separated by boxes or spaces) for later rows.
    if len(raw_names) > 1:
        for name in raw_names:
            if name not in known and len(name) >= 4:
                known.append(name)
    return names


def _join(detail: str, notes: list[str]) -> str:
    return "; ".join([detail, *notes]) if notes else detail
