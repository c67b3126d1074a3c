"""The jobs table and the scheduler on a real SQLite file: leases, keys, restarts."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

from bot.scheduler import Scheduler
from bot.store import Job, Store
from bot.store.db import WriterLock, in_background
from tests.conftest import eventually


def open_store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "jobs.db")


def test_schedule_is_idempotent_on_its_key(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    first = store.jobs.schedule(kind="k", due_at=1.0, key="a", payload={"x": 1})
    assert first is not None
    assert store.jobs.schedule(kind="k", due_at=2.0, key="a") is None
    assert store.jobs.next_due() == 1.0


def test_a_claim_is_a_lease(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.jobs.schedule(kind="k", due_at=10.0, key="a", incident_id=7)
    assert store.jobs.claim_due(worker="w1", now=5.0, lease=30) == []
    [job] = store.jobs.claim_due(worker="w1", now=10.0, lease=30)
    assert (job.kind, job.incident_id, job.payload) == ("k", 7, {})
    assert store.jobs.claim_due(worker="w2", now=20.0, lease=30) == []  # still held
    [again] = store.jobs.claim_due(worker="w2", now=41.0, lease=30)  # the holder died
    assert again.id == job.id
    store.jobs.retry(job.id, worker="w1", at=99.0, error="stale worker")  # ignored: not the holder
    store.jobs.done(job.id, worker="w2")
    assert store.jobs.next_due() is None


def test_cancel_only_touches_pending_jobs_of_those_kinds(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    for kind in ("escalate", "remind"):
        store.jobs.schedule(kind=kind, due_at=1.0, key=kind, incident_id=1)
    assert store.jobs.cancel(incident_id=1, kinds=("escalate",)) == 1
    assert [(r["kind"], r["status"]) for r in store.jobs.rows()] == [("escalate", "cancelled"), ("remind", "pending")]


def test_many_threads_and_two_schedulers_run_each_job_exactly_once(tmp_path: Path) -> None:
    stores = [open_store(tmp_path), Store(tmp_path / "jobs.db")]
    now = time.time()
    for n in range(300):
        stores[0].jobs.schedule(kind="count", due_at=now + (n % 30) / 100, key=f"job:{n}")
    seen: Counter[str] = Counter()
    lock = threading.Lock()

    def handler(job: Job) -> None:
        with lock:
            seen[job.key] += 1

    schedulers = [Scheduler(s, threads=3, idle_poll=0.05) for s in stores]
    for s in schedulers:
        s.register("count", handler)
        s.start()
    assert eventually(lambda: len(seen) >= 300, timeout=10)
    for s in schedulers:
        s.stop()
    assert len(seen) == 300 and set(seen.values()) == {1}
    assert {r["status"] for r in stores[0].jobs.rows()} == {"done"}


def test_a_failing_handler_is_retried_later_not_lost(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.jobs.schedule(kind="flaky", due_at=0.0, key="f")
    calls: list[int] = []

    def flaky(job: Job) -> None:
        calls.append(job.attempts)
        store.jobs.schedule(kind="side", due_at=0.0, key=f"effect:{len(calls)}")
        if len(calls) == 1:
            raise RuntimeError("first try fails")

    clock = [100.0]
    scheduler = Scheduler(store, clock=lambda: clock[0])
    scheduler.register("flaky", flaky)
    scheduler.register("side", lambda job: None)
    assert scheduler.run_once() == 1
    [row] = store.jobs.rows(key="f")
    assert row["status"] == "pending" and row["due_at"] > 100.0 and "first try" in row["last_error"]
    assert store.jobs.rows(key="effect:1") == []  # the failed run's effects were rolled back
    clock[0] = 1000.0
    scheduler.run_once()
    assert store.jobs.rows(key="f")[0]["status"] == "done" and calls == [0, 1]


def test_a_message_being_sent_is_not_due_for_idle_senders(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "owabi.db")
    store.outbox.enqueue(key="k1", method="chat.postMessage", payload={"channel": "U1", "text": "x"}, at=100.0)
    assert store.outbox.next_due(100.0) == 100.0
    assert store.outbox.claim(worker="w", now=100.0, lease=30.0, limit=1)
    assert store.outbox.next_due(101.0) == 130.0  # held: due again only if its lease runs out
    store.close()


def test_a_bosss_dm_is_claimed_first_and_a_backlog_does_not_hide_what_is_due(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "owabi.db")
    for n in range(300):  # a backlog of copies, then held messages, then one boss DM
        store.outbox.enqueue(key=f"c{n}", method="chat.postMessage", payload={"channel": "U1"}, at=10.0 + n)
    store.outbox.enqueue(key="later", method="chat.postMessage", payload={"channel": "U2"}, at=1.0, not_before=900.0)
    store.outbox.enqueue(key="boss", method="chat.postMessage", payload={"channel": "U3"}, at=500.0, purpose="boss_dm")
    [first] = store.outbox.claim(worker="w", now=600.0, lease=30.0, limit=1)
    assert first.key == "boss"
    assert [o.key for o in store.outbox.claim(worker="w", now=600.0, lease=30.0, limit=2)] == ["c0", "c1"]
    assert store.outbox.next_due(600.0) == 12.0  # c2: the oldest that nobody holds
    store.close()


def test_a_writer_a_person_waits_on_goes_before_background_writers(tmp_path: Path) -> None:
    lock = WriterLock()
    order: list[str] = []
    assert lock.acquire(urgent=True)

    def writer(name: str, urgent: bool) -> None:
        def run() -> None:
            if urgent:
                assert lock.acquire(urgent=True)
            else:
                with in_background():
                    assert lock.acquire(urgent=False)
            order.append(name)
            lock.release()

        threading.Thread(target=run).start()

    def queued(urgent: bool, n: int) -> None:
        assert eventually(lambda: lock._waiting[urgent] >= n, interval=0.001)

    writer("delivery", urgent=False)
    queued(False, 1)
    writer("report", urgent=True)
    queued(True, 1)
    lock.release()
    assert eventually(lambda: len(order) >= 2, interval=0.001)
    assert order == ["report", "delivery"]


def test_a_writer_that_gives_up_does_not_keep_the_lock_from_the_next(tmp_path: Path) -> None:
    lock = WriterLock()
    assert lock.acquire(urgent=True)
    assert not lock.acquire(urgent=False, timeout=0.01)  # held: gives up, holds nothing
    lock.release()
    assert lock.acquire(urgent=False, timeout=0.01)
    lock.release()


def test_jobs_of_retired_kinds_are_cancelled_when_the_store_is_upgraded(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    for kind in ("ack_timeout", "escalation", "reminder", "escalate"):
        store.jobs.schedule(kind=kind, due_at=1.0, key=f"{kind}:1", incident_id=1)
    # As a store written before the migration: it has not run yet.
    store.conns.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm_drop_retired_job_kinds'")
    store.close()
    upgraded = open_store(tmp_path)
    pending = [row["kind"] for row in upgraded.jobs.rows() if row["status"] == "pending"]
    assert pending == ["escalate"]
    upgraded.close()
