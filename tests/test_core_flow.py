"""The core loop as a staffer and their boss experience it, over signed HTTP."""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.request
from collections.abc import Callable

import pytest

from bot.service import PREVIEW_ID
from tests.conftest import GM, LEAD, MANAGER, STAFF, STRANGER, Harness, dm_texts


def all_outgoing_text(h: Harness) -> str:
    return json.dumps([c.args for c in h.standin.calls()], ensure_ascii=False)


def test_report_gets_script_at_once_and_boss_dm_follows(owabi: Harness) -> None:
    reply = owabi.slack.command(STAFF, "the Tanaka order went out a day late")
    assert reply.status == 200
    body = reply.json()
    assert body["response_type"] == "ephemeral"
    text = reply.text
    assert "OOPS-0001" in text and "Late delivery" in text
    # the card comes first, in the order a staffer acts on it; the details fold below
    card = [text.index(part) for part in ("Say now:", "Fix:", "Next contact:", "Don't:", "When you have a minute more")]
    assert card == sorted(card)
    say = text[text.index("Say now:") : text.index("Fix:")]
    assert "sorry" in say.split(".")[0] and "later than we promised" in say
    assert "<@U0LEAD01>" in text  # the reporter knows who is being told

    assert owabi.wait_for(lambda: owabi.standin.dms_to(LEAD), timeout=5)
    dm = dm_texts(owabi, LEAD)[0]
    assert "the Tanaka order went out a day late" in dm
    assert "<@U0STAFF01>" in dm and "privately" in dm
    assert owabi.wait_event("message_sent")

    row = owabi.store.incidents.get(1)
    assert row is not None and row.reporter == STAFF and row.category == "late_delivery"
    assert row.boss_notified_at is not None
    kinds = [e.kind for e in owabi.store.events.for_incident(1)]
    assert kinds[0] == "reported" and kinds[1] == "boss_dm_queued" and "message_sent" in kinds
    # The reporter's own copy may be logged as sent meanwhile: the chain holds over whatever is there.
    checked, broken = owabi.store.events.verify()
    assert broken is None and checked >= len(kinds)


@pytest.mark.parametrize(
    "typed",
    [
        "<!channel> the order is late",
        "<!here> late",
        "<!everyone> late",
        "<@U0GM01> late order",
        "<!subteam^S123|@managers> late order",
        "&lt;!channel&gt; late order",
    ],
)
def test_mentions_in_a_report_ping_nobody(owabi: Harness, typed: str) -> None:
    reply = owabi.slack.command(STAFF, typed)
    assert reply.status == 200
    assert owabi.wait_for(lambda: owabi.standin.dms_to(LEAD))
    out = reply.body + all_outgoing_text(owabi)
    for live in ("<!channel>", "<!here>", "<!everyone>", "<!subteam^", "<@U0GM01>"):
        assert live not in out
    assert not owabi.standin.dms_to(GM)
    for call in owabi.standin.calls("chat.postMessage"):
        assert not call.args.get("link_names") and call.args.get("parse") != "full"


def test_disguised_link_is_shown_for_what_it_is(owabi: Harness) -> None:
    reply = owabi.slack.command(STAFF, "refund here <https://evil.example|www.bank.com> billing error")
    assert "<https://evil.example|" not in reply.body
    assert owabi.wait_for(lambda: owabi.standin.dms_to(LEAD))
    dm = dm_texts(owabi, LEAD)[0]
    assert "<https://evil.example|" not in dm
    assert "https://evil.example" in dm  # visible, not hidden behind a label


def test_template_syntax_is_text_not_code(owabi: Harness) -> None:
    reply = owabi.slack.command(STAFF, "customer wrote {{ 7*7 }} and {% raw %} in the complaint, late order")
    assert reply.status == 200 and "49" not in reply.text
    assert owabi.wait_for(lambda: owabi.standin.dms_to(LEAD))
    dm = dm_texts(owabi, LEAD)[0]
    assert "{{ 7*7 }}" in dm and "{% raw %}" in dm and "49" not in dm


def test_japanese_report_gets_japanese_script(owabi: Harness) -> None:
    reply = owabi.slack.command(STAFF, "田中様のご注文の配送が1日遅れました 🙇")
    assert reply.status == 200
    assert "申し訳ございません" in reply.text
    incident = owabi.store.incidents.get(1)
    assert incident is not None and incident.locale == "ja" and "🙇" in incident.text


def test_huge_report_is_kept_whole_and_shown_short(owabi: Harness) -> None:
    text = "late delivery. " + "x" * 5000
    reply = owabi.slack.command(STAFF, text)
    assert reply.status == 200
    assert len(reply.body) < 13000
    incident = owabi.store.incidents.get(1)
    assert incident is not None and incident.text == text.strip()
    assert owabi.wait_for(lambda: owabi.standin.dms_to(LEAD))
    assert "…" in dm_texts(owabi, LEAD)[0]


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_report_opens_the_form(owabi: Harness, text: str) -> None:
    reply = owabi.slack.command(STAFF, text)
    assert reply.status == 200
    opened = owabi.wait_for(lambda: owabi.standin.calls("views.open"))
    assert opened
    assert owabi.store.events.count() == 0


def test_form_report_shows_script_and_pings_boss(owabi: Harness) -> None:
    owabi.slack.command(STAFF, "")
    call = owabi.wait_for(lambda: owabi.standin.calls("views.open"))
    assert isinstance(call, list)
    view = owabi.standin.view(call[0].args and next(iter(owabi.standin._state.views)))
    reply = owabi.slack.submit(
        STAFF,
        view,
        {
            "what": "Guest charged twice for the room",
            "customer": "Mr Sato",
            "category": "billing_error",
            "severity": "high",
            "contact": "phone",
            "locale": "en",
        },
    )
    assert reply.status == 200
    body = reply.json()
    assert body["response_action"] == "update"
    assert "OOPS-0001" in reply.text and "Billing error" in reply.text
    incident = owabi.store.incidents.get(1)
    assert incident is not None
    assert (incident.category, incident.severity.value, incident.contact.value, incident.customer) == (
        "billing_error",
        "high",
        "phone",
        "Mr Sato",
    )
    assert owabi.wait_for(lambda: owabi.standin.dms_to(LEAD))
    assert owabi.wait_for(lambda: owabi.standin.dms_to(STAFF))  # a copy of the script to keep


def test_form_with_blank_text_is_refused_in_place(owabi: Harness) -> None:
    owabi.slack.command(STAFF, "")
    owabi.wait_for(lambda: owabi.standin.calls("views.open"))
    view = next(iter(owabi.standin._state.views.values()))
    reply = owabi.slack.submit(STAFF, view, {"what": "   "})
    assert reply.json()["response_action"] == "errors"
    assert owabi.store.incidents.get(1) is None


def test_resent_command_creates_one_incident_and_one_dm(owabi: Harness) -> None:
    first = owabi.slack.command(STAFF, "wrong item sent to Mrs Ito")
    second = owabi.slack.command(STAFF, "wrong item sent to Mrs Ito")
    assert first.status == second.status == 200
    assert "already reported" in second.text
    assert owabi.wait_for(lambda: owabi.standin.dms_to(LEAD))
    queued = [r["recipient"] for r in owabi.store.outbox.rows(purpose="boss_dm")]
    assert len(queued) == len(set(queued))  # one queued per boss, so never a second DM
    assert len(owabi.standin.dms_to(LEAD)) == 1
    assert owabi.store.incidents.get(2) is None


def test_help_and_mine(owabi: Harness) -> None:
    assert "/oops mine" in owabi.slack.command(STAFF, "help").text
    assert "haven't reported" in owabi.slack.command(STAFF, "mine").text
    owabi.slack.command(STAFF, "the parcel for the Kato family arrived smashed")
    mine = owabi.slack.command(STAFF, "mine").text
    assert "OOPS-0001" in mine and "Damaged item" in mine


def test_boss_reporting_goes_one_level_up_and_top_of_chain_pings_nobody(owabi: Harness) -> None:
    owabi.slack.command(LEAD, "I forgot to call the client back about the deadline")
    assert owabi.wait_for(lambda: owabi.standin.dms_to(MANAGER))
    reply = owabi.slack.command(GM, "I was rude to a supplier's customer on the phone")
    assert "top of your chain" in reply.text
    bosses_told = [r["recipient"] for r in owabi.store.outbox.rows(purpose="boss_dm")]
    assert bosses_told == [MANAGER]  # nobody above the GM; the reporters only get their own script


def test_correcting_the_guess_updates_incident_and_boss(owabi: Harness) -> None:
    reply = owabi.slack.command(STAFF, "the order went out a day late")
    assert owabi.wait_for(lambda: owabi.standin.dms_to(LEAD))
    owabi.wait_event("message_sent")
    click = owabi.slack.click(STAFF, "oops_correct", "1")
    assert click.status == 200
    assert owabi.wait_for(lambda: owabi.standin.calls("views.open"))
    view = next(iter(owabi.standin._state.views.values()))
    sub = owabi.slack.submit(
        STAFF, view, {"category": "wrong_item", "severity": "high", "contact": "phone", "locale": "en"}
    )
    assert sub.status == 200
    incident = owabi.store.incidents.get(1)
    assert incident is not None and (incident.category, incident.severity.value) == ("wrong_item", "high")
    assert "edited" in [e.kind for e in owabi.store.events.for_incident(1)]
    assert owabi.wait_for(lambda: owabi.standin.calls("response_url"))
    assert owabi.wait_for(lambda: len(owabi.standin.dms_to(LEAD)) >= 2)
    assert "corrected" in dm_texts(owabi, LEAD)[-1]
    assert reply.status == 200


def test_stranger_cannot_correct_someone_elses_report(owabi: Harness) -> None:
    owabi.slack.command(STAFF, "the order went out a day late")
    owabi.slack.click(STRANGER, "oops_correct", "1")
    assert owabi.wait_for(lambda: owabi.standin.calls("response_url"))
    assert not owabi.standin.calls("views.open")  # the form never opens for someone else's report
    assert "only the person who reported this" in owabi.standin.calls("response_url")[-1].args["text"]
    assert "refused" in [e.kind for e in owabi.store.events.for_incident(1)]
    incident = owabi.store.incidents.get(1)
    assert incident is not None and incident.category == "late_delivery"
    assert "refused" in [e.kind for e in owabi.store.events.for_incident(1)]


@pytest.mark.parametrize("tamper", ["signature", "stale", "missing"])
def test_bad_or_stale_signature_is_rejected_and_stores_nothing(owabi: Harness, tamper: str) -> None:
    kw: dict[str, object] = {}
    if tamper == "signature":
        kw["signature"] = "v0=" + "0" * 64
    elif tamper == "stale":
        kw["timestamp"] = int(time.time()) - 600
    else:
        kw["signature"] = ""
        kw["headers"] = {"X-Slack-Signature": ""}
    reply = owabi.slack.command(STAFF, "the order went out a day late", **kw)  # type: ignore[arg-type]
    assert reply.status == 401
    assert owabi.store.events.count() == 0
    assert owabi.store.incidents.get(1) is None


def test_slack_outage_delays_the_boss_dm_but_never_drops_or_doubles_it(owabi: Harness) -> None:
    owabi.standin.fault("chat.postMessage", status=500, error="internal_error", times=2, channel=LEAD)
    owabi.slack.command(STAFF, "customer got the wrong size shoes")
    assert owabi.wait_for(lambda: owabi.store.outbox.rows(purpose="boss_dm", status="sent"), timeout=15)
    rows = owabi.store.outbox.rows(purpose="boss_dm")
    assert len(rows) == 1 and len(owabi.standin.dms_to(LEAD)) == 1
    assert rows[0]["status"] == "sent" and rows[0]["attempts"] == 3


def test_rate_limit_waits_for_retry_after(owabi: Harness) -> None:
    owabi.standin.fault("chat.postMessage", status=429, retry_after=1, times=1)
    owabi.slack.command(STAFF, "customer got the wrong size shoes")
    assert owabi.wait_for(lambda: owabi.standin.dms_to(LEAD), timeout=10)
    attempts = [c.at for c in owabi.standin.calls("chat.postMessage", attempts=True)]
    assert attempts[-1] - attempts[0] >= 0.9
    assert len(owabi.standin.dms_to(LEAD)) == 1


def test_unknown_boss_is_logged_as_undeliverable(owabi: Harness) -> None:
    owabi.standin.unknown_user(LEAD)
    owabi.slack.command(STAFF, "customer got the wrong size shoes")
    assert owabi.wait_event("message_failed")
    failed = next(e for e in owabi.store.events.for_incident(1) if e.kind == "message_failed")
    assert failed.data["error"] == "channel_not_found"


def test_a_restart_delivers_what_was_queued(harness) -> None:  # type: ignore[no-untyped-def]
    h = harness()
    h.standin.fault("chat.postMessage", status=503, error="service_unavailable", times=1)
    h.slack.command(STAFF, "customer got the wrong size shoes")
    h.stop()
    h.start()
    assert h.wait_for(lambda: h.standin.dms_to(LEAD), timeout=15)
    assert len(h.standin.dms_to(LEAD)) == 1


def test_healthz(harness: Callable[..., Harness]) -> None:
    owabi = harness(http=True)
    with urllib.request.urlopen(owabi.url + "/healthz", timeout=5) as resp:
        body = json.loads(resp.read())
        assert resp.status == 200 and body["status"] == "ok" and body["triage"] in ("model", "lexicon")


def test_the_log_refuses_edits_and_verify_spots_tampering(owabi: Harness) -> None:
    owabi.slack.command(STAFF, "customer got the wrong size shoes")
    owabi.wait_event("message_sent")
    conn = sqlite3.connect(owabi.db_path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE events SET actor = 'U0SOMEONE' WHERE id = 1")
    with pytest.raises(sqlite3.DatabaseError, match="never deletes"):
        conn.execute("DELETE FROM incidents")
    conn.execute("DROP TRIGGER events_append_only_update")
    conn.execute("UPDATE events SET actor = 'U0SOMEONE' WHERE id = 1")
    conn.commit()
    conn.close()
    assert owabi.store.events.verify()[1] == 1


@pytest.mark.parametrize(
    "text",
    [
        "Check out failed for guest in 12, he waited an hour",
        "Help desk closed the ticket by mistake",
        "Summary of the call: we double-charged Mrs Abe",
        "mine was the order that went out late",
        "help the customer got the wrong item",
    ],
)
def test_reports_that_start_like_a_subcommand_are_still_reports(owabi: Harness, text: str) -> None:
    reply = owabi.slack.command(STAFF, text)
    assert "OOPS-0001" in reply.text
    assert owabi.wait_for(lambda: owabi.standin.dms_to(LEAD))


@pytest.mark.parametrize(
    "text",
    [
        "order 4471 for Mrs Tanaka went out a day late, customer upset",
        "gave a peanut sauce to a guest with a nut allergy, she had a reaction, ambulance called",
        "田中様宛ての請求書を別のお客様にメールしてしまいました。個人情報が含まれています",
    ],
)
def test_messages_composed_before_the_write_are_those_of_the_stored_incident(
    harness: Callable[..., Harness], text: str
) -> None:
    """A report's DMs are composed before its transaction, on the incident as it will be stored;
    what is queued must be exactly what composing the stored incident gives, id and ref included."""
    now = 1_760_000_000.0
    owabi = harness(clock=lambda: now)
    owabi.slack.command(STAFF, text)
    [incident] = owabi.store.incidents.by_reporter(STAFF, limit=1)
    service = owabi.runtime.service
    queued = owabi.store.outbox.rows(incident_id=incident.id)
    bosses = [r for r in queued if r["purpose"] == "boss_dm"]
    assert bosses
    for row in bosses:
        assert json.loads(row["payload"]) == service.compose.boss_dm(incident, boss=row["recipient"])
    [copy] = [r for r in queued if r["purpose"] == "script_dm"]
    assert json.loads(copy["payload"]) == {
        "channel": STAFF,
        "unfurl_links": False,
        "unfurl_media": False,
        **service.compose.reporter(incident),
    }
    assert all(str(PREVIEW_ID) not in r["payload"] for r in queued)


def test_delivery_keeps_its_connections_to_slack_alive(owabi: Harness) -> None:
    """A burst of DMs reuses a few connections instead of a handshake per message."""
    before = owabi.standin.connections
    for n in range(12):
        owabi.slack.command(f"U0BURST{n:02d}", f"customer {n} got the wrong size shoes")
    assert owabi.wait_for(lambda: len(owabi.standin.calls("chat.postMessage")) >= 24, timeout=15)
    opened = owabi.standin.connections - before
    assert 0 < opened <= 8, opened  # one per call would be 24 or more
