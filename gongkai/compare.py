"""Cross-place comparison: the pivots the dashboard and `gongkai compare` share.

The comparison itself is SPARQL (queries/compare-*.rq); these pure functions turn
their rows (plain values) into the standard-item × place matrix and the legal-basis
differences.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

STATUS_MARK = {"present": "●", "partial": "◐", "absent": "○"}


def pivot_matrix(rows: Iterable[Mapping[str, str]]) -> list[dict[str, Any]]:
    """compare-matrix rows -> one entry per standard item with a cell per place."""
    by_item: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = by_item.setdefault(row["notation"], {
            "notation": row["notation"], "label": row["standard_label"], "category": row["category_label"],
            "standard": row["standard"], "cells": {}})
        entry["cells"][row["place_code"]] = {
            "status": row["status"], "mark": STATUS_MARK[row["status"]], "count": int(row["items"]),
            "names": row.get("local_names", "")}
    return [by_item[key] for key in sorted(by_item)]


def legal_differences(rows: Iterable[Mapping[str, str]], places: Sequence[str]) -> list[dict[str, Any]]:
    """compare-legal-bases rows -> the standard items whose cited laws differ between places."""
    laws: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in rows:
        laws[(row["notation"], row["standard_label"])][row["place_code"]].add(row["law_title"])
    out = []
    for (notation, label), per_place in sorted(laws.items()):
        sets = [frozenset(per_place.get(code, set())) for code in places]
        if len(set(sets)) > 1:
            common = frozenset.intersection(*sets) if sets else frozenset()
            out.append({"notation": notation, "label": label, "common": sorted(common),
                        "only": {code: sorted(per_place.get(code, set()) - common) for code in places}})
    return out
