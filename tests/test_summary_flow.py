"""Channel summaries over signed HTTP: figures, blamelessness, the chart, the CLI, the schedule."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.domain.metrics import Row, day_windows, tally
from bot.slack import ids
from bot.store import Store
from bot.store.reports import _OPEN_INDEX, _OPEN_SQL
from tests.conftest import LEAD, POLICY, STAFF, STAFF2, Harness
from tests.lifecycle_helpers import channel_posts, press, resolve

NAMES = ("U0STAFF01", "U0STAFF02", "U0LEAD01", "U0MGR01", "U0GM01", "U0ADMIN01", "<@", "<!")


def _incidents(h: Harness) -> None:
    h.slack.command(STAFF, "the Tanaka order went out a day late")
    h.slack.command(STAFF2, "we charged Mr Sato twice, billing error on the invoice")
    h.slack.command(STAFF, "the parcel for Ms Ito arrived damaged, box crushed")
    assert h.wait_for(lambda: h.store.events.count("message_sent") >= 3)
    h.slack.click(LEAD, ids.ACK, "1")
    assert h.wait_event("acknowledged")  # applied after the click is answered
    press(h, STAFF, ids.CONTACTED, 1)
    resolve(
        h,
        LEAD,
        1,
        what_happened="courier booked for the wrong day",
        lesson="<@U0STAFF01> and U0STAFF02 found it: double-check the courier date <!channel>",
    )
    h.store.events.append(
        at=h.runtime.service.clock(),
        kind="escalated",
        incident_id=2,
        actor=None,
        recipient="U0MGR01",
        level=1,
    )


def test_on_demand_summary_figures_and_no_names(owabi: Harness) -> None:
    _incidents(owabi)
    reply = owabi.slack.command(LEAD, "summary week", channel="C0TEAMCHAN")  # a boss, in the summary channel
    assert reply.status == 200 and "Posting" in reply.text
    assert owabi.wait_for(lambda: channel_posts(owabi, "C0TEAMCHAN"))
    post = channel_posts(owabi, "C0TEAMCHAN")[0]
    text = json.dumps(post, ensure_ascii=False)
    for figure in (
        "*3* reported",
        "Late delivery 1",
        "Billing error 1",
        "*Open now:* 2",
        "Oldest open: OOPS-0002",
        "*Escalations needed:* 1",
        "double-check the courier date",
        "reporting early",
    ):
        assert figure in text, figure
    assert "acknowledged:" in text and "resolved:" in text and "(1)" in text
    for name in NAMES:
        assert name not in text, name
    # the weekly post carries its chart, uploaded with the external upload flow
    assert owabi.wait_for(lambda: owabi.standin.calls("files.completeUploadExternal"), timeout=10)
    assert owabi.standin.calls("files.getUploadURLExternal") and owabi.standin.calls("upload")
    done = owabi.standin.calls("files.completeUploadExternal")[0].args
    assert done.get("channel_id") == "C0TEAMCHAN"
    assert owabi.standin.calls("upload")[0].args["bytes"] > 1000


def test_cli_summary_prints_the_same_figures(
    owabi: Harness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _incidents(owabi)
    monkeypatch.setenv("OWABI_DB", str(owabi.db_path))
    monkeypatch.setenv("OWABI_POLICY", str(owabi.policy_path))
    assert main(["summary", "--period", "today"]) == 0
    out = capsys.readouterr().out
    assert "3 reported" in out and "Open now: 2" in out and "Escalations needed: 1" in out
    for name in NAMES:
        assert name not in out


NEW_YORK = POLICY.replace('timezone = "Asia/Tokyo"', 'timezone = "America/New_York"').replace(
    'admins = ["U0ADMIN01"]',
    'admins = ["U0ADMIN01"]\n\n[summary]\ndaily = "18:00"\nweekly = "MON 09:00"',
)


def _utc(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def _jobs(h: Harness) -> list[tuple[str, float, str]]:
    rows = h.store.conns.db.execute(
        "SELECT key, due_at, status FROM jobs WHERE kind = 'summary' ORDER BY due_at"
    ).fetchall()
    return [(str(k), float(d), str(s)) for k, d, s in rows]


def test_scheduled_summaries_keep_local_time_across_dst(harness: Callable[..., Harness]) -> None:
    now = [_utc("2026-03-07T22:00:00+00:00")]  # Saturday 17:00 EST, the day before DST starts
    h = harness(NEW_YORK, clock=lambda: now[0])
    ny = ZoneInfo("America/New_York")
    due = [d for _k, d, _s in _jobs(h)]
    assert due == [_utc("2026-03-07T23:00:00+00:00"), _utc("2026-03-09T13:00:00+00:00")]
    now[0] = _utc("2026-03-07T23:00:01+00:00")
    h.runtime.scheduler.wake()
    assert h.wait_for(lambda: channel_posts(h, "C0TEAMCHAN"), timeout=10)
    pending = [d for _k, d, s in _jobs(h) if s == "pending"]
    # the next daily run is 18:00 EDT, i.e. 23 hours later in UTC
    assert _utc("2026-03-08T22:00:00+00:00") in pending
    assert datetime.fromtimestamp(min(pending), ny).strftime("%a %H:%M") == "Sun 18:00"
    h.restart()  # a restart neither loses nor doubles the schedule
    assert sorted(d for _k, d, s in _jobs(h) if s == "pending") == sorted(pending)


def test_export_round_trip(
    owabi: Harness,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import csv

    _incidents(owabi)
    monkeypatch.setenv("OWABI_DB", str(owabi.db_path))
    monkeypatch.setenv("OWABI_POLICY", str(owabi.policy_path))
    db = owabi.store.conns.db

    def stored(table: str) -> list[dict[str, object]]:
        cur = db.execute(f"SELECT * FROM {table} ORDER BY id")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    assert main(["export", "--format", "jsonl"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    for table in ("incidents", "events"):
        assert [r["row"] for r in lines if r["table"] == table] == stored(table)

    out = tmp_path / "csv"
    assert main(["export", "--format", "csv", "--out", str(out)]) == 0
    for table in ("incidents", "events"):
        with (out / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
            parsed = list(csv.DictReader(fh))
        assert parsed == [{k: "" if v is None else str(v) for k, v in row.items()} for row in stored(table)]

    assert main(["export", "--format", "jsonl", "--since", "2999-01-01"]) == 0
    assert capsys.readouterr().out == ""


def test_the_home_reuses_its_week_figures_and_refreshes_them_behind_the_open(owabi: Harness) -> None:
    from bot.summaries import HOME_FIGURES_AGE, HOME_FIGURES_STALE, Summaries

    summaries = Summaries(owabi.runtime.service)
    now = owabi.runtime.service.clock()
    first = summaries.recent("week", now=now)
    owabi.slack.command(STAFF, "the Tanaka order went out a day late")
    # A report since: the open shows the older figures at once, computes fresh ones behind them,
    # and says so when they are in (the Home is published again).
    told: list[int] = []
    assert summaries.recent("week", now=now + 1, then=lambda: told.append(1)) is first
    summaries.settle()
    assert told == [1]
    later = summaries.recent("week", now=now + 2)
    assert later is not first and later.total == first.total + 1
    # Nothing written since: the same figures, no recount, for up to a minute.
    assert summaries.recent("week", now=now + 3) is later
    assert summaries.recent("week", now=now + HOME_FIGURES_AGE + 3) is later
    summaries.settle()
    assert summaries.recent("week", now=now + HOME_FIGURES_AGE + 4) is not later
    # Figures older than the stale limit are never shown: that open waits for a fresh count.
    owabi.slack.command(STAFF, "the Sato order went out a day late")
    latest = summaries.recent("week", now=now + HOME_FIGURES_AGE + 2 + HOME_FIGURES_STALE)
    assert latest.total == first.total + 2


def test_the_home_figures_are_computed_at_start_for_every_scope(owabi: Harness) -> None:
    from bot.runtime import home_scopes

    runtime = owabi.runtime
    assert runtime.summaries is not None
    runtime.summaries.settle()
    policy = runtime.policy
    now = runtime.service.clock()
    for user in (STAFF, *policy.admins):
        teams = policy.visible_teams(user)
        assert teams in home_scopes(policy)
        key = ("week", tuple(teams) if teams is not None else None)
        assert key in runtime.summaries._recent, f"{user}'s Home would compute its figures on open"
    before = runtime.summaries.recent("week", now=now, teams=policy.visible_teams(STAFF))
    assert runtime.summaries.recent("week", now=now, teams=policy.visible_teams(STAFF)) is before


def test_the_summary_and_home_queries_read_the_indexes_made_for_them(tmp_path: Path) -> None:
    """Without statistics SQLite would pick the state index and read a row per open incident."""
    store = Store.open(tmp_path / "plans.db")
    db = store.conns.db

    def plan(sql: str, args: tuple[object, ...] = ()) -> str:
        return " ".join(str(r[-1]) for r in db.execute("EXPLAIN QUERY PLAN " + sql, args).fetchall())

    assert "idx_incidents_open" in plan(f"SELECT count(*) FROM incidents {_OPEN_INDEX} WHERE {_OPEN_SQL}")
    week = "SELECT created_at, category, severity, boss_notified_at, acknowledged_at, contacted_at, resolved_at,"
    week += " situation FROM incidents WHERE created_at >= ? AND created_at < ? AND practice = 0"
    assert "COVERING INDEX idx_incidents_week" in plan(week, (0.0, 1.0))
    escalated = "SELECT count(DISTINCT incident_id) FROM events WHERE kind = 'escalated' AND at >= ? AND at < ?"
    assert "COVERING INDEX idx_events_kind_at_incident" in plan(escalated, (0.0, 1.0))
    store.close()


def test_the_store_counts_a_period_as_the_domain_counts_rows(tmp_path: Path) -> None:
    """The SQL tally and the domain's own, over the same incidents: near misses, abuse, every
    stage reached or not, a clock skew, both sides of a local midnight, and a practice run."""
    store = Store.open(tmp_path / "tally.db")
    start, end = 1_764_000_000.0, 1_764_000_000.0 + 3 * 86400
    situations = ["mistake", "near_miss", "customer_harassment"]
    rows = []
    with store.conns.write() as db:
        for n in range(60):
            created = start + n * 4321.0
            stages = [created + 60 * n if n % 2 else None, created + 90 * n if n % 3 else None, None, created - 5]
            notified, acknowledged, contacted, resolved = stages
            row = Row(
                created,
                ["late_delivery", "wrong_item"][n % 2],
                ["low", "high"][n % 3 == 0],
                notified=notified,
                acknowledged=acknowledged,
                contacted=contacted,
                resolved=resolved,
                situation=situations[n % 3],
            )
            db.execute(
                "INSERT INTO incidents (ref, created_at, updated_at, reporter, chain, text, category, severity, "
                "contact, locale, state, practice, idempotency_key, boss_notified_at, acknowledged_at, contacted_at, "
                "resolved_at, situation) VALUES (?, ?, ?, 'U1', '[]', 't', ?, ?, 'phone', 'en', 'reported', ?, ?,"
                " ?, ?, ?, ?, ?)",
                (f"R{n}", created, created, row.category, row.severity, int(n == 7), f"k{n}", *stages, row.situation),
            )
            if n != 7:
                rows.append(row)
    windows = day_windows(start, end, ZoneInfo("Asia/Tokyo"))
    assert store.reports.tally(start, end, windows=windows) == tally(rows, windows)
    store.close()
