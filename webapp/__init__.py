"""The Gongkai web app: application factory and blueprints (see DESIGN.md §7).

    from webapp import create_app
    app = create_app({"GONGKAI_STORE": "var/store"})
    app = create_app({"GONGKAI_ENDPOINT": "http://localhost:7878/query"})  # a SPARQL server

Read-only by design: every query goes through the QueryService (worker processes with a
real timeout and a row cap) or, with ``GONGKAI_ENDPOINT``, the remote query service
(the same guard, a client-side timeout and row cap); nothing here writes to the store.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask, g, request

from gongkai.namespaces import PREFIXES
from webapp import i18n
from webapp.data import GraphData

DEFAULTS: dict[str, Any] = {
    "GONGKAI_STORE": "var/store",
    "GONGKAI_ENDPOINT": "",  # a SPARQL server's query endpoint: serve its graph instead of the store's
    "GONGKAI_QUERY_TIMEOUT": 30.0,
    "GONGKAI_MAX_ROWS": 10_000,
    "GONGKAI_MAX_QUERY_LENGTH": 20_000,
    "GONGKAI_WORKERS": 2,
    "JSON_AS_ASCII": False,
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    for key in DEFAULTS:  # GONGKAI_STORE=/srv/store in the environment, for deployments
        if key.startswith("GONGKAI_") and key in os.environ:
            app.config[key] = _env_value(os.environ[key])
    if config:
        app.config.update(config)
    app.json.ensure_ascii = False
    app.extensions["gongkai"] = GraphData.open(
        Path(app.config["GONGKAI_STORE"]),
        timeout=float(app.config["GONGKAI_QUERY_TIMEOUT"]),
        max_rows=int(app.config["GONGKAI_MAX_ROWS"]),
        max_query_length=int(app.config["GONGKAI_MAX_QUERY_LENGTH"]),
        workers=int(app.config["GONGKAI_WORKERS"]),
        endpoint=str(app.config["GONGKAI_ENDPOINT"] or "") or None,
    )

    from webapp import compare, pages, queries, resources, sparql

    app.register_blueprint(pages.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(queries.bp)
    app.register_blueprint(compare.bp)
    app.register_blueprint(resources.bp)

    @app.before_request
    def _language() -> None:
        g.lang = i18n.pick_language(request)

    @app.after_request
    def _remember_language(response):
        wanted = request.args.get("lang")
        if wanted in i18n.LANGUAGES:
            response.set_cookie(i18n.COOKIE, wanted, max_age=365 * 24 * 3600, samesite="Lax")
        return response

    @app.after_request
    def _conditional(response):
        """ETag and Last-Modified tied to the data version; If-None-Match -> 304."""
        return _validators(app, response)

    @app.context_processor
    def _helpers() -> dict[str, Any]:
        lang = g.get("lang", "zh")
        data: GraphData = app.extensions["gongkai"]
        other = "en" if lang == "zh" else "zh"
        args = request.args.to_dict(flat=False)
        args["lang"] = [other]
        return {
            "t": lambda key, **values: i18n.translate(key, lang, **values),
            "lang": lang,
            "other_lang": other,
            "lang_query": urlencode(args, doseq=True),
            "meta": data.metadata(),
            "endpoints": set(app.view_functions),
            "yasgui": (Path(app.static_folder) / "vendor/yasgui/yasgui.min.js").is_file(),
            "prefix_map": {prefix: str(ns) for prefix, ns in PREFIXES.items()},
        }

    @app.template_filter("local")
    def _local(iri: str) -> str:
        """The app's own URL for an IRI under the base (the root stands for the base)."""
        base = app.extensions["gongkai"].base
        return "/" + iri[len(base):] if iri.startswith(base) else iri

    @app.template_filter("curie")
    def _curie(iri: str) -> str:
        for prefix, namespace in PREFIXES.items():
            if iri.startswith(str(namespace)) and len(iri) > len(str(namespace)):
                return f"{prefix}:{iri[len(str(namespace)):]}"
        return iri

    return app


def _validators(app: Flask, response):
    """Every successful GET/HEAD of a page, resource or result gets an ETag derived from
    the data version (plus what else decides the bytes: media type, and the UI language
    for HTML) and Last-Modified = the build time; a matching If-None-Match (or, without
    one, If-Modified-Since) turns it into 304 Not Modified. Responses that set their own
    ETag (the downloads: ETag = data version) and static files are left alone."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200 or request.endpoint == "static":
        return response
    if "ETag" in response.headers:
        return response
    meta = app.extensions["gongkai"].metadata()
    version = str(meta.get("data_version", ""))
    if not version:
        return response
    html = response.mimetype in ("text/html", "application/xhtml+xml")
    variant = "|".join([
        version, str(meta.get("built_at", "")), str(meta.get("gongkai_version", "")),
        response.mimetype or "", g.get("lang", "") if html else "",
    ])
    response.set_etag(f"{version[:16]}-{hashlib.sha256(variant.encode()).hexdigest()[:16]}")
    built = _built_at(meta.get("built_at"))
    if built is not None and "Last-Modified" not in response.headers:
        response.last_modified = built
    if html:
        response.vary.update(("Accept-Language", "Cookie"))
    return response.make_conditional(request)


def _built_at(text: Any) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _env_value(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            continue
    return text
