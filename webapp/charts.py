"""Server-side SVG charts: work offline, without JavaScript or a CDN."""

from __future__ import annotations

from html import escape


def bar_chart(labels: list[str], values: list[float], *, title: str = "", width: int = 720) -> str:
    """A horizontal bar chart as an SVG string (one bar per label, value at its end)."""
    if not labels:
        return ""
    bar, gap, left, right = 20, 6, 260, 70
    height = len(labels) * (bar + gap) + 30
    top = max(values) or 1
    span = width - left - right
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" role="img" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
             f"<title>{escape(title)}</title>"]
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 10 + index * (bar + gap)
        length = max(1.0, span * value / top)
        shown = label if len(label) <= 18 else label[:17] + "…"
        parts.append(
            f'<g class="bar"><text x="{left - 8}" y="{y + bar - 5}" text-anchor="end" font-size="13">{escape(shown)}</text>'
            f'<rect x="{left}" y="{y}" width="{length:.1f}" height="{bar}" fill="#b3261e"><title>{escape(label)}: {value:g}</title></rect>'
            f'<text x="{left + length + 6:.1f}" y="{y + bar - 5}" font-size="13">{value:g}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
