"""Everything Owabi keeps, in one SQLite file. The only package that imports sqlite_utils."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TypeVar

from bot.ports import Job, LoggedEvent, Outgoing, StoreBusy, StoreUnavailable
from bot.store.db import Connections
from bot.store.events import EventLog
from bot.store.incidents import Incidents
from bot.store.jobs import Jobs
from bot.store.lite import Database
from bot.store.outbox import Outbox
from bot.store.reports import Reports
from bot.store.spool import Spool

T = TypeVar("T")

__all__ = ["Job", "LoggedEvent", "Outgoing", "Spool", "Store", "StoreBusy", "StoreUnavailable"]


class Store:
    def __init__(self, path: Path, *, audit_key: bytes | None = None) -> None:
        self.path = path
        self.conns = Connections(path)
        self.events = EventLog(self.conns, key=audit_key)
        self.incidents = Incidents(self.conns)
        self.outbox = Outbox(self.conns)
        self.jobs = Jobs(self.conns)
        self.reports = Reports(self.conns)
        self.spool = Spool.beside(path)

    @classmethod
    def open(cls, path: Path, *, audit_key: bytes | None = None) -> Store:
        store = cls(path, audit_key=audit_key)
        try:
            store.conns.migrate()
        except Exception as exc:  # sqlite3 errors, permissions, a directory in the way
            raise StoreUnavailable(f"cannot open the database at {path}: {exc}") from exc
        # The planner needs statistics to pick the summary's indexes on a big log; SQLite's own
        # advice for long-lived connections is to optimize at open (cheap; a no-op when fresh).
        # A busy database skips it: statistics are never a reason not to start.
        with contextlib.suppress(sqlite3.Error):
            store.conns.db.execute("PRAGMA optimize = 0x10002")
        return store

    def transaction(self, *, wait: float | None = None) -> AbstractContextManager[Database]:
        """A write transaction; everything inside commits or rolls back together.

        With `wait`, StoreBusy is raised if the write lock cannot be had within that many seconds.
        """
        return self.conns.write(wait=wait)

    def together(self, fn: Callable[[], T], *, wait: float | None = None) -> T:
        """`fn` in a write transaction, committed together with whatever else this process is
        writing at that moment (see Connections.together): one fsync for a burst."""
        return self.conns.together(lambda _db: fn(), wait=wait)

    def ping(self) -> bool:
        try:
            return bool(self.conns.db.execute("SELECT 1").fetchone() == (1,))
        except Exception:
            return False

    def backup(self, target: Path) -> Path:
        """A consistent copy while the app keeps running (SQLite's online backup API)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            raise FileExistsError(f"{target} already exists; Owabi never overwrites a backup")
        dest = sqlite3.connect(target)
        try:
            self.conns.db.conn.backup(dest)
        finally:
            dest.close()
        return target

    def close(self) -> None:
        self.conns.optimize()  # statistics for the next start; it never fails a stop
        self.conns.close()
