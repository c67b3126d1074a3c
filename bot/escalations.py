"""Escalation, acknowledgement and reminders: the service side of "nothing waits silently".

The timing rules are pure (bot.domain.escalation); this module applies them to stored
incidents. Every effect is a row written in one transaction: the next step is a job, each
ping is an outbox message with a unique key, and each decision is an event. That is what
makes a step that runs twice (a lost lease, a restart mid-step) send nothing twice.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from bot.domain.escalation import QuietHours, Rules, first_step, next_step, step_at
from bot.domain.events import Event
from bot.domain.lifecycle import Act
from bot.domain.model import Incident, Severity, State
from bot.ports import Job
from bot.scheduler import Scheduler
from bot.service import Owabi

log = logging.getLogger(__name__)

ESCALATE = "escalate"
REMIND = "remind"
CLOSED = frozenset({State.RESOLVED, State.FOLLOWED_UP})
MAX_REMINDERS = 20


@dataclass(frozen=True, slots=True)
class Answer:
    """What the person who clicked is told privately: a template and its values."""

    template: str
    ctx: dict[str, Any]


class Escalations:
    def __init__(self, service: Owabi) -> None:
        self.s = service
        self.store = service.store
        self.policy = service.policy
        self.compose = service.compose.escalation
        self.mention = service.compose.mention
        self.quiet = QuietHours.parse(service.policy.quiet_hours, service.policy.zone)

    def install(self, scheduler: Scheduler) -> None:
        """Start with every report, and run our job kinds on this scheduler."""
        self.s.record_hooks.append(self)
        scheduler.register(ESCALATE, self.run_step)
        scheduler.register(REMIND, self.run_reminder)

    def rules(self, severity: Severity) -> Rules:
        return Rules(
            severity=severity,
            window=self.policy.ack_window(severity).total_seconds(),
            repeat=self.policy.repeat(severity),
            notify_levels=self.policy.notify_levels(severity),
            quiet=self.quiet,
        )

    # --- when a report is recorded (inside its transaction) -----------------------------

    def first_ping_at(self, incident: Incident, at: float) -> float:
        return self.rules(incident.severity).send_at(at)

    def recorded(self, incident: Incident, at: float) -> None:
        rules = self.rules(incident.severity)
        step = first_step(incident.chain, rules, reported_at=at)
        if step is not None:
            self._schedule_next(incident, after=0, last_at=step.at)
        remind_at = rules.send_at(at + self.policy.remind_after(incident.severity).total_seconds())
        self.store.jobs.schedule(
            kind=REMIND, due_at=remind_at, key=f"remind:{incident.id}:1", incident_id=incident.id, payload={"n": 1}
        )

    def _schedule_next(self, incident: Incident, *, after: int, last_at: float, gen: int = 0) -> None:
        step = next_step(incident.chain, self.rules(incident.severity), after=after, last_at=last_at)
        if step is None:
            return
        self.store.jobs.schedule(
            kind=ESCALATE,
            due_at=step.at,
            key=_key("escalate", incident.id, step.index, gen),
            incident_id=incident.id,
            payload={"step": step.index, "gen": gen},
        )

    # --- a correction changed the severity (inside the edit's transaction) -----------------

    def replanned(self, incident: Incident, at: float) -> None:
        """Throw away the old timers and plan again with the new severity's windows.

        Levels the new severity notifies at once but that were never pinged are pinged now;
        the next step falls one new window after the last ping (or now, if that is past).
        """
        cancelled = self.store.jobs.cancel(incident_id=incident.id, kinds=(ESCALATE, REMIND))
        gen = 1 + sum(1 for e in self.store.events.for_incident(incident.id) if e.kind == Event.REPLANNED)
        rules = self.rules(incident.severity)
        pinged = [
            e
            for e in self.store.events.for_incident(incident.id)
            if e.kind in (Event.BOSS_DM_QUEUED, Event.ESCALATED, Event.REROUTED)
        ]
        last_at = max([incident.created_at, *(e.at for e in pinged)])
        top_level = max([-1, *(int(e.data.get("level", 0)) for e in pinged)])
        first = min(max(rules.notify_levels, 1), len(incident.chain))
        open_ = incident.acknowledged_at is None and incident.state not in CLOSED
        if open_ and incident.chain:
            if top_level < first - 1:
                history = self.history(incident.id)
                for level in range(top_level + 1, first):
                    self._ping(
                        incident,
                        user=incident.chain[level],
                        level=level,
                        round_=0,
                        index=0,
                        history=history,
                        due=at,
                        now=at,
                    )
                top_level, last_at = first - 1, at
            self._schedule_next(incident, after=max(0, top_level - first + 1), last_at=last_at, gen=gen)
        if incident.state not in CLOSED:
            due = rules.send_at(at + self.policy.remind_after(incident.severity).total_seconds())
            self.store.jobs.schedule(
                kind=REMIND,
                due_at=due,
                key=_key("remind", incident.id, 1, gen),
                incident_id=incident.id,
                payload={"n": 1, "gen": gen},
            )
        self.store.events.append(
            at=at,
            kind=Event.REPLANNED,
            incident_id=incident.id,
            actor=None,
            severity=incident.severity.value,
            jobs_cancelled=cancelled,
            gen=gen,
        )

    # --- a window ran out ----------------------------------------------------------------

    def run_step(self, job: Job) -> None:
        incident = self.s.get(int(job.incident_id or 0))
        if incident.acknowledged_at is not None or incident.state in CLOSED:
            return
        now = self.s.clock()
        index = int(job.payload["step"])
        step = step_at(incident.chain, self.rules(incident.severity), index=index, at=now)
        if step is None:
            return
        history = self.history(incident.id)
        for ping in step.pings:
            self._ping(
                incident,
                user=ping.user,
                level=ping.level,
                round_=ping.round,
                index=index,
                history=history,
                due=job.due_at,
                now=now,
            )
        if step.tell_reporter:
            self._tell_reporter_waiting(
                incident, who=step.pings[-1].user, round_=step.pings[-1].round, index=index, now=now
            )
        self._schedule_next(incident, after=index, last_at=now, gen=int(job.payload.get("gen", 0)))

    def history(self, incident_id: int) -> list[tuple[str, float]]:
        """Who was pinged when, from the log (the log is the one source of truth)."""
        return [
            (str(e.data.get("recipient")), e.at)
            for e in self.store.events.for_incident(incident_id)
            if e.kind in (Event.BOSS_DM_QUEUED, Event.ESCALATED)
        ]

    def _ping(
        self,
        incident: Incident,
        *,
        user: str,
        level: int,
        round_: int,
        index: int,
        history: list[tuple[str, float]],
        due: float,
        now: float,
    ) -> None:
        self.s.notify(
            incident,
            key=f"boss_dm:{incident.id}:{user}:{index}",
            payload=self.compose.escalation_dm(incident, boss=user, history=history, round_=round_),
            purpose="boss_dm",
            recipient=user,
            at=now,
            event=Event.ESCALATED,
            level=level,
            round=round_,
            step=index,
            due_at=due,
            late=round(now - due, 3),
        )

    def _tell_reporter_waiting(self, incident: Incident, *, who: str, round_: int, index: int, now: float) -> None:
        payload = self.compose.to_reporter(incident, "esc_reporter_waiting", round=round_, who=self.mention(who))
        self.s.notify(
            incident,
            key=f"reporter_waiting:{incident.id}:{index}",
            payload=payload,
            purpose="reporter_waiting",
            recipient=incident.reporter,
            at=now,
            event=Event.REPORTER_TOLD_UNACKNOWLEDGED,
            round=round_,
        )

    # --- reminders ---------------------------------------------------------------------

    def run_reminder(self, job: Job) -> None:
        incident = self.s.get(int(job.incident_id or 0))
        if incident.state in CLOSED:
            return
        n = int(job.payload.get("n", 1))
        now = self.s.clock()
        user = incident.owner or incident.acknowledged_by or (incident.chain[0] if incident.chain else None)
        if user is not None:
            self.s.notify(
                incident,
                key=_key("reminder", incident.id, n, int(job.payload.get("gen", 0))),
                purpose="reminder",
                recipient=user,
                payload=self.compose.reminder(incident, user=user),
                at=now,
                event=Event.REMINDER_QUEUED,
                n=n,
            )
        if n < MAX_REMINDERS:
            rules = self.rules(incident.severity)
            due = rules.send_at(now + self.policy.remind_after(incident.severity).total_seconds())
            gen = int(job.payload.get("gen", 0))
            self.store.jobs.schedule(
                kind=REMIND,
                due_at=due,
                key=_key("remind", incident.id, n + 1, gen),
                incident_id=incident.id,
                payload={"n": n + 1, "gen": gen},
            )

    # --- buttons -------------------------------------------------------------------------

    def acknowledge(self, incident_id: int, *, actor: str, take: bool = False) -> Answer:
        """Record one acknowledgement however many clicks arrive; say who has it."""
        now = self.s.clock()
        # Only the chain (or an admin) may act; a refusal is logged outside any rollback.
        self.s.authorize(self.s.get(incident_id), actor, Act.TAKE if take else Act.ACKNOWLEDGE)
        with self.store.transaction():
            first = self.store.incidents.set_if(
                incident_id, when={"acknowledged_at": None}, at=now, acknowledged_by=actor, acknowledged_at=now
            )
            took = take and self.store.incidents.set_if(incident_id, when={"owner": None}, at=now, owner=actor)
            if first or took:
                self._acknowledged(incident_id, actor=actor, first=first, took=took, now=now)
            else:
                self.store.events.append(
                    at=now,
                    kind=Event.ALREADY_ACKNOWLEDGED,
                    incident_id=incident_id,
                    actor=actor,
                    action="take" if take else "acknowledge",
                )
            after = self.s.get(incident_id)
        self.s.wake()
        return self._answer(after, actor=actor, take=take, first=first, took=took)

    def _acknowledged(self, incident_id: int, *, actor: str, first: bool, took: bool, now: float) -> None:
        if first:
            self.store.incidents.set_if(
                incident_id, when={"state": State.REPORTED.value}, at=now, state=State.ACKNOWLEDGED.value
            )
            cancelled = self.store.jobs.cancel(incident_id=incident_id, kinds=(ESCALATE,))
            held = self.store.outbox.cancel_held(incident_id=incident_id, purpose="boss_dm", now=now)
            self.store.events.append(
                at=now,
                kind=Event.ACKNOWLEDGED,
                incident_id=incident_id,
                actor=actor,
                by=actor,
                escalations_cancelled=cancelled,
                held_pings_cancelled=held,
            )
        if took:
            self.store.events.append(at=now, kind=Event.TAKEN, incident_id=incident_id, actor=actor, owner=actor)
        incident = self.s.get(incident_id)
        tag = "ack" if first else "take"
        self._update_boss_dms(incident, tag=tag, now=now)
        template, ctx = (
            ("esc_reporter_taken", {"owner": self.mention(actor)})
            if took
            else ("esc_reporter_acked", {"by": self.mention(actor), "at": self.compose.clock(now)})
        )
        self.s.queue(
            key=f"reporter_{tag}:{incident_id}",
            payload=self.compose.to_reporter(incident, template, **ctx),
            at=now,
            incident_id=incident_id,
            purpose=f"reporter_{tag}",
            recipient=incident.reporter,
        )

    def _update_boss_dms(self, incident: Incident, *, tag: str, now: float) -> None:
        """Rewrite every boss DM in place; each update waits for its DM to be delivered."""
        for row in self.store.outbox.rows(incident_id=incident.id, purpose="boss_dm"):
            if row["status"] in ("failed", "cancelled"):
                continue
            original = json.loads(row["payload"])
            self.s.queue(
                key=f"boss_dm_update:{incident.id}:{row['id']}:{tag}",
                method="chat.update",
                payload=self.compose.acknowledged(original, incident),
                at=now,
                incident_id=incident.id,
                purpose="boss_dm_update",
                recipient=row["recipient"],
                depends_on=row["id"],
            )

    def _answer(self, incident: Incident, *, actor: str, take: bool, first: bool, took: bool) -> Answer:
        if took:
            return Answer("esc_take_done", {})
        if take and incident.owner and incident.owner != actor:
            return Answer("esc_take_already", {"owner": self.mention(incident.owner)})
        if first:
            return Answer("esc_ack_done", {"reporter": self.mention(incident.reporter)})
        return Answer(
            "esc_ack_already",
            {
                "by": self.mention(incident.acknowledged_by or ""),
                "at": self.compose.clock(incident.acknowledged_at or 0.0),
            },
        )

    def escalate_now(self, incident_id: int, *, actor: str) -> Answer:
        """Bring the next step forward to now; the scheduler sends it within moments."""
        now = self.s.clock()
        self.s.authorize(self.s.get(incident_id), actor, Act.ESCALATE)
        with self.store.transaction():
            job = self.store.jobs.advance(incident_id=incident_id, kind=ESCALATE, due_at=now)
            self.store.events.append(
                at=now,
                kind=Event.ESCALATE_REQUESTED,
                incident_id=incident_id,
                actor=actor,
                step=job.payload.get("step") if job else None,
            )
        self.s.wake()
        return Answer("esc_escalated" if job else "esc_nothing", {})


def _key(kind: str, incident_id: int, n: int, gen: int) -> str:
    """Job and message keys; a re-plan (gen > 0) gets fresh keys, as the old ones are spent."""
    return f"{kind}:{incident_id}:{n}" + (f":g{gen}" if gen else "")
