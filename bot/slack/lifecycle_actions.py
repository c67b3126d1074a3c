"""Lifecycle buttons, the resolve form, `/oops lessons`, `/oops summary` and the App Home.

Every listener acks first (Slack's 3 seconds), then works. Refusals are private and
polite; the attempt itself is logged by `bot.lifecycle`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.lifecycle import Move, Refused
from bot.domain.model import Incident
from bot.lifecycle import Lifecycle, Resolution
from bot.service import Owabi
from bot.slack import clicks, ids
from bot.slack.compose import composer_of
from bot.slack.lifecycle_compose import RESOLVE_INPUTS, LifecycleComposer
from bot.summaries import Summaries

log = logging.getLogger(__name__)

SUMMARY_REPEAT = 600.0  # seconds: an asked-for summary is posted at most once per channel in this time
PERIOD_WORDS = {
    "week": "week",
    "weekly": "week",
    "今週": "week",
    "today": "today",
    "daily": "today",
    "今日": "today",
    "": "today",
}


def register(app: App, service: Owabi, life: Lifecycle, summaries: Summaries) -> None:
    compose = composer_of(service).lifecycle
    _register_moves(app, service, life, compose, summaries)
    _register_resolve(app, service, life, compose, summaries)
    _register_home(app, service, compose, summaries)
    _register_supported(app, service, life, compose)


def _register_supported(app: App, service: Owabi, life: Lifecycle, compose: LifecycleComposer) -> None:
    @app.action(re.compile(f"^{ids.SUPPORTED}:"))
    def supported(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        answer = str(action["action_id"]).rsplit(":", 1)[-1]
        recorded = life.felt_supported(int(action["value"]), actor=body["user"]["id"], answer=answer)
        # The question turns into the thanks (or stays, for someone else's tap).
        user = body["user"]["id"]
        note = (
            composer_of(service).note("supported_thanks", answer=answer)
            if recorded
            else composer_of(service).note("not_allowed")
        )
        clicks.answer(
            service,
            respond.response_url or "",
            note,
            key=clicks.click_key(body, action, user),
            user=user,
            incident_id=int(action["value"]),
            replace=recorded,
        )


def _answer(
    service: Owabi,
    compose: LifecycleComposer,
    summaries: Summaries,
    respond: Respond,
    client: WebClient,
    body: dict[str, Any],
    incident: Incident,
    payload: dict[str, Any],
) -> None:
    """A click in a message is answered in place. A click on the App Home has no response_url:
    the Home is published again (so no stale button stays) and the answer comes as a DM."""
    user = body["user"]["id"]
    action = (body.get("actions") or [{}])[0]
    if clicks.answer(
        service,
        respond.response_url or "",
        payload,
        key=clicks.click_key(body, action, user),
        user=user,
        incident_id=incident.id,
    ):
        return
    try:
        publish_home(service, compose, summaries, client, user)
    except SlackApiError as exc:  # the DM still says what happened; the Home refreshes when next opened
        log.warning("App Home not republished for %s: %s", user, exc.response.get("error"))


def _register_moves(
    app: App, service: Owabi, life: Lifecycle, compose: LifecycleComposer, summaries: Summaries
) -> None:
    def handler(move: Move) -> Callable[..., None]:
        def on_click(
            ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
        ) -> None:
            ack()
            incident_id, user = int(action["value"]), body["user"]["id"]
            incident = service.get(incident_id)
            try:
                if move is Move.CONTACT:
                    updated = life.contact(incident_id, actor=user)
                else:
                    updated = life.follow_up(incident_id, actor=user)
            except Refused as refusal:
                _answer(
                    service, compose, summaries, respond, client, body, incident, compose.refused(incident, refusal)
                )
                return
            _answer(service, compose, summaries, respond, client, body, updated, compose.done(updated))

        return on_click

    app.action(ids.CONTACTED)(handler(Move.CONTACT))
    app.action(ids.FOLLOWED_UP)(handler(Move.FOLLOW_UP))


def _register_resolve(
    app: App, service: Owabi, life: Lifecycle, compose: LifecycleComposer, summaries: Summaries
) -> None:
    @app.action(ids.RESOLVE)
    def resolve_clicked(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        incident = service.get(int(action["value"]))
        try:
            life.allowed(incident, actor=body["user"]["id"], move=Move.RESOLVE)
        except Refused as refusal:
            _answer(service, compose, summaries, respond, client, body, incident, compose.refused(incident, refusal))
            return
        client.views_open(
            trigger_id=body["trigger_id"],
            view=compose.resolve_form(incident, response_url=body.get("response_url", "")),
        )

    @app.view(ids.RESOLVE_VIEW)
    def resolve_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        values = {name: _text(view, name) for name, _ in RESOLVE_INPUTS}
        incident = service.get(int(meta["incident_id"]))
        try:
            updated = life.resolve(incident.id, actor=body["user"]["id"], resolution=Resolution.of(**values))
        except Refused as refusal:
            ack(
                response_action="errors",
                errors={"what_happened": compose.refused(incident, refusal)["text"][:150]},
            )
            return
        ack()
        _confirm(service, compose, updated, meta.get("response_url", ""))


def _text(view: dict[str, Any], block: str) -> str:
    from bot.domain.text import clean

    element = view["state"]["values"].get(block, {}).get(block, {})
    return clean(str(element.get("value") or ""))  # modal inputs arrive as typed, not entity-encoded


def _confirm(service: Owabi, compose: LifecycleComposer, incident: Incident, response_url: str) -> None:
    """Tell the person where they pressed Resolved."""
    clicks.answer(
        service,
        response_url,
        compose.done(incident),
        key=f"resolved_note:{incident.id}",
        user="",
        incident_id=incident.id,
        purpose="resolved_note",
    )
    service.wake()


# --- slash sub-commands --------------------------------------------------------------


def subcommands(service: Owabi, summaries: Summaries) -> dict[str, Callable[..., None]]:
    """`/oops lessons [category]` and `/oops summary [today|week]`."""
    compose = composer_of(service).lifecycle

    def lessons(ack: Ack, rest: str, user: str, **_: Any) -> None:
        category = rest.strip().lower().replace(" ", "_") or None
        found = service.store.reports.lessons(category=category, limit=15, teams=service.policy.visible_teams(user))
        ack(
            response_type="ephemeral",
            **compose.lessons(found, category=category, zone=service.policy.zone),
        )

    def summary(ack: Ack, rest: str, user: str, body: dict[str, Any], **_: Any) -> None:
        """Bosses post their teams' figures where the policy allows; anyone else sees them privately.

        One summary per channel and period every ten minutes: a repeat is not posted again.
        """
        period = PERIOD_WORDS.get(rest.strip().lower(), "today")
        channel = body.get("channel_id", "")
        teams = service.policy.visible_teams(user)
        allowed = service.policy.summary_channels(user)
        label = compose._label("summary." + period)
        if allowed is not None and channel not in allowed:
            private = compose.summary_post(summaries.build(period, teams=teams), channel="", zone=service.policy.zone)
            note = composer_of(service).note("summary_private", period=label)
            ack(response_type="ephemeral", text=note["text"], blocks=note["blocks"] + private["blocks"])
            return
        bucket = int(service.clock() // SUMMARY_REPEAT)
        posted = summaries.post(
            period, channel=channel, key=f"asked:{channel}:{period}:{bucket}", teams=teams, asker=user
        )
        ack(
            response_type="ephemeral",
            **composer_of(service).note("summary_posted" if posted else "summary_recent", period=label),
        )

    return {"lessons": lessons, "summary": summary}


# --- App Home ------------------------------------------------------------------------


def _register_home(app: App, service: Owabi, compose: LifecycleComposer, summaries: Summaries) -> None:

    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        publish_home(service, compose, summaries, client, event["user"])

    # The event is answered at once and the Home published after: a slow views.publish must not
    # hold the answer past Slack's three seconds, or Slack sends the event again.
    app.event("app_home_opened")(ack=lambda ack: ack(), lazy=[home_opened])


def publish_home(
    service: Owabi, compose: LifecycleComposer, summaries: Summaries, client: WebClient, user: str
) -> None:
    """Publish the Home now; if its week figures were older than what the log holds, publish it
    again once fresh ones are computed (a second or so later on a big log)."""

    def again() -> None:
        client.views_publish(user_id=user, view=home_view(service, compose, summaries, user))

    client.views_publish(user_id=user, view=home_view(service, compose, summaries, user, then=again))


def home_view(
    service: Owabi,
    compose: LifecycleComposer,
    summaries: Summaries,
    user: str,
    *,
    then: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Staff: their open incidents. Bosses (anyone in a chain, or an admin): their teams' too.
    `then` runs if the figures shown were stale, once fresh ones are ready (see Summaries.recent)."""
    policy = service.policy
    is_boss = policy.is_boss(user)
    reports = service.store.reports
    team = None
    if is_boss:
        team = (
            reports.open_for(bosses=[user])
            if user not in policy.admins
            else reports.open_for(bosses=sorted({b for t in policy.teams for b in t.chain} | set(policy.default.chain)))
        )
    now = service.clock()
    return compose.home(
        mine=reports.open_for(reporter=user),
        team=team,
        summary=summaries.recent("week", now=now, teams=policy.visible_teams(user), then=then),
        now=now,
        zone=policy.zone,
    )
