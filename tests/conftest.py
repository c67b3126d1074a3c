"""The real thing, end to end: the Bolt app behind Owabi's edge, signed requests, the local
Slack stand-in, and a real SQLite file per test.

Requests are dispatched in-process (the WSGI application called as a server would call it);
`harness(http=True)` serves it with waitress on a real socket, for the tests about HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.learning.reader import default_triager
from bot.runtime import Runtime, build
from bot.sandbox.slack_side import SlackSide, message_text
from bot.sandbox.standin import StandIn
from bot.server import HttpServer, wsgi_app
from bot.store import Store

SECRET = "test-signing-secret"
STAFF, STAFF2, LEAD, MANAGER, GM, ADMIN, STRANGER = (
    "U0STAFF01",
    "U0STAFF02",
    "U0LEAD01",
    "U0MGR01",
    "U0GM01",
    "U0ADMIN01",
    "U0STRANGER",
)

MINIMAL_POLICY = """\
locale = "en"
timezone = "Asia/Tokyo"
summary_channel = "C0TEAMCHAN"

[severity.low]
ack_within = "4h"
[severity.medium]
ack_within = "1h"
[severity.high]
ack_within = "15m"
[severity.critical]
ack_within = "5m"

[[teams]]
name = "front-desk"
members = ["U0STAFF01", "U0STAFF02"]
chain = ["U0LEAD01", "U0MGR01", "U0GM01"]

[default]
chain = ["U0MGR01", "U0GM01"]
"""


# The everyday test policy: the contract's minimum plus an admin.
POLICY = MINIMAL_POLICY.replace(
    'summary_channel = "C0TEAMCHAN"\n', 'summary_channel = "C0TEAMCHAN"\nadmins = ["U0ADMIN01"]\n'
)


def dm_texts(h: Harness, user: str) -> list[str]:
    """What `user` read in each DM Owabi sent them, oldest first."""
    return [message_text(c.args) for c in h.standin.dms_to(user)]


def eventually(predicate: Callable[[], object], timeout: float = 5.0, interval: float = 0.01) -> bool:
    """The one way a test waits for something outside the stand-in (a row, a thread, a process):
    look until it holds or `timeout` seconds pass. What Slack is sent is waited for with
    Harness.wait_for, which wakes on each call the stand-in answers."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            return bool(predicate())
        time.sleep(interval)
    return True


class FakeClock:
    """Time that moves only when a test moves it: a timed rule is tested without waiting for it."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Harness:
    """One running Owabi: its HTTP server, its database file and the Slack stand-in."""

    standin: StandIn
    tmp: Path
    policy_path: Path
    clock: Callable[[], float]
    overrides: dict[str, object] = field(default_factory=dict)
    http: bool = False
    db_path: Path = field(init=False)
    runtime: Runtime = field(init=False)
    server: HttpServer | None = field(default=None, init=False)
    slack: SlackSide = field(init=False)
    running: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.db_path = self.tmp / "owabi.db"
        self.start()

    def settings(self) -> Settings:
        return Settings(
            slack_bot_token=SecretStr("xoxb-test"),
            slack_signing_secret=SecretStr(SECRET),
            slack_api_url=self.standin.api_url,
            owabi_db=self.db_path,
            owabi_policy=self.policy_path,
            owabi_workers=8,
            owabi_senders=4,  # enough for any flow here; each sender is a thread started per test
        ).model_copy(update=self.overrides)

    def start(self) -> None:
        self.runtime = build(self.settings(), clock=self.clock)
        if self.http:
            self.server = HttpServer(self.runtime, host="127.0.0.1", port=0, threads=8).start_background()
            self.slack = SlackSide(self.server.url, SECRET, self.standin)
        else:
            self.runtime.start_workers()
            self.slack = SlackSide(wsgi_app(self.runtime), SECRET, self.standin)
        self.running = True

    def stop(self) -> None:
        if self.running:
            if self.server is not None:
                self.server.stop()
                self.server = None
            else:
                self.runtime.stop()
            self.running = False

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def store(self) -> Store:
        return self.runtime.store

    @property
    def url(self) -> str:
        """The server's base URL: only an Owabi started with `harness(http=True)` has one."""
        if self.server is None:
            raise AssertionError("this Owabi is dispatched in-process; start it with harness(http=True)")
        return self.server.url

    def wait_for(self, predicate: Callable[[], object], timeout: float = 5.0) -> object:
        return self.standin.wait_for(predicate, timeout)

    def advance(self, seconds: float) -> None:
        """Move this Owabi's fake clock on, and have its workers look at once for what fell due.

        Time moves only once everything due has been sent: a real send takes milliseconds, a
        window minutes, and a jump past a sender's lease mid-send would be a test artefact."""
        if not isinstance(self.clock, FakeClock):
            raise TypeError("advance needs harness(clock=FakeClock())")
        if not self.settled():
            raise AssertionError("something due was still being sent")
        self.clock.advance(seconds)
        self.wake()

    def wake(self) -> None:
        """Have this Owabi's scheduler and senders look for due work now, not at their next poll."""
        self.runtime.scheduler.wake(self.runtime.scheduler.threads)
        self.runtime.dispatcher.wake(self.runtime.dispatcher.threads)

    def settled(self, timeout: float = 5.0) -> bool:
        """Every message and job due by now is done (sent or given up on), messages waiting on
        one not yet sent aside. Work a listener is still doing after its ack is not in the store
        yet: wait for what it writes first (its event), then for this."""

        def done() -> bool:
            now = self.clock()
            rows = self.store.outbox.rows()
            sent = {m["id"] for m in rows if m["status"] == "sent"}
            waiting = [
                m
                for m in rows
                if m["status"] == "pending"
                and m["next_attempt_at"] <= now
                and (m["depends_on"] is None or m["depends_on"] in sent)
            ]
            due_jobs = [j for j in self.store.jobs.rows(status="pending") if j["due_at"] <= now]
            return not waiting and not due_jobs

        return bool(self.wait_for(done, timeout))

    def wait_event(self, kind: str, count: int = 1, timeout: float = 5.0) -> bool:
        return eventually(lambda: self.store.events.count(kind) >= count, timeout)


@pytest.fixture(scope="session", autouse=True)
def triage_model() -> None:
    """Load (or, on a fresh machine, train) the triage model once, before any report is read."""
    default_triager()


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with StandIn() as server:
        yield server


@pytest.fixture
def harness(standin: StandIn, tmp_path: Path) -> Iterator[Callable[..., Harness]]:
    """Factory: `harness(policy=TOML, clock=...)` starts a real Owabi; all are stopped after."""
    made: list[Harness] = []

    def make(
        policy: str = POLICY, clock: Callable[[], float] = time.time, *, http: bool = False, **settings: object
    ) -> Harness:
        """`settings` override fields of Settings (e.g. owabi_slack_timeout=1.0); `http=True`
        serves the app on a real socket, for what only HTTP shows (health, sockets, limits)."""
        path = tmp_path / f"policy{len(made)}.toml"
        path.write_text(policy, encoding="utf-8")
        h = Harness(standin, tmp_path, path, clock, dict(settings), http)
        made.append(h)
        return h

    yield make
    for h in made:
        h.stop()


@pytest.fixture
def owabi(harness: Callable[..., Harness]) -> Harness:
    return harness()
