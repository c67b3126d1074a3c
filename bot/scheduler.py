"""Runs jobs when they fall due, driven only by the database.

The scheduler keeps no timers of its own: it sleeps until the earliest `due_at` in the
jobs table (or until woken), claims what is due with a lease, and runs each job's handler
inside one write transaction together with marking it done. So a handler's effects (an
outbox row, the next job, an event) and "this job is finished" commit together or not at
all; a crash in between leaves the job to be claimed again when its lease runs out.
Handlers must therefore only write to the store (messages go through the outbox) and be
idempotent through unique keys, which is what makes a re-run after a lost lease harmless.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bot.domain.errors import OwabiError
from bot.ports import Job, LeaseLost, Store
from bot.worker import PollingWorker, backoff

log = logging.getLogger(__name__)

Handler = Callable[[Job], None]


class UnknownJobKind(OwabiError):
    """A job of a kind nobody registered (e.g. a newer version scheduled it)."""


class Scheduler(PollingWorker):
    name = "scheduler"

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], float] = time.time,
        lease: float = 60.0,
        idle_poll: float = 1.0,
        threads: int = 1,
        batch: int = 50,
    ) -> None:
        super().__init__(clock=clock, idle_poll=idle_poll, threads=threads)
        self.store = store
        self.lease = lease
        self.batch = batch
        self.after_run: Callable[[], None] = lambda: None  # e.g. wake the dispatcher
        self._handlers: dict[str, Handler] = {}

    def register(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    def start(self) -> None:
        released = self.store.jobs.release_dead_claims(self.clock())
        if released:
            log.info("released %d job(s) claimed by a process that is gone", released)
        super().start()

    def next_due(self) -> float | None:
        return self.store.jobs.next_due()

    # --- one pass ---------------------------------------------------------------------

    def run_once(self) -> int:
        """Claim and run every job due now; returns how many were claimed."""
        jobs = self.store.jobs.claim_due(worker=self.worker, now=self.clock(), lease=self.lease, limit=self.batch)
        for job in jobs:
            self._run(job)
        if jobs:
            self.after_run()
        return len(jobs)

    def _run(self, job: Job) -> None:
        try:
            handler = self._handlers.get(job.kind)
            if handler is None:
                raise UnknownJobKind(job.kind)
            with self.store.transaction():
                handler(job)
                self.store.jobs.done(job.id, worker=self.worker)
        except LeaseLost:
            log.warning("job %s (%s) was taken over by another worker; its run was rolled back", job.id, job.key)
        except Exception as exc:
            log.error("job %s (%s) failed with %s; will retry", job.id, job.key, type(exc).__name__, exc_info=exc)
            self.store.jobs.retry(job.id, worker=self.worker, at=self.clock() + backoff(job.attempts), error=repr(exc))
