"""Running a bound saved query; a national view a window of places at a time.

Why: a saved query with its place left empty is the national view -- every place's
rows, in pages. Oxigraph evaluates ORDER BY by sorting the whole result, so page 1 of
"items per place" over 2,850 catalogs cost as much as computing every place (2-30 s).
A query whose ORDER BY sorts first on the place's code (:attr:`SavedQuery.place_key`)
gives its rows place by place, and each place's rows are the one-place view of that
place. So the first rows of the national view are the rows of the first places, and
page N is found by running the same query for a window of places at a time -- each
window bound with ``VALUES ?__place { ... }`` exactly as a caller listing those places
would -- until the page is full. A drill-down costs milliseconds; a window of a few
dozen places costs little more, and a page needs one or two windows.

The answers are the query's own: the windows are the sorted place codes of the store,
the rows of each window come in the query's order, and rows of different places never
merge (each has its place's code), so concatenating windows is the national result.
``tests/test_national.py`` checks every place-keyed saved query against its plain
national result. A deep page costs the windows before it (each page is computed anew:
there is no cache that a rebuilt store could make stale).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any

from pyoxigraph import Literal

from gongkai.prebind import prebind
from gongkai.query_service import QueryOutcome, QueryTimeout
from gongkai.saved_queries import BoundQuery, parameter_term, values_text

__all__ = ["PLACE_CODES", "Run", "run_saved"]

# run(sparql, substitutions, timeout) -> outcome: QueryService.run, RemoteQueryService.run,
# or execute on an open store, behind a lambda
Run = Callable[[str, Mapping[str, Mapping[str, Any]], float | None], QueryOutcome]

# every place code of the store, sorted as SPARQL sorts plain literals (by code point)
PLACE_CODES = """PREFIX gk: <https://w3id.org/gongkai/ontology#>
SELECT DISTINCT ?code WHERE { ?place gk:divisionCode ?code } ORDER BY ?code
"""

FIRST_WINDOW = 8  # places in the first window, before the rows per place are known
MAX_WINDOW = 400  # places in one window (the VALUES clause stays a few kB)


def run_saved(run: Run, bound: BoundQuery, *, timeout: float | None = None) -> QueryOutcome:
    """The rows of ``bound``: as one query, or for the national view of a place-keyed
    paginated query, window by window (see the module docstring). ``timeout`` bounds the
    whole call (None: each run has its own default); raises :class:`QueryTimeout` when
    it runs out, and whatever ``run`` raises."""
    if bound.place_parameter is None:
        return run(bound.text, bound.substitutions, timeout)
    start = time.monotonic()
    deadline = None if timeout is None else start + timeout

    def left() -> float | None:
        if deadline is None:
            return None
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise QueryTimeout(f"query stopped after the timeout ({timeout:g} s)")
        return remaining

    codes = [row["code"]["value"] for row in run(PLACE_CODES, {}, left()).bindings if "code" in row]
    codes.sort()
    if not codes:  # no place at all: the plain query costs nothing
        return run(bound.text, bound.substitutions, left())
    needed = bound.offset + bound.limit
    rows: list[dict[str, dict]] = []
    result = QueryOutcome(form="SELECT")
    at, window = 0, FIRST_WINDOW
    while at < len(codes) and len(rows) < needed:
        chunk = codes[at : at + window]
        outcome = run(_windowed(bound, chunk), bound.substitutions, left())
        result.variables = outcome.variables
        found = outcome.bindings
        done = len(chunk)
        if outcome.truncated:
            # the rows came in order: every place before the last row's is complete;
            # the last row's place starts the next window (or, alone, is truncated)
            last = _key(found[-1], bound) if found else None
            complete = chunk.index(last) if last in chunk else 0
            if complete == 0:
                rows.extend(found)
                result.truncated = True
                break
            found = [row for row in found if _key(row, bound) != last]
            done = complete
        rows.extend(found)
        at += done
        per_place = max(len(rows), 1) / at
        wanted = math.ceil((needed - len(rows)) / per_place * 1.25) if len(rows) < needed else 0
        window = max(1, min(MAX_WINDOW, wanted, window * 8))
    result.bindings = rows[bound.offset : needed]
    result.elapsed = time.monotonic() - start
    return result


def _key(row: Mapping[str, Mapping[str, str]], bound: BoundQuery) -> str | None:
    term = row.get(bound.query.place_key)
    return None if term is None else term["value"]


def _windowed(bound: BoundQuery, codes: list[str]) -> str:
    """The unpaged query for ``codes``, bound as a caller listing those places would."""
    parameter = bound.place_parameter
    if parameter.multi:
        terms = [parameter_term(parameter, code) for code in codes]
        return values_text(bound.query, {**bound.values, parameter.variable: terms})
    return prebind(bound.unpaged, {parameter.variable: [Literal(code) for code in codes]})
