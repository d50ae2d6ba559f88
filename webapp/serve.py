"""Run the web app under a production WSGI server (waitress), not Flask's debug server."""

from __future__ import annotations

import sys
from pathlib import Path

from webapp import create_app


def serve(store: Path, host: str = "127.0.0.1", port: int = 5000, *, query_timeout: float = 30.0,
          max_rows: int = 10_000, threads: int = 8, workers: int = 2) -> None:
    import waitress

    app = create_app({
        "GONGKAI_STORE": str(store),
        "GONGKAI_QUERY_TIMEOUT": query_timeout,
        "GONGKAI_MAX_ROWS": max_rows,
        "GONGKAI_WORKERS": workers,
    })
    print(f"Gongkai serving {store} on http://{host}:{port}/ (query timeout {query_timeout:g} s, "
          f"max {max_rows} rows, {workers} query workers)", file=sys.stderr, flush=True)
    try:
        waitress.serve(app, host=host, port=port, threads=threads, ident="gongkai", clear_untrusted_proxy_headers=True)
    finally:
        app.extensions["gongkai"].close()
