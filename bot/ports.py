"""What the use cases need from the outside, as protocols: they depend on these, never on Slack
or SQLite.

- **Messages**: the Slack edge implements them (`bot.slack.compose.Composer` and the two
  specialists it holds). A message is the Web API payload the outbox will send, so the use
  cases can queue it without knowing its shape.
- **The store**: `bot.store.Store` implements it over one SQLite file; the records it hands
  back and the errors it raises are defined here, so a use case never imports the store, and
  tests/test_store_contract.py is the suite a second implementation must pass.

`bot.runtime` is where each is chosen and handed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Any, Protocol, TypeVar

from bot.domain.errors import OwabiError
from bot.domain.guidance import Plan
from bot.domain.metrics import Lesson, OpenCase, Summary, Tally
from bot.domain.model import Incident, Report

Message = dict[str, Any]
T = TypeVar("T")


# --- what the store hands back, and the errors it raises ---------------------------------


class StoreUnavailable(OwabiError):
    """The database cannot be opened or written."""


class StoreBusy(StoreUnavailable):
    """Another process holds the write lock for longer than this caller can wait."""


class LeaseLost(OwabiError):
    """Another worker holds the job now; whatever this worker did must be rolled back."""


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """One entry of the append-only event log."""

    id: int
    at: float
    incident_id: int | None
    kind: str
    actor: str | None
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Job:
    """A timed rule's next step, claimed by one scheduler at a time."""

    id: int
    kind: str
    key: str
    incident_id: int | None
    due_at: float
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A queued Web API call, claimed by one sender at a time."""

    id: int
    key: str
    incident_id: int | None
    purpose: str
    recipient: str
    method: str
    payload: dict[str, Any]
    depends_on: int | None
    attempts: int
    created_at: float = 0.0
    maybe_sent: bool = False  # an earlier attempt may have reached Slack: look before sending again


# --- the store -------------------------------------------------------------------------------


class Incidents(Protocol):
    def create(
        self, report: Report, *, chain: list[str], team: str | None, at: float, key: str, practice: bool = False
    ) -> Incident: ...

    def preview(
        self, report: Report, *, chain: list[str], team: str | None, at: float, incident_id: int, practice: bool = False
    ) -> Incident:
        """The incident `create` would store, without storing it."""
        ...

    def get(self, incident_id: int) -> Incident | None: ...

    def by_key(self, key: str) -> Incident | None: ...

    def recent_same_text(self, reporter: str, text: str, since: float) -> Incident | None: ...

    def by_reporter(self, reporter: str, *, limit: int = 10) -> list[Incident]: ...

    def update(self, incident_id: int, *, at: float, **fields: Any) -> None: ...

    def set_if(self, incident_id: int, *, when: Mapping[str, object], at: float, **fields: Any) -> bool:
        """Set `fields` only while every column in `when` holds its value (None: still empty)."""
        ...


class EventLog(Protocol):
    def append(
        self, *, at: float, kind: str, incident_id: int | None = None, actor: str | None = None, **data: Any
    ) -> int: ...

    def for_incident(self, incident_id: int) -> list[LoggedEvent]: ...

    def all(self, *, since: float | None = None) -> list[LoggedEvent]: ...

    def count(self, kind: str | None = None) -> int: ...

    def head(self) -> tuple[int, str]: ...

    def verify(self) -> tuple[int, int | None]: ...


class Outbox(Protocol):
    def enqueue(
        self,
        *,
        key: str,
        method: str,
        payload: dict[str, Any],
        at: float,
        incident_id: int | None = None,
        purpose: str = "",
        recipient: str = "",
        not_before: float | None = None,
        depends_on: int | None = None,
    ) -> int | None:
        """The new message's id, or None when this key was queued before (nothing is queued)."""
        ...

    def claim(self, *, worker: str, now: float, lease: float, limit: int = 10) -> list[Outgoing]:
        """Due messages not held by a live lease, boss DMs first, none waiting on an unsent one."""
        ...

    def renew(self, outgoing_id: int, *, worker: str, until: float) -> bool: ...

    def mark_sent(self, outgoing_id: int, *, worker: str, at: float, channel: str = "", ts: str = "") -> bool:
        """False when `worker` no longer holds the message (its lease went to another sender)."""
        ...

    def mark_retry(
        self, outgoing_id: int, *, worker: str, at: float, error: str, counts: bool = True, maybe_sent: bool = False
    ) -> None: ...

    def mark_failed(self, outgoing_id: int, *, worker: str, error: str) -> bool: ...

    def cancel_held(self, *, incident_id: int, purpose: str, now: float) -> int: ...

    def release_dead_claims(self, now: float) -> int: ...

    def result(self, outgoing_id: int) -> tuple[str, str] | None: ...

    def sent_for(self, incident_id: int, purpose: str) -> list[tuple[str, str, str]]: ...

    def rows(self, **where: Any) -> list[dict[str, Any]]: ...

    def next_due(self, now: float | None = None) -> float | None: ...


class Jobs(Protocol):
    def schedule(
        self,
        *,
        kind: str,
        due_at: float,
        key: str,
        incident_id: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> int | None: ...

    def claim_due(self, *, worker: str, now: float, lease: float, limit: int = 50) -> list[Job]: ...

    def release_dead_claims(self, now: float) -> int: ...

    def done(self, job_id: int, *, worker: str) -> None:
        """Raises LeaseLost when `worker` no longer holds the job: what it did must roll back."""
        ...

    def retry(self, job_id: int, *, worker: str, at: float, error: str) -> None:
        """Run it again at `at`; nothing happens if the lease went to another worker."""
        ...

    def cancel(self, *, incident_id: int, kinds: tuple[str, ...]) -> int: ...

    def advance(self, *, incident_id: int, kind: str, due_at: float) -> Job | None:
        """Bring the next pending job of this kind forward to `due_at` (never later)."""
        ...

    def next_due(self) -> float | None: ...

    def rows(self, **where: Any) -> list[dict[str, Any]]: ...


class ReadModel(Protocol):
    """The figures the summary, the App Home and the exports read."""

    def version(self) -> tuple[int, int]:
        """Changes whenever anything the figures count may have changed (cheap to ask)."""
        ...

    def add_lesson(
        self, *, incident_id: int, at: float, category: str, severity: str, lesson: str, what_changes: str, author: str
    ) -> None: ...

    def tally(
        self,
        start: float,
        end: float,
        *,
        windows: Sequence[tuple[str, float, float]],
        teams: list[str] | None = None,
    ) -> Tally: ...

    def open_count(self, *, teams: list[str] | None = None) -> int: ...

    def oldest_open(self, *, teams: list[str] | None = None) -> OpenCase | None: ...

    def escalations(self, start: float, end: float, *, teams: list[str] | None = None) -> int: ...

    def felt_supported(self, start: float, end: float, *, teams: list[str] | None = None) -> tuple[int, int]: ...

    def lessons(
        self,
        *,
        start: float = 0.0,
        end: float = float("inf"),
        category: str | None = None,
        limit: int = 20,
        teams: list[str] | None = None,
    ) -> list[Lesson]: ...

    def open_for(
        self, *, reporter: str | None = None, bosses: list[str] | None = None, limit: int = 20
    ) -> list[dict[str, Any]]: ...

    def export(self, table: str, *, since: float = 0.0) -> Iterator[dict[str, Any]]: ...


class Spool(Protocol):
    """Reports kept on disk while the database takes no writes."""

    def put(self, key: str, record: dict[str, Any], *, at: float) -> Path: ...

    def pending(self) -> Iterator[tuple[Path, dict[str, Any]]]: ...

    def count(self) -> int: ...

    def done(self, path: Path) -> None: ...


class Store(Protocol):
    """Everything Owabi keeps. A transaction commits every write inside it or none; nested
    transactions join the outer one; `wait` bounds the queue for the write lock (StoreBusy)."""

    @property
    def incidents(self) -> Incidents: ...

    @property
    def events(self) -> EventLog: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def jobs(self) -> Jobs: ...

    @property
    def reports(self) -> ReadModel: ...

    @property
    def spool(self) -> Spool: ...

    def transaction(self, *, wait: float | None = None) -> AbstractContextManager[object]: ...

    def together(self, fn: Callable[[], T], *, wait: float | None = None) -> T:
        """`fn` in a write transaction that may be committed with other threads' at that moment."""
        ...

    def ping(self) -> bool: ...

    def close(self) -> None: ...


# --- messages --------------------------------------------------------------------------------


class EscalationMessages(Protocol):
    def escalation_dm(
        self, incident: Incident, *, boss: str, history: list[tuple[str, float]], round_: int
    ) -> Message: ...

    def acknowledged(self, original: Message, incident: Incident) -> Message: ...

    def to_reporter(self, incident: Incident, template: str, **ctx: Any) -> Message: ...

    def reminder(self, incident: Incident, *, user: str) -> Message: ...

    def clock(self, at: float) -> str: ...


class LifecycleMessages(Protocol):
    def follow_up_reminder(self, incident: Incident, *, to: str, now: float | None = None) -> Message: ...

    def summary_text(self, summary: Summary, *, zone: tzinfo) -> str: ...

    def summary_post(self, summary: Summary, *, channel: str, zone: tzinfo) -> Message: ...

    def summary_chart(self, summary: Summary, *, channel: str) -> tuple[str, Message]:
        """The Web API method and payload that upload the week's chart."""
        ...


class Messages(Protocol):
    """Every message a use case queues, composed from the incident and the team's wording."""

    @property
    def escalation(self) -> EscalationMessages: ...

    @property
    def lifecycle(self) -> LifecycleMessages: ...

    def mention(self, user: str) -> str: ...

    def reporter(self, incident: Incident, *, duplicate: bool = False, spooled: bool = False) -> Message: ...

    def boss_dm(self, incident: Incident, *, boss: str) -> Message:
        """The same DM for every boss of the incident, addressed to `boss` (its channel)."""
        ...

    def boss_edited(self, incident: Incident, *, boss: str) -> Message: ...

    def supported_ask(self, incident: Incident) -> Message: ...

    def dm(self, user: str, template: str, **ctx: Any) -> Message: ...

    def delivery_fix(self, error: str) -> str: ...

    def plan(self, incident: Incident) -> Plan: ...
