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
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable

from bot.store import Job, Store
from bot.store.jobs import LeaseLost

log = logging.getLogger(__name__)

Handler = Callable[[Job], None]
MAX_BACKOFF = 300.0


class UnknownJobKind(Exception):
    """A job of a kind nobody registered (e.g. a newer version scheduled it)."""


def _backoff(attempts: int) -> float:
    return min(MAX_BACKOFF, 2.0 ** min(attempts, 10)) * (0.75 + random.random() / 2)


class Scheduler:
    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time, lease: float = 60.0,
                 idle_poll: float = 1.0, threads: int = 1, batch: int = 50) -> None:
        self.store = store
        self.clock = clock
        self.lease = lease
        self.idle_poll = idle_poll
        self.threads = threads
        self.batch = batch
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.after_run: Callable[[], None] = lambda: None  # e.g. wake the dispatcher
        self._handlers: dict[str, Handler] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def register(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    # --- lifecycle --------------------------------------------------------------------

    def start(self) -> None:
        self._stop.clear()
        for n in range(self.threads):
            thread = threading.Thread(target=self._loop, name=f"owabi-scheduler-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                ran = self.run_once()
            except Exception:
                log.exception("scheduler pass failed; retrying")
                ran = 0
            if ran:
                continue
            self._wake.wait(self._idle_wait())
            self._wake.clear()

    def _idle_wait(self) -> float:
        due = self.store.jobs.next_due()
        if due is None:
            return self.idle_poll
        return max(0.005, min(self.idle_poll, due - self.clock()))

    # --- one pass ---------------------------------------------------------------------

    def run_once(self) -> int:
        """Claim and run every job due now; returns how many were claimed."""
        jobs = self.store.jobs.claim_due(worker=self.worker, now=self.clock(), lease=self.lease,
                                         limit=self.batch)
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
            log.warning("job %s (%s) was taken over by another worker; its run was rolled back",
                        job.id, job.key)
        except Exception as exc:
            log.exception("job %s (%s) failed; will retry", job.id, job.key)
            self.store.jobs.retry(job.id, worker=self.worker, at=self.clock() + _backoff(job.attempts),
                                  error=repr(exc))
