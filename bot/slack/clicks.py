"""The one way a click is answered: where it was made, through the outbox.

Queued rather than sent from the handler, so an answer is never lost to a slow or failing
response_url (the sender retries it, and a repeated key answers once). Private unless it
replaces the message the button was in. A click on the App Home has no response_url: the
answer then comes as a DM, and the caller republishes the view the click was in.
"""

from __future__ import annotations

from typing import Any

from bot.domain.events import Event
from bot.service import Owabi
from bot.slack.compose import composer_of


def click_key(body: dict[str, Any], action: dict[str, Any], user: str) -> str:
    """One answer per click: Slack's action_ts (or the trigger id) tells two clicks apart."""
    return f"click:{action.get('action_id')}:{user}:{action.get('action_ts') or body.get('trigger_id')}"


def answer(
    service: Owabi,
    response_url: str,
    payload: dict[str, Any],
    *,
    key: str,
    user: str,
    incident_id: int | None = None,
    purpose: str = "click_answer",
    replace: bool = False,
) -> bool:
    """Queue `payload` to the click's response_url. Without one (an App Home click) it goes as a
    DM instead and False is returned, so the caller can republish the view the click was in."""
    if not response_url and replace:
        return False  # a replacement has nothing to replace in a DM
    if response_url:
        where = {"response_url": response_url, "response_type": "ephemeral", "replace_original": replace}
        service.queue(
            key=key,
            method="response_url",
            payload={**where, **payload},
            at=service.clock(),
            incident_id=incident_id,
            purpose=purpose,
            recipient=user,
        )
    else:
        service.queue(
            key=f"home_answer:{key}",
            payload={"channel": user, **payload},
            at=service.clock(),
            incident_id=incident_id,
            purpose="home_answer",
            recipient=user,
            event=Event.HOME_ANSWER_QUEUED,
        )
    service.wake()
    return bool(response_url)


def refuse(service: Owabi, body: dict[str, Any], action: dict[str, Any], user: str, incident_id: int) -> None:
    """The polite private "this isn't yours to do" (the refusal itself is logged by the use case)."""
    answer(
        service,
        body.get("response_url") or "",
        composer_of(service).note("not_allowed"),
        key=click_key(body, action, user),
        user=user,
        incident_id=incident_id,
    )
