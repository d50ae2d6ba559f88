"""Text normalisation for damaged catalog cells: pure functions from text to text.

Real catalogs come out of PDF extraction, HTML export and OCR. Before any cell is
interpreted we undo that damage: HTML tags, spaces inside Chinese words, traditional
characters, full-width ASCII, known OCR noise. Then the compound cells are split into
their parts: legal bases in 《》, channels between ■/□ ticks, content elements on 、.
"""

from __future__ import annotations

import csv
import html
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from gongkai.resources import resource_dir

TICK_MARKS = frozenset("√✓✔☑✅●")
CHECKED_BOX = "■"
UNCHECKED_BOX = "□"

_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?\s*>")
_SPACE_INSIDE_TEXT = re.compile(r"(?<![A-Za-z0-9])\s+|\s+(?![A-Za-z0-9])")
_WS = re.compile(r"\s+")
_NUMBERING = re.compile(r"^\s*(?:[（(]?[一二三四五六七八九十]+[)）、.．]|\d+(?:[.．]\d+)*[.．、)）]?)\s*(?=[^\d.．])")


@cache
def _opencc():
    import opencc  # imported lazily: it loads dictionaries at construction

    return opencc.OpenCC("t2s")


@cache
def ocr_fixes() -> tuple[tuple[str, str], ...]:
    """Known OCR noise, curated in data/mappings/ocr-fixes.csv (wrong -> right)."""
    path = resource_dir("mappings") / "ocr-fixes.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [(r["wrong"], r["right"]) for r in csv.DictReader(handle) if r["wrong"]]
    # Longest first so a fix inside a longer fix never pre-empts it.
    return tuple(sorted(rows, key=lambda pair: -len(pair[0])))


def strip_html(text: str) -> str:
    return html.unescape(_TAG.sub(" ", text))


def to_simplified(text: str) -> str:
    if not text or text.isascii():
        return text
    return _opencc().convert(text)


# full-width ASCII -> half-width (but not the Chinese punctuation that carries meaning),
# ideographic space -> space: one str.translate table, since every cell goes through it
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F) if chr(code) not in "（），：；！？"}
_HALF_WIDTH[0x3000] = 0x20


def fold_width(text: str) -> str:
    """Full-width ASCII to half-width, keeping Chinese punctuation that carries meaning."""
    return text.translate(_HALF_WIDTH)


def fix_ocr_noise(text: str) -> str:
    for wrong, right in ocr_fixes():
        if wrong in text:
            text = text.replace(wrong, right)
    return text


def is_spaced_out(text: str) -> bool:
    """True for 'spaces between every character' damage: '阿 尔 山 市 人 民 政 府'."""
    tokens = text.split()
    if len(tokens) < 4:
        return False
    singles = sum(1 for t in tokens if len(t) == 1)
    return singles / len(tokens) >= 0.6


@lru_cache(maxsize=131072)  # cells recur across a corpus (bodies, channels, laws)
def clean(text: str, keep_spaces: bool = False) -> str:
    """The one cleaning every cell goes through.

    With ``keep_spaces`` the spaces that separate words survive (they separate
    channels and several item names in one cell); spaces inside spaced-out text
    ('阿 尔 山 市') never survive. Without it, only a space between two Latin letters
    or digits is kept.
    """
    if "<" in text or "&" in text:
        text = strip_html(text)
    text = fold_width(text.replace("\xa0", " "))
    text = to_simplified(text)
    text = fix_ocr_noise(text)
    text = _WS.sub(" ", text).strip()
    if is_spaced_out(text):
        return text.replace(" ", "")  # '2 0 个 工 作 日' is 20 working days
    if keep_spaces:
        return text
    return _SPACE_INSIDE_TEXT.sub("", text)


def strip_numbering(name: str) -> str:
    """'1.1城乡居民养老保险参保登记' -> '城乡居民养老保险参保登记'; '（一）' prefixes too."""
    return _NUMBERING.sub("", name, count=1).strip()


def is_tick(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and all(ch in TICK_MARKS or ch.isspace() for ch in stripped)


# --- legal bases --------------------------------------------------------------------

_DOC_NUMBER = re.compile(
    r"^\s*[（(]?\s*([^（）()]*?(?:令|发|函|规|字)?[〔\[［(（]?\d{4}[〕\]］)）]?[^（）()]*?号|[^（）()]*?令第[^（）()]*?号)\s*[)）]?"
)
_REVISION = re.compile(r"^\s*[（(]([^（）()]*(?:修正|修订|通过|施行|公布)[^（）()]*)[)）]")


@dataclass(frozen=True)
class LegalCitation:
    """One legal basis as cited: the title inside 《》 and any document number after it."""

    title: str
    document_number: str | None = None
    complete: bool = True  # False when the opening or closing 《》 was lost

    def __str__(self) -> str:
        return f"《{self.title}》" + (f"（{self.document_number}）" if self.document_number else "")


def _normalise_inner_brackets(text: str) -> str:
    return text.replace("<", "〈").replace(">", "〉").replace("＜", "〈").replace("＞", "〉")


def split_legal_bases(text: str) -> list[LegalCitation]:
    """Split a legal-basis cell on 《》, keeping trailing document numbers apart.

    '《工伤保险条例》(国务院令第586号)、《社会保险法》' gives two citations, the first with
    document number '国务院令第586号'. A title whose 《 or 》 was lost is kept and
    marked incomplete, never silently dropped.
    """
    text = clean(text)
    if not text:
        return []
    text = _normalise_inner_brackets(text)
    citations: list[LegalCitation] = []
    pos = 0
    while pos < len(text):
        start = text.find("《", pos)
        end = text.find("》", pos)
        if start == -1 and end == -1:
            rest = text[pos:].strip("、，,;；。 ")
            if rest and citations and _attach_number(citations, rest):
                pass
            elif rest and re.search(r"[法例定知则办规]", rest[-1:]):
                citations.append(LegalCitation(rest, None, complete=False))
            break
        if end != -1 and (start == -1 or end < start):
            # closing without opening: a fragment whose beginning was lost
            fragment = text[pos:end].strip("、，,;；。 ")
            if fragment:
                citations.append(LegalCitation(fragment, None, complete=False))
            pos = end + 1
            continue
        between = text[pos:start].strip("、，,;；。 ")
        if between and citations:
            _attach_number(citations, between)
        close = text.find("》", start + 1)
        next_open = text.find("《", start + 1)
        if close == -1 or (next_open != -1 and next_open < close):
            stop = next_open if next_open != -1 else len(text)
            title = text[start + 1 : stop].strip("、，,;；。 ")
            if title:
                citations.append(LegalCitation(title, None, complete=False))
            pos = stop
            continue
        title = text[start + 1 : close].strip()
        if title:
            citations.append(LegalCitation(title))
        pos = close + 1
        match = _REVISION.match(text, pos) or _DOC_NUMBER.match(text, pos)
        if match and citations:
            number = match.group(1).strip()
            citations[-1] = LegalCitation(citations[-1].title, number, citations[-1].complete)
            pos = match.end()
    return citations


def _attach_number(citations: list[LegalCitation], text: str) -> bool:
    match = _DOC_NUMBER.match(text) or _REVISION.match(text)
    if not match:
        return False
    last = citations[-1]
    citations[-1] = LegalCitation(last.title, match.group(1).strip(), last.complete)
    return True


def law_match_key(title: str) -> str:
    """The form two citations of the same law share: no 中华人民共和国, no brackets or spaces."""
    key = _normalise_inner_brackets(clean(title))
    key = re.sub(r"^中华人民共和国", "", key)
    key = re.sub(r"[《》〈〉“”\"'、，,\s（）()]", "", key)
    return key


# --- channels -----------------------------------------------------------------------


def split_channels(text: str) -> list[str]:
    """Channel names from a channel cell; a name after □ was NOT ticked and is dropped.

    Ticked (■) and unmarked names separated by boxes or spaces are channels. Names run
    together without a separator are split later against the channels the catalog
    names elsewhere (see ``segment_known``).
    """
    text = clean(text, keep_spaces=True)
    if not text:
        return []
    channels: list[str] = []
    for marker, chunk in _box_chunks(text):
        if marker == UNCHECKED_BOX:
            continue
        for name in chunk.split(" "):
            name = name.strip("、，,;；。:：")
            if name and name not in channels:
                channels.append(name)
    return channels


def _box_chunks(text: str) -> list[tuple[str, str]]:
    """[(marker, text)] where marker is ■, □ or '' for text before any box."""
    parts = re.split(r"([■□])", text)
    chunks: list[tuple[str, str]] = []
    marker = ""
    for part in parts:
        if part in (CHECKED_BOX, UNCHECKED_BOX):
            marker = part
            continue
        if part.strip():
            # Only the first word after a box is governed by it when words follow.
            words = part.strip().split(" ")
            if marker == UNCHECKED_BOX and len(words) > 1:
                chunks.append((UNCHECKED_BOX, words[0]))
                chunks.append(("", " ".join(words[1:])))
            else:
                chunks.append((marker, part.strip()))
        marker = ""
    return chunks


def segment_known(text: str, known: list[str]) -> list[str]:
    """Split run-together names ('新疆政务服务网伊宁市分站政府门户网站') against known names.

    Peels known names off the end; a leftover that is the tail of a known name (a
    fragment cut by a page break) becomes that name. Text that cannot be fully
    explained is returned whole: never guess a split.
    """
    if text in known:
        return [text]
    names = sorted(set(known), key=len, reverse=True)
    parts: list[str] = []
    rest = text
    while rest:
        if rest in names:
            parts.insert(0, rest)
            return parts
        suffix = next((n for n in names if rest.endswith(n) and len(n) < len(rest)), None)
        if suffix is None:
            wholes = [n for n in names if n.endswith(rest)] if len(rest) >= 2 else []
            if len(wholes) == 1:
                parts.insert(0, wholes[0])
                return parts
            if parts and len(rest) >= 4:
                parts.insert(0, rest)  # a name of its own in front of known ones
                return parts
            return [text]
        parts.insert(0, suffix)
        rest = rest[: -len(suffix)]
    return parts


# --- content elements ----------------------------------------------------------------


def split_content_elements(text: str) -> list[str]:
    """'事项名称、事项简述、办理材料' -> ['事项名称', '事项简述', '办理材料']."""
    text = clean(text)
    if not text:
        return []
    parts = re.split(r"[、，,;；。]|\d+[.．、]", text)
    out: list[str] = []
    for part in parts:
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return out


# --- time limits --------------------------------------------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_numeral(text: str) -> int | None:
    """'二十' -> 20, '十五' -> 15, '七' -> 7, '20' -> 20."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


_WORKING_DAYS = re.compile(r"(\d+|[零〇一二两三四五六七八九十百]+)\s*个?\s*工作日")
_DAYS = re.compile(r"(\d+|[零〇一二两三四五六七八九十百]+)\s*(?:个)?\s*(?:自然)?日(?!起)")


def parse_time_limit(text: str) -> int | None:
    """Working days from a time-limit text; None when the text states no number of days."""
    text = clean(text)
    match = _WORKING_DAYS.search(text)
    if match:
        return chinese_numeral(match.group(1))
    if "实时" in text or "即时" in text or "随时" in text:
        return 0
    return None
