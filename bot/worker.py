"""Background threads that drain a queue kept in SQLite.

The dispatcher (outbox) and the scheduler (jobs) share this loop: claim what is due,
handle it, sleep until the next due time (or until new work is written), repeat. Claims
are leases in the database, so several threads or processes may run the same worker.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable

from bot.ports import StoreBusy
from bot.store.db import in_background

log = logging.getLogger(__name__)

MAX_BACKOFF = 300.0


def backoff(attempts: int) -> float:
    """Exponential, jittered, capped: retries spread out instead of arriving in a herd."""
    return min(MAX_BACKOFF, 2.0 ** min(attempts, 10)) * (0.75 + random.random() / 2)


class PollingWorker:
    name = "worker"
    # Whether this worker's writes wait behind everyone else's (see in_background).
    background = False

    def __init__(self, *, clock: Callable[[], float] = time.time, idle_poll: float = 1.0, threads: int = 1) -> None:
        self.clock = clock
        self.idle_poll = idle_poll
        self.threads = threads
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        # Wakes are counted: a new message wakes one idle thread, not all of them at once (each
        # woken thread opens a write transaction to claim, and all but one would find nothing).
        self._wake = threading.Condition()
        self._wakes = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def run_once(self) -> int:
        """Handle what is due now; return how many items were claimed."""
        raise NotImplementedError

    def next_due(self) -> float | None:
        raise NotImplementedError

    def start(self) -> None:
        self._stop.clear()
        for n in range(self.threads):
            thread = threading.Thread(target=self._loop, args=(n,), name=f"owabi-{self.name}-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        """Ask every thread to stop and wait for them, `timeout` seconds in all (not per thread)."""
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()

    def wake(self, n: int = 1) -> None:
        """`n` new items of work: wake up to `n` idle threads."""
        with self._wake:
            self._wakes = min(self._wakes + n, self.threads)
            self._wake.notify(n)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def wait_stop(self, seconds: float) -> bool:
        """Sleep up to `seconds`, returning early (True) when the worker is being stopped."""
        return self._stop.wait(seconds)

    def _loop(self, n: int = 0) -> None:
        with in_background() if self.background else contextlib.nullcontext():
            self._work(n)

    def _work(self, n: int) -> None:
        while not self._stop.is_set():
            try:
                handled = self.run_once()
                if handled:
                    continue
                wait = self._idle_wait(n)
            except StoreBusy:
                log.warning("%s: the database is locked by another process; trying again shortly", self.name)
                wait = self.idle_poll
            except Exception as exc:
                if self._stop.is_set():  # the store was closed under a pass that was waiting on a lock
                    return
                log.error("%s pass failed with %s; retrying", self.name, type(exc).__name__, exc_info=exc)
                wait = self.idle_poll
            with self._wake:
                if not self._wakes and not self._stop.is_set():
                    self._wake.wait(wait)
                self._wakes = max(0, self._wakes - 1)

    def _idle_wait(self, n: int = 0) -> float:
        due = self.next_due()
        if due is None:
            # Nothing queued: one thread keeps looking (work from another process); the others
            # sleep until a wake, so an idle pool of many senders costs one query a poll, not many.
            return self.idle_poll if n == 0 else self.idle_poll * 30
        return max(0.005, min(self.idle_poll, due - self.clock()))
