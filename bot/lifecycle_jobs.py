"""Wires the lifecycle's jobs into the scheduler: follow-up reminders and scheduled summaries."""

from __future__ import annotations

from typing import Any

from bot.lifecycle import FOLLOW_UP_JOB, Lifecycle
from bot.service import Owabi
from bot.summaries import SUMMARY_JOB, Summaries


def install(scheduler: Any, service: Owabi) -> None:
    """Register the handlers and make sure the next scheduled summaries exist."""
    life = Lifecycle(service)
    summaries = Summaries(service)

    def follow_up(job: Any) -> None:
        if job.incident_id is not None:
            life.remind_follow_up(job.incident_id)

    scheduler.register(FOLLOW_UP_JOB, follow_up)
    scheduler.register(SUMMARY_JOB, summaries.run_job)
    summaries.schedule_next()
