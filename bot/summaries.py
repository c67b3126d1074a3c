"""Channel summaries: on demand (`/oops summary`, `owabi summary`) and on the policy's schedule.

A summary post is an outbox message like any other, so Slack being down delays it and
never loses it. Scheduled summaries are jobs that post and then schedule the next run;
the job key contains the run time, so a restart or a second process never doubles a post.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
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


HOME_FIGURES_AGE = 60.0  # seconds the App Home's week figures stay fresh while nothing changes
# Older figures (up to this age) are shown at once while fresh ones are computed behind them: on a
# big log a week takes half a second, and nobody opening the Home should wait for it.
HOME_FIGURES_STALE = 15 * 60.0

Scope = tuple[str, tuple[str, ...] | None]


class Summaries:
    def __init__(self, service: Owabi) -> None:
        self.s = service
        self.compose = service.compose.lifecycle
        self._recent: dict[Scope, tuple[float, tuple[int, int], Summary]] = {}
        self._lock = threading.Lock()
        self._refreshing: dict[Scope, list[Callable[[], None]]] = {}
        self._threads: list[threading.Thread] = []

    def recent(
        self, period: str, *, now: float, teams: list[str] | None = None, then: Callable[[], None] | None = None
    ) -> Summary:
        """The App Home's figures, per scope. Fresh ones (nothing written since, under a minute old)
        are shown as they are. Older ones (up to HOME_FIGURES_STALE) are shown at once and computed
        again in the background, and `then` runs when the fresh ones are in (the Home is published
        again). Only a scope never computed, or long stale, is built while the Home waits; `warm`
        builds every scope at start."""
        key: Scope = (period, tuple(teams) if teams is not None else None)
        found = self._recent.get(key)
        if found is not None:
            at, version, summary = found
            if 0 <= now - at < HOME_FIGURES_AGE and version == self.s.store.reports.version():
                return summary
            if 0 <= now - at < HOME_FIGURES_STALE:
                self._refresh(key, then)
                return summary
        return self._build_into(key, now)

    def warm(self, scopes: list[list[str] | None], period: str = "week") -> None:
        """Compute these scopes' figures in the background (at start, before anyone opens the Home)."""
        for teams in dict.fromkeys(tuple(t) if t is not None else None for t in scopes):
            self._refresh((period, teams), None)

    def settle(self, timeout: float = 30.0) -> None:
        """Wait for the background computations under way (tests, benches, a clean stop)."""
        with self._lock:
            running = list(self._threads)
        for thread in running:
            thread.join(timeout)

    def _build_into(self, key: Scope, now: float) -> Summary:
        period, teams = key
        version = self.s.store.reports.version()  # read first: a write during the build leaves it stale
        summary = self.build(period, now=now, teams=list(teams) if teams is not None else None)
        with self._lock:
            self._recent[key] = (now, version, summary)
        return summary

    def _refresh(self, key: Scope, then: Callable[[], None] | None) -> None:
        """One background computation per scope at a time; a failure keeps the figures shown."""
        with self._lock:
            waiting = self._refreshing.get(key)
            if waiting is not None:
                if then is not None:
                    waiting.append(then)
                return
            self._refreshing[key] = [then] if then is not None else []

            def run() -> None:
                try:
                    self._build_into(key, self.s.clock())
                    ok = True
                except Exception as exc:  # the older figures stay; the next open tries again
                    log.warning("App Home figures not recomputed (%s); the older ones are shown", type(exc).__name__)
                    ok = False
                with self._lock:
                    callbacks = self._refreshing.pop(key, [])
                for callback in callbacks if ok else []:
                    try:
                        callback()
                    except Exception as exc:  # the Home shown stays; it is fresh on the next open
                        log.warning("App Home not published again with fresh figures (%s)", type(exc).__name__)
                with self._lock:  # running until its callbacks have run: `settle` waits for them too
                    self._threads.remove(threading.current_thread())

            thread = threading.Thread(target=run, name="owabi-home-figures", daemon=True)
            self._threads.append(thread)
        thread.start()

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
