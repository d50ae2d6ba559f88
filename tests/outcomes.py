"""Comparing query outcomes across backends (shared by the remote and prebind tests)."""

from __future__ import annotations

import json
import re


def canonical(outcome):
    """The outcome with its rows as a multiset (see order_keys for their order)."""
    if outcome.boolean is not None:
        return outcome.boolean
    if outcome.ntriples is not None:
        return sorted(outcome.ntriples.splitlines())
    return outcome.variables, sorted(json.dumps(r, sort_keys=True, ensure_ascii=False) for r in outcome.bindings)


_ORDER_BY = re.compile(r"ORDER\s+BY\s+(.*?)(?:\bLIMIT\b|\bOFFSET\b|$)", re.IGNORECASE | re.DOTALL)


def order_keys(sparql: str, outcome) -> list[tuple] | None:
    """The rows' ORDER BY values, in order (rows that tie may come in any order)."""
    match = list(_ORDER_BY.finditer(sparql))
    if not match or outcome.ntriples is not None or outcome.boolean is not None:
        return None
    names = re.findall(r"[?$](\w+)", match[-1].group(1))
    if not names or not set(names) <= set(outcome.variables):
        return None
    return [tuple(json.dumps(row.get(n), sort_keys=True) for n in names) for row in outcome.bindings]
