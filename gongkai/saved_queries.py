"""The saved-query library: ``queries/*.rq`` with grlc-style ``#+`` headers.

A saved query is a SPARQL file whose first lines are a YAML header, each line starting
with ``#+`` (grlc's decorator syntax, so the files also work under grlc)::

    #+ summary: Items per place by level-1 category
    #+ description: How many disclosure items (公开事项) each catalog lists ...
    #+ tags: [dashboards, items]
    #+ example: /queries/items-per-place?place=654002
    #+ pagination: 100
    #+ chart: {type: bar, x: category_label, y: items}
    #+ parameters:
    #+   place:
    #+     type: place-code
    #+     description: GB/T 2260 code of the catalog's place
    #+     default: "654002"
    PREFIX gk: <https://w3id.org/gongkai/ontology#>
    SELECT ?__place ... WHERE { ... }

Parameters follow grlc's naming: ``?_name`` is a required parameter (it always has a
value when the query runs: the caller's or the declared default), ``?__name`` an
optional one (left unbound when neither the caller nor a default gives a value). Every
such variable must be declared in ``#+ parameters:`` with its ``type`` (iri, string,
integer, place-code, boolean), ``description``, and optionally ``default``, ``enum``,
``list: true`` (several values) and ``lang`` (language tag of a string value).

How values reach the query -- never spliced into its text:

* a single value is bound as an RDF term by the engine: :func:`bind` returns it as a
  SPARQL-JSON term in ``BoundQuery.substitutions`` and :func:`run` hands it to
  pyoxigraph's ``substitutions`` (:func:`to_oxigraph_term` converts);
* a list parameter becomes ``VALUES ?var { ... }`` built from validated terms
  serialised by pyoxigraph (N-Triples escaping), inserted where the query has a
  ``#VALUES ?var`` comment line (at each, where a query has several: say in a sub-select
  that projects the variable, so it counts only the chosen places), else at the start of
  its WHERE pattern;
* ``page`` / ``page_size`` of a paginated query become ``LIMIT`` / ``OFFSET`` (integers
  this module computed). A ``#LIMIT`` comment line ending a sub-SELECT whose ORDER BY is
  the query's own becomes ``LIMIT <the page's last row>``: the sub-SELECT then keeps only
  the rows up to this page, and the patterns after it read the rest of each row's facts
  for those rows alone (compare-coverage ranks 2,850 catalogs by two facts, then reads
  four more of the 500 it shows). Without the line (the unpaged text), the sub-SELECT
  keeps every row, so the query means the same either way.

The substitution rule of pyoxigraph 0.5.13, found by testing it (and checked for every
saved query when it is loaded, against an empty store):

1. a substituted variable MUST be in the outermost SELECT projection (or the query is
   ``SELECT *``); otherwise the engine refuses the query ("does not contains variable
   ?x in its SELECT projection"). So saved queries project their single-valued
   parameter variables (``SELECT ?__place ?place_label ...``), grouping by them where
   they aggregate. ASK and CONSTRUCT have no such restriction.
2. inside the WHERE clause the substituted variable acts as a constant in triple
   patterns, property paths, FILTER expressions, OPTIONAL, MINUS and FILTER (NOT)
   EXISTS, but the optimiser treats a variable that no pattern binds as unbound in
   ``BOUND(?v)`` and in a bare ``BIND(?v AS ?w)``, and a sub-SELECT that does not
   project it cannot see it. So never test ``BOUND()`` on a parameter, never copy it
   with a bare BIND, and use it in the outer pattern.
3. an optional parameter without a default must sit in a triple pattern, where
   leaving it unbound means "any value" (a FILTER on an unbound variable rejects
   every row).

List parameters are bound by VALUES inside the pattern and need not be projected.

The national view of a paginated query (its optional key parameter left empty) is
computed a window of keys at a time (:mod:`gongkai.national`) when its rows come key by
key: found for a query whose ORDER BY sorts first on the place's code; declared for any
other key, with the query listing every key in the order the rows sort them::

    #+ national:
    #+   windows: law
    #+   keys: >
    #+     SELECT DISTINCT ?__law WHERE { ?__law gk:unlisted true ; dct:title ?law_title }
    #+     ORDER BY ?law_title ?__law

The loader checks that ``keys`` selects the parameter's variable alone, that its ORDER BY
ends with that variable (or ``DESC`` of it) and that the query's ORDER BY starts with it.
The keys may also count each key's rows, ``SELECT ?__present (COUNT(?catalog) AS ?rows)``:
the windows are then sized to hold the page (compare-coverage ranks catalogs by a count,
and page 1 needs the catalogs of the top ten counts alone). ``key:`` names the row
variable that holds the key when it is not the parameter's (by default it is), and must be
projected. Windows serve the national view only: with a place given, one query runs.
``national: one-query`` opts a place-keyed query out (its rows are rare: one query finds
them faster).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit

import pyoxigraph

from gongkai import __version__
from gongkai.errors import GongkaiError
from gongkai.resources import resource_dir
from gongkai.sparql_lexer import COMMENT, PUNCT, SPACE, VAR, WORD, tokenize

__all__ = [
    "CHART_TYPES",
    "DEFAULT_MAX_PAGE_SIZE",
    "PARAMETER_TYPES",
    "RESERVED_NAMES",
    "BoundQuery",
    "Parameter",
    "ParameterError",
    "SavedQuery",
    "bind",
    "load_queries",
    "load_query",
    "openapi",
    "parameter_term",
    "run",
    "to_oxigraph_term",
    "values_text",
    "with_page_limit",
]

PARAMETER_TYPES = ("iri", "string", "integer", "place-code", "boolean")
CHART_TYPES = ("bar", "line", "pie", "scatter")
# Request parameters the library or the web layer gives a meaning of their own.
RESERVED_NAMES = frozenset({"page", "page_size", "format"})
DEFAULT_MAX_PAGE_SIZE = 1000
MAX_PAGE = 1_000_000
MAX_LIST_VALUES = 100
MAX_STRING_LENGTH = 1000
MAX_IRI_LENGTH = 2048

XSD = "http://www.w3.org/2001/XMLSchema#"
HEADER_KEYS = ("summary", "description", "tags", "example", "parameters", "pagination", "chart", "method", "national")
# How the national view of a place-keyed query is computed: a window of places at a time
# (the default), or as one query -- for a query whose rows are sparse and which one
# index range finds nationally faster than thousands of places each look up their own.
# A query ordered first by something else declares its windows as a mapping
# (``national: {windows: <parameter>, keys: <SELECT>}``, see :class:`Window`).
NATIONAL_VIEWS = ("windows", "one-query")
NATIONAL_KEYS = ("windows", "keys", "key")
# every place code of the store, in the order SPARQL sorts plain literals (code points)
PLACE_KEYS_QUERY = """PREFIX gk: <https://w3id.org/gongkai/ontology#>
SELECT DISTINCT ?__place WHERE { ?place gk:divisionCode ?__place } ORDER BY ?__place
"""
PARAMETER_KEYS = ("type", "description", "default", "enum", "list", "lang")
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
FORMATS = ("json", "csv", "tsv", "html")
RESULT_MEDIA_TYPES = {
    "application/sparql-results+json": "SPARQL 1.1 Query Results JSON",
    "text/csv": "SPARQL 1.1 Query Results CSV (UTF-8)",
    "text/tab-separated-values": "SPARQL 1.1 Query Results TSV",
    "text/html": "an HTML table (and chart where the query declares one)",
}

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_PARAMETER_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_IRI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f]')
_INTEGER = re.compile(r"^[+-]?[0-9]{1,18}$")
_PLACE_CODE = re.compile(r"^[0-9]{6}$")
_LANG = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")


class ParameterError(GongkaiError):
    """A request parameter the query cannot take (an HTTP 400); names the parameter."""

    def __init__(self, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True)
class Parameter:
    """One declared parameter of a saved query."""

    name: str  # the request parameter name: "place" for ?_place / ?__place
    type: str  # one of PARAMETER_TYPES
    required: bool  # ?_name: always bound when the query runs (caller's value or default)
    description: str
    default: Any = None  # typed value (str, int, bool), a tuple for list parameters, or None
    enum: tuple[Any, ...] = ()
    multi: bool = False  # list: true -> bound with VALUES
    lang: str | None = None  # language tag given to string values
    line: int = 0  # header line of the declaration

    @property
    def variable(self) -> str:
        """The query variable without '?': "_place" or "__place"."""
        return ("_" if self.required else "__") + self.name

    @property
    def must_be_given(self) -> bool:
        """True when the caller has to give a value (required and no default)."""
        return self.required and self.default is None


@dataclass(frozen=True)
class Window:
    """How the national view of a keyed query is computed a window of keys at a time
    (:mod:`gongkai.national`).

    The query's rows come key by key, in the order ``keys`` lists them: its ORDER BY
    starts with the ORDER BY of ``keys``, which ends with the key itself. So the rows of
    a window of keys, bound to the optional ``parameter`` as a caller would bind them,
    are a stretch of the national view, and windows taken in order make all of it.
    """

    parameter: str  # the optional parameter the windows bind: "place", "law"
    key: str  # the row variable holding a row's key: "__place", "place_code", "__law"
    # SELECT ?<parameter's variable>: every key a row can have, once, in order; with
    # (COUNT(...) AS ?rows), how many rows each key has, which sizes the windows
    keys: str


@dataclass(frozen=True)
class SavedQuery:
    """A parsed ``queries/<name>.rq`` file."""

    name: str
    summary: str
    description: str
    tags: list[str]
    example: str
    parameters: list[Parameter]
    pagination: int | None
    chart: dict[str, str] | None
    text: str  # the whole file, header included (it is made of SPARQL comments)
    form: str = "SELECT"
    path: Path | None = None
    # How the national view (the optional key parameter left empty) is computed a window
    # of keys at a time. Found for a query whose ORDER BY sorts first on a place's code
    # (?__place, or ?place_code) with an optional place parameter: its rows come place by
    # place. Declared in the header for any other key (``national: {windows: law, ...}``).
    # None for any other query, and for one whose header says ``national: one-query``
    # (its rows are rare: one query finds them faster).
    window: Window | None = None
    # a ``#LIMIT`` line ends a sub-SELECT sorted as the query is (see the module doc)
    page_limit: bool = False

    def parameter(self, name: str) -> Parameter | None:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        return None

    def example_arguments(self) -> dict[str, list[str]]:
        """The query-string arguments of ``example`` (name -> values)."""
        found: dict[str, list[str]] = {}
        for key, value in parse_qsl(urlsplit(self.example).query, keep_blank_values=True):
            found.setdefault(key, []).append(value)
        return found


@dataclass(frozen=True)
class BoundQuery:
    """A saved query with validated, typed arguments, ready to run."""

    query: SavedQuery
    text: str  # final text: VALUES for list parameters, LIMIT/OFFSET for pagination
    substitutions: dict[str, dict[str, str]]  # variable (no '?') -> SPARQL-JSON term
    values: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    arguments: dict[str, Any] = field(default_factory=dict)  # parameter -> typed value(s)
    page: int | None = None
    page_size: int | None = None
    limit: int | None = None  # LIMIT of ``text``: page_size, plus one for ``extra_row``
    offset: int = 0  # OFFSET of ``text``
    unpaged: str = ""  # ``text`` without its LIMIT and OFFSET

    @property
    def window_parameter(self) -> Parameter | None:
        """The key parameter when this is the national view of a keyed paginated query
        (:attr:`SavedQuery.window` set, neither a key nor a place given), else None.

        Why not with places given: their rows are few, and one query finds them faster
        than windows of keys do (unlisted-legal-bases for one place at 2,850 catalogs:
        3 ms plain, 12 ms in windows of laws)."""
        window = self.query.window
        if window is None or self.limit is None or window.parameter in self.arguments:
            return None
        if any(p.type == "place-code" and p.name in self.arguments for p in self.query.parameters):
            return None
        return self.query.parameter(window.parameter)

    def oxigraph_substitutions(self) -> dict[str, pyoxigraph.NamedNode | pyoxigraph.Literal]:
        return {name: to_oxigraph_term(term) for name, term in self.substitutions.items()}


# --------------------------------------------------------------------------- terms


def to_oxigraph_term(term: Mapping[str, Any]) -> pyoxigraph.NamedNode | pyoxigraph.Literal:
    """A SPARQL-JSON term (``{"type": "uri"|"literal", "value": ...}``) as a pyoxigraph term."""
    kind, value = term.get("type"), term.get("value")
    if not isinstance(value, str):
        raise ValueError(f"not a SPARQL-JSON term: {dict(term)!r}")
    if kind == "uri":
        return pyoxigraph.NamedNode(value)
    if kind in ("literal", "typed-literal"):
        if term.get("xml:lang"):
            return pyoxigraph.Literal(value, language=term["xml:lang"])
        if term.get("datatype"):
            return pyoxigraph.Literal(value, datatype=pyoxigraph.NamedNode(term["datatype"]))
        return pyoxigraph.Literal(value)
    raise ValueError(f"unsupported SPARQL-JSON term type {kind!r}")


def parameter_term(parameter: Parameter, value: Any) -> dict[str, str]:
    """A typed value of ``parameter`` as the SPARQL-JSON term :func:`bind` binds."""
    if parameter.type == "iri":
        return {"type": "uri", "value": value}
    if parameter.type == "integer":
        return {"type": "literal", "value": str(value), "datatype": XSD + "integer"}
    if parameter.type == "boolean":
        return {"type": "literal", "value": "true" if value else "false", "datatype": XSD + "boolean"}
    if parameter.type == "string" and parameter.lang:
        return {"type": "literal", "value": value, "xml:lang": parameter.lang}
    return {"type": "literal", "value": value}


def _coerce(parameter: Parameter, raw: Any) -> Any:
    """One value of ``parameter`` as its typed Python value; ValueError says why not."""
    kind = parameter.type
    if isinstance(raw, bool):
        if kind == "boolean":
            return raw
        raw = "true" if raw else "false"
    if isinstance(raw, int) and kind in ("integer", "place-code", "string"):
        raw = str(raw)
    if not isinstance(raw, str):
        raise ValueError(f"expected a {kind}, got {raw!r}")
    if kind == "string":
        if len(raw) > MAX_STRING_LENGTH:
            raise ValueError(f"longer than {MAX_STRING_LENGTH} characters")
        return raw
    if kind == "integer":
        text = raw.strip()
        if not _INTEGER.match(text):
            raise ValueError(f"not an integer: {raw!r}")
        return int(text)
    if kind == "boolean":
        text = raw.strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise ValueError(f"not a boolean (true or false): {raw!r}")
    if kind == "place-code":
        text = raw.strip()
        if not _PLACE_CODE.match(text):
            raise ValueError(f"not a 6-digit GB/T 2260 place code: {raw!r}")
        return text
    if kind == "iri":
        text = raw.strip()
        if len(text) > MAX_IRI_LENGTH:
            raise ValueError(f"IRI longer than {MAX_IRI_LENGTH} characters")
        if not _IRI_SCHEME.match(text):
            raise ValueError(f"not an absolute IRI (no scheme): {raw!r}")
        bad = _IRI_FORBIDDEN.search(text)
        if bad:
            raise ValueError(f"not a valid IRI: character {bad.group()!r} is not allowed")
        try:
            pyoxigraph.NamedNode(text)
        except ValueError as exc:
            raise ValueError(f"not a valid IRI: {exc}") from None
        return text
    raise ValueError(f"unknown parameter type {kind!r}")


# --------------------------------------------------------------------------- SPARQL scanning


class _Token(NamedTuple):
    kind: str  # a kind of gongkai.sparql_lexer
    text: str
    start: int
    depth: int  # brace depth before the token


def _tokens(text: str) -> list[_Token]:
    """The query's tokens (:func:`gongkai.sparql_lexer.tokenize`) but white space and
    punctuation other than braces, each with its brace depth, so that LIMIT, WHERE or
    '{' at the top level are told from nested ones."""
    out: list[_Token] = []
    depth = 0
    for token in tokenize(text, skip=(SPACE,)):
        if token.kind != PUNCT:
            out.append(_Token(*token, depth))
        elif token.text == "{":
            out.append(_Token(*token, depth))
            depth += 1
        elif token.text == "}":
            out.append(_Token(*token, depth))
            depth -= 1
    return out


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


_VALUES_MARKER = re.compile(r"^#\s*VALUES\s+[?$]([\w\u00B7]+)\s*$")
_LIMIT_MARKER = re.compile(r"^#\s*LIMIT\s*$")


# --------------------------------------------------------------------------- header YAML


class _HeaderError(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


_KEY = re.compile(r"^([A-Za-z_][\w\-]*)[ \t]*:(?:[ \t]+(.*)|[ \t]*)$")
_YAML11_BOOL = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")
_YAML_DATE = re.compile(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")
_YAML_NUMBERISH = re.compile(
    r"^[-+]?(?:0[0-9_]+|0[xXoObB].*|[0-9][0-9_]*(?::[0-9_]+)+|[0-9]+_[0-9_]*|\.inf|\.nan)$", re.IGNORECASE
)


class _Yaml:
    """A strict YAML subset (what the headers need), with the line of every value.

    Block mappings and sequences, flow sequences ``[a, b]`` and mappings ``{k: v}`` of
    scalars, plain / single- / double-quoted scalars (plain ones may continue on more
    indented lines), ``|`` and ``>`` block scalars, ``#`` comments. Anything else --
    anchors, tags, ambiguous YAML 1.1 scalars such as ``yes`` or ``012`` -- is refused
    with its line, so every header means the same to PyYAML (grlc) and to us.
    """

    def __init__(self, lines: list[tuple[int, str]]) -> None:
        # (file line, indent, content, raw); content is "" for blank and comment rows
        self.rows: list[tuple[int, int, str, str]] = []
        self.comments: set[int] = set()
        for index, (number, raw) in enumerate(lines):
            if "\t" in raw[: len(raw) - len(raw.lstrip())]:
                raise _HeaderError("tab in indentation (use spaces)", number)
            content = raw.strip()
            if content.startswith("#"):
                content = ""
                self.comments.add(index)
            self.rows.append((number, len(raw) - len(raw.lstrip(" ")), content, raw))
        self.lines: dict[tuple[Any, ...], int] = {}

    def parse(self) -> dict[str, Any]:
        i = self._skip_blank(0)
        if i >= len(self.rows):
            return {}
        number, indent, _, _ = self.rows[i]
        if indent != 0:
            raise _HeaderError("the header must start at column 0 after '#+ '", number)
        value, i = self._block(i, 0, ())
        if i < len(self.rows):
            raise _HeaderError("unexpected indentation", self.rows[i][0])
        if not isinstance(value, dict):
            raise _HeaderError("the header must be a mapping of keys (summary:, description:, ...)", number)
        return value

    def _skip_blank(self, i: int) -> int:
        while i < len(self.rows) and not self.rows[i][2]:
            i += 1
        return i

    def _block(self, i: int, indent: int, path: tuple[Any, ...]) -> tuple[Any, int]:
        content = self.rows[i][2]
        if content == "-" or content.startswith("- "):
            return self._sequence(i, indent, path)
        return self._mapping(i, indent, path)

    def _sequence(self, i: int, indent: int, path: tuple[Any, ...]) -> tuple[list[Any], int]:
        items: list[Any] = []
        while True:
            i = self._skip_blank(i)
            if i >= len(self.rows):
                break
            number, row_indent, content, _ = self.rows[i]
            if row_indent < indent:
                break
            if row_indent > indent:
                raise _HeaderError("unexpected indentation", number)
            if not (content == "-" or content.startswith("- ")):
                break
            item_path = (*path, len(items))
            self.lines[item_path] = number
            rest = content[1:].strip()
            if not rest or _KEY.match(rest) and not rest.startswith(("'", '"')):
                raise _HeaderError("only scalars are supported as list items", number)
            value, i = self._inline(i, rest, row_indent, number)
            items.append(value)
        return items, i

    def _mapping(self, i: int, indent: int, path: tuple[Any, ...]) -> tuple[dict[str, Any], int]:
        mapping: dict[str, Any] = {}
        while True:
            i = self._skip_blank(i)
            if i >= len(self.rows):
                break
            number, row_indent, content, _ = self.rows[i]
            if row_indent < indent:
                break
            if row_indent > indent:
                raise _HeaderError("unexpected indentation", number)
            if content == "-" or content.startswith("- "):
                break
            match = _KEY.match(content)
            if not match:
                raise _HeaderError(f"expected 'key: value', found {content!r}", number)
            key, rest = match.group(1), (match.group(2) or "").strip()
            if key in mapping:
                raise _HeaderError(f"duplicate key {key!r}", number)
            self.lines[(*path, key)] = number
            if rest.startswith("#"):
                rest = ""
            if rest:
                mapping[key], i = self._inline(i, rest, row_indent, number, (*path, key))
                continue
            j = self._skip_blank(i + 1)
            if j < len(self.rows) and self.rows[j][1] > indent:
                mapping[key], i = self._block(j, self.rows[j][1], (*path, key))
            elif j < len(self.rows) and self.rows[j][1] == indent and (
                self.rows[j][2] == "-" or self.rows[j][2].startswith("- ")
            ):
                mapping[key], i = self._sequence(j, indent, (*path, key))
            else:
                mapping[key], i = None, i + 1
        return mapping, i

    def _inline(
        self, i: int, text: str, indent: int, number: int, path: tuple[Any, ...] = ()
    ) -> tuple[Any, int]:
        """The value written after 'key:' or '- ' on row i (and its continuation rows)."""
        if text[0] in "|>":
            return self._block_scalar(i, text, indent, number)
        if text[0] in "[{":
            return self._flow(text, number, path), i + 1
        if text[0] in "\"'":
            value, rest = self._quoted(text, number)
            if rest and not rest.startswith("#"):
                raise _HeaderError(f"unexpected text after the quoted value: {rest!r}", number)
            return value, i + 1
        # plain scalar, possibly continued on more indented rows
        parts = [self._strip_comment(text)]
        j = i + 1
        blank = 0
        while j < len(self.rows):
            row_number, row_indent, content, _ = self.rows[j]
            if j in self.comments:
                break
            if not content:
                blank += 1
                j += 1
                continue
            if row_indent <= indent:
                break
            parts.append("\n" * blank if blank else " ")
            parts.append(self._strip_comment(content))
            blank = 0
            number = row_number
            j += 1
        joined = "".join(parts)
        for k in range(len(parts)):
            if ": " in parts[k] or parts[k].endswith(":"):
                raise _HeaderError("a plain value may not contain ': ' (quote it or use '>')", number)
        return self._resolve(joined, number, multiline=len(parts) > 1), self._back_to(j, i + 1)

    def _back_to(self, j: int, minimum: int) -> int:
        # trailing blank rows belong to whatever comes next
        while j > minimum and not self.rows[j - 1][2]:
            j -= 1
        return j

    @staticmethod
    def _strip_comment(text: str) -> str:
        cut = text.find(" #")
        return (text[:cut] if cut >= 0 else text).rstrip()

    def _block_scalar(self, i: int, text: str, indent: int, number: int) -> tuple[str, int]:
        style = text.split("#", 1)[0].strip()
        if style not in ("|", "|-", ">", ">-"):
            raise _HeaderError(f"unsupported block scalar indicator {style!r}", number)
        lines: list[str] = []
        j = i + 1
        block_indent: int | None = None
        while j < len(self.rows):
            row_number, row_indent, _, raw = self.rows[j]
            if not raw.strip():
                lines.append("")
                j += 1
                continue
            if row_indent <= indent:
                break
            if block_indent is None:
                block_indent = row_indent
            if row_indent < block_indent:
                raise _HeaderError("block scalar lines must keep their indentation", row_number)
            if row_indent > block_indent and style.startswith(">"):
                raise _HeaderError("more indented lines in a '>' block are not supported", row_number)
            lines.append(raw[block_indent:].rstrip())
            j += 1
        while lines and not lines[-1]:
            lines.pop()
            j -= 1
        if style.startswith("|"):
            value = "\n".join(lines)
        else:
            value, blank = "", False
            for line in lines:
                if not line:
                    value += "\n"
                    blank = True
                    continue
                value += line if (not value or blank) else " " + line
                blank = False
        if not style.endswith("-") and lines:
            value += "\n"
        return value, j

    @staticmethod
    def _quoted(text: str, number: int) -> tuple[str, str]:
        quote = text[0]
        out: list[str] = []
        k = 1
        while k < len(text):
            char = text[k]
            if quote == "'" and char == "'":
                if text[k + 1 : k + 2] == "'":
                    out.append("'")
                    k += 2
                    continue
                return "".join(out), text[k + 1 :].strip()
            if quote == '"' and char == "\\":
                code = text[k + 1 : k + 2]
                simple = {'"': '"', "\\": "\\", "/": "/", "n": "\n", "t": "\t", "r": "\r", "0": "\0", " ": " "}
                if code in simple:
                    out.append(simple[code])
                    k += 2
                    continue
                if code in ("u", "U", "x"):
                    width = {"x": 2, "u": 4, "U": 8}[code]
                    digits = text[k + 2 : k + 2 + width]
                    if len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits):
                        out.append(chr(int(digits, 16)))
                        k += 2 + width
                        continue
                raise _HeaderError(f"unsupported escape \\{code} in a double-quoted value", number)
            if quote == '"' and char == '"':
                return "".join(out), text[k + 1 :].strip()
            out.append(char)
            k += 1
        raise _HeaderError("unterminated quoted value (quoted values must end on their line)", number)

    def _flow(self, text: str, number: int, path: tuple[Any, ...]) -> Any:
        body = text.rstrip()
        closing = "]" if text[0] == "[" else "}"
        # a comment may follow the closing bracket
        end = self._flow_end(body, number)
        rest = body[end + 1 :].strip()
        if body[end] != closing:
            raise _HeaderError("mismatched brackets", number)
        if rest and not rest.startswith("#"):
            raise _HeaderError(f"unexpected text after {closing!r}: {rest!r}", number)
        items = self._flow_items(body[1:end], number)
        if closing == "]":
            for index in range(len(items)):
                self.lines[(*path, index)] = number
            return [self._flow_scalar(item, number) for item in items]
        mapping: dict[str, Any] = {}
        for item in items:
            match = re.match(r"^([A-Za-z_][\w\-]*)[ \t]*:[ \t]+(.+)$", item, re.DOTALL)
            if not match:
                raise _HeaderError(f"expected 'key: value' in {{...}}, found {item!r}", number)
            key = match.group(1)
            if key in mapping:
                raise _HeaderError(f"duplicate key {key!r}", number)
            self.lines[(*path, key)] = number
            mapping[key] = self._flow_scalar(match.group(2).strip(), number)
        return mapping

    @staticmethod
    def _flow_end(body: str, number: int) -> int:
        quote = None
        k = 1
        while k < len(body):
            char = body[k]
            if quote:
                if char == "\\" and quote == '"':
                    k += 2
                    continue
                if char == quote:
                    quote = None
            elif char in "\"'":
                quote = char
            elif char in "[{":
                raise _HeaderError("nested collections are not supported", number)
            elif char in "]}":
                return k
            k += 1
        raise _HeaderError("unterminated '[' or '{' (flow collections must end on their line)", number)

    @staticmethod
    def _flow_items(body: str, number: int) -> list[str]:
        items: list[str] = []
        current: list[str] = []
        quote = None
        k = 0
        while k < len(body):
            char = body[k]
            if quote:
                current.append(char)
                if char == "\\" and quote == '"' and k + 1 < len(body):
                    current.append(body[k + 1])
                    k += 2
                    continue
                if char == quote:
                    quote = None
            elif char in "\"'":
                quote = char
                current.append(char)
            elif char == ",":
                items.append("".join(current).strip())
                current = []
            else:
                current.append(char)
            k += 1
        last = "".join(current).strip()
        if last:
            items.append(last)
        elif items:
            pass  # a trailing comma is allowed by YAML
        if any(not item for item in items):
            raise _HeaderError("empty item in a flow collection", number)
        return items

    def _flow_scalar(self, text: str, number: int) -> Any:
        if text[0] in "\"'":
            value, rest = self._quoted(text, number)
            if rest:
                raise _HeaderError(f"unexpected text after the quoted value: {rest!r}", number)
            return value
        if ": " in text or text.endswith(":"):
            raise _HeaderError("a plain value may not contain ': ' (quote it)", number)
        return self._resolve(text, number)

    @staticmethod
    def _resolve(text: str, number: int, multiline: bool = False) -> Any:
        if not text:
            return None
        if text[0] in "&*!%@`|>?-,[]{}#" and not (text[0] == "-" and len(text) > 1 and text[1] != " "):
            raise _HeaderError(f"a plain value may not start with {text[0]!r} (quote it)", number)
        if multiline:
            return text
        if text in ("null", "Null", "NULL", "~"):
            return None
        if text in ("true", "True", "TRUE"):
            return True
        if text in ("false", "False", "FALSE"):
            return False
        if _YAML11_BOOL.match(text) or _YAML_DATE.match(text) or _YAML_NUMBERISH.match(text):
            raise _HeaderError(f"{text!r} is ambiguous in YAML 1.1 (quote it)", number)
        if re.match(r"^[-+]?[0-9]+$", text):
            return int(text)
        if re.match(r"^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?$", text) and text not in (".", "+.", "-."):
            return float(text.replace("_", ""))
        return text


def _parse_header(lines: list[tuple[int, str]]) -> tuple[dict[str, Any], dict[tuple[Any, ...], int]]:
    parser = _Yaml(lines)
    value = parser.parse()
    return value, parser.lines


# --------------------------------------------------------------------------- loading


def _split_header(text: str, file: str) -> tuple[list[tuple[int, str]], int]:
    """The ``#+`` lines (file line, content after '#+ ') and the line where the query starts."""
    header: list[tuple[int, str]] = []
    body_start = 0
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if body_start:
            if stripped.startswith("#+"):
                raise GongkaiError("'#+' header line after the query has started", file=file, line=number)
            continue
        if line.startswith("#+"):
            content = line[2:]
            if content and not content.startswith(" "):
                raise GongkaiError("a header line must start with '#+ ' (a space after '#+')", file=file, line=number)
            header.append((number, content[1:] if content else ""))
        elif stripped.startswith("#+"):
            raise GongkaiError("'#+' must be at the start of the line", file=file, line=number)
        elif not stripped or stripped.startswith("#"):
            continue
        else:
            body_start = number
    if not header:
        raise GongkaiError("no '#+' header (summary, description, example ...)", file=file, line=1)
    return header, body_start or len(lines) + 1


def _expect(condition: bool, message: str, file: str, line: int) -> None:
    if not condition:
        raise GongkaiError(message, file=file, line=line)


def _string_field(header: Mapping[str, Any], key: str, lines, file: str, header_line: int) -> str:
    value = header.get(key)
    line = lines.get((key,), header_line)
    _expect(value is not None, f"missing '{key}:' in the header", file, header_line)
    _expect(isinstance(value, str) and value.strip() != "", f"'{key}:' must be a non-empty text", file, line)
    return value.strip()


def _parameter(
    name: str, spec: Any, variable_required: bool, lines, file: str
) -> Parameter:
    line = lines.get(("parameters", name), 0)
    _expect(_PARAMETER_NAME.match(name) is not None,
            f"parameter name {name!r} must be lower-case letters, digits and '_'", file, line)
    _expect(name not in RESERVED_NAMES, f"parameter name {name!r} is reserved", file, line)
    _expect(isinstance(spec, dict), f"parameter {name!r} must be a mapping (type:, description:, ...)", file, line)
    for key in spec:
        _expect(key in PARAMETER_KEYS,
                f"parameter {name!r}: unknown key {key!r} (allowed: {', '.join(PARAMETER_KEYS)})",
                file, lines.get(("parameters", name, key), line))

    def where(key: str) -> int:
        return lines.get(("parameters", name, key), line)

    kind = spec.get("type")
    _expect(kind in PARAMETER_TYPES,
            f"parameter {name!r}: type must be one of {', '.join(PARAMETER_TYPES)}, not {kind!r}", file, where("type"))
    description = spec.get("description")
    _expect(isinstance(description, str) and description.strip() != "",
            f"parameter {name!r}: 'description:' must be a non-empty text", file, where("description"))
    multi = spec.get("list", False)
    _expect(isinstance(multi, bool), f"parameter {name!r}: 'list:' must be true or false", file, where("list"))
    lang = spec.get("lang")
    if lang is not None:
        _expect(kind == "string", f"parameter {name!r}: 'lang:' applies to string parameters only", file, where("lang"))
        _expect(isinstance(lang, str) and _LANG.match(lang) is not None,
                f"parameter {name!r}: 'lang:' must be a language tag such as zh", file, where("lang"))
    draft = Parameter(name=name, type=kind, required=variable_required, description=description.strip(),
                      multi=multi, lang=lang, line=line)

    def typed(value: Any, key: str) -> Any:
        try:
            return _coerce(draft, value)
        except ValueError as exc:
            raise GongkaiError(f"parameter {name!r}: bad {key}: {exc}", file=file, line=where(key)) from None

    enum: tuple[Any, ...] = ()
    if "enum" in spec:
        raw_enum = spec["enum"]
        _expect(isinstance(raw_enum, list) and len(raw_enum) > 0,
                f"parameter {name!r}: 'enum:' must be a non-empty list", file, where("enum"))
        enum = tuple(typed(v, "enum") for v in raw_enum)
        _expect(len(set(enum)) == len(enum), f"parameter {name!r}: duplicate value in 'enum:'", file, where("enum"))
    default: Any = None
    if spec.get("default") is not None:
        raw_default = spec["default"]
        if multi:
            items = raw_default if isinstance(raw_default, list) else [raw_default]
            default = tuple(typed(v, "default") for v in items)
            bad = [v for v in default if enum and v not in enum]
        else:
            _expect(not isinstance(raw_default, list),
                    f"parameter {name!r}: a list default needs 'list: true'", file, where("default"))
            default = typed(raw_default, "default")
            bad = [default] if enum and default not in enum else []
        _expect(not bad, f"parameter {name!r}: default {bad[0] if bad else ''!r} is not in 'enum:'", file, where("default"))
    return Parameter(name=name, type=kind, required=variable_required, description=description.strip(),
                     default=default, enum=enum, multi=multi, lang=lang, line=line)


def load_query(path: Path | str, *, check: bool = True) -> SavedQuery:
    """Parse one ``.rq`` file; GongkaiError names the file and line of any problem.

    With ``check`` (the default) the query is also run once against an empty
    in-memory store with placeholder values, so syntax errors and variables the engine
    cannot substitute (see the module docstring) are found at load time.
    """
    path = Path(path)
    file = str(path)
    name = path.stem
    if not _NAME.match(name):
        raise GongkaiError("a query file name must be lower-case letters, digits and '-' (+ .rq)", file=file)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GongkaiError(f"not UTF-8 text: {exc.reason}", file=file) from None
    except OSError as exc:
        raise GongkaiError(f"cannot read: {exc.strerror}", file=file) from None
    header_lines, body_start = _split_header(text, file)
    header_line = header_lines[0][0]
    try:
        header, lines = _parse_header(header_lines)
    except _HeaderError as exc:
        raise GongkaiError(f"header: {exc.message}", file=file, line=exc.line) from None
    for key in header:
        _expect(key in HEADER_KEYS, f"unknown header key {key!r} (allowed: {', '.join(HEADER_KEYS)})",
                file, lines.get((key,), header_line))

    summary = _string_field(header, "summary", lines, file, header_line)
    description = _string_field(header, "description", lines, file, header_line)
    example = _string_field(header, "example", lines, file, header_line)
    tags = header.get("tags")
    _expect(tags is not None, "missing 'tags:' in the header", file, header_line)
    _expect(isinstance(tags, list) and tags and all(isinstance(t, str) and t.strip() for t in tags),
            "'tags:' must be a non-empty list of texts", file, lines.get(("tags",), header_line))
    method = header.get("method", "GET")
    _expect(method == "GET", "'method:' must be GET (saved queries are read-only)", file, lines.get(("method",), header_line))
    pagination = header.get("pagination")
    if pagination is not None:
        _expect(isinstance(pagination, int) and not isinstance(pagination, bool) and pagination >= 1,
                "'pagination:' must be a positive integer", file, lines.get(("pagination",), header_line))

    tokens = _tokens(text)
    code = [t for t in tokens if t.kind != COMMENT]
    words = [t for t in code if t.kind == WORD]
    form_token = next((t for t in words if t.text.upper() in QUERY_FORMS), None)
    _expect(form_token is not None, "no SELECT, ASK, CONSTRUCT or DESCRIBE in the query", file, body_start)
    form = form_token.text.upper()

    # parameters <-> ?_name / ?__name variables
    used: dict[str, tuple[bool, int]] = {}
    for token in code:
        if token.kind != VAR:
            continue
        var = token.text[1:]
        if not var.startswith("_"):
            continue
        match = re.match(r"^(__?)([a-z][a-z0-9_]*)$", var)
        line = _line_of(text, token.start)
        _expect(match is not None,
                f"variable ?{var}: parameters are ?_name (required) or ?__name (optional), name in lower case",
                file, line)
        required, pname = match.group(1) == "_", match.group(2)
        if pname in used and used[pname][0] != required:
            raise GongkaiError(f"parameter {pname!r} is used both as ?_{pname} and ?__{pname}", file=file, line=line)
        used.setdefault(pname, (required, line))
    declared = header.get("parameters") or {}
    _expect(isinstance(declared, dict), "'parameters:' must be a mapping of parameter names",
            file, lines.get(("parameters",), header_line))
    for pname, (_required, line) in used.items():
        _expect(pname in declared, f"variable ?{'_' if _required else '__'}{pname} is not declared in 'parameters:'",
                file, line)
    parameters = []
    for pname, spec in declared.items():
        pline = lines.get(("parameters", pname), header_line)
        _expect(pname in used, f"parameter {pname!r} is declared but neither ?_{pname} nor ?__{pname} is in the query",
                file, pline)
        parameters.append(_parameter(pname, spec, used[pname][0], lines, file))

    # VALUES markers
    markers: dict[str, int] = {}
    for token in tokens:
        if token.kind == COMMENT:
            match = _VALUES_MARKER.match(token.text)
            if match:
                line = _line_of(text, token.start)
                var = match.group(1)
                target = next((p for p in parameters if p.variable == var), None)
                _expect(target is not None and target.multi,
                        f"'#VALUES ?{var}' marks a place for a list parameter, but ?{var} is not one", file, line)
                markers.setdefault(var, token.start)
    for parameter in parameters:
        if parameter.multi and parameter.variable not in markers:
            _expect(_where_brace(tokens) is not None,
                    f"list parameter {parameter.name!r} needs a '#VALUES ?{parameter.variable}' line or a WHERE clause",
                    file, parameter.line)

    # pagination needs a deterministic order and no LIMIT/OFFSET of its own
    top_words = [t.text.upper() for t in words if t.depth == 0 and t.start > form_token.start]
    if pagination is not None:
        _expect(form == "SELECT", "'pagination:' applies to SELECT queries", file, lines.get(("pagination",), header_line))
        _expect("LIMIT" not in top_words and "OFFSET" not in top_words,
                "a paginated query must not have its own LIMIT or OFFSET", file, body_start)
        _expect("ORDER" in top_words, "a paginated query needs an ORDER BY (pages must be stable)", file, body_start)
    page_limit = _check_page_limit(text, tokens, code, form_token, pagination, file)
    national = header.get("national", "windows")
    national_line = lines.get(("national",), header_line)
    if isinstance(national, dict):
        window = _declared_window(national, text, code, form_token, parameters, pagination,
                                  file, lambda *key: lines.get(("national", *key), national_line), check)
    else:
        _expect(national in NATIONAL_VIEWS, f"'national:' must be one of {', '.join(NATIONAL_VIEWS)}"
                " or a mapping {windows: <parameter>, keys: <SELECT>}", file, national_line)
        place_key = _place_key(code, form_token, parameters) if pagination is not None else None
        _expect(national == "windows" or place_key is not None,
                "'national: one-query' applies to a query ordered by place first (with an optional place)",
                file, national_line)
        window = (Window(parameter="place", key=place_key, keys=PLACE_KEYS_QUERY)
                  if place_key is not None and national == "windows" else None)

    chart = header.get("chart")
    if chart is not None:
        cline = lines.get(("chart",), header_line)
        _expect(isinstance(chart, dict), "'chart:' must be a mapping {type: bar, x: var, y: var}", file, cline)
        for key in chart:
            _expect(key in ("type", "x", "y", "series"), f"chart: unknown key {key!r}", file, cline)
        _expect(chart.get("type") in CHART_TYPES, f"chart: type must be one of {', '.join(CHART_TYPES)}", file, cline)
        variables = {t.text[1:] for t in code if t.kind == VAR}
        for key in ("x", "y", "series"):
            if key == "series" and key not in chart:
                continue
            _expect(isinstance(chart.get(key), str) and chart[key] in variables,
                    f"chart: {key} must name a variable of the query (without '?')", file, cline)
        chart = {k: str(v) for k, v in chart.items()}

    query = SavedQuery(
        name=name, summary=summary, description=description, tags=[t.strip() for t in tags], example=example,
        parameters=parameters, pagination=pagination, chart=chart, text=text, form=form, path=path,
        window=window, page_limit=page_limit,
    )
    _check_example(query, file, lines.get(("example",), header_line))
    if check:
        _check_with_engine(query, file, form_token)
    return query


PLACE_KEYS = ("__place", "place_code")


def _order_conditions(code: list[_Token], form_token: _Token, depth: int = 0) -> list[str]:
    """The ORDER BY's conditions of the query (or, at ``depth``, the sub-SELECT) that
    ``form_token`` starts, as token texts, so that two ORDER BYs can be compared: ASC
    dropped (the default), keywords upper-cased, ``$x`` written ``?x``; up to LIMIT,
    OFFSET or the end. [] without an ORDER BY."""
    top = [t for t in code if t.depth == depth and t.start > form_token.start]
    for i, token in enumerate(top[:-2]):
        if token.kind == WORD and token.text.upper() == "ORDER" and top[i + 1].text.upper() == "BY":
            conditions = []
            for t in top[i + 2:]:
                upper = t.text.upper()
                if t.kind == WORD and upper in ("LIMIT", "OFFSET", "VALUES"):
                    break
                if t.kind == WORD and upper == "ASC":
                    continue
                conditions.append("?" + t.text[1:] if t.kind == VAR else upper if t.kind == WORD else t.text)
            return conditions
    return []


def _check_page_limit(text: str, tokens: list[_Token], code: list[_Token], form_token: _Token,
                      pagination: int | None, file: str) -> bool:
    """Whether the query has a ``#LIMIT`` line, checked so that the sub-SELECT it ends keeps
    the query's first rows: it ends a sub-SELECT of a paginated query, which sorts as the
    query does and has no LIMIT or OFFSET of its own."""
    markers = [t for t in tokens if t.kind == COMMENT and _LIMIT_MARKER.match(t.text)]
    if not markers:
        return False
    _expect(len(markers) == 1, "one '#LIMIT' line at most", file, _line_of(text, markers[-1].start))
    marker = markers[0]
    line = _line_of(text, marker.start)
    _expect(pagination is not None, "'#LIMIT' keeps the rows up to the page: the query must be paginated", file, line)
    before = [t for t in code if t.start < marker.start]
    opening = next((t for t in reversed(before) if t.text == "{" and t.depth == marker.depth - 1), None)
    inside = [t for t in before if opening is not None and t.start > opening.start]
    after = next((t for t in code if t.start > marker.start), None)
    ends = after is not None and after.text == "}" and after.depth == marker.depth
    _expect(marker.depth > 0 and bool(inside) and inside[0].text.upper() == "SELECT" and ends,
            "'#LIMIT' must be the last line of a sub-SELECT (after its ORDER BY)", file, line)
    words = [t.text.upper() for t in inside if t.kind == WORD and t.depth == marker.depth]
    _expect("LIMIT" not in words and "OFFSET" not in words,
            "the sub-SELECT that '#LIMIT' ends must not have a LIMIT or OFFSET of its own", file, line)
    order = _order_conditions(inside, inside[0], marker.depth)
    _expect(bool(order) and order == _order_conditions(code, form_token),
            "the sub-SELECT that '#LIMIT' ends must have the query's own ORDER BY (so it keeps the query's "
            "first rows)", file, line)
    return True


def _place_key(code: list[_Token], form_token: _Token, parameters: list[Parameter]) -> str | None:
    """The variable the outermost ORDER BY sorts on first, ascending, when it is one of
    :data:`PLACE_KEYS` and the query has one optional place-code parameter, ?__place,
    without a default (so it can be left empty: the national view)."""
    places = [p for p in parameters if p.type == "place-code"]
    if len(places) != 1 or places[0].variable != "__place" or places[0].default is not None:
        return None
    conditions = _order_conditions(code, form_token)
    if conditions and conditions[0].startswith("?") and conditions[0][1:] in PLACE_KEYS:
        return conditions[0][1:]
    return None


def _declared_window(
    spec: Mapping[str, Any], text: str, code: list[_Token], form_token: _Token, parameters: list[Parameter],
    pagination: int | None, file: str, line: Callable[..., int], check: bool,
) -> Window:
    """The windows of ``national: {windows: <parameter>, keys: <SELECT>}``, checked so that
    taking them in order gives the national view's rows in order (see :class:`Window`)."""
    for key in spec:
        _expect(key in NATIONAL_KEYS, f"national: unknown key {key!r} (allowed: {', '.join(NATIONAL_KEYS)})",
                file, line(key))
    _expect(pagination is not None, "national windows apply to a paginated query", file, line())
    name = spec.get("windows")
    parameter = next((p for p in parameters if p.name == name), None)
    _expect(parameter is not None and not parameter.required and parameter.default is None,
            "national: 'windows:' must name an optional parameter of the query without a default",
            file, line("windows"))
    keys = spec.get("keys")
    _expect(isinstance(keys, str) and keys.strip() != "", "national: 'keys:' must be a SELECT query",
            file, line("keys"))
    key_tokens = [t for t in _tokens(keys) if t.kind != COMMENT]
    key_form = next((t for t in key_tokens if t.kind == WORD and t.text.upper() in QUERY_FORMS), None)
    projection = [t for t in key_tokens
                  if key_form is not None and t.depth == 0 and t.start > key_form.start
                  and t.start < (_where_brace(key_tokens) or key_form).start
                  and not (t.kind == WORD and t.text.upper() in ("DISTINCT", "REDUCED", "WHERE"))]
    # ?key alone, or ?key (<aggregate> AS ?rows)
    counted = (len(projection) > 3 and projection[1].kind == WORD and projection[-1].text == "?rows"
               and projection[-2].text.upper() == "AS")
    _expect(key_form is not None and key_form.text.upper() == "SELECT" and bool(projection)
            and projection[0].text == f"?{parameter.variable}" and (len(projection) == 1 or counted),
            f"national: 'keys:' must be a SELECT of ?{parameter.variable} alone, or with its rows "
            "((COUNT(...) AS ?rows))", file, line("keys"))
    order = _order_conditions(key_tokens, key_form)
    _expect(order[-1:] == [f"?{parameter.variable}"],  # DESC(?key) too: parentheses are not tokens
            f"national: the ORDER BY of 'keys:' must end with ?{parameter.variable} (no two keys tie)",
            file, line("keys"))
    _expect(_order_conditions(code, form_token)[:len(order)] == order,
            "national: the query's ORDER BY must start with the ORDER BY of 'keys:' (rows come key by key)",
            file, line("keys"))
    declarations = [t for t in code if t.start < form_token.start]  # PREFIX and BASE
    prologue = text[declarations[0].start:declarations[-1].start + len(declarations[-1].text)] + "\n" if declarations else ""
    keys_text = prologue + keys.strip() + "\n"
    if check:
        try:
            pyoxigraph.Store().query(keys_text)
        except SyntaxError as exc:
            raise GongkaiError(f"national: 'keys:' is not SPARQL: {exc}", file=file, line=line("keys")) from None
    key = spec.get("key", parameter.variable)
    where = _where_brace(code)
    projected = {t.text[1:] for t in code if t.kind == VAR and t.depth == 0 and form_token.start < t.start
                 and (where is None or t.start < where.start)}
    _expect(isinstance(key, str) and key in projected,
            "national: 'key:' must name a variable the query projects, holding a row's key "
            f"(by default ?{parameter.variable})", file, line("key"))
    return Window(parameter=parameter.name, key=key, keys=keys_text)


def _check_example(query: SavedQuery, file: str, line: int) -> None:
    parts = urlsplit(query.example)
    _expect(parts.path == f"/queries/{query.name}",
            f"'example:' must call /queries/{query.name}, not {parts.path!r}", file, line)
    try:
        bind(query, query.example_arguments())
    except ParameterError as exc:
        raise GongkaiError(f"'example:' does not bind: {exc.message}", file=file, line=line) from None


_PLACEHOLDERS = {"iri": "urn:gongkai:check", "string": "check", "integer": 1, "place-code": "000000", "boolean": True}


def _check_with_engine(query: SavedQuery, file: str, form_token: _Token) -> None:
    raw: dict[str, list[str]] = {}
    for parameter in query.parameters:
        value = parameter.enum[0] if parameter.enum else _PLACEHOLDERS[parameter.type]
        raw[parameter.name] = [str(value).lower() if isinstance(value, bool) else str(value)]
    bound = bind(query, raw)
    try:
        pyoxigraph.Store().query(bound.text, substitutions={
            pyoxigraph.Variable(k): v for k, v in bound.oxigraph_substitutions().items()})
    except SyntaxError as exc:
        message = str(exc)
        match = re.search(r"at (\d+):(\d+)", message)
        line = int(match.group(1)) if match else _line_of(query.text, form_token.start)
        raise GongkaiError(f"SPARQL syntax error: {message}", file=file, line=line) from None
    except (RuntimeError, ValueError, OSError) as exc:
        message = str(exc)
        if "SELECT projection" in message:
            message += " (pyoxigraph substitutes only projected variables: add it to the SELECT clause)"
        raise GongkaiError(f"the engine refuses the query: {message}", file=file,
                           line=_line_of(query.text, form_token.start)) from None


def load_queries(folder: Path | str | None = None, *, check: bool = True) -> dict[str, SavedQuery]:
    """Every ``*.rq`` of ``folder`` (default: the packaged ``queries/``), by name, sorted."""
    root = Path(folder) if folder is not None else resource_dir("queries")
    if not root.is_dir():
        raise GongkaiError("no such query folder", file=str(root))
    return {p.stem: load_query(p, check=check) for p in sorted(root.glob("*.rq"))}


# --------------------------------------------------------------------------- binding


def _where_brace(tokens: list[_Token]) -> _Token | None:
    """The '{' that opens the outermost WHERE pattern (the keyword WHERE is optional
    except after CONSTRUCT, whose first '{' is the template)."""
    form: str | None = None
    after_where = False
    for token in tokens:
        if token.kind == COMMENT or token.depth != 0:
            continue
        if token.kind == WORD:
            upper = token.text.upper()
            if form is None and upper in QUERY_FORMS:
                form = upper
            elif upper == "WHERE" and form is not None:
                after_where = True
        elif (token.kind == PUNCT and token.text == "{" and form is not None
              and (after_where or form != "CONSTRUCT")):
            return token
    return None


def _values_clause(variable: str, terms: list[dict[str, str]]) -> str:
    rendered = " ".join(str(to_oxigraph_term(term)) for term in terms)
    return f"VALUES ?{variable} {{ {rendered} }}"


def _values(raw: str | list[str] | tuple[str, ...] | None) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = [raw]
    out = []
    for value in raw:
        if not isinstance(value, str):
            raise TypeError(f"parameter values must be strings, got {value!r}")
        if value != "":
            out.append(value)
    return out


def _int_argument(raw: Any, name: str) -> int | None:
    values = _values(raw)
    if not values:
        return None
    if len(values) > 1:
        raise ParameterError(f"parameter {name!r} takes one value, got {len(values)}", name)
    text = values[0].strip()
    if not _INTEGER.match(text):
        raise ParameterError(f"parameter {name!r} must be an integer, not {values[0]!r}", name)
    return int(text)


def bind(
    query: SavedQuery,
    raw: Mapping[str, str | list[str]],
    *,
    max_page_size: int = DEFAULT_MAX_PAGE_SIZE,
    ignore: Iterable[str] = (),
    extra_row: bool = False,
) -> BoundQuery:
    """Validate and type ``raw`` request arguments for ``query``.

    ``raw`` maps parameter names to a string or a list of strings (repeated request
    parameters); an empty string counts as absent. ``page`` and ``page_size`` page a
    paginated query (page >= 1, 1 <= page_size <= ``max_page_size``). Names in
    ``ignore`` (say the web layer's ``format``) are skipped; any other unknown name is
    an error. ``extra_row`` asks for one row more than ``page_size`` so the caller can
    tell whether a next page exists.

    Raises :class:`ParameterError` (naming the parameter) for a missing required
    value, a wrong type, a value outside the enum, a bad IRI, a place code that is not
    six digits, an unknown parameter, or bad paging.
    """
    ignored = set(ignore)
    known = {p.name for p in query.parameters}
    paging = {"page", "page_size"} if query.pagination else set()
    for name in sorted(raw):
        if name in ignored or name in known or name in paging:
            continue
        if name in ("page", "page_size"):
            raise ParameterError(f"query {query.name!r} is not paginated: no parameter {name!r}", name)
        allowed = ", ".join(sorted(known | paging)) or "none"
        raise ParameterError(f"unknown parameter {name!r} for query {query.name!r} (allowed: {allowed})", name)

    substitutions: dict[str, dict[str, str]] = {}
    values: dict[str, list[dict[str, str]]] = {}
    arguments: dict[str, Any] = {}
    for parameter in query.parameters:
        try:
            given = _values(raw.get(parameter.name))
        except TypeError as exc:
            raise ParameterError(f"parameter {parameter.name!r}: {exc}", parameter.name) from None
        if not parameter.multi and len(given) > 1:
            raise ParameterError(f"parameter {parameter.name!r} takes one value, got {len(given)}", parameter.name)
        if len(given) > MAX_LIST_VALUES:
            raise ParameterError(f"parameter {parameter.name!r}: at most {MAX_LIST_VALUES} values", parameter.name)
        if given:
            typed = []
            for value in given:
                try:
                    item = _coerce(parameter, value)
                except ValueError as exc:
                    raise ParameterError(f"parameter {parameter.name!r}: {exc}", parameter.name) from None
                if parameter.enum and item not in parameter.enum:
                    choices = ", ".join(str(v) for v in parameter.enum)
                    raise ParameterError(
                        f"parameter {parameter.name!r}: {value!r} is not one of {choices}", parameter.name)
                if item not in typed:
                    typed.append(item)
        elif parameter.default is not None:
            typed = list(parameter.default) if parameter.multi else [parameter.default]
        elif parameter.required:
            raise ParameterError(f"missing required parameter {parameter.name!r} ({parameter.description})",
                                 parameter.name)
        else:
            continue
        if parameter.multi:
            arguments[parameter.name] = tuple(typed)
            values[parameter.variable] = [parameter_term(parameter, v) for v in typed]
        else:
            arguments[parameter.name] = typed[0]
            substitutions[parameter.variable] = parameter_term(parameter, typed[0])

    text = values_text(query, values)
    page = page_size = None
    if query.pagination:
        page = None if "page" in ignored else _int_argument(raw.get("page"), "page")
        page = 1 if page is None else page
        size = None if "page_size" in ignored else _int_argument(raw.get("page_size"), "page_size")
        if page < 1 or page > MAX_PAGE:
            raise ParameterError(f"parameter 'page' must be between 1 and {MAX_PAGE}", "page")
        if size is not None and not 1 <= size <= max_page_size:
            raise ParameterError(f"parameter 'page_size' must be between 1 and {max_page_size}", "page_size")
        page_size = size if size is not None else min(query.pagination, max_page_size)
        limit = page_size + (1 if extra_row else 0)
        offset = (page - 1) * page_size
        paged = with_page_limit(text, offset + limit) if query.page_limit else text
        return BoundQuery(query=query, text=f"{paged.rstrip()}\nLIMIT {limit}\nOFFSET {offset}\n",
                          substitutions=substitutions, values=values, arguments=arguments, page=page,
                          page_size=page_size, limit=limit, offset=offset, unpaged=text)
    return BoundQuery(query=query, text=text, substitutions=substitutions, values=values,
                      arguments=arguments, unpaged=text)


def with_page_limit(text: str, rows: int) -> str:
    """``text`` with its ``#LIMIT`` line made ``LIMIT rows`` (see the module doc)."""
    marker = next(t for t in _tokens(text) if t.kind == COMMENT and _LIMIT_MARKER.match(t.text))
    return f"{text[:marker.start]}LIMIT {rows}{text[marker.start + len(marker.text):]}"


def values_text(query: SavedQuery, values: Mapping[str, list[dict[str, str]]]) -> str:
    """``query``'s text with ``VALUES`` for the given list-parameter variables (at their
    ``#VALUES`` markers, else at the start of the WHERE pattern)."""
    if not values:
        return query.text
    text = query.text
    tokens = _tokens(text)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement)
    markers: dict[str, list[_Token]] = {}
    for token in tokens:
        if token.kind == COMMENT:
            match = _VALUES_MARKER.match(token.text)
            if match:
                markers.setdefault(match.group(1), []).append(token)
    at_where: list[str] = []
    for variable, terms in values.items():
        clause = _values_clause(variable, terms)
        for marker in markers.get(variable, ()):
            edits.append((marker.start, marker.start + len(marker.text), clause))
        if variable not in markers:
            at_where.append(clause)
    if at_where:
        brace = _where_brace(tokens)
        if brace is None:  # load_query refuses such a query; this is a guard
            raise GongkaiError(f"query {query.name!r} has no WHERE pattern for its VALUES")
        edits.append((brace.start + 1, brace.start + 1, "\n  " + "\n  ".join(at_where)))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def run(store, bound: BoundQuery):
    """Run a bound query on a :class:`gongkai.store.OxigraphStore` (pyoxigraph result)."""
    return store.query(bound.text, substitutions=bound.oxigraph_substitutions())


# --------------------------------------------------------------------------- OpenAPI


def _schema(parameter: Parameter) -> dict[str, Any]:
    base: dict[str, Any]
    if parameter.type == "integer":
        base = {"type": "integer"}
    elif parameter.type == "boolean":
        base = {"type": "boolean"}
    elif parameter.type == "iri":
        base = {"type": "string", "format": "iri", "maxLength": MAX_IRI_LENGTH}
    elif parameter.type == "place-code":
        base = {"type": "string", "pattern": "^[0-9]{6}$"}
    else:
        base = {"type": "string", "maxLength": MAX_STRING_LENGTH}
    if parameter.enum:
        base["enum"] = list(parameter.enum)
    if parameter.multi:
        schema: dict[str, Any] = {"type": "array", "items": base, "maxItems": MAX_LIST_VALUES}
        if parameter.default is not None:
            schema["default"] = list(parameter.default)
        return schema
    if parameter.default is not None:
        base["default"] = parameter.default
    return base


def openapi(
    queries: Mapping[str, SavedQuery] | Iterable[SavedQuery],
    base_path: str = "/",
    *,
    max_page_size: int = DEFAULT_MAX_PAGE_SIZE,
    title: str = "Gongkai saved queries",
) -> dict[str, Any]:
    """An OpenAPI 3.1 document with one GET operation per saved query."""
    items = list(queries.values()) if isinstance(queries, Mapping) else list(queries)
    prefix = "/" + base_path.strip("/") if base_path.strip("/") else ""
    paths: dict[str, Any] = {}
    tags: set[str] = set()
    for query in sorted(items, key=lambda q: q.name):
        tags.update(query.tags)
        parameters: list[dict[str, Any]] = []
        for parameter in query.parameters:
            entry: dict[str, Any] = {
                "name": parameter.name,
                "in": "query",
                "required": parameter.must_be_given,
                "description": parameter.description,
                "schema": _schema(parameter),
            }
            if parameter.multi:
                entry.update(style="form", explode=True)
            parameters.append(entry)
        if query.pagination:
            parameters.append({"name": "page", "in": "query", "required": False,
                               "description": "page number, from 1",
                               "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}})
            parameters.append({"name": "page_size", "in": "query", "required": False,
                               "description": f"rows per page (at most {max_page_size})",
                               "schema": {"type": "integer", "minimum": 1, "maximum": max_page_size,
                                          "default": min(query.pagination, max_page_size)}})
        parameters.append({"name": "format", "in": "query", "required": False,
                           "description": "result format (overrides the Accept header)",
                           "schema": {"type": "string", "enum": list(FORMATS)}})
        operation: dict[str, Any] = {
            "operationId": query.name.replace("-", "_"),
            "summary": query.summary,
            "description": f"{query.description}\n\nExample: `{query.example}`",
            "tags": list(query.tags),
            "parameters": parameters,
            "responses": {
                "200": {
                    "description": "the query's results",
                    "content": {
                        media: ({"schema": {"$ref": "#/components/schemas/SparqlResults"}}
                                if media == "application/sparql-results+json"
                                else {"schema": {"type": "string", "description": what}})
                        for media, what in RESULT_MEDIA_TYPES.items()
                    },
                },
                "400": {
                    "description": "a parameter is missing, of the wrong type or not allowed",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            },
            "x-gongkai-example": query.example,
        }
        if query.pagination:
            operation["x-gongkai-pagination"] = query.pagination
        if query.chart:
            operation["x-gongkai-chart"] = dict(query.chart)
        paths[f"{prefix}/queries/{query.name}"] = {"get": operation}
    term = {
        "type": "object",
        "required": ["type", "value"],
        "properties": {
            "type": {"type": "string", "enum": ["uri", "literal", "bnode", "triple"]},
            "value": {},
            "datatype": {"type": "string"},
            "xml:lang": {"type": "string"},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": __version__,
            "description": (
                "Saved SPARQL queries over the Gongkai knowledge graph of China's grassroots "
                "government-affairs disclosure standard catalogs (基层政务公开标准目录). Parameters are "
                "bound as RDF terms, never spliced into the query text."
            ),
        },
        "tags": [{"name": tag} for tag in sorted(tags)],
        "paths": paths,
        "components": {
            "schemas": {
                "SparqlResults": {
                    "type": "object",
                    "description": "SPARQL 1.1 Query Results JSON Format",
                    "properties": {
                        "head": {"type": "object", "properties": {
                            "vars": {"type": "array", "items": {"type": "string"}}}},
                        "results": {"type": "object", "properties": {
                            "bindings": {"type": "array", "items": {
                                "type": "object", "additionalProperties": term}}}},
                        "boolean": {"type": "boolean"},
                    },
                },
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "string"}, "parameter": {"type": "string"}},
                    "required": ["error"],
                },
            }
        },
    }

