"""`/oops check <draft>` and `/oops practice`: private help with the staffer's own words.

Both answer only the person who asked, ping nobody, and are logged as events with no
incident, so practice never shows up in a team's incident figures.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from bot import wording
from bot.domain import practice
from bot.domain.events import Event
from bot.domain.text import one_line
from bot.service import Owabi
from bot.slack.compose import composer_of

RECENT = 24 * 3600.0  # seconds: `/oops check` judges a draft for an incident reported this recently


def subcommands(service: Owabi) -> dict[str, Callable[..., None]]:
    def check(ack: Ack, user: str, rest: str, **_: Any) -> None:
        """Judged for the reporter's latest open incident of the last day, if there is one."""
        if not rest:
            ack(response_type="ephemeral", **composer_of(service).note("coach_empty"))
            return
        incident = next(
            (
                i
                for i in service.mine(user)
                if i.state.value in ("reported", "acknowledged", "contacted")
                and service.clock() - i.created_at < RECENT
            ),
            None,
        )
        situation = (
            None
            if incident is None
            else {
                "category": incident.category,
                "severity": incident.severity.value,
                "contact": incident.contact.value,
                "b2b": incident.has("b2b"),
                "summary": incident.text,
            }
        )
        # Imported here: the coach (its patterns, its model) loads at the first check, not at start-up.
        from bot.learning.coaching import default_coach

        result = default_coach(service.policy.responses).review(rest, situation, default_locale=service.policy.locale)
        text = composer_of(service).r.render(
            "messages/coach.j2", result.locale, review=result.as_json(), about=incident.ref if incident else ""
        )
        service.store.events.append(
            at=service.clock(),
            kind=Event.COACH_REVIEW,
            actor=user,
            incident_id=incident.id if incident else None,
            locale=result.locale,
            verdict=result.verdict,
            good=result.good,
            draft=one_line(rest, 500),
        )
        ack(response_type="ephemeral", **composer_of(service).text_only(text))

    def practise(ack: Ack, user: str, rest: str, **_: Any) -> None:
        locale = rest.strip() if rest.strip() in composer_of(service).r.locales() else service.policy.locale
        rows = wording.load("practice", locale, override=service.policy.responses).get("situation", [])
        situation = practice.pick(rows, random.randrange(1 << 30))
        text = composer_of(service).r.render("messages/practice.j2", locale, situation=situation.as_json())
        service.store.events.append(
            at=service.clock(), kind=Event.PRACTICE_STARTED, actor=user, locale=locale, situation=situation.as_json()
        )
        ack(response_type="ephemeral", **composer_of(service).text_only(text))

    return {"check": check, "practice": practise, "練習": practise}
