"""Block Kit for the lifecycle: buttons, the resolve form, follow-up, lessons, summaries, Home.

Wording comes only from templates and labels (via the main Composer's renderer); this
module decides layout and keeps every Slack limit (blocks, lengths) on our side.
"""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any, Protocol

from slack_sdk.models.blocks import InputBlock, PlainTextInputElement
from slack_sdk.models.views import View

from bot.domain.guidance import Plan
from bot.domain.lifecycle import Move, Refused, Role, next_moves
from bot.domain.metrics import STAGES, SUPPORTED_MIN, Lesson, Summary, blameless, human
from bot.domain.model import Incident, State
from bot.domain.text import escape_mrkdwn, one_line, shorten
from bot.slack import ids
from bot.slack.blocks import FALLBACK_MAX, Piece, actions, button, context, divider, dump, section, sections
from bot.slack.chart import METHOD as CHART_METHOD
from bot.slack.chart import SEVERITIES as CHART_SEVERITIES
from bot.wording import Renderer

MOVE_ACTION = {
    Move.CONTACT: ids.CONTACTED,
    Move.RESOLVE: ids.RESOLVE,
    Move.FOLLOW_UP: ids.FOLLOWED_UP,
}
MOVE_LABEL = {Move.CONTACT: "contacted", Move.RESOLVE: "resolved", Move.FOLLOW_UP: "followed_up"}
HOME_MAX_BLOCKS = 100
RESOLVE_INPUTS = (
    ("what_happened", True),
    ("what_we_did", False),
    ("what_changes", False),
    ("lesson", False),
)


class _Base(Protocol):
    """What this needs of the main composer (typed here so the two modules do not import each other)."""

    r: Renderer
    ui: str

    def note(self, template: str, **ctx: Any) -> dict[str, Any]: ...

    def plan(self, incident: Incident) -> Plan: ...


class LifecycleComposer:
    def __init__(self, base: _Base) -> None:
        self.base = base
        self.r = base.r
        self.ui = base.ui

    def _label(self, dotted: str) -> str:
        return self.r.label(self.ui, dotted)

    def _human(self, seconds: float | None) -> str:
        """A duration in the reader's units (a responses folder without them falls back to 45s, 3h 20m)."""
        units = {k: self._label(f"duration.{k}") for k in ("s", "m", "h", "d", "sep")}
        return human(seconds, {k: v for k, v in units.items() if v != k})

    def _note(self, template: str, **ctx: Any) -> dict[str, Any]:
        return self.base.note(template, **ctx)

    # --- buttons and answers ---------------------------------------------------------

    def move_label(self, move: Move) -> str:
        return self._label("lifecycle." + MOVE_LABEL[move])

    def buttons(self, incident: Incident) -> list[dict[str, Any]]:
        """Every move someone could make from this state: the message outlives the state it
        was sent in (a boss may acknowledge later), and a refusal explains itself."""
        moves = [m for m in Move if m in next_moves(incident.state, Role.BOSS)]
        return [button(self.move_label(m), MOVE_ACTION[m], str(incident.id)) for m in moves]

    def done(self, incident: Incident) -> dict[str, Any]:
        return self._note("lifecycle_done", ref=incident.ref, state=self._label("state." + incident.state.value))

    def refused(self, incident: Incident, refusal: Refused) -> dict[str, Any]:
        return self._note(
            "lifecycle_refused",
            ref=incident.ref,
            reason=refusal.reason,
            move=self.move_label(refusal.move),
            state=self._label("state." + refusal.state.value),
        )

    def resolve_form(self, incident: Incident, *, response_url: str = "") -> dict[str, Any]:
        blocks: list[Piece] = [section(f"*{incident.ref}* — {escape_mrkdwn(one_line(incident.text, 200))}")]
        for name, required in RESOLVE_INPUTS:
            hint = self._label(f"lifecycle.{name}_hint") if name in ("what_happened", "lesson") else None
            blocks.append(
                InputBlock(
                    block_id=name,
                    label=shorten(self._label(f"lifecycle.{name}"), 2000),
                    optional=not required,
                    hint=hint,
                    element=PlainTextInputElement(action_id=name, multiline=True, max_length=3000),
                )
            )
        meta = json.dumps({"incident_id": incident.id, "response_url": response_url})
        view = View(
            type="modal",
            callback_id=ids.RESOLVE_VIEW,
            title=shorten(self._label("lifecycle.resolve_title"), 24),
            submit=shorten(self._label("lifecycle.resolve_submit"), 24),
            close=shorten(self._label("form.close"), 24),
            private_metadata=meta if len(meta) <= 3000 else json.dumps({"incident_id": incident.id}),
            blocks=blocks,
        )
        return view.to_dict()

    # --- follow-up ---------------------------------------------------------------------

    def customer_follow_up(self, incident: Incident) -> str:
        d = incident.details
        return self.r.render(
            "messages/follow_up_customer.j2",
            incident.locale,
            ref=incident.ref,
            customer=incident.customer,
            category=incident.category,
            what_happened=d.get("what_happened", ""),
            what_we_did=d.get("what_we_did", ""),
            what_changes=d.get("what_changes", ""),
        )

    def follow_up_reminder(self, incident: Incident, *, to: str, now: float | None = None) -> dict[str, Any]:
        since = incident.contacted_at or incident.resolved_at or incident.created_at
        ago = self._human(None if now is None else now - since)
        head = self.r.render(
            "messages/follow_up_reminder.j2",
            self.ui,
            ref=incident.ref,
            customer=one_line(incident.customer, 200),
            category=self._label("category." + incident.category),
            ago=ago,
            when=self.r.when(self.ui, self.base.plan(incident).next_contact.within),
        )
        blocks: list[Piece] = [
            section(head),
            section("> " + self.customer_follow_up(incident).replace("\n", "\n> ")),
            actions(
                f"follow_up:{incident.id}",
                [button(self.move_label(Move.FOLLOW_UP), ids.FOLLOWED_UP, str(incident.id), style="primary")],
            ),
        ]
        return {
            "channel": to,
            "text": shorten(head, FALLBACK_MAX),
            "blocks": dump(blocks),
            "unfurl_links": False,
            "unfurl_media": False,
        }

    # --- lessons and summaries ---------------------------------------------------------

    def lessons(self, lessons: list[Lesson], *, category: str | None, zone: tzinfo) -> dict[str, Any]:
        rows = [
            {
                "ref": lesson.ref,
                "category": self._label("category." + lesson.category),
                "day": datetime.fromtimestamp(lesson.at, zone).date().isoformat(),
                "lesson": shorten(lesson.lesson, 400),
                "what_changes": shorten(lesson.what_changes, 300),
            }
            for lesson in lessons
        ]
        text = self.r.render(
            "messages/lessons.j2",
            self.ui,
            lessons=rows,
            category=self._label("category." + category) if category else "",
        )
        return {"text": shorten(text, FALLBACK_MAX), "blocks": dump(list(sections(text)))}

    def summary_text(self, summary: Summary, *, zone: tzinfo) -> str:
        """The channel summary as mrkdwn. Blameless: refs and categories, never people."""

        def when(ts: float) -> str:
            return datetime.fromtimestamp(ts, zone).strftime("%Y-%m-%d %H:%M")

        sev = " · ".join(f"{self._label('severity.' + k)} {v}" for k, v in summary.by_severity.items())
        cat = " · ".join(f"{self._label('category.' + k)} {v}" for k, v in summary.by_category.items())
        oldest = summary.oldest_open
        text = self.r.render(
            "messages/summary.j2",
            self.ui,
            period=self._label("summary." + summary.period),
            start=when(summary.start),
            end=when(summary.end),
            total=summary.total,
            by_severity=sev,
            by_category=cat,
            open_count=summary.open_count,
            oldest=None
            if oldest is None
            else {
                "ref": oldest.ref,
                "state": self._label("state." + oldest.state),
                "age": self._human(summary.end - oldest.created_at),
            },
            timings=[
                {
                    "label": self._label("summary." + s),
                    "median": self._human(summary.timings[s].median),
                    "p90": self._human(summary.timings[s].p90),
                    "count": summary.timings[s].count,
                }
                for s in STAGES
            ],
            escalations=summary.escalations,
            near_misses=sum(summary.near_misses.values()),
            near_miss_categories=" · ".join(
                f"{self._label('category.' + k)} {v}" for k, v in summary.near_misses.items()
            ),
            harassment=summary.harassment,
            supported_yes=summary.felt_supported[0],
            supported_answers=summary.felt_supported[1] if summary.felt_supported[1] >= SUPPORTED_MIN else 0,
            lessons=[
                {
                    "ref": lesson.ref,
                    "category": self._label("category." + lesson.category),
                    "lesson": shorten(blameless(lesson.lesson), 300),
                }
                for lesson in summary.lessons[:10]
            ],
        )
        return blameless(text)

    def summary_chart(self, summary: Summary, *, channel: str) -> tuple[str, dict[str, Any]]:
        """The week's chart: drawn and uploaded by the sender (bot.slack.chart), worded here."""
        return CHART_METHOD, {
            "channel": channel,
            "per_day": summary.per_day,
            "title": self._label("summary.chart_title"),
            "labels": {s: self._label("severity." + s) for s in CHART_SEVERITIES},
            "filename": f"owabi-week-{int(summary.end)}.png",
        }

    def summary_post(self, summary: Summary, *, channel: str, zone: tzinfo) -> dict[str, Any]:
        text = self.summary_text(summary, zone=zone)
        return {
            "channel": channel,
            "text": shorten(text.split("\n", 1)[0], FALLBACK_MAX),
            "blocks": dump(list(sections(text))),
            "unfurl_links": False,
            "unfurl_media": False,
        }

    # --- App Home ---------------------------------------------------------------------

    def home_row(self, row: dict[str, Any], *, now: float, next_move: Move | None) -> Piece:
        return section(
            self.r.render(
                "messages/home_row.j2",
                self.ui,
                ref=row["ref"],
                category=self._label("category." + row["category"]),
                severity=self._label("severity." + row["severity"]),
                state=self._label("state." + row["state"]),
                age=self._human(now - row["created_at"]),
                summary=one_line(row["text"], 150),
                next=self.move_label(next_move) if next_move else "",
            )
        )

    def home(
        self,
        *,
        mine: list[dict[str, Any]],
        team: list[dict[str, Any]] | None,
        summary: Summary,
        now: float,
        zone: tzinfo,
    ) -> dict[str, Any]:
        """Staff see their own open incidents with the next button; bosses also see their teams'."""
        blocks: list[Piece] = []
        for name, rows in (("mine", mine), ("team", team)):
            if rows is None:
                continue
            blocks.append(section(self.r.render("messages/home.j2", self.ui, section=name)))
            for row in rows[:20]:
                moves = next_moves(State(row["state"]))
                blocks.append(self.home_row(row, now=now, next_move=moves[0] if moves else None))
                blocks += (
                    [
                        actions(
                            f"home:{name}:{row['id']}",
                            [button(self.move_label(m), MOVE_ACTION[m], str(row["id"])) for m in moves],
                        )
                    ]
                    if moves and name == "mine"
                    else []
                )
            if not rows:
                blocks.append(context(self.r.render("messages/home_empty.j2", self.ui)))
            blocks.append(divider())
        blocks.extend(sections(self.summary_text(summary, zone=zone), most=10))
        return {"type": "home", "blocks": dump(blocks[:HOME_MAX_BLOCKS])}
