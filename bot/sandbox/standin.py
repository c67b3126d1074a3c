"""A real HTTP server that answers like the Slack Web API and records every call.

It keeps just enough state to be truthful: DM channels for users, message timestamps that
`chat.update` must match, views that `views.open` created, and response URLs. Faults can
be scheduled (from Python, or by POSTing to `/_control/fault`) to answer 429 with
Retry-After, 5xx, or a Slack error, so tests see exactly what an outage looks like.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlparse

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block


@dataclass(frozen=True, slots=True)
class Call:
    method: str
    args: dict[str, Any]
    at: float
    ok: bool = True


@dataclass(slots=True)
class Fault:
    """One scheduled misbehaviour for `times` calls of `method` ("*" for any).

    `delay` > 0 answers normally but only after that many seconds (Slack slower than the
    client's timeout: the message *is* posted); `html` answers 200 with a proxy's HTML page;
    `channel` limits the fault to calls for that channel or user.
    """

    method: str
    status: int = 429
    retry_after: float = 1.0
    error: str = "ratelimited"
    times: int = 1
    delay: float = 0.0
    html: bool = False
    channel: str = ""
    body: dict[str, Any] | None = None  # answer 200 with exactly this (e.g. {"ok": True} missing fields)


# What a token from the app's manifest is granted (the stand-in answers with these scopes).
GRANTED: tuple[str, ...] = (
    "commands",
    "chat:write",
    "chat:write.public",
    "im:write",
    "im:history",
    "users:read",
    "files:write",
    "files:read",
    "channels:read",
    "groups:read",
)


@dataclass
class _State:
    calls: list[Call] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    unknown_users: set[str] = field(default_factory=set)
    deactivated: set[str] = field(default_factory=set)
    revoked: str = ""
    # Channels as Slack sees them: a public channel takes posts from a bot that is not a member
    # only with chat:write.public; a private one ("G…", or any marked private) only from members.
    private: set[str] = field(default_factory=set)
    not_member: set[str] = field(default_factory=set)
    missing_channels: set[str] = field(default_factory=set)
    scopes: set[str] = field(default_factory=lambda: set(GRANTED))


class StandIn:
    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, documented: bool = False, latency: float = 0.0
    ) -> None:
        """`documented`: every success answer carries all the fields of Slack's documented example
        for the method (bot/sandbox/slack_examples.json), laid under the stand-in's own values.
        `latency`: every answer (Web API, response_url, upload) comes that many seconds late, as
        Slack's do (0.1–0.3 s); a call is recorded when it is answered."""
        self._examples = _examples() if documented else {}
        self._latency = max(0.0, float(latency))
        self._state = _State()
        self._lock = threading.Condition()
        self._ts = itertools.count(1)
        self._httpd = _QuietServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def connections(self) -> int:
        """How many connections clients have opened to this stand-in so far."""
        return self._httpd.connections

    # --- lifecycle --------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else host
        return f"http://{name}:{port}/"

    @property
    def api_url(self) -> str:
        return self.url + "api/"

    def start(self) -> StandIn:
        # A short poll: stopping waits for the serving loop's next look (0.5 s by default, paid by
        # every test that starts a stand-in).
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="slack-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- what tests and the demo ask --------------------------------------------------

    def response_url(self, name: str) -> str:
        return f"{self.url}hooks/{name}"

    def fault(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: float = 1.0,
        error: str = "ratelimited",
        times: int = 1,
        delay: float = 0.0,
        html: bool = False,
        channel: str = "",
        body: dict[str, Any] | None = None,
    ) -> None:
        with self._lock:
            self._state.faults.append(
                Fault(
                    method, int(status), float(retry_after), error, int(times), float(delay), bool(html), channel, body
                )
            )

    def revoke_token(self, error: str = "token_revoked") -> None:
        """From now on every call answers as Slack does for a revoked token ("" restores it)."""
        with self._lock:
            self._state.revoked = error

    def unknown_user(self, user: str) -> None:
        with self._lock:
            self._state.unknown_users.add(user)

    def deactivate(self, user: str) -> None:
        """The user left the workspace: users.info says deleted, DMs to them fail."""
        with self._lock:
            self._state.deactivated.add(user)

    def channel(self, channel: str, *, private: bool = False, member: bool = True, exists: bool = True) -> None:
        """Describe a channel as Slack would see it from the bot's seat."""
        with self._lock:
            for flag, on in (
                (self._state.private, private),
                (self._state.not_member, not member),
                (self._state.missing_channels, not exists),
            ):
                (flag.add if on else flag.discard)(channel)

    def grant(self, *scopes: str) -> None:
        """Replace the token's scopes (what auth.test reports and what methods need)."""
        with self._lock:
            self._state.scopes = set(scopes)

    def calls(self, method: str | None = None, *, attempts: bool = False) -> list[Call]:
        """Calls that succeeded (what people saw); with attempts=True, failed ones too."""
        with self._lock:
            return [c for c in self._state.calls if (method is None or c.method == method) and (attempts or c.ok)]

    def dm_channel(self, user: str) -> str:
        """The DM channel Slack opens with `user`: its id says nothing about the user's id."""
        return _dm(user)

    def dms_to(self, user: str) -> list[Call]:
        return [c for c in self.calls("chat.postMessage") if c.args.get("channel") in (user, _dm(user))]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                result = predicate_safe(predicate, self._lock)
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return result
                self._lock.wait(min(remaining, 0.05))

    def view(self, view_id: str) -> dict[str, Any]:
        with self._lock:
            return self._state.views[view_id]

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        """Every message standing in a channel now, oldest first (what its members see)."""
        with self._lock:
            found = [m for (ch, _), m in self._state.messages.items() if ch == channel]
        return sorted(found, key=lambda m: float(m["ts"]))

    def posted_keys(self) -> list[str]:
        """The outbox key carried in each posted message's metadata (one entry per message)."""
        with self._lock:
            metas = [m.get("metadata") or {} for m in self._state.messages.values()]
        return [str((m.get("event_payload") or {}).get("key")) for m in metas if m.get("event_payload")]

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        with self._lock:
            return self._state.messages.get((channel, ts))

    # --- the API ----------------------------------------------------------------------

    def _answer(self, method: str, args: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any] | str]:
        with self._lock:
            fault = self._take_fault(method, args)
        # Outside the lock: concurrent calls each wait their own round trip, as with Slack.
        wait = self._latency + (fault.delay if fault is not None and fault.delay > 0 else 0.0)
        if wait > 0:
            time.sleep(wait)  # the stand-in plays a slow Slack; nobody waits on this sleep
        with self._lock:
            answer: tuple[int, dict[str, str], dict[str, Any] | str]
            if self._state.revoked and method != "response_url":
                answer = (200, {}, {"ok": False, "error": self._state.revoked})
            elif fault is None or fault.delay > 0:  # Slack names the token's scopes on every answer
                answer = (200, {"x-oauth-scopes": ",".join(sorted(self._state.scopes))}, self._dispatch(method, args))
            elif fault.html:
                answer = (200, {}, "<html><body><h1>502 Bad Gateway</h1></body></html>")
            elif fault.body is not None:
                answer = (200, {}, dict(fault.body))
            else:
                headers = {"Retry-After": str(int(fault.retry_after))} if fault.status == 429 else {}
                answer = (fault.status, headers, {"ok": False, "error": fault.error})
            body = answer[2]
            ok = isinstance(body, dict) and bool(body.get("ok"))
            self._state.calls.append(Call(method, args, time.time(), ok=ok))
            self._lock.notify_all()
            return answer

    def _take_fault(self, method: str, args: dict[str, Any]) -> Fault | None:
        for fault in self._state.faults:
            if (
                fault.method in (method, "*")
                and fault.times > 0
                and (not fault.channel or fault.channel in (str(args.get("channel", "")), str(args.get("users", ""))))
            ):
                fault.times -= 1
                return fault
        return None

    def _dispatch(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        refused = _blocks_refused(method, args)
        if refused:
            return {"ok": False, "error": refused}
        result: dict[str, Any] = handler(args)
        example = self._examples.get(method)
        return _under(example, result) if example and result.get("ok") else result

    def _api_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://owabi-sandbox.slack.com/",
            "team": "Owabi Sandbox",
            "user": "owabi",
            "team_id": "T0SANDBOX",
            "user_id": "U0OWABIBOT",
            "bot_id": "B0OWABI",
            "is_enterprise_install": False,
        }

    def _can_post(self, channel: str) -> str:
        """ "" if the bot may post here, else Slack's error (not_in_channel, channel_not_found)."""
        if channel in self._state.missing_channels:
            return "channel_not_found"
        if channel[:1] == "D" or channel not in self._state.not_member:
            return ""
        private = channel[:1] == "G" or channel in self._state.private
        return "" if not private and "chat:write.public" in self._state.scopes else "not_in_channel"

    def _api_conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        private = channel[:1] == "G" or channel in self._state.private
        if (
            channel in self._state.missing_channels
            or channel[:1] not in ("C", "G", "D")
            or (private and channel in self._state.not_member)
        ):
            return {"ok": False, "error": "channel_not_found"}  # a private channel is invisible to non-members
        return {
            "ok": True,
            "channel": {
                "id": channel,
                "name": channel.lower(),
                "is_channel": not private,
                "is_private": private,
                "is_member": channel not in self._state.not_member,
                "is_archived": False,
            },
        }

    def _channel(self, raw: str) -> str | None:
        if raw.startswith(("U", "W")):
            return None if raw in self._state.unknown_users else _dm(raw)
        return raw if raw[:1] in ("C", "D", "G") else None

    def _api_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(str(args.get("channel", "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        refused = self._can_post(channel)
        if refused:
            return {"ok": False, "error": refused}
        if str(args.get("channel", "")) in self._state.deactivated:
            return {"ok": False, "error": "user_not_found"}
        ts = f"{int(time.time())}.{next(self._ts):06d}"
        message = {"type": "message", "text": args.get("text"), "blocks": args.get("blocks"), "ts": ts}
        if isinstance(args.get("metadata"), dict):
            message["metadata"] = args["metadata"]
        self._state.messages[(channel, ts)] = message
        shown = {k: v for k, v in message.items() if k != "metadata"}
        return {"ok": True, "channel": channel, "ts": ts, "message": shown}

    def _api_chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel", "")), str(args.get("message_ts", ""))
        if channel[:1] not in ("C", "D", "G") or channel in self._state.missing_channels:
            return {"ok": False, "error": "channel_not_found"}
        if not ts:
            return {"ok": False, "error": "message_not_found"}
        return {
            "ok": True,
            "channel": channel,
            "permalink": f"https://owabi-sandbox.slack.com/archives/{channel}/p{ts.replace('.', '')}",
        }

    def _api_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if channel[:1] not in ("C", "D", "G"):
            return {"ok": False, "error": "channel_not_found"}
        oldest = float(args.get("oldest") or 0)
        with_meta = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        found = sorted(
            ((float(ts), m) for (ch, ts), m in self._state.messages.items() if ch == channel and float(ts) >= oldest),
            key=lambda p: -p[0],
        )
        limit = int(args.get("limit") or 100)
        messages = [m if with_meta else {k: v for k, v in m.items() if k != "metadata"} for _, m in found[:limit]]
        return {"ok": True, "messages": messages, "has_more": len(found) > limit}

    def _api_response_url(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    def _api_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    def _api_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args.get("channel")), str(args.get("ts")))
        if key not in self._state.messages:
            return {"ok": False, "error": "message_not_found"}
        self._state.messages[key].update(text=args.get("text"), blocks=args.get("blocks"))
        return {"ok": True, "channel": key[0], "ts": key[1]}

    def _api_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": f"{int(time.time())}.{next(self._ts):06d}"}

    def _api_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = str(args.get("users", "")).split(",")
        return {"ok": True, "channel": {"id": _dm(users[0])}}

    def _api_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        view = args["view"] if isinstance(args.get("view"), dict) else json.loads(args.get("view") or "{}")
        view_id = f"V{next(self._ts):08d}"
        self._state.views[view_id] = {**view, "id": view_id}
        return {"ok": True, "view": self._state.views[view_id]}

    def _api_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args["view"] if isinstance(args.get("view"), dict) else json.loads(args.get("view") or "{}")
        view_id = str(args.get("view_id") or f"V{next(self._ts):08d}")
        self._state.views[view_id] = {**view, "id": view_id}
        return {"ok": True, "view": self._state.views[view_id]}

    def _api_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args["view"] if isinstance(args.get("view"), dict) else json.loads(args.get("view") or "{}")
        self._state.views["home:" + str(args.get("user_id"))] = view
        return {"ok": True, "view": view}

    def _api_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = str(args.get("user"))
        if user in self._state.unknown_users or user[:1] not in ("U", "W"):
            return {"ok": False, "error": "user_not_found"}
        return {
            "ok": True,
            "user": {
                "id": user,
                "name": user.lower(),
                "tz": "Asia/Tokyo",
                "is_bot": False,
                "deleted": user in self._state.deactivated,
            },
        }

    def _api_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ts):08d}"
        return {"ok": True, "upload_url": f"{self.url}upload/{file_id}", "file_id": file_id}

    def _api_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        parsed = json.loads(files) if isinstance(files, str) else files
        return {"ok": True, "files": parsed or []}

    # --- HTTP plumbing ----------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any] | str, headers: dict[str, str] | None = None) -> None:
                html = isinstance(body, str)
                raw = body.encode() if isinstance(body, str) else json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html" if html else "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                if self.path.startswith("/_calls"):
                    calls = [{"method": c.method, "args": c.args, "at": c.at} for c in standin.calls()]
                    self._reply(200, {"ok": True, "calls": calls})
                else:
                    self._reply(404, {"ok": False, "error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                path = urlparse(self.path).path
                args = _parse(raw, self.headers.get("Content-Type", ""))
                if path.startswith("/api/") and not _authed(self.headers.get("Authorization", ""), args):
                    self._reply(200, {"ok": False, "error": "not_authed"})  # as Slack answers a call with no token
                elif path.startswith("/api/"):
                    status, headers, body = standin._answer(path[len("/api/") :], args)
                    self._reply(status, body, headers)
                elif path.startswith("/hooks/"):
                    status, headers, body = standin._answer("response_url", {**args, "_hook": path[7:]})
                    self._reply(status, body if status != 200 else {"ok": True}, headers)
                elif path.startswith("/upload/"):
                    standin._answer("upload", {"file": path[8:], "bytes": len(raw)})
                    self._reply(200, {"ok": True})
                elif path == "/_control/fault":
                    standin.fault(**args)
                    self._reply(200, {"ok": True})
                else:
                    self._reply(404, {"ok": False, "error": "not_found"})

        return Handler


class _QuietServer(ThreadingHTTPServer):
    connections = 0  # accepted so far: a client that keeps its connections alive opens few

    def process_request(self, request: Any, client_address: Any) -> None:
        self.connections += 1
        super().process_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (a killed app, a timed-out call) is normal here, not an error."""


_MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral")
_VIEW_METHODS = ("views.open", "views.publish", "views.update", "views.push")


def _blocks_refused(method: str, args: dict[str, Any]) -> str:
    """Slack's error for blocks it would refuse, else "": at most 50 in a message and 100 in a view,
    each one a known block whose fields and lengths pass Block Kit's checks (slack_sdk's models)."""
    if method in _MESSAGE_METHODS:
        blocks, most, error = args.get("blocks"), 50, "invalid_blocks"
    elif method in _VIEW_METHODS:
        view = args.get("view")
        if isinstance(view, str):
            try:
                view = json.loads(view)
            except json.JSONDecodeError:
                return "invalid_arguments"
        blocks, most, error = (view or {}).get("blocks") if isinstance(view, dict) else None, 100, "invalid_arguments"
    else:
        return ""
    if blocks is None:
        return ""
    if not isinstance(blocks, list) or len(blocks) > most or not all(isinstance(b, dict) for b in blocks):
        return error
    for raw in blocks:
        block = Block.parse(raw)
        try:
            if block is None or block.type != raw.get("type"):
                return error
            block.to_dict()  # validates the block and everything in it
        except SlackObjectFormationError:
            return error
    return ""


def _authed(authorization: str, args: dict[str, Any]) -> bool:
    token = authorization.removeprefix("Bearer ").strip() if authorization.startswith("Bearer ") else args.get("token")
    return isinstance(token, str) and token.startswith(("xoxb-", "xoxp-", "xapp-"))


def _dm(user: str) -> str:
    # Like Slack's, a DM id has no relation to the user's id: code that derives one from the other breaks here.
    return "D" + hashlib.sha1(user.encode()).hexdigest()[:10].upper()


@cache
def _examples() -> dict[str, dict[str, Any]]:
    raw = json.loads((Path(__file__).parent / "slack_examples.json").read_text(encoding="utf-8"))
    return {k: v for k, v in raw.items() if not k.startswith("_")}


def _under(example: dict[str, Any], actual: dict[str, Any]) -> dict[str, Any]:
    """`actual` laid over `example`: the example's fields fill in what `actual` does not say."""
    merged = dict(example)
    for key, value in actual.items():
        below = merged.get(key)
        merged[key] = _under(below, value) if isinstance(below, dict) and isinstance(value, dict) else value
    return merged


def _parse(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    text = raw.decode("utf-8", errors="replace")
    if "json" in content_type:
        loaded = json.loads(text)
        return loaded if isinstance(loaded, dict) else {"_": loaded}
    if "form" in content_type:
        args: dict[str, Any] = dict(parse_qsl(text, keep_blank_values=True))
        for key in ("blocks", "view", "attachments"):
            if isinstance(args.get(key), str):
                with contextlib.suppress(json.JSONDecodeError):
                    args[key] = json.loads(args[key])
        return args
    return {"_raw": len(raw)}


def predicate_safe(predicate: Callable[[], Any], lock: threading.Condition) -> Any:
    """Evaluate a wait condition without holding the stand-in's lock (it re-enters)."""
    lock.release()
    try:
        return predicate()
    finally:
        lock.acquire()
