"""Channel summaries: on demand (`/oops summary`, `owabi summary`) and on the policy's schedule.

A summary post is an outbox message like any other, so Slack being down delays it and
never loses it. Scheduled summaries are jobs that post and then schedule the next run;
the job key contains the run time, so a restart or a second process never doubles a post.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from bot.domain.events import Event
from bot.domain.metrics import Spec, Summary, day_windows, next_run, parse_spec, period_bounds, summarise
from bot.scheduler import Scheduler
from bot.service import Owabi
from bot.wording import plain

log = logging.getLogger(__name__)

SUMMARY_JOB = "summary"
PERIOD_OF = {"daily": "today", "weekly": "week"}


HOME_FIGURES_AGE = 60.0  # seconds the App Home's week figures may be reused: opening it never recomputes a week


class Summaries:
    def __init__(self, service: Owabi) -> None:
        self.s = service
        self.compose = service.compose.lifecycle
        self._recent: dict[tuple[str, tuple[str, ...] | None], tuple[float, Summary]] = {}

    def recent(self, period: str, *, now: float, teams: list[str] | None = None) -> Summary:
        """`build`, reused for up to HOME_FIGURES_AGE seconds per scope (the App Home's figures)."""
        key = (period, tuple(teams) if teams is not None else None)
        found = self._recent.get(key)
        if found is not None and 0 <= now - found[0] < HOME_FIGURES_AGE:
            return found[1]
        summary = self.build(period, now=now, teams=teams)
        self._recent[key] = (now, summary)
        return summary

    def forget(self) -> None:
        """Drop the reused figures: a move just changed them, and the Home is shown again now."""
        self._recent.clear()

    def build(self, period: str, *, now: float | None = None, teams: list[str] | None = None) -> Summary:
        """The figures for a period; `teams` limits them (None = every team)."""
        now = self.s.clock() if now is None else now
        zone = self.s.policy.zone
        start, end = period_bounds(period, now, zone)
        reports = self.s.store.reports
        windows = day_windows(start, end, zone)
        summary = summarise(
            period=period,
            start=start,
            end=end,
            tally=reports.tally(start, end, windows=windows, teams=teams),
            windows=windows,
            open_count=reports.open_count(teams=teams),
            oldest_open=reports.oldest_open(teams=teams),
            escalations=reports.escalations(start, end, teams=teams),
            lessons=reports.lessons(start=start, end=end, teams=teams),
        )
        return replace(summary, felt_supported=reports.felt_supported(start, end, teams=teams))

    def text(self, period: str, *, now: float | None = None) -> str:
        """What `owabi summary` prints: the channel post, as terminal text."""
        return plain(self.compose.summary_text(self.build(period, now=now), zone=self.s.policy.zone))

    def post(
        self,
        period: str,
        *,
        channel: str,
        key: str,
        now: float | None = None,
        teams: list[str] | None = None,
        asker: str = "",
    ) -> Summary | None:
        """Queue the post (and, for a week, the chart) to `channel`; `key` makes it once-only.

        Returns None when that key was already posted (a repeat within the same window).
        """
        summary = self.build(period, now=now, teams=teams)
        at = self.s.clock()
        payload = self.compose.summary_post(summary, channel=channel, zone=self.s.policy.zone)
        with self.s.store.transaction():
            first = self.s.queue(
                key=f"summary:{key}",
                payload=payload,
                at=at,
                purpose="summary",
                recipient=channel,
                event=Event.SUMMARY_QUEUED,
                period=period,
                channel=channel,
                total=summary.total,
                asker=asker,
            )
            if first and period == "week" and summary.total:
                method, chart = self.compose.summary_chart(summary, channel=channel)
                self.s.queue(
                    key=f"summary_chart:{key}",
                    method=method,
                    payload=chart,
                    at=at,
                    purpose="summary_chart",
                    recipient=channel,
                    depends_on=first,
                )
        self.s.wake()
        return summary if first else None

    # --- the schedule -----------------------------------------------------------------

    def specs(self) -> dict[str, Spec]:
        schedule = self.s.policy.summary
        raw = {"daily": schedule.daily, "weekly": schedule.weekly}
        return {which: parse_spec(text) for which, text in raw.items() if text}

    def install(self, scheduler: Scheduler) -> None:
        """Run scheduled summaries on this scheduler, and make sure the next ones are booked."""
        scheduler.register(SUMMARY_JOB, self.run_job)
        self.schedule_next()

    def schedule_next(self, *, after: float | None = None) -> list[int]:
        """Make sure the next run of each configured summary is a job; idempotent by key."""
        if not self.s.policy.summary_channel:
            return []
        after = self.s.clock() if after is None else after
        made = []
        for which, spec in self.specs().items():
            due = next_run(spec, after, self.s.policy.zone)
            job = self.s.store.jobs.schedule(
                kind=SUMMARY_JOB,
                due_at=due,
                key=f"summary:{which}:{int(due)}",
                payload={"which": which},
            )
            if job:
                made.append(job)
        return made

    def run_job(self, job: Any) -> None:
        """A summary fell due: post it for its period, then schedule the following one."""
        which = str(job.payload.get("which", "daily"))
        channel = self.s.policy.summary_channel
        if channel:
            self.post(PERIOD_OF.get(which, "today"), channel=channel, key=job.key, now=job.due_at)
        spec = self.specs().get(which)
        if spec is not None:
            due = next_run(spec, job.due_at, self.s.policy.zone)
            self.s.store.jobs.schedule(
                kind=SUMMARY_JOB,
                due_at=due,
                key=f"summary:{which}:{int(due)}",
                payload={"which": which},
            )
