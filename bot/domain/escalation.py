"""When, and to whom, an unacknowledged incident is pushed up the chain. Pure rules.

Nothing here talks to Slack or SQLite: the scheduler asks `next_step` what to do after a
window ran out, and tests ask `plan`/`pinged_by` the same question as a table. Keeping
the rules pure is what lets one table test cover severity × elapsed × acks × quiet hours.

The shape of an escalation:
- step 0 (the report): the first `notify_levels` people of the chain at once;
- each further step, one window after the previous one went out: the next level up;
- at the top: the top person again, up to `repeat` more times, and the reporter is told
  that nobody has acknowledged yet;
- an acknowledgement stops everything that had not gone out yet.
Low and medium pings that fall in quiet hours wait for the end of them; high and
critical never wait, because those are the ones a manager wants to be woken for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from bot.domain.model import Severity

NEVER_WAIT = frozenset({Severity.HIGH, Severity.CRITICAL})


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily span of local clock time, possibly across midnight ("22:00-07:00")."""

    start: time
    end: time
    zone: tzinfo

    @classmethod
    def parse(cls, text: str | None, zone: tzinfo) -> QuietHours | None:
        if not text:
            return None
        match = re.fullmatch(r"(\d\d):(\d\d)-(\d\d):(\d\d)", text.strip())
        if match is None:
            raise ValueError(f"quiet hours {text!r} are not like 22:00-07:00")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        return cls(time(h1, m1), time(h2, m2), zone)

    def contains(self, at: float) -> bool:
        local = datetime.fromtimestamp(at, self.zone).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def end_after(self, at: float) -> float:
        """The first moment at or after `at` that is outside quiet hours."""
        if not self.contains(at):
            return at
        local = datetime.fromtimestamp(at, self.zone)
        end = datetime.combine(local.date(), self.end, tzinfo=self.zone)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=self.zone)
        return end.timestamp()


@dataclass(frozen=True, slots=True)
class Rules:
    """The policy numbers for one severity, already resolved from defaults."""

    severity: Severity
    window: float
    repeat: int = 3
    notify_levels: int = 1
    quiet: QuietHours | None = None

    def send_at(self, due: float) -> float:
        """When a ping due at `due` may go out (quiet hours hold back low and medium)."""
        if self.quiet is None or self.severity in NEVER_WAIT:
            return due
        return self.quiet.end_after(due)


@dataclass(frozen=True, slots=True)
class Ping:
    user: str
    level: int
    round: int = 0


@dataclass(frozen=True, slots=True)
class Step:
    """One moment of the escalation: who is pinged, and whether the reporter is told."""

    index: int
    at: float
    pings: tuple[Ping, ...]
    tell_reporter: bool = False


def _pings_for(chain: tuple[str, ...], rules: Rules, index: int) -> tuple[tuple[Ping, ...], bool] | None:
    if not chain:
        return None
    first = min(max(rules.notify_levels, 1), len(chain))
    if index == 0:
        return tuple(Ping(u, lvl) for lvl, u in enumerate(chain[:first])), False
    level = first - 1 + index
    top = len(chain) - 1
    if level <= top:
        return (Ping(chain[level], level),), False
    round_ = level - top
    if round_ > rules.repeat:
        return None
    return (Ping(chain[top], top, round_),), True


def first_step(chain: tuple[str, ...], rules: Rules, *, reported_at: float) -> Step | None:
    """The pings that go out with the report itself."""
    found = _pings_for(chain, rules, 0)
    if found is None:
        return None
    return Step(0, rules.send_at(reported_at), found[0], found[1])


def next_step(chain: tuple[str, ...], rules: Rules, *, after: int, last_at: float) -> Step | None:
    """What happens one window after step `after` went out at `last_at`; None when done."""
    index = after + 1
    found = _pings_for(chain, rules, index)
    if found is None:
        return None
    return Step(index, rules.send_at(last_at + rules.window), found[0], found[1])


def step_at(chain: tuple[str, ...], rules: Rules, *, index: int, at: float) -> Step | None:
    """Step `index` happening at `at` (late after a restart, or early on "Escalate now")."""
    found = _pings_for(chain, rules, index)
    return None if found is None else Step(index, at, found[0], found[1])


def plan(chain: tuple[str, ...], rules: Rules, *, reported_at: float) -> list[Step]:
    """Every step that would happen if nobody ever acknowledged."""
    step = first_step(chain, rules, reported_at=reported_at)
    steps: list[Step] = []
    while step is not None:
        steps.append(step)
        step = next_step(chain, rules, after=step.index, last_at=step.at)
    return steps


def pinged_by(
    chain: tuple[str, ...], rules: Rules, *, reported_at: float, now: float, acked_at: float | None = None
) -> list[tuple[str, float]]:
    """Who must have been pinged by `now`, and when, given an acknowledgement (if any).

    A step due at the same instant as the acknowledgement does not go out: the boss
    who acknowledged beat the timer.
    """
    stop = now if acked_at is None else min(now, acked_at)
    out: list[tuple[str, float]] = []
    for step in plan(chain, rules, reported_at=reported_at):
        if step.at > now or (acked_at is not None and step.index > 0 and step.at >= stop):
            break
        out += [(p.user, step.at) for p in step.pings]
    return out
