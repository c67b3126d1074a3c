"""Acknowledge / I'll take it / Escalate now, pressed in a boss or escalation DM.

Each handler acks at once (Slack's 3 seconds), then lets the service decide. The private
answer to the person who clicked goes through the outbox to the click's response_url, so
a Slack hiccup delays it rather than losing it; a refusal is logged by the service.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from bot.escalations import Answer, Escalations
from bot.service import NotAllowed, Owabi
from bot.slack import clicks, ids
from bot.slack.blocks import mention
from bot.slack.compose import composer_of

log = logging.getLogger(__name__)


def register(app: App, service: Owabi, escalations: Escalations) -> None:
    actions: dict[str, Callable[[int, str], Answer]] = {
        ids.ACK: lambda incident, user: escalations.acknowledge(incident, actor=user),
        ids.TAKE: lambda incident, user: escalations.acknowledge(incident, actor=user, take=True),
        ids.ESCALATE: lambda incident, user: escalations.escalate_now(incident, actor=user),
        ids.APPROVE: lambda incident, user: _approve(service, incident, user),
    }
    for action_id, run in actions.items():
        app.action(action_id)(_handler(escalations, run))


def _approve(service: Owabi, incident_id: int, user: str) -> Answer:
    first = service.approve_make_good(incident_id, actor=user)
    incident = service.get(incident_id)
    amount = service.policy.authority.amount(service.policy.authority.boss)
    return Answer(
        "make_good_done" if first else "make_good_already", {"reporter": mention(incident.reporter), "amount": amount}
    )


def _handler(escalations: Escalations, run: Callable[[int, str], Answer]) -> Callable[..., None]:
    def handle(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        user = body["user"]["id"]
        incident_id = int(action["value"])
        try:
            answer = run(incident_id, user)
        except NotAllowed:
            answer = Answer("esc_not_allowed", {})
        _reply(escalations, body, action, user, incident_id, answer)

    return handle


def _reply(
    escalations: Escalations, body: dict[str, Any], action: dict[str, Any], user: str, incident_id: int, answer: Answer
) -> None:
    service = escalations.s
    payload = composer_of(service).escalation.private(answer.template, service.get(incident_id), **answer.ctx)
    clicks.answer(
        service,
        body.get("response_url") or "",
        payload,
        key=clicks.click_key(body, action, user),
        user=user,
        incident_id=incident_id,
    )
