"""Running a bound saved query; a national view a window of keys (places) at a time.

Why: a saved query with its place left empty is the national view -- every place's
rows, in pages. Oxigraph evaluates ORDER BY by sorting the whole result, so page 1 of
"items per place" over 2,850 catalogs cost as much as computing every place (2-30 s).
A query whose ORDER BY sorts first on the place's code gives its rows place by place,
and each place's rows are the one-place view of that place. So the first rows of the
national view are the rows of the first places, and page N is found by running the
same query for a window of places at a time -- each window bound with
``VALUES ?__place { ... }`` exactly as a caller listing those places would -- until the
page is full. A drill-down costs milliseconds; a window of a few dozen places costs
little more, and a page needs one or two windows.

The key need not be a place: a query ordered first by a law's title and then the law
(unlisted-legal-bases) declares windows of laws (:class:`gongkai.saved_queries.Window`),
and a ranking by a count (compare-coverage) windows of counts. When the keys query also
counts each key's rows, a window takes the keys that hold the rows the page still needs;
and a query whose sub-SELECT ends with ``#LIMIT`` keeps those rows alone, so the rest of
each row is read for the page's rows only.

The answers are the query's own: the windows are the keys in the order the query sorts
them (its ``keys`` query), the rows of each window come in the query's order, and rows
of different keys never merge (each has its key), so concatenating windows is the
national result. ``tests/test_national.py`` checks every keyed saved query against its
plain national result. A deep page costs the windows before it (each page is computed
anew: there is no cache that a rebuilt store could make stale).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any

from gongkai.prebind import prebind
from gongkai.query_service import QueryOutcome, QueryTimeout
from gongkai.saved_queries import BoundQuery, to_oxigraph_term, values_text, with_page_limit

__all__ = ["Run", "run_saved"]

# run(sparql, substitutions, timeout) -> outcome: QueryService.run, RemoteQueryService.run,
# or execute on an open store, behind a lambda
Run = Callable[[str, Mapping[str, Mapping[str, Any]], float | None], QueryOutcome]

FIRST_WINDOW = 8  # keys in the first window, before the rows per key are known
MAX_WINDOW = 400  # keys in one window
# characters of one window's query: well under the services' query length limit (20,000
# by default), whatever the keys. The keys go into every group that uses them, so a
# window of 400 laws of a catalog's own (IRIs of some 70 characters) ran to 200 kB.
WINDOW_TEXT_BUDGET = 16_000


def run_saved(run: Run, bound: BoundQuery, *, timeout: float | None = None) -> QueryOutcome:
    """The rows of ``bound``: as one query, or for the national view of a keyed
    paginated query, window by window (see the module docstring). ``timeout`` bounds the
    whole call (None: each run has its own default); raises :class:`QueryTimeout` when
    it runs out, and whatever ``run`` raises."""
    parameter = bound.window_parameter
    if parameter is None:
        return run(bound.text, bound.substitutions, timeout)
    window = bound.query.window
    assert window is not None
    start = time.monotonic()
    deadline = None if timeout is None else start + timeout

    def left() -> float | None:
        if deadline is None:
            return None
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise QueryTimeout(f"query stopped after the timeout ({timeout:g} s)")
        return remaining

    listed = [row for row in run(window.keys, {}, left()).bindings if parameter.variable in row]
    keys = [row[parameter.variable] for row in listed]
    values = [key["value"] for key in keys]
    # rows a key has, when the keys query counts them: the windows are then cut to the page
    counts = [int(row["rows"]["value"]) for row in listed] if all("rows" in row for row in listed) else None
    if not keys or len(set(values)) < len(values):
        # no key at all (the plain query costs nothing), or a key listed twice: its rows
        # would not come together, so only the plain query gives the national order
        return run(bound.text, bound.substitutions, left())
    needed = bound.offset + bound.limit
    if counts is not None and _keys_for(counts, 0, needed) == len(keys):
        # the page needs every key's rows: the plain query is one window without the VALUES
        return run(bound.text, bound.substitutions, left())
    rows: list[dict[str, dict]] = []
    result = QueryOutcome(form="SELECT")
    at, size = 0, FIRST_WINDOW
    while at < len(keys) and len(rows) < needed:
        if counts is not None:
            size = _keys_for(counts, at, needed - len(rows))
        chunk = keys[at : at + size]
        text = _windowed(bound, chunk, needed - len(rows))
        while len(text) > WINDOW_TEXT_BUDGET and size > 1:
            size = max(1, size // 2)
            chunk = keys[at : at + size]
            text = _windowed(bound, chunk, needed - len(rows))
        outcome = run(text, bound.substitutions, left())
        result.variables = outcome.variables
        found = outcome.bindings
        done = len(chunk)
        if outcome.truncated:
            # the rows came in order: every key before the last row's is complete;
            # the last row's key starts the next window (or, alone, is truncated)
            chunk_values = values[at : at + size]
            last = _key(found[-1], window.key) if found else None
            complete = chunk_values.index(last) if last in chunk_values else 0
            if complete == 0:
                rows.extend(found)
                result.truncated = True
                break
            found = [row for row in found if _key(row, window.key) != last]
            done = complete
        rows.extend(found)
        at += done
        per_key = max(len(rows), 1) / at
        wanted = math.ceil((needed - len(rows)) / per_key * 1.25) if len(rows) < needed else 0
        size = max(1, min(MAX_WINDOW, wanted, size * 8))
    result.bindings = rows[bound.offset : needed]
    result.elapsed = time.monotonic() - start
    return result


def _key(row: Mapping[str, Mapping[str, str]], variable: str) -> str | None:
    term = row.get(variable)
    return None if term is None else term["value"]


def _keys_for(counts: list[int], at: int, rows: int) -> int:
    """How many keys from ``at`` on hold ``rows`` rows (by the keys query's counts): at
    least one, at most :data:`MAX_WINDOW`."""
    size, held = 0, 0
    while at + size < len(counts) and size < MAX_WINDOW and (size == 0 or held < rows):
        held += counts[at + size]
        size += 1
    return size


def _windowed(bound: BoundQuery, keys: list[dict[str, str]], rows: int) -> str:
    """The unpaged query for ``keys``, bound as a caller listing those keys would; a
    ``#LIMIT`` line keeps the ``rows`` the page still needs (the windows stop there)."""
    parameter = bound.window_parameter
    assert parameter is not None
    if parameter.multi:
        text = values_text(bound.query, {**bound.values, parameter.variable: keys})
    else:
        text = prebind(bound.unpaged, {parameter.variable: [to_oxigraph_term(key) for key in keys]})
    return with_page_limit(text, rows) if bound.query.page_limit else text
