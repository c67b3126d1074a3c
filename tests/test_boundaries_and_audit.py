"""Team boundaries, re-planning after a correction, and a log that proves itself."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.sandbox.slack_side import message_text
from bot.store.audit import Anchor, digest, verify_file
from tests.conftest import ADMIN, GM, LEAD, MANAGER, POLICY, STAFF, STRANGER, Harness
from tests.lifecycle_helpers import channel_posts, resolve

TWO_TEAMS = (
    POLICY
    + """
[[teams]]
name = "kitchen"
members = ["U0COOK01"]
chain = ["U0CHEF01", "U0MGR01"]
channel = "C0KITCHEN"
"""
)
COOK, CHEF = "U0COOK01", "U0CHEF01"


def reply_text(body: dict[str, object]) -> str:
    return message_text(body)


# --- 11. team boundaries --------------------------------------------------------------------


def _two_teams_with_lessons(h: Harness) -> None:
    h.slack.command(STAFF, "double charged the guest in room 12")
    h.slack.command(COOK, "served the wrong dish to table 3")
    for incident_id, boss, lesson in ((1, LEAD, "front desk checks the folio"), (2, CHEF, "kitchen reads tickets")):
        assert h.wait_for(lambda b=boss: h.standin.dms_to(b), timeout=10)  # type: ignore[misc]
        h.slack.click(boss, "oops_ack", str(incident_id))
        assert h.wait_event("acknowledged", incident_id, timeout=10)
        resolve(h, boss, incident_id, what_happened="slip", what_was_done="fixed", what_changes="check", lesson=lesson)
    assert h.wait_event("resolved", 2, timeout=10)


def test_lessons_are_scoped_to_the_askers_teams(harness: Callable[..., Harness]) -> None:
    h = harness(policy=TWO_TEAMS)
    _two_teams_with_lessons(h)
    staff = h.slack.command(STAFF, "lessons").text
    assert "folio" in staff and "kitchen reads tickets" not in staff
    cook = h.slack.command(COOK, "lessons").text
    assert "kitchen reads tickets" in cook and "folio" not in cook
    outsider = h.slack.command(STRANGER, "lessons").text
    assert "folio" not in outsider and "kitchen reads tickets" not in outsider
    admin = h.slack.command(ADMIN, "lessons").text
    assert "folio" in admin and "kitchen reads tickets" in admin


def test_only_bosses_post_summaries_and_only_where_allowed(harness: Callable[..., Harness]) -> None:
    h = harness(policy=TWO_TEAMS)
    _two_teams_with_lessons(h)
    staff = h.slack.command(STAFF, "summary week", channel="C0RANDOM")
    assert "just for you" in staff.text and "Posting" not in staff.text
    chef_elsewhere = h.slack.command(CHEF, "summary week", channel="C0TEAMCHAN")
    assert "Posting" in chef_elsewhere.text  # the policy's summary channel is open to every boss
    chef = h.slack.command(CHEF, "summary week", channel="C0KITCHEN")
    assert "Posting" in chef.text
    assert h.wait_for(lambda: channel_posts(h, "C0KITCHEN"))
    post = json.dumps(channel_posts(h, "C0KITCHEN")[0], ensure_ascii=False)
    assert "kitchen reads tickets" in post and "folio" not in post
    again = h.slack.command(CHEF, "summary week", channel="C0KITCHEN")
    assert "a few minutes ago" in again.text
    assert not channel_posts(h, "C0RANDOM")


def test_home_figures_are_the_askers_teams(harness: Callable[..., Harness]) -> None:
    h = harness(policy=TWO_TEAMS)
    _two_teams_with_lessons(h)
    h.slack.event({"type": "app_home_opened", "user": COOK, "tab": "home"})

    def homes() -> list[str]:
        return [json.dumps(c.args, ensure_ascii=False) for c in h.standin.calls("views.publish")]

    # Figures counted before the lessons were written are shown at once, then the fresh ones.
    assert h.wait_for(lambda: any("kitchen reads tickets" in home for home in homes()))
    assert not any("folio" in home for home in homes())


# --- 12. corrections re-plan the escalation -------------------------------------------------


def test_raising_severity_replans_escalation_and_pings_more_levels(owabi: Harness) -> None:
    owabi.slack.command(STAFF, "served a latte instead of a flat white, remade it")
    assert owabi.wait_for(lambda: owabi.standin.dms_to(LEAD))
    incident = owabi.store.incidents.get(1)
    assert incident is not None and incident.severity.value == "low"
    before = [j for j in owabi.store.jobs.rows(kind="escalate", status="pending")]
    assert before and before[0]["due_at"] >= incident.created_at + 4 * 3600 - 1
    owabi.slack.click(STAFF, "oops_correct", "1")
    assert owabi.wait_for(lambda: owabi.standin.calls("views.open"))
    view = owabi.standin.calls("views.open")[-1].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    owabi.slack.submit(
        STAFF,
        {**view, "id": "V1"},
        {"category": "other", "severity": "critical", "contact": "in_person", "locale": "en"},
    )
    pending = owabi.store.jobs.rows(kind="escalate", status="pending")
    assert len(pending) == 1 and pending[0]["due_at"] <= owabi.clock() + 5 * 60 + 1
    assert owabi.wait_for(lambda: owabi.standin.dms_to(MANAGER) and owabi.standin.dms_to(GM))
    assert "replanned" in [e.kind for e in owabi.store.events.for_incident(1)]
    reminders = owabi.store.jobs.rows(kind="remind", status="pending")
    assert len(reminders) == 1 and reminders[0]["due_at"] <= owabi.clock() + 2 * 3600 + 1


QUIET_ALL_DAY = POLICY.replace('admins = ["U0ADMIN01"]', 'admins = ["U0ADMIN01"]\nquiet_hours = "00:00-23:59"')


def test_an_acknowledgement_cancels_pings_held_for_quiet_hours(harness: Callable[..., Harness]) -> None:
    h = harness(policy=QUIET_ALL_DAY)
    h.slack.command(STAFF, "forgot the extra napkins in a takeaway bag, customer laughed it off")
    held = h.store.outbox.rows(purpose="boss_dm", status="pending")
    assert held and held[0]["next_attempt_at"] > h.clock()
    h.slack.click(MANAGER, "oops_ack", "1")  # seen on the App Home before the morning DM
    assert h.wait_event("acknowledged")
    assert h.store.outbox.rows(purpose="boss_dm", status="cancelled")
    assert not h.store.outbox.rows(purpose="boss_dm", status="pending")


# --- 13. a log that proves itself -------------------------------------------------------------

KEY = b"audit-key-for-tests"


@pytest.fixture
def audited(harness: Callable[..., Harness], tmp_path: Path) -> tuple[Harness, Path]:
    anchor = tmp_path / "elsewhere" / "owabi.anchor"
    h = harness(owabi_audit_key=SecretStr(KEY.decode()), owabi_anchor=anchor)
    h.slack.command(STAFF, "double charged the guest in room 12")
    assert h.wait_for(lambda: h.standin.dms_to(LEAD))
    h.slack.click(LEAD, "oops_ack", "1")
    assert h.wait_event("acknowledged")
    resolve(h, LEAD, 1, what_happened="slip", what_was_done="refunded", what_changes="check", lesson="check folio")
    assert h.wait_event("resolved", timeout=15) and h.wait_event("message_sent", 3, timeout=15)
    h.stop()  # writes the final anchor
    return h, anchor


def _edit(db: Path, *sql: str) -> None:
    conn = sqlite3.connect(db)
    for trigger in (
        "events_append_only_update",
        "events_append_only_delete",
        "incidents_never_deleted",
        "lessons_never_deleted",
        "outbox_never_deleted",
    ):
        conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for statement in sql:
        conn.execute(statement)
    conn.commit()
    conn.close()


def _rehash_from(db: Path, first_id: int) -> None:
    """What an attacker without the key does: recompute the plain SHA-256 chain."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = list(conn.execute("SELECT * FROM events ORDER BY id"))
    prev = rows[first_id - 2]["hash"] if first_id > 1 else "0" * 64
    for row in rows[first_id - 1 :]:
        new = digest(None, prev, row["at"], row["incident_id"], row["kind"], row["actor"], row["data"])
        conn.execute("UPDATE events SET prev_hash = ?, hash = ? WHERE id = ?", (prev, new, row["id"]))
        prev = new
    conn.commit()
    conn.close()


def test_an_intact_log_verifies(audited: tuple[Harness, Path]) -> None:
    h, anchor = audited
    verdict = verify_file(h.db_path, key=KEY, anchor_path=anchor)
    assert verdict.ok, verdict.problems
    assert verdict.events > 5 and Anchor.read(anchor).count == verdict.events


def _remove(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _then_rehash(db: Path, sql: str, start: int) -> None:
    _edit(db, sql)
    _rehash_from(db, start)


TAMPERINGS: dict[str, Callable[[Path], object]] = {
    "edit an event": lambda db: _edit(db, "UPDATE events SET actor = 'U0SOMEONE' WHERE id = 2"),
    "delete a middle event": lambda db: _edit(db, "DELETE FROM events WHERE id = 3"),
    "delete the last events": lambda db: _edit(db, "DELETE FROM events WHERE id > (SELECT max(id) - 2 FROM events)"),
    "edit then re-hash": lambda db: _then_rehash(db, "UPDATE events SET actor = 'U0SOMEONE' WHERE id = 2", 2),
    "forge an acknowledgement": lambda db: _then_rehash(
        db,
        "INSERT INTO events (at, incident_id, kind, actor, data, prev_hash, hash, keyed) SELECT at + 1, 1, "
        "'acknowledged', 'U0GM01', '{}', hash, hash, 1 FROM events ORDER BY id DESC LIMIT 1",
        1,
    ),
    "edit an incident's severity": lambda db: _edit(  # to another level, whatever triage read
        db, "UPDATE incidents SET severity = CASE severity WHEN 'low' THEN 'critical' ELSE 'low' END WHERE id = 1"
    ),
    "edit an incident's text": lambda db: _edit(db, "UPDATE incidents SET text = 'nothing happened' WHERE id = 1"),
    "edit who acknowledged": lambda db: _edit(db, "UPDATE incidents SET acknowledged_by = 'U0GM01' WHERE id = 1"),
    "edit a lesson": lambda db: _edit(db, "UPDATE lessons SET lesson = 'blame the guest'"),
    "edit a queued message": lambda db: _edit(
        db, "UPDATE outbox SET payload = replace(payload, 'room 12', 'room 99') WHERE id = 1"
    ),
    "truncate the file": lambda db: db.write_bytes(b""),
    "remove the file": lambda db: _remove(db, Path(str(db) + "-wal")),
    "re-hash everything without the key": lambda db: _then_rehash(db, "UPDATE events SET keyed = 0", 1),
    "delete an incident": lambda db: _edit(db, "DELETE FROM incidents WHERE id = 1"),
    "mark an incident practice": lambda db: _edit(db, "UPDATE incidents SET practice = 1 WHERE id = 1"),
    "append an unkeyed event": lambda db: _edit(
        db,
        "INSERT INTO events (at, incident_id, kind, actor, data, prev_hash, hash, keyed) SELECT at + 1, 1, "
        "'resolved', 'U0GM01', '{}', hash, hash, 0 FROM events ORDER BY id DESC LIMIT 1",
    ),
}


@pytest.mark.parametrize("how", list(TAMPERINGS))
def test_verify_detects_tampering(audited: tuple[Harness, Path], how: str) -> None:
    h, anchor = audited
    TAMPERINGS[how](h.db_path)
    verdict = verify_file(h.db_path, key=KEY, anchor_path=anchor)
    assert not verdict.ok, how
    assert h.db_path.exists() or how == "remove the file"  # verify never creates a database


def test_an_older_copy_swapped_in_is_detected(
    audited: tuple[Harness, Path], tmp_path: Path, harness: Callable[..., Harness]
) -> None:
    h, anchor = audited
    old = tmp_path / "older.db"
    shutil.copy(h.db_path, old)
    h.start()
    reply = h.slack.command(STAFF, "another guest waited an hour at check-in")
    assert "OOPS-0002" in reply.text, reply.text
    h.stop()
    shutil.copy(old, h.db_path)
    Path(str(h.db_path) + "-wal").unlink(missing_ok=True)
    assert not verify_file(h.db_path, key=KEY, anchor_path=anchor).ok


def test_an_altered_anchor_is_detected(audited: tuple[Harness, Path]) -> None:
    h, anchor = audited
    data = json.loads(anchor.read_text())
    anchor.write_text(json.dumps({**data, "count": data["count"] - 1}))
    assert not verify_file(h.db_path, key=KEY, anchor_path=anchor).ok


def test_who_sees_which_teams_is_one_rule_in_the_domain() -> None:
    from dataclasses import dataclass

    from bot.domain.visibility import Org

    @dataclass
    class T:
        name: str
        members: list[str]
        chain: list[str]
        channel: str | None = None

    org = Org([T("front", ["U1"], ["B1"], "C1"), T("kitchen", ["U2"], ["B2"])], ["GM"], ["ADM"], summary_channel="CALL")
    assert org.visible_teams("U1") == ["front"]  # a member: their team only
    assert org.visible_teams("B2") == ["kitchen"]  # a boss: the team they lead
    assert org.visible_teams("GM") == [""]  # the default chain: reporters in no team
    assert org.visible_teams("NOBODY") == [""]
    assert org.visible_teams("ADM") is None  # admins: everything
    assert (org.is_boss("B1"), org.is_boss("GM"), org.is_boss("U1")) == (True, True, False)
    assert org.summary_channels("B1") == {"CALL", "C1"} and org.summary_channels("U1") == set()
    assert org.summary_channels("ADM") is None
