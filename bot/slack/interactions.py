"""Buttons and forms: the report form, and correcting Owabi's guess."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.lifecycle import Act
from bot.domain.model import Contact, Incident, Severity, Situation
from bot.domain.text import clean
from bot.service import EmptyReport, NotAllowed, Owabi
from bot.slack import clicks, ids
from bot.slack.compose import composer_of

log = logging.getLogger(__name__)


def _value(state: dict[str, Any], block: str) -> str:
    element = state.get(block, {}).get(block, {})
    if element.get("type") == "static_select":
        return str((element.get("selected_option") or {}).get("value") or "")
    return str(element.get("value") or "")


SITUATIONS = frozenset(s.value for s in Situation)


def _files(state: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """(name, permalink) of the files attached on the form; nothing is downloaded."""
    files = ((state.get("evidence") or {}).get("evidence") or {}).get("files") or []
    return tuple(
        (str(f.get("name") or f.get("title") or "file"), str(f.get("permalink") or ""))
        for f in files
        if isinstance(f, dict)
    )


def register(app: App, service: Owabi) -> None:
    @app.view(ids.REPORT_VIEW)
    def report_form(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        state = view["state"]["values"]
        meta = json.loads(view.get("private_metadata") or "{}")
        user = body["user"]["id"]
        try:
            outcome = service.report(
                reporter=user,
                text=clean(_value(state, "what")),
                key=f"view:{view['id']}",
                channel_id=meta.get("channel_id", ""),
                customer=clean(_value(state, "customer")),
                category=_value(state, "category") or None,
                severity=Severity(_value(state, "severity") or "medium"),
                contact=Contact(_value(state, "contact") or "in_person"),
                locale=_value(state, "locale") or None,
                situation=_value(state, "situation") if _value(state, "situation") in SITUATIONS else None,
                source_link=str(meta.get("source_link") or ""),
                evidence=_files(state),
            )
        except EmptyReport:
            ack(response_action="errors", errors={"what": composer_of(service).note("empty_report")["text"][:150]})
            return
        ack(response_action="update", view=composer_of(service).script_view(outcome.incident, spooled=outcome.spooled))

    @app.shortcut(ids.REPORT_MESSAGE)
    def report_message(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """ "Report with Owabi" on a message: the form, prefilled with its text and its link."""
        ack()
        message = body.get("message") or {}
        channel = str((body.get("channel") or {}).get("id") or "")
        link = ""
        try:
            found = client.chat_getPermalink(channel=channel, message_ts=str(message.get("ts") or ""))
            link = str(found.get("permalink") or "")
        except SlackApiError as exc:  # a message the bot cannot see: the report still opens, without the link
            log.info("no permalink for a reported message: %s", exc.response.get("error"))
        except Exception as exc:  # Slack slow or unreachable: the form matters more than the link
            log.warning("no permalink for a reported message: %s", type(exc).__name__)
        view = composer_of(service).report_form(
            categories=service.policy.all_categories,
            locales=composer_of(service).r.locales(),
            channel_id=channel,
            default_locale=service.policy.locale,
            text=clean(str(message.get("text") or "")),
            source_link=link,
        )
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(ids.CORRECT)
    def correct(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        incident = service.get(int(action["value"]))
        user = body["user"]["id"]
        try:
            service.authorize(incident, user, Act.EDIT)
        except NotAllowed:
            clicks.refuse(service, body, action, user, incident.id)
            return
        view = composer_of(service).edit_form(
            incident,
            categories=service.policy.all_categories,
            locales=composer_of(service).r.locales(),
            response_url=body.get("response_url", ""),
        )
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(re.compile(f"^{ids.ANSWER}:"))
    def answered(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        incident_id, question, value = str(action["value"]).split("|", 2)
        user = body["user"]["id"]
        try:
            incident = service.answer(int(incident_id), actor=user, question=question, value=value)
        except NotAllowed:
            clicks.refuse(service, body, action, user, int(incident_id))
            return
        _replace_script(
            service, incident, body.get("response_url", ""), key=f"script_answer:{incident.id}:{question}", user=user
        )

    @app.view(ids.EDIT_VIEW)
    def edit_form(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        state = view["state"]["values"]
        meta = json.loads(view.get("private_metadata") or "{}")
        user = body["user"]["id"]
        try:
            incident = service.edit(
                int(meta["incident_id"]),
                actor=user,
                category=_value(state, "category"),
                severity=Severity(_value(state, "severity")),
                contact=Contact(_value(state, "contact")),
                locale=_value(state, "locale"),
            )
        except NotAllowed:
            ack(response_action="errors", errors={"category": composer_of(service).note("not_allowed")["text"][:150]})
            return
        ack()
        _replace_script(
            service,
            incident,
            meta.get("response_url", ""),
            key=f"script_replace:{incident.id}:{view.get('id', '')}",
            user=user,
        )


def _replace_script(service: Owabi, incident: Incident, response_url: str, *, key: str, user: str) -> None:
    """Rewrite the reporter's private script in place."""
    clicks.answer(
        service,
        response_url,
        composer_of(service).reporter(incident),
        key=key,
        user=user,
        incident_id=incident.id,
        purpose="script_update",
        replace=True,
    )
