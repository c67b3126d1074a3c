"""What Owabi does, independent of how it was asked (slash command, form, CLI, demo).

Every change is written together with its event and the messages it causes, in one
transaction, before anyone is answered: a crash after that point loses nothing, and the
dispatcher delivers the queued messages whenever Slack is reachable.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, NoReturn, Protocol

from bot.config import Policy
from bot.domain.errors import OwabiError, frames
from bot.domain.events import Event, payload_sha
from bot.domain.lifecycle import Act, may
from bot.domain.model import Contact, Incident, Report, Severity, Situation, Triage
from bot.domain.text import clean
from bot.ports import Messages, Store, StoreBusy

log = logging.getLogger(__name__)

DUPLICATE_WINDOW = 120.0  # seconds: the same text from the same person is a resend
MAX_TEXT = 20_000  # longer than Slack allows; kept whole, shown shortened
REPORT_WAIT = 1.5  # seconds a report may queue for the write lock before it is spooled (Slack allows 3)


class EmptyReport(OwabiError, ValueError):
    """A report with nothing in it: we ask for words instead of logging a blank."""


class UnknownIncident(OwabiError, LookupError):
    """No incident has this id (a stale button, a mistyped CLI argument)."""


class NotAllowed(OwabiError, PermissionError):
    """The person may not do this to this incident."""


@dataclass(frozen=True, slots=True)
class Outcome:
    incident: Incident
    duplicate: bool = False
    spooled: bool = False  # kept on disk while the database is busy; `incident` is provisional (id 0)
    answer: dict[str, Any] | None = None  # the reporter's answer, composed once for the ack and the DM copy


class RecordHook(Protocol):
    """Something that starts with every new incident (escalation timers, reminders)."""

    def first_ping_at(self, incident: Incident, at: float) -> float: ...

    def recorded(self, incident: Incident, at: float) -> None: ...

    def replanned(self, incident: Incident, at: float) -> None: ...


class Reader(Protocol):
    """Reads a report's text into a Triage (bot.domain.triage.Triager)."""

    def read(self, text: str, *, default_locale: str = "en") -> Triage: ...


# The made-up id an incident is composed under before it has its own (see Owabi._record): no
# real id gets near it, and its digits appear in nothing else a message carries.
PREVIEW_ID = 987_654_321_987


def rebind(payload: dict[str, Any], preview: Incident, incident: Incident) -> dict[str, Any]:
    """`payload` composed for `preview`, with the real incident's ref and id put in."""
    swaps = ((preview.ref, incident.ref), (str(preview.id), str(incident.id)))

    def fix(value: Any) -> Any:
        if isinstance(value, str):
            for old, new in swaps:
                value = value.replace(old, new)
            return value
        if isinstance(value, dict):
            return {k: fix(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fix(v) for v in value]
        return value

    fixed: dict[str, Any] = fix(payload)
    return fixed


class Owabi:
    def __init__(
        self,
        *,
        store: Store,
        policy: Policy,
        composer: Messages,
        clock: Callable[[], float] = time.time,
        wake: Callable[[], None] = lambda: None,
        triager: Reader | None = None,
    ) -> None:
        self._triager = triager
        self.wake_spool: Callable[[], None] = lambda: None
        self.store = store
        self.policy = policy
        self.compose = composer
        self.clock = clock
        self.wake = wake
        self.record_hooks: list[RecordHook] = []  # escalation timers etc., run in the report's tx

    @property
    def triager(self) -> Reader:
        if self._triager is None:  # loads in the background; reports are read meanwhile (bot.learning.reader)
            from bot.learning.reader import WarmingTriager

            self._triager = WarmingTriager()
        return self._triager

    # --- reporting --------------------------------------------------------------------

    def report(
        self,
        *,
        reporter: str,
        text: str,
        key: str,
        channel_id: str = "",
        category: str | None = None,
        severity: Severity | None = None,
        contact: Contact | None = None,
        locale: str | None = None,
        customer: str = "",
        copy_to_dm: bool = True,
        situation: str | None = None,
        source_link: str = "",
        evidence: tuple[tuple[str, str], ...] = (),
    ) -> Outcome:
        """Record a report and queue the boss's DM; the reporter's script also goes to them as a
        DM (`copy_to_dm`), because an ephemeral answer vanishes on reload and on another device.
        `situation` chosen on the form (a near miss, an abusive customer) is kept over triage's;
        an abusive customer is at least high, as triage would make it."""
        text = clean(text)[:MAX_TEXT]
        if not text:
            raise EmptyReport
        now = self.clock()
        existing = self.store.incidents.by_key(key) or self.store.incidents.recent_same_text(
            reporter, text, now - DUPLICATE_WINDOW
        )
        if existing is not None:
            try:
                with self.store.transaction(wait=REPORT_WAIT):
                    self.store.events.append(
                        at=now, kind=Event.DUPLICATE_REPORT, incident_id=existing.id, actor=reporter, key=key
                    )
            except StoreBusy:
                log.warning("database busy: the resend of %s was answered but not logged", existing.ref)
            return Outcome(existing, duplicate=True)
        guess = self.triager.read(text, default_locale=self.policy.locale)
        # A severity chosen on the form is kept unless the report itself reads as more serious.
        chosen = severity if severity is not None and severity.rank >= guess.severity.rank else guess.severity
        kind = situation or guess.situation
        if kind == Situation.CUSTOMER_HARASSMENT.value and chosen.rank < Severity.HIGH.rank:
            chosen = Severity.HIGH
        report = Report(
            reporter=reporter,
            text=text,
            channel_id=channel_id,
            customer=clean(customer)[:200],
            category=category if category in self.policy.all_categories else guess.category,
            severity=chosen,
            locale=locale or guess.locale,
            contact=contact or Contact.IN_PERSON,
            signals=guess.signals,
            situation=kind,
            facets={k: list(v) for k, v in guess.facets.items()},
            questions=tuple(
                q
                for q in guess.questions
                if (q != "category" or category is None)
                and not (kind == Situation.NEAR_MISS.value and q in ("safety", "personal_data"))
            ),
            alternatives=tuple(c for c in (guess.category, *guess.alternatives) if c)[:3],
            found_by=guess.found_by,
            source_link=source_link[:500],
            evidence=tuple((clean(name)[:200], url[:500]) for name, url in evidence[:10]),
        )
        try:
            incident, answer = self._record(
                report, key=key, guess=guess.as_json(), at=now, wait=REPORT_WAIT, copy_to_dm=copy_to_dm
            )
            return Outcome(incident, answer=answer)
        except StoreBusy:
            log.warning("database busy: a report from %s was spooled and will be stored when the lock frees", reporter)
            return self._spool(report, key=key, guess=guess, at=now)
        except Exception as exc:
            # Whatever else broke while recording, the report is kept like a busy one; if the
            # drain can never store it either, the file waits for an operator.
            log.error(
                "a report from %s could not be recorded (%s); spooled to be stored again\n%s",
                reporter,
                type(exc).__name__,
                frames(exc),
            )
            return self._spool(report, key=key, guess=guess, at=now)

    def _spool(self, report: Report, *, key: str, guess: Triage, at: float) -> Outcome:
        """Keep the report on disk for the drain to store, and answer the reporter from it."""
        self.store.spool.put(key, {"report": _report_json(report), "guess": guess.as_json()}, at=at)
        self.wake_spool()
        return Outcome(self._provisional(report, at=at), spooled=True)

    def _provisional(self, report: Report, *, at: float) -> Incident:
        """The spooled report as it will be stored, with no id or reference yet; and no questions
        to tap, since there is no incident yet for an answer to go to."""
        team = self.policy.team_of(report.reporter)
        stored = self.store.incidents.preview(
            report, chain=self.policy.chain_for(report.reporter), team=team.name if team else None, at=at, incident_id=0
        )
        return replace(stored, ref="", details={"found_by": report.found_by})

    def ingest_spooled(self) -> int:
        """Store spooled reports now that the database takes writes; returns how many were stored."""
        stored = 0
        for path, record in self.store.spool.pending():
            try:
                key = str(record["key"])
                if self.store.incidents.by_key(key) is None:
                    report = _report_from_json(record["report"])
                    incident, _ = self._record(
                        report,
                        key=key,
                        guess=record.get("guess") or {},
                        at=float(record["at"]),
                        wait=REPORT_WAIT,
                        spooled=True,
                    )
                    stored += 1
                    log.info("spooled report stored as %s", incident.ref)
            except StoreBusy:
                raise  # the lock is taken again: the whole pass waits
            except Exception as exc:  # one bad file must not hold back the others; it stays for an operator
                log.error("spooled report %s could not be stored (%s); left in place", path.name, type(exc).__name__)
                continue
            self.store.spool.done(path)
        return stored

    def _record(
        self,
        report: Report,
        *,
        key: str,
        guess: dict[str, object],
        at: float,
        wait: float | None = None,
        spooled: bool = False,
        copy_to_dm: bool = True,
    ) -> tuple[Incident, dict[str, Any] | None]:
        chain = self.policy.chain_for(report.reporter)
        team = self.policy.team_of(report.reporter)
        team_name = team.name if team else None
        # Composing is most of a report's work: it is done before the write transaction, on the
        # incident as it will be stored under a made-up id, so the write lock is held for writing
        # only; inside, only the id and ref are put in (or, if anything differs, it is composed again).
        preview = self.store.incidents.preview(report, chain=chain, team=team_name, at=at, incident_id=PREVIEW_ID)
        bosses = self.first_recipients(preview)
        # Every boss is sent the same DM: composed once, addressed to each.
        first_dm = self.compose.boss_dm(preview, boss=bosses[0]) if bosses else {}
        early = {boss: {**first_dm, "channel": boss} for boss in bosses}
        early_answer = self.compose.reporter(preview) if (spooled or copy_to_dm) else None

        def write() -> tuple[Incident, dict[str, Any] | None]:
            incident = self.store.incidents.create(report, chain=chain, team=team_name, at=at, key=key)
            same = replace(incident, id=preview.id, ref=preview.ref) == preview
            self.store.events.append(
                at=at,
                kind=Event.REPORTED,
                incident_id=incident.id,
                actor=report.reporter,
                text=report.text,
                customer=report.customer,
                category=report.category,
                severity=report.severity.value,
                contact=report.contact.value,
                locale=report.locale,
                situation=report.situation,
                facets=report.facets,
                triage=guess,
                chain=chain,
                channel_id=report.channel_id,
            )
            # A near miss reached nobody: the direct boss hears quietly, and nothing escalates.
            hooks = [] if incident.near_miss else self.record_hooks
            # Quiet hours hold a near miss's DM as they hold a low slip's: it is never urgent.
            timing = replace(incident, severity=Severity.LOW) if not hooks else incident
            send_at = max([at, *(h.first_ping_at(timing, at) for h in self.record_hooks)])
            for boss in self.first_recipients(incident):
                self.queue_boss_dm(
                    incident,
                    boss=boss,
                    level=incident.chain.index(boss),
                    at=at,
                    not_before=send_at if send_at > at else None,
                    payload=rebind(early[boss], preview, incident) if same and boss in early else None,
                )
            for hook in hooks:
                hook.recorded(incident, at)
            answer = None
            if spooled or copy_to_dm:  # a copy they can find again (a spooled answer had no reference)
                answer = (
                    rebind(early_answer, preview, incident)
                    if same and early_answer is not None
                    else self.compose.reporter(incident)
                )
                self.notify(
                    incident,
                    key=f"script_dm:{incident.id}",
                    purpose="script_dm",
                    recipient=report.reporter,
                    at=self.clock(),
                    event=Event.SCRIPT_DM_QUEUED,
                    payload={"channel": report.reporter, "unfurl_links": False, "unfurl_media": False, **answer},
                )
            return incident, answer

        # Committed with whatever other reports arrive at the same moment: one fsync for a burst.
        incident, answer = self.store.together(write, wait=wait)
        self.wake()
        return incident, answer

    def first_recipients(self, incident: Incident) -> list[str]:
        """High and critical reach several levels at once (policy `notify_levels`); a near miss
        only the direct boss."""
        if incident.near_miss:
            return list(incident.chain[:1])
        return list(incident.chain[: self.policy.notify_levels(incident.severity)])

    def queue_boss_dm(
        self,
        incident: Incident,
        *,
        boss: str,
        level: int,
        at: float,
        round_: int = 0,
        not_before: float | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        """`payload`, when given, is the DM already composed for this incident and boss."""
        self.notify(
            incident,
            key=f"boss_dm:{incident.id}:{boss}:{round_}",
            payload=payload if payload is not None else self.compose.boss_dm(incident, boss=boss),
            purpose="boss_dm",
            recipient=boss,
            at=at,
            event=Event.BOSS_DM_QUEUED,
            not_before=not_before,
            level=level,
            round=round_,
        )

    def notify(
        self,
        incident: Incident,
        *,
        key: str,
        payload: dict[str, Any],
        purpose: str,
        recipient: str,
        at: float,
        event: str,
        not_before: float | None = None,
        **data: Any,
    ) -> int | None:
        """Queue a DM about an incident and log it, once: a repeated key queues and logs nothing."""
        return self.queue(
            key=key,
            payload=payload,
            purpose=purpose,
            recipient=recipient,
            at=at,
            incident_id=incident.id,
            not_before=not_before,
            event=event,
            **data,
        )

    def queue(
        self,
        *,
        key: str,
        payload: dict[str, Any],
        purpose: str,
        recipient: str,
        at: float,
        incident_id: int | None = None,
        method: str = "chat.postMessage",
        not_before: float | None = None,
        depends_on: int | None = None,
        event: str | None = None,
        **data: Any,
    ) -> int | None:
        """The one way a message is queued: once per key, and logged with the payload's hash, as
        `event` or else as a message queued for its purpose, so the log shows every message the
        outbox was given.

        Returns the outbox id, or None when that key was queued before (nothing is queued or logged)."""
        if event is None:
            event, data = Event.MESSAGE_QUEUED, {"purpose": purpose, **data}
        with self.store.transaction():  # the message and its log line, or neither
            queued = self.store.outbox.enqueue(
                key=key,
                method=method,
                payload=payload,
                at=at,
                incident_id=incident_id,
                purpose=purpose,
                recipient=recipient,
                not_before=not_before,
                depends_on=depends_on,
            )
            if queued:
                self.store.events.append(
                    at=at,
                    kind=event,
                    incident_id=incident_id,
                    actor=None,
                    recipient=recipient,
                    outbox_id=queued,
                    payload_sha256=payload_sha(json.dumps(payload, ensure_ascii=False)),
                    **data,
                )
        return queued

    # --- corrections ------------------------------------------------------------------

    def authorize(self, incident: Incident, actor: str, act: Act) -> None:
        """NotAllowed unless `actor` may `act` on the incident (bot.domain.lifecycle.may); a refusal is logged."""
        if not may(actor, incident, act, admins=self.policy.admins):
            self.refuse(incident, actor, act)

    def refuse(self, incident: Incident, actor: str, act: Act) -> NoReturn:
        """Log that `actor` was refused `act`, and raise NotAllowed."""
        self.store.events.append(
            at=self.clock(), kind=Event.REFUSED, incident_id=incident.id, actor=actor, action=act.value
        )
        raise NotAllowed(act.value)

    def edit(
        self, incident_id: int, *, actor: str, category: str, severity: Severity, contact: Contact, locale: str
    ) -> Incident:
        incident = self.get(incident_id)
        self.authorize(incident, actor, Act.EDIT)
        if category not in self.policy.all_categories:
            category = incident.category
        if incident.situation == Situation.CUSTOMER_HARASSMENT.value and severity.rank < Severity.HIGH.rank:
            severity = Severity.HIGH  # staff facing abuse are never a low, slow case
        changes = {
            k: v
            for k, v in {
                "category": category,
                "severity": severity.value,
                "contact": contact.value,
                "locale": locale,
            }.items()
            if getattr(incident, k) != v and str(getattr(incident, k)) != v
        }
        if not changes:
            return incident
        now = self.clock()
        with self.store.transaction():
            self.store.incidents.update(incident.id, at=now, **changes)
            self.store.events.append(
                at=now,
                kind=Event.EDITED,
                incident_id=incident.id,
                actor=actor,
                before={k: str(getattr(incident, k)) for k in changes},
                after=changes,
            )
            updated = replace(incident, category=category, severity=severity, contact=contact, locale=locale)
            if "severity" in changes and not updated.near_miss:
                for hook in self.record_hooks:  # a near miss never escalates, whatever its severity
                    hook.replanned(updated, now)
            if {"category", "severity"} & changes.keys():
                for boss, _channel, _ts in self.store.outbox.sent_for(incident.id, "boss_dm"):
                    self.queue(
                        key=f"boss_edit:{incident.id}:{boss}:{now}",
                        payload=self.compose.boss_edited(updated, boss=boss),
                        at=now,
                        incident_id=incident.id,
                        purpose="boss_edit",
                        recipient=boss,
                    )
        self.wake()
        return updated

    # --- one-tap answers to triage's questions -------------------------------------------

    def answer(self, incident_id: int, *, actor: str, question: str, value: str) -> Incident:
        """The reporter (or a boss) settles what triage was unsure about; the script follows.

        "Is anyone hurt or at risk?" yes → safety risk, critical; "personal data?" yes → at
        least high; "business customer?" sets or clears b2b; a category pick sets the category.
        Severity only ever goes up here; an escalation re-plans with it (see `edit`).
        """
        incident = self.get(incident_id)
        self.authorize(incident, actor, Act.ANSWER)
        if question not in incident.questions:
            return incident
        facets = dict(incident.facets)
        category, severity = incident.category, incident.severity
        said = ["the reporter said so"] if actor == incident.reporter else ["a manager said so"]
        if question == "category" and value in self.policy.all_categories:
            category = value
        elif question == "safety" and value == "yes":
            facets["safety_risk"] = said
            severity = max(severity, Severity.CRITICAL, key=lambda s: s.rank)
        elif question == "personal_data" and value == "yes":
            facets["personal_data"] = said
            severity = max(severity, Severity.HIGH, key=lambda s: s.rank)
        elif question == "b2b":
            if value == "yes":
                facets["b2b"] = said
            else:
                facets.pop("b2b", None)
        remaining = [q for q in incident.questions if q != question]
        details = {**incident.details, "questions": ",".join(remaining)}
        now = self.clock()
        with self.store.transaction():  # the answer and what it changes land together, or not at all
            self.store.incidents.update(incident.id, at=now, facets=facets, details=details)
            if (category, severity) != (incident.category, incident.severity):
                self.edit(
                    incident.id,
                    actor=actor,
                    category=category,
                    severity=severity,
                    contact=incident.contact,
                    locale=incident.locale,
                )
            self.store.events.append(
                at=now,
                kind=Event.ANSWERED,
                incident_id=incident.id,
                actor=actor,
                question=question,
                answer=value,
                facets=facets,
            )
        self.wake()
        return self.get(incident.id)

    # --- make-good approval ---------------------------------------------------------------

    def approve_make_good(self, incident_id: int, *, actor: str) -> bool:
        """A boss lets the reporter offer up to the boss's limit; True the first time only.

        The reporter is told by DM, with the amount, so nothing is offered before it is
        approved; the approval is logged with who gave it and how much.
        """
        incident = self.get(incident_id)
        limit = self.policy.authority
        if limit.boss is None:  # the policy gives no boss a limit: nobody may approve one
            self.refuse(incident, actor, Act.APPROVE_MAKE_GOOD)
        self.authorize(incident, actor, Act.APPROVE_MAKE_GOOD)
        amount = limit.amount(limit.boss)
        now = self.clock()
        with self.store.transaction():
            queued = self.notify(
                incident,
                key=f"make_good:{incident.id}",
                purpose="make_good_dm",
                recipient=incident.reporter,
                at=now,
                event=Event.MAKE_GOOD_APPROVED,
                by=actor,
                amount=amount,
                payload=self.compose.dm(
                    incident.reporter,
                    "make_good_approved",
                    ref=incident.ref,
                    by=self.compose.mention(actor),
                    amount=amount,
                ),
            )
        self.wake()
        return bool(queued)

    # --- reading ----------------------------------------------------------------------

    def get(self, incident_id: int) -> Incident:
        incident = self.store.incidents.get(incident_id)
        if incident is None:
            raise UnknownIncident(incident_id)
        return incident

    def mine(self, user: str) -> list[Incident]:
        return self.store.incidents.by_reporter(user, limit=10)

    # --- delivery callbacks -----------------------------------------------------------

    def delivered(
        self,
        *,
        incident_id: int | None,
        purpose: str,
        recipient: str,
        method: str,
        channel: str,
        ts: str,
        outbox_id: int,
    ) -> None:
        now = self.clock()
        with self.store.transaction():
            self.store.events.append(
                at=now,
                kind=Event.MESSAGE_SENT,
                incident_id=incident_id,
                actor=None,
                purpose=purpose,
                recipient=recipient,
                method=method,
                channel=channel,
                ts=ts,
                outbox_id=outbox_id,
            )
            if purpose == "boss_dm" and incident_id is not None:
                self.store.incidents.set_if(incident_id, when={"boss_notified_at": None}, at=now, boss_notified_at=now)

    def undeliverable(
        self, *, incident_id: int | None, purpose: str, recipient: str, error: str, outbox_id: int
    ) -> None:
        """A message Slack would not take reaches a person anyway.

        A boss who cannot be reached is skipped: the next person up the chain is told at once
        and the reporter learns who has it instead. The admins are told what broke and how to
        fix it. An alert to an admin that fails is only logged (nobody is left to tell).
        """
        log.error("message %s (%s) to %s could not be delivered: %s", outbox_id, purpose, recipient, error)
        now = self.clock()
        with self.store.transaction():
            self.store.events.append(
                at=now,
                kind=Event.MESSAGE_FAILED,
                incident_id=incident_id,
                actor=None,
                purpose=purpose,
                recipient=recipient,
                error=error,
                outbox_id=outbox_id,
            )
            incident = self.store.incidents.get(incident_id) if incident_id is not None else None
            who = ""
            if incident is not None and purpose == "boss_dm":
                who = self._reroute(incident, failed=recipient, error=error, at=now)
            if purpose == "summary":
                self._tell_summary_asker(channel=recipient, error=error, outbox_id=outbox_id, at=now)
            if purpose != "admin_alert":
                self._alert_admins(
                    incident, failed=recipient, purpose=purpose, error=error, who=who, outbox_id=outbox_id, at=now
                )
        self.wake()

    def _tell_summary_asker(self, *, channel: str, error: str, outbox_id: int, at: float) -> None:
        """Whoever asked for a summary learns it did not appear, and what would make it work."""
        asked = next(
            (
                e
                for e in self.store.events.all(since=at - 86400)
                if e.kind == Event.SUMMARY_QUEUED and e.data.get("outbox_id") == outbox_id
            ),
            None,
        )
        asker = str(asked.data.get("asker") or "") if asked is not None else ""
        if not asker:
            return  # a scheduled summary: the admins' alert says what to fix
        self.queue(
            key=f"summary_failed:{outbox_id}",
            at=at,
            purpose="summary_failed",
            recipient=asker,
            payload=self.compose.dm(
                asker, "summary_failed", channel=f"<#{channel}>", fix=self.compose.delivery_fix(error)
            ),
        )

    def _reroute(self, incident: Incident, *, failed: str, error: str, at: float) -> str:
        """Tell the next reachable person in the chain now; returns them, or "" if nobody is left."""
        unreachable = {failed} | {
            str(e.data.get("recipient"))
            for e in self.store.events.for_incident(incident.id)
            if e.kind == Event.MESSAGE_FAILED and e.data.get("purpose") == "boss_dm"
        }
        chain = list(incident.chain)
        start = chain.index(failed) + 1 if failed in chain else 0
        nxt = next((u for u in chain[start:] if u not in unreachable), None)
        if nxt is None:
            return ""
        self.notify(
            incident,
            key=f"boss_dm:{incident.id}:{nxt}:reroute",
            payload=self.compose.boss_dm(incident, boss=nxt),
            purpose="boss_dm",
            recipient=nxt,
            at=at,
            event=Event.REROUTED,
            level=chain.index(nxt),
            instead_of=failed,
            error=error,
        )
        self.notify(
            incident,
            key=f"rerouted:{incident.id}:{failed}",
            purpose="reporter_rerouted",
            recipient=incident.reporter,
            at=at,
            event=Event.REPORTER_TOLD_REROUTED,
            payload=self.compose.dm(
                incident.reporter,
                "delivery_rerouted",
                ref=incident.ref,
                failed=self.compose.mention(failed),
                who=self.compose.mention(nxt),
            ),
        )
        return nxt

    def _alert_admins(
        self, incident: Incident | None, *, failed: str, purpose: str, error: str, who: str, outbox_id: int, at: float
    ) -> None:
        admins = [a for a in self.policy.admins if a != failed]
        if not admins and incident is not None and incident.chain:
            admins = [u for u in incident.chain[-1:] if u != failed]  # the top of the chain stands in
        for admin in admins:
            mention = self.compose.mention
            payload = self.compose.dm(
                admin,
                "admin_alert",
                ref=incident.ref if incident else "",
                failed=mention(failed),
                purpose=purpose,
                error=error[:200],
                who=mention(who) if who else "",
                fix=self.compose.delivery_fix(error),
            )
            self.queue(
                key=f"admin_alert:{outbox_id}:{admin}",
                payload=payload,
                at=at,
                incident_id=incident.id if incident else None,
                purpose="admin_alert",
                recipient=admin,
                event=Event.ADMIN_ALERTED,
                failed=failed,
                error=error[:200],
            )


def _report_json(report: Report) -> dict[str, Any]:
    return {
        "reporter": report.reporter,
        "text": report.text,
        "category": report.category,
        "severity": report.severity.value,
        "locale": report.locale,
        "contact": report.contact.value,
        "customer": report.customer,
        "channel_id": report.channel_id,
        "signals": list(report.signals),
        "situation": report.situation,
        "facets": report.facets,
        "questions": list(report.questions),
        "alternatives": list(report.alternatives),
        "found_by": report.found_by,
        "source_link": report.source_link,
        "evidence": [list(e) for e in report.evidence],
    }


def _report_from_json(data: dict[str, Any]) -> Report:
    return Report(
        reporter=data["reporter"],
        text=data["text"],
        category=data["category"],
        severity=Severity(data["severity"]),
        locale=data["locale"],
        contact=Contact(data["contact"]),
        customer=data.get("customer", ""),
        channel_id=data.get("channel_id", ""),
        signals=tuple(data.get("signals") or ()),
        situation=data.get("situation", "mistake"),
        facets=dict(data.get("facets") or {}),
        questions=tuple(data.get("questions") or ()),
        alternatives=tuple(data.get("alternatives") or ()),
        found_by=data.get("found_by") or "customer",
        source_link=str(data.get("source_link") or ""),
        evidence=tuple((str(n), str(u)) for n, u in data.get("evidence") or ()),
    )
