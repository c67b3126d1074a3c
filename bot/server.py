"""Serving the app over HTTP with waitress: threaded, production-grade, pure Python.

`/slack/events` goes to Bolt's WSGI adapter; `/healthz` answers 200 only while the
database answers. SIGTERM stops accepting, finishes in-flight requests, then stops the
workers; queued messages stay in the database for the next start.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any

from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.server import create_server

from bot.runtime import Runtime

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]


def wsgi_app(runtime: Runtime) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    slack = SlackRequestHandler(runtime.app, path="/slack/events")

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            ok = runtime.store.ping()
            start_response("200 OK" if ok else "503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"ok\n" if ok else b"database unavailable\n"]
        return slack(environ, start_response)

    return application


class HttpServer:
    """waitress around the app; usable in the foreground (serve) or a thread (tests, demo)."""

    def __init__(self, runtime: Runtime, *, host: str = "127.0.0.1", port: int = 3000, threads: int = 16) -> None:
        self.runtime = runtime
        self._server = create_server(wsgi_app(runtime), host=host, port=port, threads=threads,
                                     ident="owabi", clear_untrusted_proxy_headers=True)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        server: Any = self._server  # a single-socket server when given one host
        return f"http://{server.effective_host}:{server.effective_port}"

    def serve_forever(self) -> None:
        def on_term(signum: int, frame: FrameType | None) -> None:
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, on_term)
        self.runtime.start_workers()
        log.info("Owabi listening on %s/slack/events", self.url)
        try:
            self._server.run()  # returns after SystemExit/KeyboardInterrupt, having closed
        finally:
            self.runtime.stop()
            log.info("Owabi stopped")

    def start_background(self) -> HttpServer:
        self.runtime.start_workers()
        self._thread = threading.Thread(target=self._run_quietly, name="owabi-http", daemon=True)
        self._thread.start()
        return self

    def _run_quietly(self) -> None:
        with contextlib.suppress(OSError, ValueError):  # closed underneath us during stop()
            self._server.run()

    def stop(self) -> None:
        self._server.close()
        if self._thread is not None:
            self._thread.join(5)
        self.runtime.stop()
