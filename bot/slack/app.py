"""Builds the Bolt app: configuration, the error policy, and the listener wiring."""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from bot.service import Owabi
from bot.slack import boss_actions, commands, interactions, lifecycle_actions

log = logging.getLogger(__name__)


def build_app(*, service: Owabi, client: WebClient, signing_secret: str, workers: int = 16) -> App:
    """The real app, as served in production, the demo and the tests.

    Token verification is deferred to the first request so that Owabi starts (and keeps
    delivering queued messages) even while Slack's Web API is unreachable.
    """
    app = App(
        client=client,
        signing_secret=signing_secret,
        token_verification_enabled=False,
        listener_executor=ThreadPoolExecutor(max_workers=workers, thread_name_prefix="owabi-listener"),
        raise_error_for_unhandled_request=False,
        url_verification_enabled=True,
    )
    app.error(_polite_failure(service))
    commands.register(app, service)
    interactions.register(app, service)
    boss_actions.register(app, service)
    lifecycle_actions.register(app, service)
    return app


def _polite_failure(service: Owabi):  # type: ignore[no-untyped-def]
    """Whatever broke, the person gets a calm private answer and the log gets the details."""

    def handler(error: Exception, body: dict[str, Any], response: BoltResponse | None) -> BoltResponse | None:
        user = (body.get("user_id") or (body.get("user") or {}).get("id") or "?") if isinstance(body, dict) else "?"
        log.error("request from %s failed: %r; body=%s", user, error,
                  json.dumps(body, ensure_ascii=False, default=str)[:4000], exc_info=error)
        note = service.compose.note("error", saved=False, ref="")
        if response is None:  # already acknowledged: nothing more to say over HTTP
            return None
        if isinstance(body, dict) and body.get("type") == "view_submission":
            inputs = [b.get("block_id") for b in body.get("view", {}).get("blocks", []) if b.get("type") == "input"]
            return BoltResponse(status=200, body=json.dumps(
                {"response_action": "errors", "errors": {inputs[0] if inputs else "what": note["text"][:150]}}),
                headers={"content-type": "application/json"})
        return BoltResponse(status=200, body=json.dumps({"response_type": "ephemeral", **note}),
                            headers={"content-type": "application/json"})

    return handler
