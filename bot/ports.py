"""What the use cases need from the outside, as protocols: they depend on these, never on Slack.

The Slack edge implements them (`bot.slack.compose.Composer` and the two specialists it
holds); `bot.runtime` is where one is chosen and handed in. A message is the Web API
payload the outbox will send, so the use cases can queue it without knowing its shape.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any, Protocol

from bot.domain.guidance import Plan
from bot.domain.metrics import Summary
from bot.domain.model import Incident

Message = dict[str, Any]


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

    def boss_dm(self, incident: Incident, *, boss: str) -> Message: ...

    def boss_edited(self, incident: Incident, *, boss: str) -> Message: ...

    def supported_ask(self, incident: Incident) -> Message: ...

    def dm(self, user: str, template: str, **ctx: Any) -> Message: ...

    def delivery_fix(self, error: str) -> str: ...

    def plan(self, incident: Incident) -> Plan: ...
