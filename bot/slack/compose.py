"""Block Kit for every message and form, built from rendered templates.

slack_sdk's block models check Slack's own limits when serialised, so a message that
would be rejected fails here, in our tests, rather than in front of a staffer.
"""

from __future__ import annotations

import json
from datetime import UTC, tzinfo
from typing import Any, Protocol

from slack_sdk.models.blocks import (
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.blocks.block_elements import FileInputElement
from slack_sdk.models.views import View

from bot.domain.guidance import Plan
from bot.domain.model import Contact, Facet, Incident, Severity, Situation
from bot.domain.text import one_line, shorten
from bot.domain.triage.engine import IMPORTANCE
from bot.guidance_text import Guidance, PolicyFacts, ScriptContext, amount, plan_for
from bot.ports import Messages
from bot.slack import ids
from bot.slack.blocks import (
    FALLBACK_MAX,
    Piece,
    actions,
    button,
    context,
    divider,
    dump,
    header,
    mention,
    section,
    sections,
)
from bot.slack.escalation_compose import EscalationComposer
from bot.slack.lifecycle_compose import LifecycleComposer
from bot.wording import Renderer

SUMMARY_MAX = 600


class _Holds(Protocol):
    compose: Messages


def composer_of(service: _Holds) -> Composer:
    """The Slack composer a running Owabi holds: the edge needs more of it (forms, views) than the
    use cases, which see only the `Messages` port."""
    if not isinstance(service.compose, Composer):
        raise TypeError("the Slack edge needs Owabi built with bot.slack.compose.Composer")
    return service.compose


class Composer:
    """Turns incidents into Slack payloads; wording comes only from the renderer."""

    def __init__(
        self, renderer: Renderer, *, ui_locale: str, policy: PolicyFacts | None = None, zone: tzinfo = UTC
    ) -> None:
        self.r = renderer
        self.ui = ui_locale
        self.policy = policy or PolicyFacts()
        # Its two specialists, built once: escalation DMs (in the policy's clock) and the lifecycle.
        self.escalation: EscalationComposer = EscalationComposer(self, zone=zone)
        self.lifecycle: LifecycleComposer = LifecycleComposer(self)

    mention = staticmethod(mention)

    def _label(self, dotted: str) -> str:
        return self.r.label(self.ui, dotted)

    def _common(self, incident: Incident) -> dict[str, Any]:
        return {
            "ref": incident.ref,
            "category": incident.category,
            "severity": incident.severity.value,
            "contact": incident.contact.value,
            "customer": one_line(incident.customer, 200),
            "summary": shorten(incident.text, SUMMARY_MAX),
            "script_locale": incident.locale,
            "why": self.why(incident),
            "situation": incident.situation,
            "source_link": str(incident.details.get("source_link") or ""),
            "evidence": _evidence(incident),
        }

    def why(self, incident: Incident) -> str:
        """The facets that make it serious, with the words that showed them: "allergy · child · again"."""
        parts = []
        for facet in IMPORTANCE:
            words = incident.facets.get(facet.value)
            if words is None:
                continue
            label = self._label(f"facet.{facet.value}")
            shown = [w for w in words if w != "read from the wording"][:2]
            parts.append(f"{label} ({', '.join(one_line(w, 30) for w in shown)})" if shown else label)
        return " · ".join(parts[:4])

    # --- the reporter -----------------------------------------------------------------

    def script_context(self, incident: Incident) -> ScriptContext:
        return ScriptContext(
            category=incident.category,
            severity=incident.severity.value,
            contact=incident.contact.value,
            locale=incident.locale,
            customer=incident.customer,
            facets=tuple(incident.facets),
            found_by=incident.found_by,
            text=incident.text,
            authority=self.policy.authority,
            follow_up_within=self.policy.follow_up_within,
            emergency=self.policy.emergency,
        )

    def guidance(self, incident: Incident) -> Guidance:
        return self.r.guidance(self.script_context(incident))

    def plan(self, incident: Incident) -> Plan:
        """What the guidance decides for this incident, without rendering its words."""
        return plan_for(self.script_context(incident))

    def script_blocks(self, incident: Incident) -> list[Piece]:
        """The 30-second card first; the details fold under a divider.

        A near miss reached nobody: no customer script, a thank-you and what to check. An abusive
        customer is not answered with an apology: the staffer gets a card that protects them.
        """
        if not incident.customer_to_win_back:
            return [divider(), *sections(self.situation_card(incident))]
        g = self.guidance(incident)
        blocks: list[Piece] = [divider()]
        for text in g.mrkdwn()[: len(g.card)]:
            blocks += sections(text)
        details = g.mrkdwn()[len(g.card) :]
        if details:
            blocks.append(divider())
            blocks.append(context(f"*{g.details_title}*"))
            blocks += sections("\n\n".join(details))
        return blocks

    def reporter(self, incident: Incident, *, duplicate: bool = False, spooled: bool = False) -> dict[str, Any]:
        """The private answer to `/oops`: what was logged, who is told, and the script.

        A spooled report (database busy) has no reference or buttons yet: the answer says it
        is being saved, and the real one follows by DM once it is stored.
        """
        common = self._common(incident)
        boss = incident.chain[0] if incident.chain else None
        head = self.r.render(
            "messages/reporter_spooled.j2" if spooled else "messages/reporter.j2",
            self.ui,
            boss=boss,
            boss_mention=mention(boss) if boss else "",
            **common,
        )
        blocks: list[Piece] = []
        if duplicate:
            blocks.append(section(self.r.render("messages/duplicate.j2", self.ui, **common)))
        blocks.append(section(head))
        if len(incident.text) > SUMMARY_MAX:
            blocks.append(context(self.r.render("messages/too_long.j2", self.ui)))
        blocks += self.script_blocks(incident)
        if spooled:
            return {"text": shorten(head, FALLBACK_MAX), "blocks": dump(blocks)}
        blocks += self.question_blocks(incident)  # under the script: the script waits for nobody
        blocks.append(context(self.r.render("messages/reporter_context.j2", self.ui, **common)))
        blocks.append(
            actions(
                f"reporter:{incident.id}",
                [
                    button(self._label("button.correct"), ids.CORRECT, str(incident.id)),
                    *self._lifecycle_buttons(incident),
                ],
            )
        )
        text = self.r.render("messages/reporter_fallback.j2", self.ui, **common)
        return {"text": shorten(text, FALLBACK_MAX), "blocks": dump(blocks)}

    def question_blocks(self, incident: Incident) -> list[Piece]:
        """What triage was unsure about, each answerable in one tap (an answer updates the script)."""
        if not incident.questions:
            return []
        blocks: list[Piece] = [context(self._label("question.intro"))]
        for question in incident.questions:
            if question == "category":
                choices = [(c, self._label(f"category.{c}")) for c in incident.alternatives][:3]
            else:
                choices = [("yes", self._label("question.yes")), ("no", self._label("question.no"))]
            if not choices:
                continue
            blocks.append(section(f"*{self._label('question.' + question)}*"))
            blocks.append(
                actions(
                    f"ask:{incident.id}:{question}",
                    [
                        button(label, f"{ids.ANSWER}:{question}:{value}", f"{incident.id}|{question}|{value}")
                        for value, label in choices
                    ],
                )
            )
        return blocks

    def _lifecycle_buttons(self, incident: Incident) -> list[dict[str, Any]]:
        """ "Customer contacted" / "Resolved" / "Follow-up done", as the state allows."""
        return self.lifecycle.buttons(incident)

    # --- the boss ---------------------------------------------------------------------

    def situation_card(self, incident: Incident) -> str:
        boss = incident.chain[0] if incident.chain else None
        template = "messages/near_miss_card.j2" if incident.near_miss else "messages/staff_protection.j2"
        # In the staffer's language: this card is for them, not a script for the customer.
        return self.r.render(
            template,
            self.ui,
            boss=boss,
            boss_mention=mention(boss) if boss else "",
            could_be=self._label("severity." + incident.severity.value),
            emergency=self.policy.emergency,
            **self._common(incident),
        )

    def boss_dm(self, incident: Incident, *, boss: str) -> dict[str, Any]:
        common = self._common(incident)
        reporter = mention(incident.reporter)
        if not incident.customer_to_win_back:
            # Not a customer to win back: a near miss to learn from, or a staffer to protect.
            template = "messages/boss_near_miss.j2" if incident.near_miss else "messages/boss_harassment.j2"
            could_be = self._label("severity." + incident.severity.value)
            blocks: list[Piece] = [
                header(f"{self._label('situation.' + incident.situation)} · {incident.ref}"),
                section(self.r.render(template, self.ui, reporter_mention=reporter, could_be=could_be, **common)),
                self.boss_buttons(incident),
            ]
        else:
            blocks = [
                header(f"{self._label('severity.' + incident.severity.value)} · {incident.ref}"),
                section(self.r.render("messages/boss_dm.j2", self.ui, reporter_mention=reporter, **common)),
                section(self.r.render("messages/boss_todo.j2", self.ui, **self.boss_todo(incident), **common)),
                context(
                    self.r.render("messages/boss_coach.j2", self.ui, reporter_name=reporter, found_by=incident.found_by)
                ),
                self.boss_buttons(incident),
            ]
        short = {**common, "summary": one_line(incident.text, 120)}
        text = self.r.render("messages/boss_fallback.j2", self.ui, **short)
        return {
            "channel": boss,
            "text": shorten(text, FALLBACK_MAX),
            "blocks": dump(blocks),
            "unfurl_links": False,
            "unfurl_media": False,
        }

    def boss_todo(self, incident: Incident) -> dict[str, Any]:
        """What the boss's to-do list is chosen from: the same plan as the reporter's card."""
        plan = self.plan(incident)
        s = plan.situation
        a = self.policy.authority
        return {
            "safety": s.safety,
            "safety_kind": s.safety_kind,
            "personal_data": s.personal_data,
            "b2b": s.b2b,
            "serious": s.serious,
            "many": s.many,
            "repeat": s.has(Facet.REPEAT_FAILURE),
            "light": plan.light,
            "lead": plan.lead,
            "visit": plan.next_contact.visit,
            "found_by": s.found_by,
            "public": s.public,
            "when": self.r.when(self.ui, plan.next_contact.within),
            "reporter_name": mention(incident.reporter),
            "staff_limit": amount(a, a.staff, self.ui),
            "boss_limit": amount(a, a.boss, self.ui),
        }

    def boss_buttons(
        self, incident: Incident, *, only: tuple[str, ...] = (ids.ACK, ids.TAKE, ids.ESCALATE, ids.APPROVE)
    ) -> dict[str, Any]:
        """Acknowledge / I'll take it / Escalate now (and approve a make-good), on every boss DM."""
        labels = {ids.ACK: "button.acknowledge", ids.TAKE: "button.take", ids.ESCALATE: "button.escalate"}
        buttons = [
            button(self._label(labels[a]), a, str(incident.id), style="primary" if a == ids.ACK else None)
            for a in only
            if a in labels
        ]
        approve = self.approve_button(incident) if ids.APPROVE in only else None
        return actions(f"boss:{incident.id}", [*buttons, *([approve] if approve else [])])

    def approve_button(self, incident: Incident) -> dict[str, Any] | None:
        """ "Approve up to ¥10,000": only when the policy sets what a boss may approve."""
        a = self.policy.authority
        if a.boss is None or not incident.customer_to_win_back or not self.plan(incident).approvable:
            return None
        text = self._label("button.approve").replace("{amount}", amount(a, a.boss, self.ui))
        return button(text, ids.APPROVE, str(incident.id))

    def supported_ask(self, incident: Incident) -> dict[str, Any]:
        text = self.r.render("messages/supported_ask.j2", self.ui, ref=incident.ref)
        return {
            "channel": incident.reporter,
            "text": shorten(text, 300),
            "unfurl_links": False,
            "unfurl_media": False,
            "blocks": dump(
                [
                    section(text),
                    actions(
                        f"supported:{incident.id}",
                        [
                            button(self._label("button.supported_yes"), f"{ids.SUPPORTED}:yes", str(incident.id)),
                            button(self._label("button.supported_no"), f"{ids.SUPPORTED}:no", str(incident.id)),
                        ],
                    ),
                ]
            ),
        }

    def boss_edited(self, incident: Incident, *, boss: str) -> dict[str, Any]:
        text = self.r.render("messages/boss_edited.j2", self.ui, **self._common(incident))
        return {"channel": boss, "text": shorten(text, FALLBACK_MAX), "blocks": dump([section(text)])}

    # --- simple answers ---------------------------------------------------------------

    def note(self, template: str, **ctx: Any) -> dict[str, Any]:
        text = self.r.render(f"messages/{template}.j2", self.ui, **ctx)
        return {"text": shorten(text, FALLBACK_MAX), "blocks": dump([section(text)])}

    def dm(self, user: str, template: str, **ctx: Any) -> dict[str, Any]:
        """A note sent as a DM; user text in it never unfurls into a preview."""
        return {"channel": user, **self.note(template, **ctx), "unfurl_links": False, "unfurl_media": False}

    def delivery_fix(self, error: str) -> str:
        found = self._label(f"delivery_fix.{error}")
        return found if found != error.replace("_", " ") else self._label("delivery_fix.default")

    def text_only(self, text: str) -> dict[str, Any]:
        """An already-rendered text as a message, split into sections that fit Slack."""
        return {"text": one_line(text, FALLBACK_MAX), "blocks": dump(list(sections(text)))}

    def mine(self, incidents: list[Incident]) -> dict[str, Any]:
        rows = [
            {
                "ref": i.ref,
                "category": i.category,
                "severity": i.severity.value,
                "state": i.state.value,
                "summary": one_line(i.text, 80),
            }
            for i in incidents
        ]
        return self.note("mine", incidents=rows)

    # --- forms ------------------------------------------------------------------------

    def _options(self, group: str, values: list[str]) -> list[Option]:
        return [Option(value=v, label=shorten(self._label(f"{group}.{v}"), 75)) for v in values]

    def _select(self, block_id: str, group: str, values: list[str], initial: str, label: str) -> InputBlock:
        options = self._options(group, values)
        chosen = next((o for o in options if o.value == initial), options[0])
        return InputBlock(
            block_id=block_id,
            label=self._label(label),
            element=StaticSelectElement(action_id=block_id, options=options, initial_option=chosen),
        )

    def report_form(
        self,
        *,
        categories: list[str],
        locales: list[str],
        channel_id: str,
        default_locale: str,
        text: str = "",
        source_link: str = "",
    ) -> dict[str, Any]:
        """`text` and `source_link` prefill the form when it is opened from a message."""
        blocks: list[Piece] = [
            # What kind of report, in one tap; "let Owabi read it" leaves it to triage.
            self._select(
                "situation", "form_situation", ["auto", *(x.value for x in Situation)], "auto", "form.situation"
            ),
            InputBlock(
                block_id="what",
                label=self._label("form.what"),
                hint=self._label("form.what_hint"),
                element=PlainTextInputElement(
                    action_id="what", multiline=True, max_length=3000, initial_value=text[:3000] or None
                ),
            ),
            InputBlock(
                block_id="customer",
                label=self._label("form.customer"),
                optional=True,
                hint=self._label("form.customer_hint"),
                element=PlainTextInputElement(action_id="customer", max_length=200),
            ),
            self._select("category", "category", categories, "other", "form.category"),
            self._select("severity", "severity", [s.value for s in Severity], "medium", "form.severity"),
            # Photos, receipts, screenshots: Slack keeps the files; the incident keeps their links.
            InputBlock(
                block_id="evidence",
                label=self._label("form.evidence"),
                optional=True,
                element=FileInputElement(action_id="evidence", max_files=5),
            ),
            self._select("contact", "contact", [c.value for c in Contact], "in_person", "form.contact"),
            self._select("locale", "locale", locales, default_locale, "form.locale"),
        ]
        view = View(
            type="modal",
            callback_id=ids.REPORT_VIEW,
            title=shorten(self._label("form.title"), 24),
            submit=shorten(self._label("form.submit"), 24),
            close=shorten(self._label("form.close"), 24),
            private_metadata=json.dumps({"channel_id": channel_id, "source_link": source_link[:500]}),
            blocks=blocks,
        )
        return view.to_dict()

    def edit_form(
        self, incident: Incident, *, categories: list[str], locales: list[str], response_url: str = ""
    ) -> dict[str, Any]:
        blocks: list[Piece] = [
            self._select("category", "category", categories, incident.category, "form.category"),
            self._select("severity", "severity", [s.value for s in Severity], incident.severity.value, "form.severity"),
            self._select("contact", "contact", [c.value for c in Contact], incident.contact.value, "form.contact"),
            self._select("locale", "locale", locales, incident.locale, "form.locale"),
        ]
        meta = json.dumps({"incident_id": incident.id, "response_url": response_url})
        view = View(
            type="modal",
            callback_id=ids.EDIT_VIEW,
            title=shorten(self._label("form.edit_title"), 24),
            submit=shorten(self._label("form.edit_submit"), 24),
            close=shorten(self._label("form.close"), 24),
            private_metadata=meta if len(meta) <= 3000 else json.dumps({"incident_id": incident.id}),
            blocks=blocks,
        )
        return view.to_dict()

    def script_view(self, incident: Incident, *, spooled: bool = False) -> dict[str, Any]:
        """Shown in place of the form once it is submitted, so the script appears at once."""
        payload = self.reporter(incident, spooled=spooled)
        blocks = [b for b in payload["blocks"] if b.get("type") != "actions"]
        title = incident.ref or self._label("app")
        return {
            "type": "modal",
            "title": {"type": "plain_text", "text": shorten(title, 24)},
            "close": {"type": "plain_text", "text": shorten(self._label("form.close"), 24)},
            "blocks": blocks[:100],
        }


def _evidence(incident: Incident) -> list[dict[str, str]]:
    """The files attached on the form, as stored with the incident (a bad value shows nothing)."""
    try:
        found = json.loads(incident.details.get("evidence") or "[]")
    except ValueError:
        return []
    return (
        [
            {"name": str(f.get("name") or "file"), "permalink": str(f.get("permalink") or "")}
            for f in found
            if isinstance(f, dict)
        ]
        if isinstance(found, list)
        else []
    )
