"""What every store must do for the use cases: one suite, run against each implementation.

Today there is one implementation, SQLite. The tests see it only through the port
(bot.ports.Store: mypy checks they call nothing else). A second backend is a new entry in
`IMPLEMENTATIONS` and this suite green: compare-and-set lets exactly one caller win, a key
queues a message or a job once, a lease keeps a message from a second sender until it runs
out, a boss's DM goes before anything else, a transaction that fails leaves nothing, the
event log reads back in order and its chain holds, a spooled report survives until it is done.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot import store as sqlite_store
from bot.domain.model import Report, Severity
from bot.ports import LeaseLost, Store

IMPLEMENTATIONS: dict[str, Callable[[Path], Store]] = {
    "sqlite": lambda folder: sqlite_store.Store.open(folder / "owabi.db"),
}
T0 = 1_750_000_000.0


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened = IMPLEMENTATIONS[request.param](tmp_path)
    yield opened
    opened.close()


def report(text: str = "the Tanaka order went out a day late") -> Report:
    return Report(reporter="U0STAFF01", text=text, category="late_delivery", severity=Severity.MEDIUM, locale="en")


def create(store: Store, key: str = "k1", text: str = "the Tanaka order went out a day late") -> int:
    with store.transaction():
        return store.incidents.create(report(text), chain=["U0LEAD01", "U0MGR01"], team="front", at=T0, key=key).id


# --- incidents ---------------------------------------------------------------------------


def test_an_incident_reads_back_as_it_was_reported(store: Store) -> None:
    incident = store.incidents.get(create(store))
    assert incident is not None
    assert (incident.text, incident.category, incident.severity, incident.chain) == (
        "the Tanaka order went out a day late",
        "late_delivery",
        Severity.MEDIUM,
        ("U0LEAD01", "U0MGR01"),
    )
    assert incident.ref and store.incidents.by_key("k1") == incident
    assert store.incidents.by_key("no such key") is None


def test_compare_and_set_lets_exactly_one_caller_win(store: Store) -> None:
    incident_id = create(store)
    with store.transaction():
        first = store.incidents.set_if(incident_id, when={"owner": None}, at=T0 + 1, owner="U0LEAD01")
        second = store.incidents.set_if(incident_id, when={"owner": None}, at=T0 + 2, owner="U0MGR01")
        by_value = store.incidents.set_if(incident_id, when={"owner": "U0LEAD01"}, at=T0 + 3, state="acknowledged")
    found = store.incidents.get(incident_id)
    assert (first, second, by_value) == (True, False, True)
    assert found is not None and found.owner == "U0LEAD01" and found.state.value == "acknowledged"


def test_a_condition_names_columns_only(store: Store) -> None:
    incident_id = create(store)
    with pytest.raises(ValueError), store.transaction():
        store.incidents.set_if(incident_id, when={"owner IS NULL OR 1=1 --": None}, at=T0, owner="x")


def test_a_failed_transaction_leaves_nothing_behind(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.incidents.create(report(), chain=["U0LEAD01"], team=None, at=T0, key="lost")
        store.events.append(at=T0, kind="reported", incident_id=1)
        raise RuntimeError("the write failed half way")
    assert store.incidents.by_key("lost") is None
    assert store.events.count() == 0


def test_writers_of_the_same_moment_commit_together_and_fail_alone(store: Store) -> None:
    """Reports arriving together share one commit; one that fails mid-way leaves nothing of its
    own behind and takes nobody else's with it."""
    queued = threading.Event()
    results: dict[str, object] = {}

    def write(name: str, fail: bool = False) -> Callable[[], int]:
        def fn() -> int:
            if name == "first":  # holds the lock until the others are queued behind it
                assert queued.wait(10)
            incident = store.incidents.create(report(name), chain=["U0LEAD01"], team=None, at=T0, key=name)
            store.events.append(at=T0, kind="reported", incident_id=incident.id)
            if fail:
                raise RuntimeError("the write failed half way")
            return incident.id

        return fn

    def run(name: str, fail: bool = False) -> None:
        try:
            results[name] = store.together(write(name, fail))
        except RuntimeError as exc:
            results[name] = exc

    names = ["first", "a", "b", "broken", "c"]
    threads = [threading.Thread(target=run, args=(n, n == "broken")) for n in names]
    threads[0].start()
    for thread in threads[1:]:
        thread.start()
    # The four others are queued behind the first (the store's own queue says so), then it lets go.
    conns = getattr(store, "conns", None)
    deadline = time.monotonic() + 10
    while conns is not None and len(conns._group) < 4 and time.monotonic() < deadline:
        threading.Event().wait(0.001)
    queued.set()
    for thread in threads:
        thread.join(10)
    assert isinstance(results["broken"], RuntimeError)
    assert store.incidents.by_key("broken") is None
    for name in ("first", "a", "b", "c"):
        found = store.incidents.by_key(name)
        assert found is not None and found.id == results[name]
    assert store.events.count() == 4
    assert store.events.verify()[1] is None  # the hash chain holds across the rolled-back share


# --- the event log -------------------------------------------------------------------------


def test_events_read_back_in_order_and_their_chain_holds(store: Store) -> None:
    incident_id = create(store)
    with store.transaction():
        for k, kind in enumerate(("reported", "boss_notified", "acknowledged")):
            store.events.append(at=T0 + k, kind=kind, incident_id=incident_id, actor="U0LEAD01", note=f"step {k}")
    assert [e.kind for e in store.events.for_incident(incident_id)] == ["reported", "boss_notified", "acknowledged"]
    assert store.events.verify() == (3, None)
    assert store.events.head()[0] == 3


# --- the outbox ------------------------------------------------------------------------------


def queue(store: Store, key: str, *, purpose: str = "reporter_dm", at: float = T0) -> int | None:
    with store.transaction():
        return store.outbox.enqueue(
            key=key, method="chat.postMessage", payload={"channel": "U0LEAD01", "text": key}, at=at, purpose=purpose
        )


def test_a_message_is_queued_once_per_key(store: Store) -> None:
    assert queue(store, "dm:1") is not None
    assert queue(store, "dm:1") is None
    assert len(store.outbox.claim(worker="w1", now=T0, lease=30)) == 1


def test_a_lease_keeps_a_message_from_a_second_sender_until_it_runs_out(store: Store) -> None:
    queue(store, "dm:1")
    (taken,) = store.outbox.claim(worker="w1", now=T0, lease=30)
    assert store.outbox.claim(worker="w2", now=T0 + 10, lease=30) == []
    (again,) = store.outbox.claim(worker="w2", now=T0 + 31, lease=30)
    assert again.id == taken.id and again.maybe_sent  # the first send's outcome is unknown
    assert not store.outbox.mark_sent(taken.id, worker="w1", at=T0 + 32)  # its lease went to w2
    assert store.outbox.mark_sent(again.id, worker="w2", at=T0 + 32, channel="D1", ts="1.2")
    assert store.outbox.result(again.id) == ("D1", "1.2")
    assert store.outbox.claim(worker="w3", now=T0 + 100, lease=30) == []


def test_a_boss_dm_is_sent_before_anything_queued_earlier(store: Store) -> None:
    queue(store, "reporter:1", purpose="reporter_dm", at=T0)
    queue(store, "boss:1", purpose="boss_dm", at=T0 + 1)
    (first,) = store.outbox.claim(worker="w1", now=T0 + 2, lease=30, limit=1)
    assert first.key == "boss:1"


def test_a_message_waits_for_its_time_and_says_when_that_is(store: Store) -> None:
    with store.transaction():
        store.outbox.enqueue(
            key="held", method="chat.postMessage", payload={}, at=T0, purpose="boss_dm", not_before=T0 + 600
        )
    assert store.outbox.claim(worker="w1", now=T0, lease=30) == []
    assert store.outbox.next_due() == T0 + 600
    assert len(store.outbox.claim(worker="w1", now=T0 + 600, lease=30)) == 1


def test_a_failed_send_is_tried_again_later_and_a_hopeless_one_never(store: Store) -> None:
    queue(store, "dm:1")
    queue(store, "dm:2")
    first, second = store.outbox.claim(worker="w1", now=T0, lease=30)
    assert store.outbox.renew(first.id, worker="w1", until=T0 + 90)
    assert not store.outbox.renew(first.id, worker="w2", until=T0 + 90)  # only the holder renews
    with store.transaction():
        store.outbox.mark_retry(first.id, worker="w1", at=T0 + 60, error="ratelimited", counts=False)
        assert store.outbox.mark_failed(second.id, worker="w1", error="channel_not_found")
    assert store.outbox.claim(worker="w2", now=T0 + 59, lease=30) == []
    (again,) = store.outbox.claim(worker="w2", now=T0 + 60, lease=30)
    assert again.id == first.id and again.attempts == 0  # a rate limit does not count towards giving up
    assert store.outbox.mark_sent(again.id, worker="w2", at=T0 + 61)
    assert store.outbox.claim(worker="w3", now=T0 + 10_000, lease=30) == []  # the failed one never comes back


# --- jobs and the spool -----------------------------------------------------------------------


def test_a_job_runs_once_is_retried_when_it_fails_and_can_be_brought_forward(store: Store) -> None:
    incident_id = create(store)
    with store.transaction():
        store.jobs.schedule(kind="escalate", due_at=T0 + 600, key="esc:1", incident_id=incident_id)
    moved = store.jobs.advance(incident_id=incident_id, kind="escalate", due_at=T0 + 5)
    assert moved is not None and moved.due_at == T0 + 5  # "Escalate now"
    (job,) = store.jobs.claim_due(worker="w1", now=T0 + 5, lease=30)
    store.jobs.retry(job.id, worker="w1", at=T0 + 65, error="Slack was down")
    assert store.jobs.claim_due(worker="w1", now=T0 + 64, lease=30) == []
    (again,) = store.jobs.claim_due(worker="w2", now=T0 + 65, lease=30)
    assert again.attempts == 1
    with pytest.raises(LeaseLost):
        store.jobs.done(again.id, worker="w1")  # w2 holds it now
    store.jobs.done(again.id, worker="w2")
    assert store.jobs.claim_due(worker="w3", now=T0 + 10_000, lease=30) == []


def test_a_job_is_scheduled_once_claimed_when_due_and_cancelled_by_incident(store: Store) -> None:
    incident_id = create(store)
    with store.transaction():
        assert store.jobs.schedule(kind="escalate", due_at=T0 + 60, key="esc:1", incident_id=incident_id)
        assert store.jobs.schedule(kind="escalate", due_at=T0 + 60, key="esc:1", incident_id=incident_id) is None
    assert store.jobs.claim_due(worker="w1", now=T0, lease=30) == []
    assert store.jobs.next_due() == T0 + 60
    with store.transaction():
        assert store.jobs.cancel(incident_id=incident_id, kinds=("escalate",)) == 1
    assert store.jobs.claim_due(worker="w1", now=T0 + 60, lease=30) == []


# --- what the summary and the App Home read -----------------------------------------------------


def test_open_cases_and_lessons_read_back_for_the_team(store: Store) -> None:
    first = create(store, key="k1")
    create(store, key="k2", text="the wrong cake went to the Ito party")
    with store.transaction():
        store.incidents.update(first, at=T0 + 60, state="resolved", resolved_at=T0 + 60)
        store.reports.add_lesson(
            incident_id=first,
            at=T0 + 60,
            category="late_delivery",
            severity="medium",
            lesson="check the van list at 9",
            what_changes="a second check at dispatch",
            author="U0LEAD01",
        )
    assert store.reports.open_count(teams=["front"]) == 1
    assert store.reports.open_count(teams=["kitchen"]) == 0
    oldest = store.reports.oldest_open(teams=["front"])
    assert oldest is not None and oldest.state == "reported"
    (lesson,) = store.reports.lessons(start=T0, end=T0 + 3600, teams=["front"])
    assert (lesson.category, lesson.lesson, lesson.what_changes) == (
        "late_delivery",
        "check the van list at 9",
        "a second check at dispatch",
    )


def test_a_spooled_report_stays_until_it_is_done(store: Store) -> None:
    path = store.spool.put("slash:1", {"report": {"text": "x"}}, at=T0)
    assert store.spool.count() == 1
    assert [record["report"] for _, record in store.spool.pending()] == [{"text": "x"}]
    store.spool.done(path)
    assert store.spool.count() == 0
