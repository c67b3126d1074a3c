"""`/oops check <draft>` and `/oops practice`: private help with the staffer's own words.

Both answer only the person who asked, ping nobody, and are logged as events with no
incident, so practice never shows up in a team's incident figures.
"""

from __future__ import annotations

import random
from typing import Any

from slack_bolt import Ack

from bot.domain import coach, practice
from bot.domain.text import one_line
from bot.service import Owabi
from bot.slack.commands import Sub


def subcommands(service: Owabi) -> dict[str, Sub]:
    def check(ack: Ack, user: str, rest: str, **_: Any) -> None:
        if not rest:
            ack(response_type="ephemeral", **service.compose.note("coach_empty"))
            return
        result = coach.review(rest, override=service.policy.responses)
        text = service.compose.r.render("messages/coach.j2", result.locale, review=result.as_json())
        service.store.events.append(at=service.clock(), kind="coach_review", actor=user,
                                    locale=result.locale, good=result.as_json().get("good"),
                                    draft=one_line(rest, 500))
        ack(response_type="ephemeral", **service.compose.text_only(text))

    def practise(ack: Ack, user: str, rest: str, **_: Any) -> None:
        locale = rest.strip() if rest.strip() in service.compose.r.locales() else service.policy.locale
        situation = practice.pick(locale, random.randrange(1 << 30), override=service.policy.responses)
        text = service.compose.r.render("messages/practice.j2", locale, situation=situation.as_json())
        service.store.events.append(at=service.clock(), kind="practice_started", actor=user, locale=locale,
                                    situation=situation.as_json())
        ack(response_type="ephemeral", **service.compose.text_only(text))

    return {"check": check, "practice": practise, "練習": practise}
