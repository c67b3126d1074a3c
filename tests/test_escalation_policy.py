"""The pure escalation rules as tables: severity × elapsed × acks × quiet hours."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.escalation import QuietHours, Rules, first_step, next_step, pinged_by, plan
from bot.domain.model import Severity

TOKYO = ZoneInfo("Asia/Tokyo")
CHAIN = ("L", "M", "G")  # lead, manager, general manager
W = 60.0  # one window


def at(hhmm: str, day: int = 2) -> float:
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime(2026, 3, day, h, m, tzinfo=TOKYO).timestamp()


NOON = at("12:00")
QUIET = QuietHours.parse("22:00-07:00", TOKYO)


def rules(sev: Severity, levels: int = 1, repeat: int = 3, quiet: QuietHours | None = None) -> Rules:
    return Rules(severity=sev, window=W, repeat=repeat, notify_levels=levels, quiet=quiet)


@pytest.mark.parametrize(
    ("sev", "levels", "elapsed", "acked_after", "expected"),
    [
        # nobody acknowledges: one more level per window, then the top again `repeat` times
        (Severity.MEDIUM, 1, 0, None, [("L", 0)]),
        (Severity.MEDIUM, 1, 59, None, [("L", 0)]),
        (Severity.MEDIUM, 1, 60, None, [("L", 0), ("M", 60)]),
        (Severity.MEDIUM, 1, 120, None, [("L", 0), ("M", 60), ("G", 120)]),
        (Severity.MEDIUM, 1, 180, None, [("L", 0), ("M", 60), ("G", 120), ("G", 180)]),
        (Severity.MEDIUM, 1, 10_000, None, [("L", 0), ("M", 60), ("G", 120), ("G", 180), ("G", 240), ("G", 300)]),
        # an acknowledgement stops what had not gone out yet
        (Severity.MEDIUM, 1, 10_000, 30, [("L", 0)]),
        (Severity.MEDIUM, 1, 10_000, 60, [("L", 0)]),
        (Severity.MEDIUM, 1, 10_000, 61, [("L", 0), ("M", 60)]),
        (Severity.LOW, 1, 10_000, 150, [("L", 0), ("M", 60), ("G", 120)]),
        # high and critical ping several levels at once
        (Severity.HIGH, 2, 0, None, [("L", 0), ("M", 0)]),
        (Severity.HIGH, 2, 60, None, [("L", 0), ("M", 0), ("G", 60)]),
        (Severity.CRITICAL, 3, 0, None, [("L", 0), ("M", 0), ("G", 0)]),
        (Severity.CRITICAL, 3, 60, None, [("L", 0), ("M", 0), ("G", 0), ("G", 60)]),
        (Severity.CRITICAL, 5, 0, None, [("L", 0), ("M", 0), ("G", 0)]),  # clamped to the chain
    ],
)
def test_who_is_pinged_when(
    sev: Severity, levels: int, elapsed: float, acked_after: float | None, expected: list[tuple[str, float]]
) -> None:
    got = pinged_by(
        CHAIN,
        rules(sev, levels),
        reported_at=NOON,
        now=NOON + elapsed,
        acked_at=None if acked_after is None else NOON + acked_after,
    )
    assert [(u, t - NOON) for u, t in got] == expected


@pytest.mark.parametrize(("repeat", "steps"), [(0, 3), (1, 4), (3, 6)])
def test_top_repeats_up_to_repeat_times_and_tells_reporter(repeat: int, steps: int) -> None:
    got = plan(CHAIN, rules(Severity.MEDIUM, repeat=repeat), reported_at=NOON)
    assert len(got) == steps
    assert [s.tell_reporter for s in got] == [False, False, False] + [True] * repeat
    assert [p.round for s in got for p in s.pings][3:] == list(range(1, repeat + 1))


@pytest.mark.parametrize(
    ("sev", "reported", "first_at", "second_at"),
    [
        # low and medium wait for the morning
        (Severity.LOW, "23:00", "07:00+1", "07:01+1"),
        (Severity.MEDIUM, "06:59", "07:00", "07:01"),
        (Severity.MEDIUM, "21:59", "21:59", "07:00+1"),  # the escalation falls in quiet hours
        (Severity.MEDIUM, "07:00", "07:00", "07:01"),  # the end is not quiet
        (Severity.MEDIUM, "12:00", "12:00", "12:01"),
        # high and critical never wait
        (Severity.HIGH, "23:00", "23:00", "23:01"),
        (Severity.CRITICAL, "03:00", "03:00", "03:01"),
    ],
)
def test_quiet_hours(sev: Severity, reported: str, first_at: str, second_at: str) -> None:
    def when(text: str) -> float:
        hhmm, _, plus = text.partition("+")
        return at(hhmm, 2 + int(plus or 0))

    r = rules(sev, quiet=QUIET)
    first = first_step(CHAIN, r, reported_at=when(reported))
    assert first is not None and first.at == when(first_at)
    second = next_step(CHAIN, r, after=0, last_at=first.at)
    assert second is not None and second.at == when(second_at)


def test_quiet_hours_within_one_day_and_absent() -> None:
    lunch = QuietHours.parse("12:00-13:00", TOKYO)
    assert lunch is not None and lunch.contains(at("12:30")) and not lunch.contains(at("13:00"))
    assert lunch.end_after(at("12:30")) == at("13:00")
    assert QuietHours.parse(None, TOKYO) is None


def test_empty_chain_pings_nobody() -> None:
    assert plan((), rules(Severity.CRITICAL, 3), reported_at=NOON) == []


def test_escalation_time_counts_from_when_the_previous_ping_went_out() -> None:
    late = next_step(CHAIN, rules(Severity.MEDIUM), after=0, last_at=NOON + 500)
    assert late is not None and late.at == NOON + 560 and late.pings[0].user == "M"
