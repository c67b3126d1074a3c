"""`/oops` and its sub-commands. Each answers within Slack's 3 seconds via ack()."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain.text import from_slack
from bot.service import EmptyReport, Owabi
from bot.slack.compose import composer_of
from bot.summaries import Summaries

log = logging.getLogger(__name__)

Sub = Callable[..., None]


def register(app: App, service: Owabi, summaries: Summaries) -> None:
    subs: dict[str, Sub] = {
        "help": lambda ack, **_: ack(response_type="ephemeral", **composer_of(service).note("help")),
        "mine": lambda ack, user, **_: ack(response_type="ephemeral", **composer_of(service).mine(service.mine(user))),
        "report": lambda ack, rest, **kw: _report(service, ack, rest, **kw),
    }
    subs.update(extra_subcommands(service, summaries))

    @app.command("/oops")
    def oops(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        text = from_slack(body.get("text", ""))
        user = body["user_id"]
        word, _, rest = text.partition(" ")
        if not text:
            _open_form(service, ack, client, body)
        elif word in subs and is_subcommand(word, rest.strip()):
            subs[word](ack=ack, user=user, rest=rest.strip(), body=body, client=client)
        else:
            _report(service, ack, text, user=user, body=body)


_ARGS: dict[str, Callable[[str], bool]] = {
    "help": lambda rest: not rest,
    "mine": lambda rest: not rest,
    "practice": lambda rest: len(rest) <= 5,
    "summary": lambda rest: rest in ("", "today", "week"),
    "lessons": lambda rest: " " not in rest,
}


def is_subcommand(word: str, rest: str) -> bool:
    """Tell `/oops summary week` from `/oops Summary of the call: we double-charged`.

    A report must never be swallowed by a sub-command: the word has to be typed in lower
    case and followed by what that sub-command takes; anything else is recorded as a report.
    """
    accepts = _ARGS.get(word)
    return accepts is None or accepts(rest)


def extra_subcommands(service: Owabi, summaries: Summaries) -> dict[str, Sub]:
    """Sub-commands added by other features (coach, practice, lessons, summary)."""
    from bot.slack.coaching import subcommands as coaching_subcommands
    from bot.slack.lifecycle_actions import subcommands as lifecycle_subcommands

    return {**lifecycle_subcommands(service, summaries), **coaching_subcommands(service)}


def _report(service: Owabi, ack: Ack, text: str, *, user: str, body: dict[str, Any], **_: Any) -> None:
    try:
        outcome = service.report(
            reporter=user,
            text=text,
            key=f"slash:{body.get('trigger_id') or ''}:{user}",
            channel_id=body.get("channel_id", ""),
        )
    except EmptyReport:
        ack(response_type="ephemeral", **composer_of(service).note("empty_report"))
        return
    log.info(
        "incident %s reported by %s (duplicate=%s, spooled=%s)",
        outcome.incident.ref or "-",
        user,
        outcome.duplicate,
        outcome.spooled,
    )
    answer = outcome.answer or composer_of(service).reporter(
        outcome.incident, duplicate=outcome.duplicate, spooled=outcome.spooled
    )
    ack(response_type="ephemeral", **answer)


def _open_form(service: Owabi, ack: Ack, client: WebClient, body: dict[str, Any]) -> None:
    ack()
    view = composer_of(service).report_form(
        categories=service.policy.all_categories,
        locales=composer_of(service).r.locales(),
        channel_id=body.get("channel_id", ""),
        default_locale=service.policy.locale,
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)
