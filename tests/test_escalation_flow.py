"""Escalation as the chain lives it: real app over signed HTTP, the Slack stand-in, a real
SQLite file. Windows run on a fake clock that the test moves on; the rate-limit test keeps
real one-second windows, as Retry-After is real seconds."""

from __future__ import annotations

import json
import signal
import threading
import time
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.sandbox.slack_side import SlackSide
from bot.sandbox.standin import StandIn
from bot.slack import ids
from tests.conftest import GM, LEAD, MANAGER, MINIMAL_POLICY, SECRET, STAFF, STRANGER, FakeClock, Harness, eventually
from tests.escalation_helpers import HIGH_TEXT, MEDIUM_TEXT, call_text, flow_policy
from tests.test_serve_process import start_serve

Make = Callable[..., Harness]
pytestmark = pytest.mark.slow


def report(h: Harness, text: str = MEDIUM_TEXT) -> int:
    reply = h.slack.command(STAFF, text)
    assert reply.status == 200
    assert h.wait_for(lambda: h.standin.dms_to(LEAD))
    return 1


def click(h: Harness, user: str, action: str = ids.ACK, incident: int = 1) -> None:
    dm = h.standin.dms_to(user)
    message = {"ts": "1.000001", "text": "x"} if not dm else {"ts": "0", "text": "dm"}
    reply = h.slack.click(user, action, str(incident), message=message, channel=h.standin.dm_channel(user))
    assert reply.status == 200


def updates(h: Harness) -> list[str]:
    return [call_text(c) for c in h.standin.calls("chat.update")]


def answers(h: Harness) -> list[str]:
    return [call_text(c) for c in h.standin.calls("response_url")]


def test_boss_dm_has_the_three_buttons(harness: Make) -> None:
    h = harness(flow_policy())
    report(h)
    blocks = h.standin.dms_to(LEAD)[0].args["blocks"]
    actions = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert actions == [ids.ACK, ids.TAKE, ids.ESCALATE]


def test_unacknowledged_report_escalates_to_the_next_level_with_history(harness: Make) -> None:
    h = harness(flow_policy("60s"), clock=FakeClock())
    report(h)
    h.advance(59)
    assert h.settled() and not h.standin.dms_to(MANAGER)  # not a second before the window ends
    h.advance(1)
    assert h.wait_for(lambda: h.standin.dms_to(MANAGER), timeout=5)
    dm = call_text(h.standin.dms_to(MANAGER)[0])
    assert "Nobody has acknowledged OOPS-0001" in dm and "<@U0LEAD01> at" in dm
    h.advance(60)
    assert h.wait_for(lambda: h.standin.dms_to(GM), timeout=5)
    gm = call_text(h.standin.dms_to(GM)[0])
    assert "<@U0LEAD01> at" in gm and "<@U0MGR01> at" in gm
    # at the top: the GM again (repeat = 1), and the reporter is told it is still open
    h.advance(60)
    assert h.wait_for(lambda: len(h.standin.dms_to(GM)) == 2, timeout=5)
    assert h.wait_for(lambda: any("not been acknowledged" in call_text(c) for c in h.standin.dms_to(STAFF)), timeout=5)
    escalated = [e for e in h.store.events.for_incident(1) if e.kind == "escalated"]
    assert [e.data["recipient"] for e in escalated] == [MANAGER, GM, GM]
    assert all(e.data["late"] < 1.0 for e in escalated)
    # The chain is exhausted: no escalation is left to run, so nobody is pinged again.
    assert h.wait_for(lambda: not h.store.jobs.rows(kind="escalate", status="pending"))
    assert h.settled()
    assert len(h.standin.dms_to(GM)) == 2 and len(h.standin.dms_to(MANAGER)) == 1


def test_high_severity_pings_two_levels_at_once(harness: Make) -> None:
    h = harness(flow_policy("30s"))
    report(h, HIGH_TEXT)
    assert h.wait_for(lambda: h.standin.dms_to(MANAGER), timeout=3)
    assert not h.standin.dms_to(GM)


def test_acknowledge_stops_escalation_and_rewrites_every_dm(harness: Make) -> None:
    h = harness(flow_policy("60s"), clock=FakeClock())
    report(h)
    h.advance(60)
    assert h.wait_for(lambda: h.standin.dms_to(MANAGER), timeout=6)
    click(h, MANAGER)
    assert h.wait_for(lambda: len(updates(h)) == 2, timeout=5)
    for call in h.standin.calls("chat.update"):
        assert "Acknowledged by <@U0MGR01>" in call_text(call)
        assert h.standin.message(call.args["channel"], call.args["ts"]) is not None
        kept = [e["action_id"] for b in call.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert kept == [ids.TAKE, ids.CONTACTED, ids.RESOLVE]  # the boss finishes the job from here
    assert h.wait_for(
        lambda: any("<@U0MGR01> has your report" in call_text(c) for c in h.standin.dms_to(STAFF)), timeout=5
    )
    assert h.wait_for(lambda: any("acknowledged" in t for t in answers(h)), timeout=5)
    incident = h.store.incidents.get(1)
    assert incident is not None and incident.acknowledged_by == MANAGER and incident.state == "acknowledged"
    # The acknowledgement cancelled what was scheduled, so the GM is never pinged.
    assert not h.store.jobs.rows(kind="escalate", status="pending")
    h.advance(60)  # when the GM's turn would have come
    assert h.settled()
    assert not h.standin.dms_to(GM)
    assert h.store.events.count("acknowledged") == 1


def test_a_click_from_outside_the_chain_is_refused_and_logged(harness: Make) -> None:
    h = harness(flow_policy("30s"))
    report(h)
    for action in (ids.ACK, ids.TAKE, ids.ESCALATE):
        click(h, STRANGER, action)
    assert h.wait_for(lambda: len(answers(h)) == 3, timeout=5)
    assert all("only the managers" in t for t in answers(h))
    refused = [e for e in h.store.events.for_incident(1) if e.kind == "refused"]
    # each click is answered before its work runs, so the three refusals may be logged in any order
    assert sorted((e.actor, e.data["action"]) for e in refused) == [
        (STRANGER, "acknowledge"),
        (STRANGER, "escalate"),
        (STRANGER, "take"),
    ]
    incident = h.store.incidents.get(1)
    assert incident is not None and incident.acknowledged_at is None and incident.owner is None
    assert not updates(h) and not h.standin.dms_to(MANAGER)
    assert [j["status"] for j in h.store.jobs.rows(kind="escalate")] == ["pending"]


def test_double_and_concurrent_clicks_record_one_acknowledgement(harness: Make) -> None:
    h = harness(flow_policy("30s"))
    report(h)
    clickers = [threading.Thread(target=click, args=(h, who)) for who in [LEAD, MANAGER, LEAD, GM] * 3]
    for t in clickers:
        t.start()
    for t in clickers:
        t.join()
    assert h.wait_for(lambda: len(answers(h)) == 12, timeout=8)
    assert h.store.events.count("acknowledged") == 1
    assert h.store.events.count("already_acknowledged") == 11
    assert h.wait_for(lambda: len(updates(h)) == 1, timeout=5)
    assert eventually(lambda: h.standin.dms_to(STAFF))
    assert h.settled()
    assert len(updates(h)) == 1
    assert sum("has your report" in call_text(c) for c in h.standin.dms_to(STAFF)) == 1
    # Every message the outbox was given is in the log, the answers to the clicks too.
    queued = [e.data["purpose"] for e in h.store.events.for_incident(1) if e.kind == "message_queued"]
    assert queued.count("click_answer") == 12 and "boss_dm_update" in queued and "reporter_ack" in queued


def test_take_makes_the_owner_and_escalate_now_moves_up(harness: Make) -> None:
    h = harness(flow_policy("60s"))
    report(h)
    click(h, LEAD, ids.ESCALATE)
    assert h.wait_for(lambda: h.standin.dms_to(MANAGER), timeout=4)
    click(h, MANAGER, ids.TAKE)
    assert eventually(lambda: (i := h.store.incidents.get(1)) is not None and i.owner == MANAGER)
    assert h.wait_for(lambda: any("is now the owner" in call_text(c) for c in h.standin.dms_to(STAFF)))
    kinds = [e.kind for e in h.store.events.for_incident(1)]
    assert {"escalate_requested", "escalated", "acknowledged", "taken"} <= set(kinds)


def test_restart_resumes_an_escalation_that_fell_due_while_down(harness: Make) -> None:
    clock = FakeClock()
    h = harness(flow_policy("60s"), clock=clock)
    report(h)
    h.stop()
    clock.advance(90)  # the window runs out while Owabi is down
    started = time.monotonic()
    h.start()
    assert h.wait_for(lambda: h.standin.dms_to(MANAGER), timeout=5)
    assert time.monotonic() - started < 2.0
    assert len(h.standin.dms_to(MANAGER)) == 1


def test_two_processes_on_one_database_send_each_escalation_once(harness: Make) -> None:
    clock = FakeClock()
    first = harness(flow_policy("60s"), clock=clock)
    second = harness(flow_policy("60s"), clock=clock)  # same tmp dir, so the same database file
    assert first.db_path == second.db_path
    report(first)
    for _ in range(3):  # manager, GM, GM again: each window seen by both at once
        assert first.settled()
        clock.advance(60)
        first.wake()
        second.wake()
    assert first.wait_for(lambda: len(first.standin.dms_to(GM)) == 2, timeout=8)
    assert len(first.standin.dms_to(LEAD)) == 1
    assert len(first.standin.dms_to(MANAGER)) == 1
    assert len(first.standin.dms_to(GM)) == 2


def test_rate_limits_and_server_errors_delay_but_never_drop_or_double(harness: Make) -> None:
    h = harness(flow_policy("1s"))
    report(h)
    h.standin.fault("chat.postMessage", status=429, retry_after=1, times=1)
    h.standin.fault("chat.postMessage", status=500, error="internal_error", times=1)
    assert h.wait_for(lambda: h.standin.dms_to(MANAGER), timeout=10)
    assert h.wait_for(lambda: len(h.standin.dms_to(GM)) == 2, timeout=10)
    assert h.wait_for(lambda: not h.store.jobs.rows(kind="escalate", status="pending"), timeout=10)
    assert h.settled()
    assert len(h.standin.dms_to(MANAGER)) == 1
    statuses = [r["status"] for r in h.store.outbox.rows(purpose="boss_dm")]
    assert statuses == ["sent"] * 4


def test_quiet_hours_hold_medium_but_not_high(harness: Make) -> None:
    tokyo = datetime.now(ZoneInfo("Asia/Tokyo"))
    span = f"{(tokyo - timedelta(hours=1)):%H:%M}-{(tokyo + timedelta(hours=1)):%H:%M}"
    clock = FakeClock()
    h = harness(flow_policy("60s", extra=f'quiet_hours = "{span}"'), clock=clock)
    assert h.slack.command(STAFF, MEDIUM_TEXT).status == 200
    assert h.slack.command("U0STAFF02", HIGH_TEXT).status == 200
    assert h.wait_for(lambda: h.standin.dms_to(MANAGER), timeout=4)  # high: lead + manager at once
    h.advance(120)  # past the medium's window: still quiet
    assert h.settled()
    medium = [r for r in h.store.outbox.rows(incident_id=1, purpose="boss_dm")]
    assert [r["status"] for r in medium] == ["pending"]
    assert medium[0]["next_attempt_at"] > clock() + 3000


def test_reminder_reaches_the_owner_while_the_incident_is_open(harness: Make) -> None:
    policy = flow_policy("60s").replace(
        '[severity.medium]\nack_within = "60s"', '[severity.medium]\nack_within = "60s"\nremind_after = "10m"'
    )
    h = harness(policy, clock=FakeClock())
    report(h)
    click(h, MANAGER, ids.TAKE)
    assert h.wait_for(lambda: (i := h.store.incidents.get(1)) is not None and i.owner == MANAGER)
    h.advance(600)
    assert h.wait_for(lambda: any("Reminder: OOPS-0001" in call_text(c) for c in h.standin.dms_to(MANAGER)), timeout=5)
    assert h.store.events.count("reminder_queued") >= 1


def test_the_minimum_policy_still_works(harness: Make) -> None:
    h = harness(MINIMAL_POLICY)
    report(h)
    assert [j["kind"] for j in h.store.jobs.rows()] == ["escalate", "remind"]


def test_kill_9_loses_no_pending_escalation(harness: Make, standin: StandIn, tmp_path: Path) -> None:
    policy = tmp_path / "killed.toml"
    policy.write_text(flow_policy("2s"), encoding="utf-8")
    proc, port = start_serve(standin, policy, tmp_path / "owabi.db", cwd=tmp_path, quiet=True)
    try:
        assert eventually(lambda: healthy(port, reading="model"), timeout=30)  # read by the model, not the lexicon
        side = SlackSide(f"http://127.0.0.1:{port}", SECRET, standin)
        assert side.command(STAFF, MEDIUM_TEXT).status == 200
        assert standin.wait_for(lambda: standin.dms_to(LEAD), 5)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(5)
    assert not standin.dms_to(MANAGER)
    # The same database file, a fresh process's worth of Owabi, started once the window ran out.
    h = harness(flow_policy("2s"), clock=FakeClock(time.time() + 2.5))
    assert h.wait_for(lambda: h.standin.dms_to(MANAGER), timeout=4)
    assert h.settled()
    assert len(h.standin.dms_to(MANAGER)) == 1 and len(h.standin.dms_to(LEAD)) == 1


def healthy(port: int, *, reading: str = "") -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as resp:
            return bool(resp.status == 200) and (not reading or json.loads(resp.read())["triage"] == reading)
    except OSError:
        return False
