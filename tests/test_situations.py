"""Not every report is a mistake to apologise for: a slip caught in time, and a customer who
abuses staff, each get their own answer, their own boss DM and their own line in the summary."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.conftest import ADMIN, GM, LEAD, MANAGER, POLICY, STAFF, Harness
from tests.escalation_helpers import call_text

NEAR_MISS = "nearly sent the Tanaka order to the wrong address, caught it at the packing bench before it went out"
ABUSE = "a customer at the counter screamed at me, called me stupid and threatened to wait for me after my shift"


def test_a_near_miss_is_thanked_and_the_boss_told_quietly(owabi: Harness) -> None:
    reply = owabi.slack.command(STAFF, NEAR_MISS)
    assert "Thank you for catching it" in reply.text and "near miss" in reply.text
    assert "Say now:" not in reply.text and "No customer needs an apology" in reply.text
    assert owabi.wait_for(lambda: owabi.standin.dms_to(LEAD))
    dm = call_text(owabi.standin.dms_to(LEAD)[0])
    assert "Near miss · OOPS-0001" in dm and "what let this through?" in dm and "Thank them first" in dm
    incident = owabi.store.incidents.get(1)
    assert incident is not None and incident.situation == "near_miss"
    assert not owabi.store.jobs.rows(kind="escalate")  # nothing escalates
    assert not owabi.standin.dms_to(MANAGER) and not owabi.standin.dms_to(GM)


def test_an_abusive_customer_gets_the_staffer_protection_not_an_apology(owabi: Harness) -> None:
    reply = owabi.slack.command(STAFF, ABUSE)
    assert "Your safety comes first" in reply.text and "ask my manager to take over" in reply.text
    assert "Say now:" not in reply.text
    assert "apologise for what isn't ours" in reply.text
    assert owabi.wait_for(lambda: owabi.standin.dms_to(LEAD))
    dm = call_text(owabi.standin.dms_to(LEAD)[0])
    assert "Staff protection · OOPS-0001" in dm and "Take over now" in dm and "do not ask what they did wrong" in dm
    incident = owabi.store.incidents.get(1)
    assert incident is not None and incident.situation == "customer_harassment"
    assert incident.severity.rank >= 2  # escalates as a high incident does
    assert owabi.store.jobs.rows(kind="escalate")


def test_the_summary_counts_near_misses_and_abuse_apart(harness: Callable[..., Harness]) -> None:
    h = harness(POLICY)
    h.slack.command(STAFF, "the Tanaka order went out a day late")
    h.slack.command(STAFF, NEAR_MISS)
    h.slack.command(STAFF, ABUSE)
    h.slack.command(ADMIN, "summary today", channel="C0TEAMCHAN")
    assert h.wait_for(lambda: h.standin.messages_in("C0TEAMCHAN"), timeout=10)
    text = json.dumps(h.standin.messages_in("C0TEAMCHAN"), ensure_ascii=False)
    assert "*1* reported" in text
    assert "Near misses caught:* 1" in text and "not counted as incidents" in text
    assert "Customers who abused or threatened staff:* 1" in text
    assert STAFF not in text  # no summary names the staffer


def test_the_form_lets_the_staffer_say_it_was_a_near_miss(owabi: Harness) -> None:
    owabi.slack.command(STAFF, "")
    assert owabi.wait_for(lambda: owabi.standin.calls("views.open"))
    view = next(iter(owabi.standin._state.views.values()))
    labels = json.dumps(view, ensure_ascii=False)
    assert "What kind of report?" in labels and "A near miss: caught before it reached anyone" in labels
    reply = owabi.slack.submit(
        STAFF,
        view,
        {
            "situation": "near_miss",
            "what": "Wrong dose on the label, fixed",
            "category": "wrong_item",
            "severity": "high",
            "contact": "in_person",
            "locale": "en",
        },
    )
    assert reply.status == 200 and "Thank you for catching it" in reply.text
    incident = owabi.store.incidents.get(1)
    assert incident is not None and incident.situation == "near_miss"
    assert not owabi.store.jobs.rows(kind="escalate")


def test_the_reporter_is_asked_if_they_felt_supported_and_only_the_share_is_shown(
    harness: Callable[..., Harness],
) -> None:
    from bot.slack import ids
    from tests.lifecycle_helpers import resolve

    h = harness(POLICY)
    h.slack.command(STAFF, "the Tanaka order went out a day late")
    assert h.wait_for(lambda: h.standin.dms_to(LEAD))
    h.slack.click(LEAD, ids.ACK, "1")
    assert h.wait_event("acknowledged")  # applied after the click is answered
    done = resolve(
        h,
        LEAD,
        what_happened="packed late",
        what_we_did="called and refunded postage",
        what_changes="cut-off moved to 3pm",
        lesson="check the cut-off board",
    )
    assert done.status == 200
    asked = h.wait_for(lambda: [c for c in h.standin.dms_to(STAFF) if "did you feel supported" in call_text(c)])
    assert asked and "never shown to your boss" in call_text(asked[0])  # type: ignore[index]
    assert not any("did you feel supported" in call_text(c) for c in h.standin.dms_to(LEAD))
    h.slack.click(LEAD, f"{ids.SUPPORTED}:no", "1")  # only the reporter may answer
    h.slack.click(STAFF, f"{ids.SUPPORTED}:yes", "1")
    assert h.wait_event("felt_supported")
    refused = [e for e in h.store.events.for_incident(1) if e.kind == "refused"]
    assert refused and refused[-1].data["action"] == "felt_supported"
    h.slack.click(STAFF, f"{ids.SUPPORTED}:no", "1")  # a second tap changes nothing
    answers = [e.data["answer"] for e in h.store.events.for_incident(1) if e.kind == "felt_supported"]
    assert answers == ["yes"]
    h.slack.command(ADMIN, "summary today", channel="C0TEAMCHAN")
    assert h.wait_for(lambda: h.standin.messages_in("C0TEAMCHAN"), timeout=10)
    text = json.dumps(h.standin.messages_in("C0TEAMCHAN"), ensure_ascii=False)
    assert "Felt supported" not in text and STAFF not in text  # one answer would name the person


def test_the_supported_share_shows_only_from_five_answers(owabi: Harness) -> None:
    from dataclasses import replace

    from bot.slack.compose import composer_of
    from bot.summaries import Summaries

    service = owabi.runtime.service
    summary = Summaries(service).build("week")
    compose = composer_of(service).lifecycle
    shown = json.dumps(compose.summary_text(replace(summary, felt_supported=(4, 5)), zone=service.policy.zone))
    hidden = json.dumps(compose.summary_text(replace(summary, felt_supported=(1, 2)), zone=service.policy.zone))
    assert "Felt supported:* 4 of 5" in shown and "Felt supported" not in hidden


def test_no_customer_follow_up_or_make_good_for_abuse_or_a_near_miss(harness: Callable[..., Harness]) -> None:
    from bot.slack import ids
    from tests.lifecycle_helpers import resolve

    h = harness(POLICY + '\n[make_good]\ncurrency = "¥"\nstaff = 3000\nboss = 10000\n')
    h.slack.command(STAFF, ABUSE)
    assert h.wait_for(lambda: h.standin.dms_to(LEAD))
    assert ids.APPROVE not in json.dumps(h.standin.dms_to(LEAD)[0].args)
    h.slack.click(LEAD, ids.ACK, "1")
    assert h.wait_event("acknowledged")
    done = resolve(
        h,
        LEAD,
        1,
        what_happened="abusive caller",
        what_we_did="took over the call",
        what_changes="second person on late shifts",
        lesson="hand over early",
    )
    assert done.status == 200 and h.wait_event("resolved")
    assert not h.store.jobs.rows(incident_id=1, kind="follow_up_reminder")


def test_a_message_is_reported_from_its_menu_and_the_incident_keeps_its_link(owabi: Harness) -> None:
    complaint = "From the guest in 412: you charged my card twice for one night!!"
    reply = owabi.slack.message_shortcut(
        STAFF, "oops_report_message", text=complaint, channel="C0TEAMCHAN", ts="1700000000.000100"
    )
    assert reply.status == 200
    assert owabi.wait_for(lambda: owabi.standin.calls("views.open"))
    view = owabi.standin.calls("views.open")[-1].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    what = next(b for b in view["blocks"] if b.get("block_id") == "what")
    assert what["element"]["initial_value"] == complaint
    link = "https://owabi-sandbox.slack.com/archives/C0TEAMCHAN/p1700000000000100"
    assert json.loads(view["private_metadata"])["source_link"] == link
    done = owabi.slack.submit(
        STAFF,
        view,
        {"what": complaint, "category": "billing_error", "severity": "medium", "contact": "in_person", "locale": "en"},
    )
    assert done.status == 200
    incident = owabi.store.incidents.get(1)
    assert incident is not None and incident.details["source_link"] == link
    assert owabi.wait_for(lambda: owabi.standin.dms_to(LEAD))
    dm = call_text(owabi.standin.dms_to(LEAD)[0])
    assert "Reported from:" in dm and link in dm


def test_the_manifest_declares_the_message_shortcut() -> None:
    from bot.manifest import manifest
    from bot.slack import ids

    shortcut = manifest()["features"]["shortcuts"][0]
    assert shortcut["type"] == "message" and shortcut["callback_id"] == ids.REPORT_MESSAGE


def test_evidence_attached_on_the_form_reaches_the_boss_and_stays_with_the_incident(owabi: Harness) -> None:
    owabi.slack.command(STAFF, "")
    assert owabi.wait_for(lambda: owabi.standin.calls("views.open"))
    view = next(iter(owabi.standin._state.views.values()))
    assert any(b.get("block_id") == "evidence" and b["element"]["type"] == "file_input" for b in view["blocks"])
    photo = {
        "id": "F0PHOTO01",
        "name": "cracked-vase.jpg",
        "mimetype": "image/jpeg",
        "permalink": "https://owabi-sandbox.slack.com/files/U0STAFF01/F0PHOTO01/cracked-vase.jpg",
    }
    reply = owabi.slack.submit(
        STAFF,
        view,
        {
            "what": "Vase arrived cracked, photo attached",
            "evidence": [photo],
            "category": "damaged_item",
            "severity": "medium",
            "contact": "in_person",
            "locale": "en",
        },
    )
    assert reply.status == 200
    incident = owabi.store.incidents.get(1)
    assert incident is not None
    assert json.loads(incident.details["evidence"]) == [{"name": "cracked-vase.jpg", "permalink": photo["permalink"]}]
    assert owabi.wait_for(lambda: owabi.standin.dms_to(LEAD))
    dm = call_text(owabi.standin.dms_to(LEAD)[0])
    assert "Evidence:" in dm and "cracked-vase.jpg" in dm and photo["permalink"] in dm


def test_a_near_miss_whose_severity_is_corrected_still_never_escalates(owabi: Harness) -> None:
    owabi.slack.command(STAFF, NEAR_MISS)
    assert owabi.wait_for(lambda: owabi.standin.dms_to(LEAD))
    from bot.domain.model import Contact, Severity

    incident = owabi.store.incidents.get(1)
    assert incident is not None
    other = Severity.HIGH if incident.severity is not Severity.HIGH else Severity.CRITICAL
    owabi.runtime.service.edit(
        1, actor=STAFF, category=incident.category, severity=other, contact=Contact.IN_PERSON, locale="en"
    )
    edited = owabi.store.incidents.get(1)
    assert edited is not None and edited.severity is other  # the edit happened
    assert not owabi.store.jobs.rows(kind="escalate")


def test_quiet_hours_hold_a_near_miss_like_a_low_slip(harness: Callable[..., Harness]) -> None:
    quiet = POLICY.replace('admins = ["U0ADMIN01"]', 'admins = ["U0ADMIN01"]\nquiet_hours = "00:00-23:59"')
    h = harness(policy=quiet)
    h.slack.command(STAFF, NEAR_MISS)
    held = h.store.outbox.rows(purpose="boss_dm", status="pending")
    assert held and held[0]["next_attempt_at"] > h.clock()  # not a ping in the night
