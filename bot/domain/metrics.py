"""Summary figures and summary schedules, computed from plain rows.

Kept pure (no SQL, no Slack) so that the numbers a team sees in its channel can be
checked with small tables in tests, and the schedule can be tested across DST changes.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.errors import OwabiError

STAGES = ("notified", "acknowledged", "contacted", "resolved")
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


class ScheduleError(OwabiError, ValueError):
    """A `[summary]` time the policy cannot mean; the message shows the right form."""


@dataclass(frozen=True, slots=True)
class Row:
    """One incident as the summary needs it: times are epoch seconds, None if not yet."""

    created_at: float
    category: str
    severity: str
    notified: float | None = None
    acknowledged: float | None = None
    contacted: float | None = None
    resolved: float | None = None
    situation: str = "mistake"


@dataclass(frozen=True, slots=True)
class Timing:
    count: int
    median: float | None
    p90: float | None


@dataclass(frozen=True, slots=True)
class OpenCase:
    ref: str
    created_at: float
    state: str


@dataclass(frozen=True, slots=True)
class Lesson:
    ref: str
    category: str
    at: float
    lesson: str
    what_changes: str = ""


@dataclass(frozen=True, slots=True)
class Summary:
    period: str
    start: float
    end: float
    total: int
    by_category: dict[str, int]
    by_severity: dict[str, int]
    timings: dict[str, Timing]
    open_count: int
    oldest_open: OpenCase | None
    escalations: int
    lessons: list[Lesson] = field(default_factory=list)
    per_day: dict[str, dict[str, int]] = field(default_factory=dict)
    # Counted apart, never as incidents against the team: slips caught in time (by category, for
    # trends), and customers who abused staff.
    near_misses: dict[str, int] = field(default_factory=dict)
    harassment: int = 0
    felt_supported: tuple[int, int] = (0, 0)  # (said yes, answered): a speak-up health figure, never per person


SUPPORTED_MIN = 5  # fewer answers than this are not shown: with one or two, the share names a person


# --- statistics ------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile by the nearest-rank method (None for no values)."""
    return percentile_of_sorted(sorted(values), q)


def median(values: Sequence[float]) -> float | None:
    return median_of_sorted(sorted(values))


def timing(values: Sequence[float]) -> Timing:
    ordered = sorted(values)  # once, for both figures: a busy week has a hundred thousand
    return Timing(len(ordered), median_of_sorted(ordered), percentile_of_sorted(ordered, 90))


def median_of_sorted(ordered: Sequence[float]) -> float | None:
    if not ordered:
        return None
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def percentile_of_sorted(ordered: Sequence[float], q: float) -> float | None:
    if not ordered:
        return None
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


@dataclass(frozen=True, slots=True)
class Tally:
    """A period's incidents, counted: what the summary is made of, however they were counted.

    `counts` maps (situation, category, severity, day index into the period's days) to a number;
    `durations` maps each stage to the seconds it took, ascending, for every mistake and abuse
    report that reached it (near misses reached no customer, so they have no response times).
    """

    counts: Mapping[tuple[str, str, str, int], int]
    durations: Mapping[str, Sequence[float]]


def day_windows(start: float, end: float, zone: ZoneInfo) -> list[tuple[str, float, float]]:
    """The local days a period covers, as (date, from, to) epochs: a day is midnight to midnight
    in the zone, whatever daylight saving does to its length."""
    day, last = datetime.fromtimestamp(start, zone).date(), datetime.fromtimestamp(end, zone).date()
    out = []
    while day <= last:
        nxt = day + timedelta(days=1)
        out.append((day.isoformat(), local_midnight(day, zone).timestamp(), local_midnight(nxt, zone).timestamp()))
        day = nxt
    return out


def tally(rows: Iterable[Row], windows: Sequence[tuple[str, float, float]]) -> Tally:
    """Count rows as the store's SQL does (the summary of a handful, and the check on it)."""
    counts: Counter[tuple[str, str, str, int]] = Counter()
    reached: dict[str, list[float]] = {s: [] for s in STAGES}
    bounds = [w[1] for w in windows] + ([windows[-1][2]] if windows else [])
    for row in rows:
        k = bisect_right(bounds, row.created_at) - 1
        counts[(row.situation, row.category, row.severity, k if 0 <= k < len(windows) else -1)] += 1
        if row.situation != "near_miss":
            for stage in STAGES:
                t = getattr(row, stage)
                if t is not None:
                    reached[stage].append(max(0.0, t - row.created_at))
    return Tally(counts, {s: sorted(v) for s, v in reached.items()})


def summarise(
    *,
    period: str,
    start: float,
    end: float,
    tally: Tally,
    windows: Sequence[tuple[str, float, float]],
    open_count: int,
    oldest_open: OpenCase | None,
    escalations: int,
    lessons: list[Lesson],
) -> Summary:
    mistakes: Counter[tuple[str, str, int]] = Counter()
    near: Counter[str] = Counter()
    abuse = 0
    for (situation, category, severity, day), n in tally.counts.items():
        if situation == "near_miss":
            near[category] += n
        elif situation == "customer_harassment":
            abuse += n
        else:
            mistakes[(category, severity, day)] += n
    by_category: Counter[str] = Counter()
    by_severity: Counter[str] = Counter()
    days: dict[str, Counter[str]] = {name: Counter() for name, _, _ in windows}  # quiet days too
    for (category, severity, day), n in mistakes.items():
        by_category[category] += n
        by_severity[severity] += n
        if 0 <= day < len(windows):
            days[windows[day][0]][severity] += n
    return Summary(
        period=period,
        start=start,
        end=end,
        total=sum(mistakes.values()),
        by_category=dict(by_category.most_common()),
        by_severity=dict(by_severity),
        timings={s: timing(tally.durations.get(s, ())) for s in STAGES},
        open_count=open_count,
        oldest_open=oldest_open,
        escalations=escalations,
        lessons=lessons,
        per_day={d: dict(c) for d, c in sorted(days.items())},
        near_misses=dict(near.most_common()),
        harassment=abuse,
    )


UNITS = {"s": "s", "m": "m", "h": "h", "d": "d", "sep": " "}


def human(seconds: float | None, units: Mapping[str, str] = UNITS) -> str:
    """Short durations for people: 45s, 12m, 3h 20m, 2d 4h ('3時間20分' with Japanese units); '—' for none."""
    if seconds is None:
        return "—"
    u = {**UNITS, **units}
    s = round(seconds)
    if s < 60:
        return f"{s}{u['s']}"
    if s < 3600:
        return f"{s // 60}{u['m']}"
    if s < 86400:
        return f"{s // 3600}{u['h']}{u['sep']}{s % 3600 // 60:02d}{u['m']}"
    return f"{s // 86400}{u['d']}{u['sep']}{s % 86400 // 3600}{u['h']}"


# --- blamelessness ---------------------------------------------------------------------

_MENTION = re.compile(r"<[@!][^<>]*>|&lt;[@!].*?&gt;")
_USER_ID = re.compile(r"\b[UW](?=[A-Z0-9]*\d)[A-Z0-9]{6,}\b")  # IDs carry a digit
_AT_NAME = re.compile(r"(?<![\w@])@[\w.\-]+")  # "@aiko" typed into a form is a name too


def blameless(text: str) -> str:
    """Take user mentions, typed @names and Slack user IDs out of text meant for a channel."""
    return _AT_NAME.sub("someone", _USER_ID.sub("someone", _MENTION.sub("someone", text)))


# --- periods and schedules -------------------------------------------------------------


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def period_bounds(period: str, now: float, zone: ZoneInfo) -> tuple[float, float]:
    """`today`: since local midnight; `week`: the seven local days ending now."""
    today = datetime.fromtimestamp(now, zone).date()
    if period == "today":
        first = today
    elif period == "week":
        first = today - timedelta(days=6)
    else:
        raise ValueError(f"unknown period {period!r}; use today or week")
    return local_midnight(first, zone).timestamp(), now


@dataclass(frozen=True, slots=True)
class Spec:
    """A summary time: every day at hh:mm, or one weekday (0 = Monday) at hh:mm."""

    hour: int
    minute: int
    weekday: int | None = None


def parse_spec(text: str) -> Spec:
    match = re.fullmatch(r"\s*(?:([A-Za-z]{3})\s+)?([01]?\d|2[0-3]):([0-5]\d)\s*", text)
    if match is None:
        raise ScheduleError(f'{text!r}: write daily times like "18:00" and weekly like "MON 09:00"')
    day, hour, minute = match.groups()
    weekday = None
    if day is not None:
        if day.upper() not in WEEKDAYS:
            raise ScheduleError(f"{text!r}: the day must be one of {', '.join(WEEKDAYS)}")
        weekday = WEEKDAYS.index(day.upper())
    return Spec(int(hour), int(minute), weekday)


def _wall(day: date, spec: Spec, zone: ZoneInfo) -> float:
    """Epoch of a wall-clock time; a time skipped by DST falls just after the gap."""
    return datetime.combine(day, time(spec.hour, spec.minute), tzinfo=zone).timestamp()


def next_run(spec: Spec, after: float, zone: ZoneInfo) -> float:
    """The first scheduled moment strictly after `after`, in the zone's local time.

    Computed on local dates, never by adding 24h, so 18:00 stays 18:00 across DST.
    """
    day = datetime.fromtimestamp(after, zone).date()
    for offset in range(0, 9):
        candidate = day + timedelta(days=offset)
        if spec.weekday is not None and candidate.weekday() != spec.weekday:
            continue
        at = _wall(candidate, spec, zone)
        if at > after:
            return at
    raise AssertionError("unreachable: a week always has the weekday")
