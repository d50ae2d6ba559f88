"""Content negotiation rules (pure functions)."""

from __future__ import annotations

from webapp.negotiation import choose, parse_accept, prefers_html, quality

RESULTS = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
           "csv": "text/csv", "tsv": "text/tab-separated-values"}


def test_q_values_decide():
    accept = "application/sparql-results+xml;q=0.5, application/sparql-results+json;q=0.9"
    assert choose(accept, RESULTS) == "json"


def test_combined_header_with_wildcards():
    accept = "text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8"
    assert choose(accept, RESULTS) == "xml"  # application/xml;q=0.9 (named) beats */*;q=0.8
    assert choose("text/html, */*;q=0.8", RESULTS) == "json"  # only */*: the server's first choice
    assert choose("text/*", RESULTS) == "csv"


def test_most_specific_range_gives_the_q():
    ranges = parse_accept("text/*;q=0.3, text/csv;q=0.7, */*;q=0.1")
    assert quality(ranges, "text/csv") == 0.7
    assert quality(ranges, "text/tab-separated-values") == 0.3
    assert quality(ranges, "application/sparql-results+json") == 0.1


def test_nothing_acceptable_is_none():
    assert choose("image/png", RESULTS) is None
    assert choose("application/sparql-results+json;q=0", RESULTS) is None


def test_format_parameter_overrides_accept():
    assert choose("application/sparql-results+json", RESULTS, "tsv") == "tsv"
    assert choose(None, RESULTS, "text/csv") == "csv"
    assert choose(None, RESULTS, "pdf") is None


def test_missing_accept_means_anything():
    assert choose(None, RESULTS) == "json"
    assert choose("", RESULTS) == "json"


def test_browsers_prefer_html():
    assert prefers_html("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    assert not prefers_html("*/*")
    assert not prefers_html(None)
    assert not prefers_html("application/sparql-results+json, text/html;q=0.5")
    assert prefers_html("text/html;q=0.9, text/turtle;q=0.5")


def test_plain_json_accept_gets_sparql_json():
    assert choose("application/json", RESULTS) == "json"
    assert choose("text/xml", RESULTS) == "xml"
