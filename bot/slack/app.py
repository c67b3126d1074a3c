"""Builds the Bolt app: configuration, the error policy, and the listener wiring."""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler

from bot.domain.errors import frames
from bot.escalations import Escalations
from bot.lifecycle import Lifecycle
from bot.service import Owabi
from bot.slack import boss_actions, commands, interactions, lifecycle_actions
from bot.slack.compose import composer_of
from bot.slack.identity import BotIdentity
from bot.summaries import Summaries

log = logging.getLogger(__name__)


class _TokenFromSettings(logging.Filter):
    """Drops Bolt's "`token` will be unused" warning, which it logs whenever SLACK_BOT_TOKEN is in
    the environment and a client is given: Owabi's client and authorizer are built from that very
    token, so the warning is false, and an operator reading the start-up log cannot act on it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


_TOKEN_FILTER = _TokenFromSettings()


@dataclass(frozen=True)
class UseCases:
    """What the listeners call: built once, in bot.runtime, and handed to every listener."""

    service: Owabi
    escalations: Escalations
    lifecycle: Lifecycle
    summaries: Summaries


def build_app(
    *, cases: UseCases, client: WebClient, identity: BotIdentity, signing_secret: str, workers: int = 16
) -> App:
    """The real app, as served in production, the demo and the tests.

    Each listener runs in the request's own thread and its answer is the HTTP response
    (`process_before_response`): otherwise Bolt hands the listener to a pool and polls for its
    ack every 10 ms, and under a burst those polls and handoffs cost about a fifth of the
    server's CPU (bench/slack_latency.py). So a listener returns quickly: messages go to the
    outbox, the App Home is published by a lazy listener after the answer, and the Web API calls
    still made inline are one round trip or two (opening a modal, which must beat the trigger's
    own three seconds anyway; republishing the Home after a click on it).

    Requests are authorized from settings (`BotIdentity`), never by calling Slack, so a report
    is stored and answered while Slack's Web API is down. Signatures are checked by the HTTP
    edge (`bot.slack.edge`) before Bolt sees a request; Socket Mode needs none.
    """
    # Bolt warns through this logger from its constructor; adding the same filter again is a no-op.
    logging.getLogger("slack_bolt.App").addFilter(_TOKEN_FILTER)
    app = App(
        name="owabi",  # without a name Bolt walks the call stack for one, which costs a second at start
        client=WebClient(
            base_url=client.base_url,
            timeout=client.timeout,
            retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1)],
        ),
        signing_secret=signing_secret,
        authorize=identity.authorizer(),
        request_verification_enabled=False,
        listener_executor=ThreadPoolExecutor(max_workers=workers, thread_name_prefix="owabi-listener"),
        raise_error_for_unhandled_request=False,
        process_before_response=True,
        url_verification_enabled=True,
    )
    service = cases.service
    app.error(_polite_failure(service))
    commands.register(app, service, cases.summaries)
    interactions.register(app, service)
    boss_actions.register(app, service, cases.escalations)
    lifecycle_actions.register(app, service, cases.lifecycle, cases.summaries)
    return app


def _polite_failure(service: Owabi):  # type: ignore[no-untyped-def]
    """Whatever broke, the person gets a calm private answer and the log gets the details."""

    def handler(error: Exception, body: dict[str, Any], response: BoltResponse | None) -> BoltResponse | None:
        log.error("%s failed: %s\n%s", _describe(body), type(error).__name__, frames(error))
        note = composer_of(service).note("error", saved=False, ref="")
        if response is None:  # already acknowledged: nothing more to say over HTTP
            return None
        if isinstance(body, dict) and body.get("type") == "view_submission":
            inputs = [b.get("block_id") for b in body.get("view", {}).get("blocks", []) if b.get("type") == "input"]
            return BoltResponse(
                status=200,
                body=json.dumps(
                    {"response_action": "errors", "errors": {inputs[0] if inputs else "what": note["text"][:150]}}
                ),
                headers={"content-type": "application/json"},
            )
        return BoltResponse(
            status=200,
            body=json.dumps({"response_type": "ephemeral", **note}),
            headers={"content-type": "application/json"},
        )

    return handler


def _describe(body: object) -> str:
    """What an operator needs to find a failed request: its kind and ids, never its content.

    Report text, customer names and response URLs (capabilities) stay out of the log.
    """
    if not isinstance(body, dict):
        return "a request"
    kind = body.get("command") or body.get("type") or "request"
    user = body.get("user_id") or (body.get("user") or {}).get("id") or "?"
    parts = [f"{kind} from {user}"]
    actions = body.get("actions") or []
    if actions and isinstance(actions[0], dict):
        parts.append(f"action {actions[0].get('action_id')}")
    view = body.get("view") or {}
    if isinstance(view, dict) and view.get("callback_id"):
        parts.append(f"view {view['callback_id']}")
    event = body.get("event") or {}
    if isinstance(event, dict) and event.get("type"):
        parts.append(f"event {event['type']} {body.get('event_id', '')}".strip())
    return ", ".join(parts)
