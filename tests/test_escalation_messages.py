"""Every escalation message exists and renders in English and Japanese."""

from __future__ import annotations

import pytest

from bot import resources
from bot.domain.model import Contact, Incident, Severity, State
from bot.slack.compose import Composer
from bot.wording import Renderer
from tests.test_escalation_policy import TOKYO

INCIDENT = Incident(
    id=3,
    ref="OOPS-0003",
    created_at=0.0,
    reporter="U0STAFF01",
    text="charged twice <!channel>",
    category="billing_error",
    severity=Severity.MEDIUM,
    locale="ja",
    contact=Contact.PHONE,
    customer="",
    chain=("U0LEAD01", "U0MGR01"),
    team="front-desk",
    state=State.ACKNOWLEDGED,
    acknowledged_by="U0MGR01",
    acknowledged_at=1_700_000_000.0,
)


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_escalation_messages_render(locale: str) -> None:
    esc = Composer(Renderer(resources.responses_dir()), ui_locale=locale, zone=TOKYO).escalation
    dm = esc.escalation_dm(INCIDENT, boss="U0MGR01", history=[("U0LEAD01", 1_700_000_000.0)], round_=1)
    assert "<@U0LEAD01>" in dm["blocks"][1]["text"]["text"] and "<!channel>" not in str(dm)
    updated = esc.acknowledged(dm, INCIDENT)
    assert "channel" not in updated and "<@U0MGR01>" in updated["blocks"][-2]["text"]["text"]
    head = dm["blocks"][1]["text"]["text"]
    assert head not in str(updated)  # "nobody has acknowledged yet" is gone once someone has
    for template in ("esc_reporter_acked", "esc_reporter_taken", "esc_reporter_waiting"):
        assert esc.to_reporter(INCIDENT, template, by="x", at="09:00", owner="y", who="z", round=1)["text"]
    for template in (
        "esc_not_allowed",
        "esc_ack_done",
        "esc_ack_already",
        "esc_take_done",
        "esc_take_already",
        "esc_escalated",
        "esc_nothing",
    ):
        text = esc.private(template, INCIDENT, reporter="r", by="b", at="t", owner="o")["text"]
        assert text and (locale == "en" or any("\u3040" <= ch <= "\u30ff" for ch in text))
    assert esc.reminder(INCIDENT, user="U0MGR01")["text"]


@pytest.mark.parametrize("locale", ["en", "ja"])
@pytest.mark.parametrize("severity", list(Severity))
@pytest.mark.parametrize("contact", list(Contact))
def test_the_boss_to_do_names_the_reporter_as_a_mention_slack_renders(
    locale: str, severity: Severity, contact: Contact
) -> None:
    """A to-do line that names the reporter ("agree the make-good with @Sato today") carries a
    real mention, never an escaped one that Slack would show as the text "<@U…>"."""
    from dataclasses import replace

    composer = Composer(Renderer(resources.responses_dir()), ui_locale=locale, zone=TOKYO)
    incident = replace(INCIDENT, severity=severity, contact=contact, state=State.REPORTED, acknowledged_by=None)
    dm = composer.boss_dm(incident, boss="U0LEAD01")
    shown = " ".join(str(b.get("text", {}).get("text", "")) for b in dm["blocks"] if isinstance(b.get("text"), dict))
    assert "&lt;@" not in shown
    assert "<@U0STAFF01>" in shown
