"""The coach as a trainer would judge: ready / fix these first / could be stronger.

What it learns is measured by bench/coach_eval.py on held-out voices; these tests pin what
must hold: cushions and sentences that clear the customer are not problems, the order of
excuse and apology matters, register matters to a business customer, facts must be the
incident's, never "ready" while something would hurt, at most three findings.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.domain.coach_engine import Coach
from bot.learning.coaching import default_coach
from tests.conftest import STAFF, Harness

LOW_IN_PERSON = {"category": "wrong_item", "severity": "low", "contact": "in_person", "b2b": False}
B2B_WRITTEN = {"category": "late_delivery", "severity": "medium", "contact": "written", "b2b": True}


@pytest.fixture(scope="module")
def coach() -> Coach:
    return default_coach()


def ids(coach: Coach, draft: str, situation: dict[str, object] | None = None) -> set[str]:
    return {f.problem for f in coach.review(draft, situation).findings}


def test_a_short_right_sized_apology_is_ready(coach: Coach) -> None:
    verdict = coach.review("I'm so sorry, I gave you the wrong size — that's on me. Let me swap it for the right one "
                           "now.", LOW_IN_PERSON)
    assert verdict.verdict == "ready", verdict.as_json()


@pytest.mark.parametrize("draft", [
    "I'm sorry, we sent the wrong item — our mistake. If it suits you, we'd like to collect it tomorrow and "
    "deliver the right one the same day.",
    "I'm so sorry. You did nothing wrong; we mixed up the orders. I've swapped it for the right one.",
])
def test_cushions_and_clearing_the_customer_are_not_problems(coach: Coach, draft: str) -> None:
    assert not ids(coach, draft, LOW_IN_PERSON)


@pytest.mark.parametrize(("draft", "problem"), [
    ("Sorry if you were upset by the wrong order. We'll replace it.", "conditional"),
    ("We're sorry, but our policy does not allow refunds on sale items.", "policy_shield"),
    ("I'm sorry for the mix-up. I promise this will never happen again.", "over_promise"),
    ("We're sorry. We'll refund you in full if you remove your review.", "bribe"),
    ("Sorry about the delay! Please leave us a 5-star review if you liked the food.", "review_request"),
    ("Unfortunately due to unprecedented demand your order was late. We apologise.", "excuse_first"),
    ("Dear customer, the wrong invoice was sent to you. It has been corrected.", "no_apology"),
])
def test_what_would_hurt_is_named(coach: Coach, draft: str, problem: str) -> None:
    verdict = coach.review(draft, LOW_IN_PERSON)
    assert problem in {f.problem for f in verdict.findings}, verdict.as_json()
    assert verdict.verdict == "fix" and not verdict.good
    finding = next(f for f in verdict.findings if f.problem == problem)
    assert finding.why and finding.rewrite and finding.phrase in ("", *[s for s in [finding.phrase]])


def test_an_apology_before_the_reasons_is_not_excuse_first(coach: Coach) -> None:
    assert "excuse_first" not in ids(coach, "We're sorry your order was late. Due to a packing error on our side, "
                                            "it left a day late; we've sent it express.", LOW_IN_PERSON)


def test_casual_words_to_a_business_customer_are_the_wrong_register(coach: Coach) -> None:
    assert "wrong_register" in ids(coach, "ごめんなさい、納品書を送るの忘れちゃいました！すぐ送ります。", B2B_WRITTEN)
    assert "wrong_register" in ids(coach, "Oops, my bad!! We'll resend the invoice today.", B2B_WRITTEN)


def test_facts_the_incident_does_not_support_are_flagged(coach: Coach) -> None:
    situation = {**LOW_IN_PERSON, "summary": "charged the customer twice for one coffee"}
    assert "invented_facts" in ids(coach, "I'm sorry we charged you twice — you were charged $84.50 at 3:15. "
                                          "That's our error and I've refunded it.", situation)


def test_a_personal_data_case_needs_the_notice(coach: Coach) -> None:
    verdict = coach.review("I'm sorry, we made a mistake and I've fixed it.",
                           {"category": "privacy_breach", "severity": "high", "contact": "written", "b2b": False})
    assert verdict.verdict in ("fix", "stronger") and "notice" in verdict.missing


def test_at_most_three_findings_most_harmful_first(coach: Coach) -> None:
    draft = ("Unfortunately we were very busy. Mistakes were made, and the courier lost it. Sorry if you were "
             "upset, but our policy does not allow refunds. It will never happen again. Please leave a 5-star review!")
    verdict = coach.review(draft, B2B_WRITTEN)
    assert 1 <= len(verdict.findings) <= 3 and not verdict.good


def test_owabi_coach_prints_the_verdict_as_json() -> None:
    out = subprocess.run([sys.executable, "-m", "bot", "coach", "Sorry if you were upset.", "--severity", "low"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    data = json.loads(out)
    for key in ("good", "verdict", "avoid", "missing", "present", "tips"):
        assert key in data
    assert data["good"] is False and data["avoid"][0]["id"] == "conditional"


def test_check_on_an_incident_is_judged_for_it(owabi: Harness) -> None:
    owabi.slack.command(STAFF, "sent the quote for the Sato company to the wrong client, with their prices")
    reply = owabi.slack.command(STAFF, "check Sorry if this caused any trouble. It won't happen again.")
    assert "Judged for OOPS-0001" in reply.text and "Fix" in reply.text
    review = next(e for e in owabi.store.events.all() if e.kind == "coach_review")
    assert review.incident_id == 1 and review.data["verdict"] == "fix"
