"""Block Kit for escalation: the escalation DM with its history, the in-place update after
an acknowledgement, what the reporter is told, reminders and private answers to clicks.

Wording comes only from `responses/<locale>/messages/esc_*.j2`; times are shown in the
policy's time zone because that is the clock the team works by.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any, Protocol

from bot.domain.model import Incident
from bot.domain.text import one_line, shorten
from bot.slack import ids
from bot.slack.blocks import FALLBACK_MAX, Piece, actions, dump, mention, section
from bot.slack.lifecycle_compose import LifecycleComposer
from bot.wording import Renderer

ESCALATION_HEAD = "esc_head:"  # block id of the escalation DM's "nobody has acknowledged" head


class _Base(Protocol):
    """What this needs of the main composer (typed here so the two modules do not import each other)."""

    r: Renderer
    ui: str
    lifecycle: LifecycleComposer

    def _common(self, incident: Incident) -> dict[str, Any]: ...

    def boss_dm(self, incident: Incident, *, boss: str) -> dict[str, Any]: ...

    def boss_buttons(self, incident: Incident, *, only: tuple[str, ...] = ...) -> dict[str, Any]: ...

    def approve_button(self, incident: Incident) -> dict[str, Any] | None: ...


class EscalationComposer:
    def __init__(self, composer: _Base, *, zone: tzinfo) -> None:
        self.c = composer
        self.zone = zone

    def clock(self, at: float) -> str:
        return datetime.fromtimestamp(at, self.zone).strftime("%H:%M:%S")

    def _render(self, name: str, **ctx: Any) -> str:
        return self.c.r.render(f"messages/{name}.j2", self.c.ui, **ctx)

    def _common(self, incident: Incident) -> dict[str, Any]:
        return {**self.c._common(incident), "summary": one_line(incident.text, 120)}

    def escalation_dm(
        self, incident: Incident, *, boss: str, history: list[tuple[str, float]], round_: int
    ) -> dict[str, Any]:
        """The boss DM, headed by who was already told and when, so nobody starts cold."""
        payload = self.c.boss_dm(incident, boss=boss)
        rows = [{"who": mention(u), "at": self.clock(at)} for u, at in history]
        head = self._render("esc_dm", history=rows, round=round_, **self.c._common(incident))
        payload["blocks"].insert(1, {**section(head), "block_id": f"{ESCALATION_HEAD}{incident.id}"})
        text = self._render("esc_fallback", **self._common(incident))
        return {**payload, "text": shorten(text, FALLBACK_MAX)}

    def acknowledged(self, original: dict[str, Any], incident: Incident) -> dict[str, Any]:
        """chat.update body for an earlier DM: buttons give way to who has it, and when."""
        # "Nobody has acknowledged yet" is no longer true: that head goes with the old buttons.
        blocks = [
            b
            for b in original.get("blocks", [])
            if b.get("type") != "actions" and not str(b.get("block_id", "")).startswith(ESCALATION_HEAD)
        ]
        by = incident.acknowledged_by or incident.owner or ""
        at = incident.acknowledged_at or 0.0
        note = self._render(
            "esc_acked", by=mention(by), at=self.clock(at), owner=mention(incident.owner) if incident.owner else ""
        )
        extra: list[Piece] = [section(note)]
        # Once someone has it, the DM becomes where the boss finishes the job.
        take = self.c.boss_buttons(incident, only=(ids.TAKE,))["elements"] if incident.owner is None else []
        buttons: list[dict[str, Any]] = [*take, *self.c.lifecycle.buttons(incident)]
        approve = self.c.approve_button(incident)
        if approve is not None:
            buttons.append(approve)
        if buttons:
            extra.append(actions(f"boss:{incident.id}", buttons))
        text = f"{original.get('text', '')}\n{note}"
        return {"text": shorten(text, FALLBACK_MAX), "blocks": [*blocks, *dump(extra)]}

    def to_reporter(self, incident: Incident, template: str, **ctx: Any) -> dict[str, Any]:
        text = self._render(template, **self.c._common(incident), **ctx)
        return {
            "channel": incident.reporter,
            "text": shorten(text, FALLBACK_MAX),
            "blocks": dump([section(text)]),
            "unfurl_links": False,
            "unfurl_media": False,
        }

    def reminder(self, incident: Incident, *, user: str) -> dict[str, Any]:
        text = self._render("esc_reminder", state=incident.state.value, **self._common(incident))
        blocks: list[Piece] = [section(text)]
        if incident.acknowledged_at is None:
            blocks.append(self.c.boss_buttons(incident))
        return {"channel": user, "text": shorten(text, FALLBACK_MAX), "blocks": dump(blocks)}

    def private(self, template: str, incident: Incident, **ctx: Any) -> dict[str, Any]:
        """An ephemeral answer to the person who clicked, sent to the click's response_url."""
        text = self._render(template, **self.c._common(incident), **ctx)
        return {
            "response_type": "ephemeral",
            "replace_original": False,
            "text": shorten(text, FALLBACK_MAX),
            "blocks": dump([section(text)]),
        }
