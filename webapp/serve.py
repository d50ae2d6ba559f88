"""Run the web app under a production WSGI server (waitress), not Flask's debug server."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from flask import Flask

from webapp import create_app


def serve(store: Path, host: str = "127.0.0.1", port: int = 5000, *, query_timeout: float = 30.0,
          max_rows: int = 10_000, threads: int = 8, workers: int = 2, endpoint: str | None = None) -> None:
    """Serve the embedded ``store`` -- or, with ``endpoint``, the graph of that SPARQL
    server's query endpoint (``workers`` then bounds the queries in flight to it)."""
    import waitress

    app = create_app({
        "GONGKAI_STORE": str(store),
        "GONGKAI_ENDPOINT": endpoint or "",
        "GONGKAI_QUERY_TIMEOUT": query_timeout,
        "GONGKAI_MAX_ROWS": max_rows,
        "GONGKAI_WORKERS": workers,
    })
    source = f"the SPARQL server {endpoint}" if endpoint else str(store)
    workers_text = f"at most {workers} remote queries at once" if endpoint else f"{workers} query workers"
    print(f"Gongkai serving {source} on http://{host}:{port}/ (query timeout {query_timeout:g} s, "
          f"max {max_rows} rows, {workers_text})", file=sys.stderr, flush=True)
    try:
        waitress.serve(app, host=host, port=port, threads=threads, ident="gongkai", clear_untrusted_proxy_headers=True)
    finally:
        app.extensions["gongkai"].close()


@contextlib.contextmanager
def serving_in_thread(app: Flask, *, threads: int = 4) -> Iterator[int]:
    """Serve ``app`` under waitress on a free loopback port in a background thread and
    yield the port (tests, benchmarks); on exit stop it cleanly.

    Stopping must happen in the server's own thread: closing its sockets from another
    one while its loop waits in ``select()`` makes that call fail (EBADF). So the sockets
    are closed by a thunk the loop runs when woken, after which the loop, left with no
    sockets, returns. The request threads stop first (each after the request it is
    serving, for at most 5 s): one that finished after the loop had closed its trigger
    could not wake it (EBADF, seen after the benchmark's throughput run).
    """
    import waitress.server
    from waitress import wasyncore

    server = waitress.server.create_server(app, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, name="gongkai-waitress", daemon=True)
    thread.start()
    try:
        yield int(server.effective_port)
    finally:
        server.task_dispatcher.shutdown()
        try:
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        except OSError:  # the loop already closed its trigger: nothing left to wake
            wasyncore.close_all(server._map)
        thread.join(10)
