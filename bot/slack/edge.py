"""Where Slack's HTTP requests enter: refused cheaply, verified, parsed right, then handed to Bolt.

Bolt's own body parser guesses an interactivity payload from the substring ``payload``
anywhere in a form body, so a slash command whose text, channel, user or workspace name
contains that word would be lost. Bolt also logs the bodies of requests whose signature
fails. So this edge does both jobs itself, before Bolt sees anything:

1. size: a body over ``max_body`` bytes gets 413 without being read;
2. signature: the timestamp must be a number within five minutes and the HMAC must match,
   else 401 — nothing of the body is logged, only that a request was refused;
3. parsing: JSON events are JSON; a form body that is exactly one ``payload`` field is
   interactivity (its value JSON); any other form body (slash commands) is a plain form.
   Bodies that are not UTF-8, not JSON where JSON is due, or absurdly nested get 400.

The parsed body then goes to Bolt on a request whose ``body`` is already correct; Bolt's
own signature check is switched off because it has been done here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.context import BoltContext
from slack_bolt.request.internals import build_context

from bot.domain.errors import OwabiError

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
MAX_BODY = 1_000_000  # Slack's own payloads are a few kB; a modal with many fields is < 100 kB
MAX_DEPTH = 40  # Slack's deepest payloads (views with rich text) nest about 15 levels
CLOCK_SKEW = 300  # seconds, as Slack documents
_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # ASCII digits only: str.isdigit() also accepts "²"
REFUSAL_LOG_EVERY = 60.0  # seconds between log lines about refused requests


class BadRequest(OwabiError):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def parse_slack_body(raw: str, content_type: str) -> dict[str, Any]:
    """The body as Slack meant it: an event (JSON), an interaction (one payload field) or a form."""
    if content_type.split(";")[0].strip().lower() == "application/json" or raw.lstrip().startswith("{"):
        return _json_object(raw)
    fields = parse_qsl(raw, keep_blank_values=True)
    if len(fields) == 1 and fields[0][0] == "payload":
        return _json_object(fields[0][1])
    return dict(fields)


def _json_object(raw: str) -> dict[str, Any]:
    try:
        loaded = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadRequest(400, "body is not valid JSON") from None
    if not isinstance(loaded, dict):
        raise BadRequest(400, "body is not a JSON object")
    if _depth(loaded) > MAX_DEPTH:
        raise BadRequest(400, "body is nested too deeply")
    return loaded


def _depth(value: object) -> int:
    """Nesting depth, iteratively: a hostile body cannot blow the stack here."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


class SlackEdge:
    """WSGI handler for ``/slack/events`` in front of a Bolt app."""

    def __init__(
        self, app: App, signing_secret: str, *, max_body: int = MAX_BODY, clock: Callable[[], float] = time.time
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.clock = clock
        self._secret = signing_secret.encode()
        self._log_lock = threading.Lock()
        self._refused = 0
        self._last_logged = float("-inf")

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            response = self.handle(environ)
        except BadRequest as refused:
            self._log_refusal(refused)
            response = BoltResponse(
                status=refused.status,
                body=json.dumps({"error": refused.reason}),
                headers={"content-type": "application/json"},
            )
        except Exception as exc:  # a bug of ours: the operator gets the kind, nobody gets the body
            log.error("request to /slack/events failed: %s", type(exc).__name__)
            response = BoltResponse(
                status=500, body=json.dumps({"error": "internal error"}), headers={"content-type": "application/json"}
            )
        headers = [(k, v) for k, values in response.headers.items() for v in values]
        if not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", "text/plain; charset=utf-8"))
        body = response.body.encode("utf-8")
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        start_response(f"{response.status} {_REASONS.get(response.status, 'OK')}", headers)
        return [body]

    def _log_refusal(self, refused: BadRequest) -> None:
        """One line per minute at most: a flood of forged requests must not become a flood of log."""
        now = self.clock()
        with self._log_lock:
            self._refused += 1
            if now - self._last_logged < REFUSAL_LOG_EVERY:
                return
            count, self._refused, self._last_logged = self._refused, 0, now
        log.warning(
            "refused %d request(s) to /slack/events in the last minute; latest: %s (HTTP %d)",
            count,
            refused.reason,
            refused.status,
        )

    def handle(self, environ: dict[str, Any]) -> BoltResponse:
        if environ.get("REQUEST_METHOD") != "POST":
            raise BadRequest(405, "only POST is accepted here")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise BadRequest(400, "bad Content-Length") from None
        if length > self.max_body:
            raise BadRequest(413, "body too large")
        raw_bytes = environ["wsgi.input"].read(length) if length > 0 else b""
        headers = _headers(environ)
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not _TIMESTAMP.fullmatch(timestamp) or abs(self.clock() - int(timestamp)) > CLOCK_SKEW:
            raise BadRequest(401, "missing or stale X-Slack-Request-Timestamp")
        expected = (
            "v0=" + hmac.new(self._secret, b"v0:" + timestamp.encode() + b":" + raw_bytes, hashlib.sha256).hexdigest()
        )
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            raise BadRequest(401, "signature does not match")
        try:
            raw = raw_bytes.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest(400, "body is not UTF-8") from None
        body = parse_slack_body(raw, headers.get("content-type", ""))
        return self.app.dispatch(_bolt_request(raw, body, environ))


def _bolt_request(raw: str, body: dict[str, Any], environ: dict[str, Any]) -> BoltRequest:
    """A Bolt request whose body is the one parsed here, not Bolt's guess."""
    request = BoltRequest(body="", query=environ.get("QUERY_STRING", ""), headers=_multi_headers(environ))
    request.raw_body = raw
    request.body = body
    request.context = build_context(BoltContext({}), body)
    return request


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    out = {k[5:].replace("_", "-").lower(): str(v) for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        out["content-type"] = str(environ["CONTENT_TYPE"])
    return out


def _multi_headers(environ: dict[str, Any]) -> dict[str, str | Sequence[str]]:
    return {k: [v] for k, v in _headers(environ).items()}


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
