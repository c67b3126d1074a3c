"""Serving the app over HTTP with waitress: threaded, production-grade, pure Python.

`/slack/events` goes through Owabi's edge (limits, signature, parsing) to Bolt; `/healthz`
answers 200 only while the database answers and Slack accepts the token, else 503 with a
JSON reason and what to do.

Connection limits are settings: idle or half-open connections are closed after
`OWABI_CHANNEL_TIMEOUT` seconds, and up to `OWABI_CONNECTION_LIMIT` may be open at once, so a
burst of idle sockets cannot starve Slack's requests or the health check. In production put a
TLS-terminating reverse proxy (nginx, a cloud load balancer) in front, with its own request
timeouts and body limit; Owabi refuses bodies over 1 MB itself.

SIGTERM stops accepting, finishes in-flight requests, then stops the workers and the delivery
process (bot.delivery), which finishes its sends in flight; queued messages stay in the
database for the next start.
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import threading
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any

from waitress import wasyncore
from waitress.server import create_server

from bot.runtime import Runtime
from bot.slack.edge import MAX_BODY, SlackEdge

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]


def wsgi_app(runtime: Runtime) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    slack = SlackEdge(runtime.app, runtime.signing_secret)

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            status = runtime.health.status(database_ok=runtime.store.ping())
            # How reports are read right now: "lexicon" for the first seconds after a start.
            reading = str(getattr(runtime.service.triager, "reading_by", "model"))
            body = (
                json.dumps({"status": "ok", "triage": reading})
                if status.ok
                else json.dumps(
                    {"status": "degraded", "reason": status.reason, "action": status.action, "triage": reading}
                )
            ).encode() + b"\n"
            start_response(
                "200 OK" if status.ok else "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        if path == "/slack/events":
            return slack(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "10")])
        return [b"not found\n"]

    return application


class HttpServer:
    """waitress around the app; usable in the foreground (serve) or a thread (tests, demo)."""

    def __init__(self, runtime: Runtime, *, host: str = "127.0.0.1", port: int = 3000, threads: int = 16) -> None:
        self.runtime = runtime
        settings = runtime.settings
        self._server = create_server(
            wsgi_app(runtime),
            host=host,
            port=port,
            threads=threads,
            ident="owabi",
            clear_untrusted_proxy_headers=True,
            max_request_body_size=MAX_BODY,
            connection_limit=settings.owabi_connection_limit,
            channel_timeout=settings.owabi_channel_timeout,
            cleanup_interval=max(1, min(30, settings.owabi_channel_timeout // 2)),
            asyncore_use_poll=True,
        )
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        server: Any = self._server  # a single-socket server when given one host
        return f"http://{server.effective_host}:{server.effective_port}"

    def serve_forever(self) -> None:
        def on_term(signum: int, frame: FrameType | None) -> None:
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, on_term)
        self.runtime.start_workers(delivery_process=self.runtime.settings.owabi_delivery == "process")
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
        server: Any = self._server
        if self._thread is not None and self._thread.is_alive() and not server.trigger._closed:
            # Every channel is closed from inside the loop (waitress runs a callable given to its
            # trigger in the loop's thread), so the loop finds nothing left to watch and returns
            # at once; closed from here, it would first sleep out its poll (a second), and a
            # keep-alive connection would keep it running.
            with contextlib.suppress(OSError, ValueError):  # the loop is ending already
                server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
            self._thread.join(5)
        with contextlib.suppress(OSError, ValueError):
            server.close()  # a no-op once the loop closed it; the only close if it never ran
        server.task_dispatcher.shutdown()  # requests still being answered finish before the store closes
        self.runtime.stop()
