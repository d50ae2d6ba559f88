"""Content negotiation: pick a format from `?format=` or the Accept header (with q-values).

Kept apart from Flask so the rules can be tested as pure functions. A combined Accept
header ('text/html, application/sparql-results+json;q=0.9, */*;q=0.1') is parsed into
media ranges; the best supported media type wins, ties broken by the server's order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    order: int

    def matches(self, media_type: str) -> int:
        """Specificity of the match (2 exact, 1 type/*, 0 */*), or -1 for no match."""
        main, _, sub = media_type.partition("/")
        if self.type == "*" and self.subtype == "*":
            return 0
        if self.type == main and self.subtype == "*":
            return 1
        if self.type == main and self.subtype == sub:
            return 2
        return -1


def parse_accept(header: str | None) -> list[MediaRange]:
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0, 0)]
    ranges = []
    for order, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if "/" not in media:
            if media == "*":
                media = "*/*"
            else:
                continue
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        main, _, sub = media.partition("/")
        ranges.append(MediaRange(main, sub, q, order))
    return ranges


def quality(ranges: Sequence[MediaRange], media_type: str) -> float:
    """The q the client gives ``media_type``: from its most specific matching range."""
    best: tuple[int, float] | None = None
    for media_range in ranges:
        specificity = media_range.matches(media_type)
        if specificity >= 0 and (best is None or specificity > best[0]):
            best = (specificity, media_range.q)
    return best[1] if best else 0.0


# Media types clients commonly send for a format we serve under its own type.
ALIASES = {"application/sparql-results+json": ("application/json",),
           "application/sparql-results+xml": ("application/xml", "text/xml"),
           "application/ld+json": ("application/json",)}


def choose(
    accept: str | None, offers: Mapping[str, str], format_param: str | None = None
) -> str | None:
    """The chosen format name from ``offers`` (name -> media type, in server preference
    order), or None when nothing acceptable is offered (-> 406).

    ``format_param`` (from ``?format=``) wins when it names an offer by name or media type.
    A client asking for plain application/json gets SPARQL JSON results (or JSON-LD).
    """
    if format_param:
        wanted = format_param.strip().lower()
        for name, media_type in offers.items():
            if wanted in (name, media_type, *ALIASES.get(media_type, ())):
                return name
        return None
    ranges = parse_accept(accept)
    scored = [
        (max([quality(ranges, media_type), *(_named(ranges, t) for t in ALIASES.get(media_type, ()))]), -index, name)
        for index, (name, media_type) in enumerate(offers.items())
    ]
    best = max(scored, default=None)
    if best is None or best[0] <= 0:
        return None
    return best[2]


def _named(ranges: Sequence[MediaRange], media_type: str) -> float:
    """The q of a range naming ``media_type`` exactly (aliases never match wildcards)."""
    return max((r.q for r in ranges if r.matches(media_type) == 2), default=0.0)


def prefers_html(accept: str | None) -> bool:
    """True when a browser asks: text/html is named explicitly and nothing named beats it.

    SPARQL clients send */* or specific result types; browsers name text/html first.
    """
    ranges = parse_accept(accept)
    html = [r for r in ranges if r.matches("text/html") == 2 or (r.type, r.subtype) == ("application", "xhtml+xml")]
    if not html:
        return False
    html_q = max(r.q for r in html)
    others = [r.q for r in ranges if r not in html and r.type != "*" and r.subtype != "*"]
    return html_q > 0 and all(q <= html_q for q in others)
