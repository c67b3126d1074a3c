"""Pure tables for the summary figures, the lifecycle rules and the summary schedule."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.lifecycle import Act, Move, Refused, Role, check, may, next_moves
from bot.domain.metrics import (
    Row,
    ScheduleError,
    Spec,
    blameless,
    day_windows,
    human,
    median,
    next_run,
    parse_spec,
    percentile,
    period_bounds,
    summarise,
    tally,
    timing,
)
from bot.domain.model import State
from tests.test_escalation_messages import INCIDENT

NY, LONDON, TOKYO = ZoneInfo("America/New_York"), ZoneInfo("Europe/London"), ZoneInfo("Asia/Tokyo")


def at(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


@pytest.mark.parametrize(
    ("values", "p50", "p90"),
    [
        ([], None, None),
        ([5.0], 5.0, 5.0),
        ([1.0, 2.0], 1.5, 2.0),
        ([3.0, 1.0, 2.0], 2.0, 3.0),
        ([float(n) for n in range(1, 11)], 5.5, 9.0),
        ([float(n) for n in range(1, 101)], 50.5, 90.0),
        ([60.0] * 9 + [3600.0], 60.0, 60.0),
        ([60.0] * 8 + [3600.0] * 2, 60.0, 3600.0),
    ],
)
def test_median_and_p90(values: list[float], p50: float | None, p90: float | None) -> None:
    assert median(values) == p50
    assert percentile(values, 90) == p90
    assert timing(values).count == len(values)


def test_durations_skip_unreached_stages_and_clamp_skew() -> None:
    rows = [
        Row(100.0, "other", "low", notified=130.0, acknowledged=400.0),
        Row(200.0, "other", "low", notified=190.0),
        Row(300.0, "other", "high"),
        Row(350.0, "other", "high", notified=360.0, situation="near_miss"),  # reached no customer
    ]
    counted = tally(rows, [("1970-01-01", 0.0, 86400.0)])
    assert counted.durations["notified"] == [0.0, 30.0]
    assert counted.durations["acknowledged"] == [300.0]
    assert counted.durations["resolved"] == []


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "—"),
        (0, "0s"),
        (59, "59s"),
        (60, "1m"),
        (3599, "59m"),
        (3600, "1h 00m"),
        (5400, "1h 30m"),
        (86400, "1d 0h"),
        (90000, "1d 1h"),
    ],
)
def test_human_durations(seconds: float | None, text: str) -> None:
    assert human(seconds) == text


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("<@U0STAFF01> forgot the label", "someone forgot the label"),
        ("ask U0LEAD01 first", "ask someone first"),
        ("&lt;@U0GM01&gt; knew", "someone knew"),
        ("<!channel> check dates", "someone check dates"),
        ("UPS delivered late", "UPS delivered late"),
        ("URGENTLY add a WARNING label", "URGENTLY add a WARNING label"),
        ("check the SKU U2 before packing", "check the SKU U2 before packing"),
    ],
)
def test_blameless_removes_people(text: str, clean: str) -> None:
    assert blameless(text) == clean


def test_per_day_uses_local_days() -> None:
    rows = [
        Row(at("2026-11-22T14:59:00+00:00"), "other", "low"),  # 23:59 in Tokyo
        Row(at("2026-11-22T15:01:00+00:00"), "other", "high"),  # 00:01 next day in Tokyo
        Row(at("2026-11-22T15:02:00+00:00"), "other", "high"),
    ]
    start, end = at("2026-11-22T10:00:00+00:00"), at("2026-11-22T16:00:00+00:00")
    windows = day_windows(start, end, TOKYO)
    summary = summarise(
        period="week",
        start=start,
        end=end,
        tally=tally(rows, windows),
        windows=windows,
        open_count=0,
        oldest_open=None,
        escalations=0,
        lessons=[],
    )
    assert summary.per_day == {"2026-11-22": {"low": 1}, "2026-11-23": {"high": 2}}


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("18:00", Spec(18, 0)),
        ("7:05", Spec(7, 5)),
        ("MON 09:00", Spec(9, 0, 0)),
        ("sun 23:59", Spec(23, 59, 6)),
    ],
)
def test_parse_spec(text: str, spec: Spec) -> None:
    assert parse_spec(text) == spec


@pytest.mark.parametrize("text", ["24:00", "noon", "MOON 09:00", "09:60", ""])
def test_parse_spec_refuses_nonsense(text: str) -> None:
    with pytest.raises(ScheduleError):
        parse_spec(text)


@pytest.mark.parametrize(
    ("zone", "spec", "after", "expected"),
    [
        # New York, spring forward (2026-03-08): 18:00 stays 18:00 local; the UTC gap is 23h
        (NY, Spec(18, 0), "2026-03-07T23:00:00+00:00", "2026-03-08T22:00:00+00:00"),
        (NY, Spec(18, 0), "2026-03-07T22:59:00+00:00", "2026-03-07T23:00:00+00:00"),
        # New York, fall back (2026-11-01): 25h gap
        (NY, Spec(18, 0), "2026-10-31T22:00:00+00:00", "2026-11-01T23:00:00+00:00"),
        # a time skipped by DST (02:30 on 2026-03-08) runs just after the gap, not a day late
        (NY, Spec(2, 30), "2026-03-08T05:00:00+00:00", "2026-03-08T07:30:00+00:00"),
        # London, BST starts 2026-03-29: weekly Monday 09:00 moves from 09:00Z to 08:00Z
        (LONDON, Spec(9, 0, 0), "2026-03-23T09:00:00+00:00", "2026-03-30T08:00:00+00:00"),
        (LONDON, Spec(9, 0, 0), "2026-03-23T08:59:00+00:00", "2026-03-23T09:00:00+00:00"),
        # Tokyo, no DST, across a date line in UTC
        (TOKYO, Spec(18, 0), "2026-11-23T09:00:00+00:00", "2026-11-24T09:00:00+00:00"),
    ],
)
def test_next_run_in_local_time(zone: ZoneInfo, spec: Spec, after: str, expected: str) -> None:
    assert next_run(spec, at(after), zone) == at(expected)


def test_period_bounds_are_local_midnights() -> None:
    now = at("2026-03-09T12:00:00+00:00")  # Monday 08:00 EDT
    assert period_bounds("today", now, NY) == (at("2026-03-09T04:00:00+00:00"), now)
    assert period_bounds("week", now, NY) == (at("2026-03-03T05:00:00+00:00"), now)  # EST midnight
    with pytest.raises(ValueError):
        period_bounds("month", now, NY)


R, A, C, X, F = (
    State.REPORTED,
    State.ACKNOWLEDGED,
    State.CONTACTED,
    State.RESOLVED,
    State.FOLLOWED_UP,
)


@pytest.mark.parametrize(
    ("move", "state", "role", "result"),
    [
        (Move.CONTACT, R, Role.REPORTER, C),
        (Move.CONTACT, A, Role.REPORTER, C),
        (Move.CONTACT, R, Role.BOSS, C),
        (Move.CONTACT, R, Role.OTHER, "not_allowed"),
        (Move.CONTACT, C, Role.REPORTER, "wrong_state"),
        (Move.CONTACT, X, Role.BOSS, "wrong_state"),
        (Move.RESOLVE, R, Role.REPORTER, "needs_boss"),
        (Move.RESOLVE, R, Role.BOSS, X),
        (Move.RESOLVE, R, Role.ADMIN, X),
        (Move.RESOLVE, A, Role.REPORTER, X),
        (Move.RESOLVE, C, Role.REPORTER, X),
        (Move.RESOLVE, C, Role.OTHER, "not_allowed"),
        (Move.RESOLVE, X, Role.BOSS, "wrong_state"),
        (Move.FOLLOW_UP, X, Role.BOSS, F),
        (Move.FOLLOW_UP, X, Role.REPORTER, F),
        (Move.FOLLOW_UP, C, Role.BOSS, "wrong_state"),
        (Move.FOLLOW_UP, F, Role.BOSS, "wrong_state"),
    ],
)
def test_lifecycle_rules(move: Move, state: State, role: Role, result: State | str) -> None:
    if isinstance(result, State):
        assert check(move, state, role) is result
    else:
        with pytest.raises(Refused) as refused:
            check(move, state, role)
        assert refused.value.reason == result


def test_next_moves() -> None:
    assert next_moves(R) == [Move.CONTACT]
    assert next_moves(R, Role.BOSS) == [Move.CONTACT, Move.RESOLVE]
    assert next_moves(X) == [Move.FOLLOW_UP]
    assert next_moves(F, Role.ADMIN) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@aiko forgot the cut-off", "someone forgot the cut-off"),
        ("ask <@U0STAFF01> and U0LEAD01", "ask someone and someone"),
        ("email ops@example.com about it", "email ops@example.com about it"),
    ],
)
def test_blameless_removes_names_typed_as_at_mentions(text: str, expected: str) -> None:
    from bot.domain.metrics import blameless

    assert blameless(text) == expected


def test_only_the_reporter_says_whether_they_felt_supported_even_a_lead_reporting_their_own_slip() -> None:
    lead_reported = replace(INCIDENT, reporter="U0LEAD01", state=State.RESOLVED)  # chain: lead, manager
    assert may("U0LEAD01", lead_reported, Act.FELT_SUPPORTED, admins=["U0ADMIN01"])
    assert not may("U0MGR01", lead_reported, Act.FELT_SUPPORTED, admins=["U0ADMIN01"])
    assert not may("U0ADMIN01", lead_reported, Act.FELT_SUPPORTED, admins=["U0ADMIN01"])
    assert may("U0MGR01", lead_reported, Act.ACKNOWLEDGE, admins=["U0ADMIN01"])
