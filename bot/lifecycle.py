"""Moving an incident through its life: customer contacted, resolved, followed up.

Each move is checked by the pure rules in `bot.domain.lifecycle`, then written with its
event (and any lesson, job or message it causes) in one transaction. The state change is
a compare-and-set on the state we checked, so two people pressing at once make one move.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain.events import Event
from bot.domain.lifecycle import Act, Move, Refused, check, may, role_of
from bot.domain.model import Incident, State
from bot.domain.text import clean
from bot.escalations import ESCALATE, REMIND
from bot.ports import Store
from bot.scheduler import Scheduler
from bot.service import Owabi

FOLLOW_UP_JOB = "follow_up_reminder"
# The escalation job kinds that stop mattering once the incident is resolved.
ESCALATION_JOBS = (ESCALATE, REMIND)
RESOLUTION_FIELDS = ("what_happened", "what_we_did", "what_changes", "lesson")
FIELD_MAX = 3000


@dataclass(frozen=True, slots=True)
class Resolution:
    what_happened: str = ""
    what_we_did: str = ""
    what_changes: str = ""
    lesson: str = ""

    @classmethod
    def of(cls, **values: str) -> Resolution:
        return cls(**{k: clean(values.get(k, ""))[:FIELD_MAX] for k in RESOLUTION_FIELDS})

    def as_dict(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in RESOLUTION_FIELDS}


class Lifecycle:
    def __init__(self, service: Owabi) -> None:
        self.s = service

    @property
    def store(self) -> Store:
        return self.s.store

    def allowed(self, incident: Incident, *, actor: str, move: Move) -> State:
        """The target state, or Refused; a refusal is logged (PRODUCT: attempts are logged)."""
        role = role_of(actor, incident, admins=self.s.policy.admins)
        try:
            return check(move, incident.state, role, acknowledged=incident.acknowledged_at is not None)
        except Refused as refused:
            self.store.events.append(
                at=self.s.clock(),
                kind=Event.REFUSED,
                incident_id=incident.id,
                actor=actor,
                action=move.value,
                state=incident.state.value,
                reason=refused.reason,
            )
            raise

    def contact(self, incident_id: int, *, actor: str) -> Incident:
        return self._move(incident_id, actor=actor, move=Move.CONTACT, stamp="contacted_at")

    def follow_up(self, incident_id: int, *, actor: str) -> Incident:
        incident = self._move(incident_id, actor=actor, move=Move.FOLLOW_UP, stamp="followed_up_at")
        self.store.jobs.cancel(incident_id=incident.id, kinds=(FOLLOW_UP_JOB,))
        return incident

    def resolve(self, incident_id: int, *, actor: str, resolution: Resolution) -> Incident:
        return self._move(incident_id, actor=actor, move=Move.RESOLVE, stamp="resolved_at", resolution=resolution)

    # --- the one write path ----------------------------------------------------------

    def _move(
        self,
        incident_id: int,
        *,
        actor: str,
        move: Move,
        stamp: str,
        resolution: Resolution | None = None,
    ) -> Incident:
        incident = self.s.get(incident_id)
        target = self.allowed(incident, actor=actor, move=move)
        now = self.s.clock()
        fields: dict[str, Any] = {"state": target.value, stamp: now}
        if resolution is not None:
            fields["details"] = _json({**incident.details, **resolution.as_dict()})
        with self.store.transaction():
            if not self.store.incidents.set_if(incident.id, when={"state": incident.state.value}, at=now, **fields):
                raise Refused(move, incident.state, role_of(actor, incident, admins=[]), "changed")
            self.store.events.append(
                at=now,
                kind=target.value,
                incident_id=incident.id,
                actor=actor,
                before=incident.state.value,
                **(resolution.as_dict() if resolution else {}),
            )
            if move is Move.CONTACT:
                self._promise_follow_up(incident, at=now)
            if resolution is not None:
                self._after_resolve(incident, actor=actor, resolution=resolution, at=now)
        self.s.wake()
        return self.s.get(incident.id)

    def _after_resolve(self, incident: Incident, *, actor: str, resolution: Resolution, at: float) -> None:
        if resolution.lesson:
            self.store.reports.add_lesson(
                incident_id=incident.id,
                at=at,
                category=incident.category,
                severity=incident.severity.value,
                lesson=resolution.lesson,
                what_changes=resolution.what_changes,
                author=actor,
            )
        self.store.jobs.cancel(incident_id=incident.id, kinds=ESCALATION_JOBS)
        self._promise_follow_up(incident, at=at)  # resolved without "contacted": the promise starts now
        self._ask_supported(incident, at=at)

    def _ask_supported(self, incident: Incident, *, at: float) -> None:
        """One tap for the reporter: did they feel supported? Only the team's share is ever shown."""
        self.s.notify(
            incident,
            key=f"supported_ask:{incident.id}",
            purpose="supported_ask",
            recipient=incident.reporter,
            at=at,
            event=Event.SUPPORTED_ASKED,
            payload=self.s.compose.supported_ask(incident),
        )

    def felt_supported(self, incident_id: int, *, actor: str, answer: str) -> bool:
        """The reporter's answer, once; anyone else's is refused. True if it was recorded now."""
        incident = self.s.get(incident_id)
        now = self.s.clock()
        if answer not in ("yes", "no") or not may(actor, incident, Act.FELT_SUPPORTED, admins=self.s.policy.admins):
            self.store.events.append(
                at=now, kind=Event.REFUSED, incident_id=incident.id, actor=actor, action=Act.FELT_SUPPORTED.value
            )
            return False
        with self.store.transaction():
            if any(e.kind == Event.FELT_SUPPORTED for e in self.store.events.for_incident(incident.id)):
                return False
            self.store.events.append(
                at=now, kind=Event.FELT_SUPPORTED, incident_id=incident.id, actor=None, answer=answer
            )
        return True

    def _promise_follow_up(self, incident: Incident, *, at: float) -> None:
        """The reminder fires when the card promised the customer would hear from us next.

        It counts from the first contact (or the resolution, if nobody pressed "contacted");
        the job key is per incident, so a later move never pushes an earlier promise back.
        A low slip settled face to face promised no later contact, so it gets no reminder.
        """
        if not incident.customer_to_win_back:
            return
        within = self.s.compose.plan(incident).next_contact.within
        if within is None:
            return
        self.store.jobs.schedule(
            kind=FOLLOW_UP_JOB,
            key=f"follow_up:{incident.id}",
            incident_id=incident.id,
            due_at=at + within.total_seconds(),
        )

    # --- the follow-up reminder ------------------------------------------------------

    def who_follows_up(self, incident: Incident) -> str:
        """Whoever the card said contacts the customer next: the reporter for low and medium,
        else the owner if someone took it, else the first boss (no chain: the reporter)."""
        if self.s.compose.plan(incident).next_contact.who == "you":
            return incident.reporter
        return incident.owner or (incident.chain[0] if incident.chain else incident.reporter)

    def install(self, scheduler: Scheduler) -> None:
        """Run the follow-up reminders on this scheduler."""

        def follow_up(job: Any) -> None:
            if job.incident_id is not None:
                self.remind_follow_up(job.incident_id)

        scheduler.register(FOLLOW_UP_JOB, follow_up)

    def remind_follow_up(self, incident_id: int) -> bool:
        """Queue the reminder DM; False if the incident no longer needs one."""
        incident = self.s.get(incident_id)
        if incident.state not in (State.CONTACTED, State.RESOLVED):
            return False

        person = self.who_follows_up(incident)
        now = self.s.clock()
        with self.store.transaction():
            queued = self.s.notify(
                incident,
                key=f"follow_up_dm:{incident.id}",
                payload=self.s.compose.lifecycle.follow_up_reminder(incident, to=person, now=now),
                purpose="follow_up_dm",
                recipient=person,
                at=now,
                event=Event.FOLLOW_UP_REMINDER_QUEUED,
            )
        self.s.wake()
        return bool(queued)


def _json(details: dict[str, str]) -> str:
    import json

    return json.dumps(details, ensure_ascii=False)
