"""Example queries for the editor: the saved queries that need no parameter."""

from __future__ import annotations

from functools import cache

from flask import current_app, url_for


@cache
def _saved() -> tuple[tuple[str, str, str], ...]:
    from gongkai.saved_queries import load_queries

    queries = load_queries()
    return tuple(
        (name, q.summary, q.text)
        for name, q in sorted(queries.items())
        if not any(p.required for p in q.parameters)
    )


def example_queries() -> list[dict[str, str]]:
    linked = "queries.show" in current_app.view_functions
    return [
        {"name": name, "title": title, "query": text, "link": url_for("queries.show", name=name) if linked else None}
        for name, title, text in _saved()
    ]
