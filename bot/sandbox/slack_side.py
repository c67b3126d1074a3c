"""Plays Slack's side of the conversation: signed requests to the app, as Slack sends them.

Slash commands and interactivity are form-encoded; interactivity carries one `payload`
field of JSON; every request is signed with the signing secret.

The app is reached either over HTTP (a URL: the real server, sockets and all) or in-process
(the WSGI application itself, called with the environ a server would build). In-process
requests go through the same edge, signature check and Bolt app; only the socket and the
server's threads are left out, which is what most flows do not test.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import itertools
import json
import time
import urllib.error
import urllib.request
import wsgiref.util
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from bot.sandbox.standin import StandIn

TEAM = "T0SANDBOX"
Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: str
    seconds: float

    def json(self) -> dict[str, Any]:
        loaded = json.loads(self.body) if self.body else {}
        return loaded if isinstance(loaded, dict) else {}

    @property
    def text(self) -> str:
        """Everything a person would read in the reply: fallback text plus block texts."""
        return message_text(self.json())


def message_text(message: dict[str, Any]) -> str:
    """Everything a person would read in a message or a view (a reply, a call's arguments, a
    posted payload): its fallback text, then the text of its blocks, in order."""
    view = message.get("view") or {}
    if isinstance(view, str):
        view = json.loads(view)
    blocks = message.get("blocks") or (view.get("blocks") if isinstance(view, dict) else None) or []
    return "\n".join([str(message.get("text", "")), *block_texts(blocks)])


def block_texts(blocks: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for block in blocks:
        for key in ("text", "label"):
            value = block.get(key)
            if isinstance(value, dict):
                out.append(str(value.get("text", "")))
        for element in block.get("elements", []) or []:
            if isinstance(element, dict):
                text = element.get("text")
                out.append(str(text.get("text", "")) if isinstance(text, dict) else str(text or ""))
    return [t for t in out if t]


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's request signature over the raw bytes (any bytes: Slack signs what it sends)."""
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return "v0=" + digest


_COUNTER = itertools.count(1)


class SlackSide:
    def __init__(self, app: str | Wsgi, signing_secret: str, standin: StandIn) -> None:
        """`app`: the server's base URL, or the WSGI application to call in-process."""
        self.wsgi = None if isinstance(app, str) else app
        self.url = app.rstrip("/") + "/slack/events" if isinstance(app, str) else "in-process:/slack/events"
        self.secret = signing_secret
        self.standin = standin
        self._n = _COUNTER  # shared: a restarted app must not see a trigger id again (they key resends)
        self.last_hook = ""

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        if signature is None:
            signature = sign(self.secret, ts, body)
        sent = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature,
            **(headers or {}),
        }
        if self.wsgi is not None:
            return self._call(self.wsgi, body, sent)
        request = urllib.request.Request(self.url, data=body, method="POST", headers=sent)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:
                return Reply(resp.status, resp.read().decode(), time.perf_counter() - started)
        except urllib.error.HTTPError as err:
            return Reply(err.code, err.read().decode(), time.perf_counter() - started)

    @staticmethod
    def _call(app: Wsgi, body: bytes, headers: dict[str, str]) -> Reply:
        """One request as a WSGI server would hand it over, answered in this thread."""
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/slack/events",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        }
        for name, value in headers.items():
            key = name.upper().replace("-", "_")
            environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
        wsgiref.util.setup_testing_defaults(environ)  # the rest of PEP 3333's keys
        status: list[str] = []
        started = time.perf_counter()
        chunks = app(environ, lambda line, _headers, _exc=None: status.append(line))
        try:
            text = b"".join(chunks).decode()
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        return Reply(int(status[-1].split()[0]), text, time.perf_counter() - started)

    def form(self, fields: dict[str, str], **kw: Any) -> Reply:
        return self.post(urlencode(fields).encode(), "application/x-www-form-urlencoded", **kw)

    def command(self, user: str, text: str, *, channel: str = "C0FRONTDSK", command: str = "/oops", **kw: Any) -> Reply:
        n = next(self._n)
        return self.form(
            {
                "token": "legacy",
                "team_id": TEAM,
                "team_domain": "owabi-sandbox",
                "channel_id": channel,
                "channel_name": "front-desk",
                "user_id": user,
                "user_name": user.lower(),
                "command": command,
                "text": text,
                "api_app_id": "A0OWABI",
                "response_url": self.standin.response_url(f"cmd-{n}"),
                "trigger_id": f"{n}.{int(time.time())}.trigger",
            },
            **kw,
        )

    def interact(self, payload: dict[str, Any], **kw: Any) -> Reply:
        return self.form({"payload": json.dumps(payload)}, **kw)

    def click(
        self,
        user: str,
        action_id: str,
        value: str,
        *,
        message: dict[str, Any] | None = None,
        channel: str = "",
        home: bool = False,
        **kw: Any,
    ) -> Reply:
        """A button press; `home=True` presses it on the App Home, where Slack sends no response_url."""
        n = next(self._n)
        self.last_hook = f"act-{n}"  # the response_url name of this click, to wait for its own answer
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": user, "team_id": TEAM},
            "api_app_id": "A0OWABI",
            "trigger_id": f"{n}.{int(time.time())}.trigger",
            "response_url": self.standin.response_url(self.last_hook),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b",
                    "value": value,
                    "action_ts": f"{time.time():.6f}",
                }
            ],
            "container": {"type": "message", "message_ts": (message or {}).get("ts", ""), "channel_id": channel},
        }
        if home:
            del payload["response_url"]
            payload["container"] = {"type": "view", "view_id": f"V0HOME{n}"}
            payload["view"] = {"id": f"V0HOME{n}", "type": "home"}
        if message is not None:
            payload["message"] = message
            payload["channel"] = {"id": channel}
        return self.interact(payload, **kw)

    def message_shortcut(
        self, user: str, callback_id: str, *, text: str, channel: str, ts: str, author: str = "U0CUSTOMERX", **kw: Any
    ) -> Reply:
        """A message shortcut chosen from a message's menu, as Slack sends it (`message_action`)."""
        n = next(self._n)
        payload = {
            "type": "message_action",
            "callback_id": callback_id,
            "team": {"id": TEAM},
            "user": {"id": user, "team_id": TEAM},
            "api_app_id": "A0OWABI",
            "trigger_id": f"{n}.{int(time.time())}.trigger",
            "response_url": self.standin.response_url(f"sc-{n}"),
            "channel": {"id": channel, "name": channel.lower()},
            "message_ts": ts,
            "message": {"type": "message", "user": author, "ts": ts, "text": text},
        }
        return self.interact(payload, **kw)

    def submit(self, user: str, view: dict[str, Any], values: dict[str, Any], **kw: Any) -> Reply:
        """Submit a modal that the app opened, filling its inputs by block id."""
        state: dict[str, Any] = {}
        for block in view.get("blocks", []):
            if block.get("type") != "input":
                continue
            bid, element = block["block_id"], block["element"]
            if element["type"] == "static_select":
                chosen = values.get(bid)
                option = next((o for o in element["options"] if o["value"] == chosen), element.get("initial_option"))
                state[bid] = {bid: {"type": "static_select", "selected_option": option}}
            elif element["type"] == "file_input":  # what Slack sends: the uploaded files' objects
                state[bid] = {bid: {"type": "file_input", "files": list(values.get(bid) or [])}}
            else:
                state[bid] = {bid: {"type": element["type"], "value": values.get(bid, "")}}
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM},
            "user": {"id": user, "team_id": TEAM},
            "api_app_id": "A0OWABI",
            "trigger_id": f"{next(self._n)}.trigger",
            "view": {**view, "state": {"values": state}, "id": view.get("id", "V0")},
        }
        return self.interact(payload, **kw)

    def event(self, event: dict[str, Any], *, event_id: str | None = None, **kw: Any) -> Reply:
        """An Events API callback (e.g. app_home_opened), JSON as Slack sends it."""
        body = {
            "token": "legacy",
            "team_id": TEAM,
            "api_app_id": "A0OWABI",
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._n):08d}",
            "event_time": int(time.time()),
            "event": event,
        }
        return self.post(json.dumps(body).encode(), "application/json", **kw)
