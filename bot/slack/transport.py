"""How delivery reaches Slack's Web API: JSON calls over kept-alive, pooled connections.

slack_sdk's WebClient opens a new connection for every call (urllib), which for Slack means a
TCP and TLS handshake per DM: a round trip or two of latency and, under a burst, a third of the
delivery threads' CPU spent in the kernel (bench/slack_latency.py). Delivery sends nearly all
of Owabi's calls, so it goes through this pool instead; everything else (the listeners'
views.open, auth.test, looking up a DM's history) keeps the WebClient.

Answers are read into slack_sdk's own `SlackResponse` and validated by it, so a refused call
raises the same `SlackApiError`, with the same status, error and headers, either way.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

import urllib3
from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

# A proxy's or load balancer's page instead of Slack's JSON: worded as slack_sdk words it, so
# the dispatcher treats it the same way (maybe transient).
NOT_JSON = "Received a response in a non-JSON format: "


class WebApi(Protocol):
    """One Web API method called with a JSON body; raises SlackApiError when Slack refuses it."""

    def call(self, method: str, payload: dict[str, Any]) -> SlackResponse: ...

    def close(self) -> None: ...


class PooledWebApi:
    """Thread-safe; keeps up to `connections` idle connections to Slack open between calls.

    Never retries by itself (a POST that may have reached Slack is the dispatcher's to judge),
    and a connection Slack closed while idle is noticed before it is reused.
    """

    def __init__(self, client: WebClient, *, connections: int) -> None:
        self.client = client
        self._pool = urllib3.PoolManager(
            num_pools=2,
            maxsize=max(1, connections),
            block=False,
            retries=False,
            timeout=urllib3.Timeout(connect=client.timeout, read=client.timeout),
            ssl_context=client.ssl,
            headers={
                **client.headers,
                "Content-Type": "application/json;charset=utf-8",
                "Authorization": f"Bearer {client.token}",
                "User-Agent": "owabi",
            },
        )

    def call(self, method: str, payload: dict[str, Any]) -> SlackResponse:
        url = self.client.base_url + method
        answer = self._pool.request("POST", url, body=json.dumps(payload).encode())
        try:
            data = json.loads(answer.data) if answer.data else {}
        except ValueError:
            body = answer.data.decode("utf-8", errors="replace").replace("\r", "").replace("\n", "")
            data = {"ok": False, "error": NOT_JSON + body[:100]}
        if not isinstance(data, dict):
            data = {"ok": False, "error": NOT_JSON + str(data)[:100]}
        response = SlackResponse(
            client=self.client,
            http_verb="POST",
            api_url=url,
            req_args={},
            data=data,
            headers=dict(answer.headers),
            status_code=answer.status,
        )
        response.validate()  # type: ignore[no-untyped-call]
        return response

    def close(self) -> None:
        """Close the idle connections (a call after this opens new ones)."""
        self._pool.clear()
