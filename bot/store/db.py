"""One SQLite file, one connection per thread, explicit write transactions.

Writes use BEGIN IMMEDIATE so that two threads (or two app processes) appending to the
hash-chained log queue up on the write lock instead of failing on a stale snapshot.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from bot.ports import StoreBusy
from bot.store.lite import Database
from bot.store.migrations import migrations


def claimer_is_dead(claimed_by: str | None) -> bool:
    """A worker id is host:pid:nonce; on this host, a pid that no longer exists is a dead claimer."""
    host, _, rest = (claimed_by or "").partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


_thread = threading.local()
T = TypeVar("T")


@contextmanager
def in_background() -> Iterator[None]:
    """Mark this thread's writes as background work (storing spooled reports, whose reporters
    were answered already): every other write waiting for the lock goes first."""
    before = getattr(_thread, "background", False)
    _thread.background = True
    try:
        yield
    finally:
        _thread.background = before


class WriterLock:
    """This process's write lock, with two queues: writers a person is waiting on go first.

    Under a burst, dozens of delivery threads queue for the lock after every report; with a
    plain lock a report could wait behind all of them and miss Slack's three seconds. Waiters
    are woken one at a time (never all at once: each would need the GIL only to wait again).
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._queues = {True: threading.Condition(self._mutex), False: threading.Condition(self._mutex)}
        self._waiting = {True: 0, False: 0}
        self._held = False

    def _free_for(self, urgent: bool) -> bool:
        return not self._held and (urgent or not self._waiting[True])

    def acquire(self, *, urgent: bool, timeout: float | None = None) -> bool:
        with self._mutex:
            if self._free_for(urgent):
                self._held = True
                return True
            deadline = None if timeout is None else time.monotonic() + timeout
            self._waiting[urgent] += 1
            try:
                while True:
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        return False
                    self._queues[urgent].wait(left)
                    if self._free_for(urgent):
                        self._held = True
                        return True
            finally:
                self._waiting[urgent] -= 1
                if not self._held:  # gave up after a wake was meant for us: pass it on
                    self._wake_next()

    def release(self) -> None:
        with self._mutex:
            self._held = False
            self._wake_next()

    def _wake_next(self) -> None:
        for urgent in (True, False):
            if self._waiting[urgent]:
                self._queues[urgent].notify()
                return


class _Job:
    """One thread's share of a group commit: what to run, and what came of it."""

    __slots__ = ("error", "fn", "lead", "result", "wake")

    def __init__(self, fn: Callable[[Database], Any]) -> None:
        self.fn = fn
        self.wake = threading.Event()
        self.lead = False
        self.result: Any = None
        self.error: BaseException | None = None


class Connections:
    def __init__(self, path: Path, *, busy_timeout_ms: int = 10_000) -> None:
        self.path = path
        self._busy = busy_timeout_ms
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        # Threads of one process queue here, in order, rather than in SQLite's busy handler,
        # whose sleep-and-retry adds up to 100 ms per wait under load (escalation lateness).
        self._writer = WriterLock()
        self._group: list[_Job] = []
        self._group_lock = threading.Lock()
        self._leading = False

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=self._busy / 1000)
        conn.execute(f"PRAGMA busy_timeout = {self._busy}")
        conn.execute("PRAGMA journal_mode = WAL")
        # FULL: what Owabi has acknowledged to a reporter survives power loss, not only a crash.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        with self._lock:
            self._all.append(conn)
        return conn

    @property
    def db(self) -> Database:
        db: Database | None = getattr(self._local, "db", None)
        if db is None:
            db = Database(self._open())
            self._local.db = db
        return db

    @contextmanager
    def write(self, *, wait: float | None = None) -> Iterator[Database]:
        """A write transaction; nested calls join the outer one.

        `wait` bounds how long to queue for the write lock (this process's threads, then
        other processes); past it StoreBusy is raised and nothing has been written.
        """
        db = self.db
        if db.conn.in_transaction:
            yield db
            return
        deadline = None if wait is None else time.monotonic() + wait
        urgent = not getattr(_thread, "background", False)
        if not self._writer.acquire(urgent=urgent, timeout=wait):
            raise StoreBusy("another writer in this process holds the lock")
        try:
            # One budget for both waits: this process's threads, then other processes.
            self._begin(db.conn, deadline if deadline is not None else time.monotonic() + self._busy / 1000)
            try:
                yield db
            except BaseException:
                db.conn.execute("ROLLBACK")
                raise
            try:
                db.conn.execute("COMMIT")
            except sqlite3.Error:
                if db.conn.in_transaction:  # never keep the write lock after a failed commit (disk full)
                    db.conn.execute("ROLLBACK")
                raise
        finally:
            self._writer.release()

    def together(self, fn: Callable[[Database], T], *, wait: float | None = None) -> T:
        """Run `fn` in a write transaction shared with this process's other writers of the moment.

        With `synchronous = FULL` a commit costs an fsync (milliseconds, with the write lock held);
        a burst of reports, or of messages marked sent, would queue one fsync each. Here the first
        thread in leads: it runs every `fn` queued by then, each in its own savepoint (one that
        fails is rolled back alone and raises in its own thread), and commits them all at once.
        Each caller returns only after that commit, exactly as after `write`. `wait` bounds the
        leader's wait for the lock; if it cannot be had, or the commit fails, every `fn` of the
        group fails with that error and nothing of theirs is written.
        """
        db = self.db
        if db.conn.in_transaction:
            return fn(db)
        job = _Job(fn)
        with self._group_lock:
            self._group.append(job)
            if not self._leading:
                self._leading = job.lead = True
        if not job.lead:
            job.wake.wait()  # set once our group has committed, or once we are to lead the next one
        if job.lead:
            self._lead(wait)
        if job.error is not None:
            raise job.error
        result: T = job.result
        return result

    def _lead(self, wait: float | None) -> None:
        with self._group_lock:
            batch, self._group = self._group, []
        try:
            with self.write(wait=wait) as db:
                for job in batch:
                    db.conn.execute("SAVEPOINT owabi_together")
                    try:
                        job.result = job.fn(db)
                    except Exception as exc:
                        db.conn.execute("ROLLBACK TO owabi_together")
                        job.error = exc
                    db.conn.execute("RELEASE owabi_together")
        except BaseException as exc:  # busy, or the commit failed: none of the group was written
            for job in batch:
                job.error = job.error or exc
                job.result = None
            if not isinstance(exc, Exception):
                raise
        finally:
            with self._group_lock:
                if self._group:  # those who came while we committed: the first of them leads next
                    self._group[0].lead = True
                    self._group[0].wake.set()
                else:
                    self._leading = False
            for job in batch:
                job.lead = False
                job.wake.set()

    def _begin(self, conn: sqlite3.Connection, deadline: float) -> None:
        """BEGIN IMMEDIATE, waiting for another process's write lock until `deadline`.

        SQLite's own busy handler sleeps in growing steps, up to 100 ms, while another process
        (`owabi deliver` beside `owabi serve`) holds the lock; asking again every millisecond
        takes the lock within a millisecond of its release.
        """
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            while True:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) and "busy" not in str(exc):
                        raise
                    if time.monotonic() >= deadline:
                        raise StoreBusy("another process holds the database's write lock") from exc
                    time.sleep(0.001)
        finally:
            conn.execute(f"PRAGMA busy_timeout = {self._busy}")

    def migrate(self) -> None:
        migrations.apply(self.db)

    def optimize(self) -> None:
        """SQLite's `PRAGMA optimize` on every connection: each knows which queries it ran, and
        gathers the statistics those would use (what the app would otherwise never ANALYZE)."""
        with self._lock:
            for conn in self._all:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("PRAGMA busy_timeout = 200")  # never hold up a stop for statistics
                    conn.execute("PRAGMA analysis_limit = 400")  # sampled: milliseconds on a big log
                    conn.execute("PRAGMA optimize")

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
