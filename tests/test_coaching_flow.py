"""`/oops check` and `/oops practice`: private, pings nobody, logged apart from incidents."""

from __future__ import annotations

import pytest

from tests.conftest import STAFF, Harness


@pytest.mark.parametrize(
    ("draft", "expect"),
    [
        ("Sorry if you were upset, but it's our policy.", "Fix these first"),
        ("ご不快に感じられたのでしたら申し訳ありません。規則ですので。", "申し訳"),
    ],
)
def test_check_reviews_a_draft_privately(owabi: Harness, draft: str, expect: str) -> None:
    reply = owabi.slack.command(STAFF, f"check {draft}")
    assert reply.status == 200 and reply.json()["response_type"] == "ephemeral"
    assert expect in reply.text
    assert not owabi.store.outbox.rows()  # every message goes through the outbox: none was queued
    assert not owabi.standin.calls("chat.postMessage")
    assert owabi.store.incidents.get(1) is None
    assert owabi.store.events.count("coach_review") == 1


def test_a_good_draft_is_praised(owabi: Harness) -> None:
    draft = (
        "I'm so sorry — we sent your order a day late because we missed the courier cut-off; that was our "
        "mistake. I've sent a replacement by express today and refunded the delivery. We've added a cut-off "
        "check to our packing list so it won't happen again. I'll call you on Friday to make sure it arrived."
    )
    reply = owabi.slack.command(STAFF, f"check {draft}")
    assert "Ready to send" in reply.text


def test_check_without_a_draft_explains_how(owabi: Harness) -> None:
    assert "Paste what you plan to say" in owabi.slack.command(STAFF, "check").text


def test_practice_never_pings_and_is_not_an_incident(owabi: Harness) -> None:
    reply = owabi.slack.command(STAFF, "practice")
    assert reply.status == 200 and "Practice" in reply.text
    assert not owabi.store.outbox.rows()  # every message goes through the outbox: none was queued
    assert not owabi.standin.calls("chat.postMessage")
    assert owabi.store.incidents.get(1) is None
    assert owabi.store.events.count("practice_started") == 1
    assert "/oops practice" in owabi.slack.command(STAFF, "help").text
