"""The reporter's guidance as text: the card, the written message, the folded details.

`bot.domain.guidance` decides what applies; the words come from
`responses/<locale>/guidance.toml` (merged with any policy override, key by key, like
every other wording file). Values from the report (the customer's name, their loss) are
escaped for Slack and shown in brackets where the staffer should check them.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache, lru_cache
from typing import Any

from bot import resources
from bot.domain.errors import OwabiError
from bot.domain.guidance import (
    Authority,
    Loss,
    Plan,
    Situation,
    customer_loss,
    plan,
    within_words,
)
from bot.domain.model import Category, Contact, Facet, Severity
from bot.domain.text import escape_mrkdwn, one_line
from bot.domain.triage.extract import extract

CARD_PARTS = ("say", "fix", "next")
# never left out for length
ESSENTIAL = frozenset({"module:safety", "module:privacy_notice", "module:wrong_recipient", "module:b2b_report"})
_JA_COMPANY = re.compile(r"(社|製作所|工業|商事|店|院|館|センター|組合|協会)様$")
# 〜様 words that are roles, not names
_JA_NOT_NAMES = ("常連", "母", "父", "親御", "奥", "お子", "皆", "患者", "利用者", "本人", "ご本人", "先方")


class WordingMissing(OwabiError, LookupError):
    """A guidance key is missing from every wording file (a broken override)."""


@dataclass(frozen=True, slots=True)
class Part:
    key: str
    title: str
    text: str  # mrkdwn


@dataclass(frozen=True, slots=True)
class Guidance:
    plan: Plan
    card: tuple[Part, ...]
    say: str  # the sentences to say (or to open the message with), for budgets and checks
    details: tuple[Part, ...]
    details_title: str = ""

    def part(self, key: str) -> Part | None:
        return next((p for p in (*self.card, *self.details) if p.key == key), None)

    @property
    def modules(self) -> tuple[str, ...]:
        """The modules shown (the plan's, less any the length budget left out)."""
        return tuple(p.key.removeprefix("module:") for p in self.details if p.key.startswith("module:"))

    @property
    def letter(self) -> Part | None:
        """The whole written message (contact: written); it stands where "Say now" would."""
        return next((p for p in self.card if p.key == "letter"), None)

    def card_text(self) -> str:
        """What the 30-second budget counts: what to say first, the fix and the next contact."""
        return "\n".join([self.say, *(p.text for p in self.card if p.key in CARD_PARTS[1:])])

    def mrkdwn(self) -> list[str]:
        """Sections in reading order: the card (the written message in it), then the details."""
        return [_section(p) for p in (*self.card, *self.details)]


def _section(part: Part) -> str:
    if part.key == "letter":
        quoted = "\n".join(f"> {line}" if line else ">" for line in part.text.split("\n"))
        return f"*{part.title}:*\n{quoted}"
    if not part.title:
        return part.text
    return f"*{part.title}:* {part.text}" if "\n" not in part.text else f"*{part.title}:*\n{part.text}"


@dataclass(frozen=True, slots=True)
class ScriptContext:
    """What the guidance is written for: the incident's situation plus the policy's numbers."""

    category: str
    severity: str
    contact: str
    locale: str
    customer: str = ""
    facets: tuple[str, ...] = ()
    found_by: str = "customer"
    text: str = ""  # the report, read for the customer's loss
    authority: Authority = field(default_factory=Authority)
    follow_up_within: dict[Severity, timedelta] = field(default_factory=dict)
    emergency: str = ""


@dataclass(frozen=True, slots=True)
class PolicyFacts:
    """The policy's part in the guidance: make-good limits, next-contact times, the emergency number."""

    authority: Authority = field(default_factory=Authority)
    follow_up_within: dict[Severity, timedelta] = field(default_factory=dict)
    emergency: str = ""


def plan_for(facts: ScriptContext) -> Plan:
    """The plan alone (who, when, which modules, which don'ts): no wording is read or rendered."""
    situation = Situation(
        category=facts.category,
        severity=Severity(facts.severity),
        contact=Contact(facts.contact),
        facets=frozenset(facts.facets),
        found_by=facts.found_by,
        hazard=hazard(facts.text, facts.locale),
    )
    return plan(situation, follow_up_within=facts.follow_up_within)


HAZARDS = ("safeguarding", "food", "person")


@lru_cache(maxsize=256)  # one incident's card, boss DM and plan all ask about the same report
def hazard(text: str, locale: str) -> str:
    """The kind of danger a report's words describe (responses/<locale>/hazards.toml), "general"
    when they name none of them, "" with no report to read."""
    if not text.strip():
        return ""
    folded = text.lower()
    words = _hazard_words(locale)
    return next((kind for kind in HAZARDS if kind in words and words[kind].search(folded)), "general")


@cache
def _hazard_words(locale: str) -> dict[str, re.Pattern[str]]:
    """Each kind's patterns as one alternation: one scan of the report per kind."""
    path = resources.responses_dir() / locale / "hazards.toml"
    if not path.exists():
        path = resources.responses_dir() / "en" / "hazards.toml"
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return {kind: re.compile("|".join(f"(?:{p})" for p in data[kind])) for kind in HAZARDS if data.get(kind)}


class GuidanceWriter:
    def __init__(self, wording: Any) -> None:
        """`wording(locale)` returns the merged `guidance` table for a locale."""
        self._wording = wording

    def plan(self, facts: ScriptContext) -> Plan:
        return plan_for(facts)

    def when(self, locale: str, within: timedelta | None) -> str:
        """A next-contact time in words: "within 2 hours", 「明日までに」."""
        return self._when(_Words(self._wording(locale), locale), within)

    def write(self, facts: ScriptContext) -> Guidance:
        g = _Words(self._wording(facts.locale), facts.locale)
        p = self.plan(facts)
        s = p.situation
        ja = facts.locale == "ja"
        category = facts.category if facts.category in set(Category) else "other"
        contact = s.contact.value
        card: list[Part] = []
        if p.safety:
            emergency = (
                g("safety.number", n=escape_mrkdwn(facts.emergency)) if facts.emergency else g("safety.emergency")
            )
            kind = _safety_kind(s)
            card.append(
                Part(
                    "safety",
                    g("title.safety"),
                    g.first(
                        f"safety.{kind}_{contact}",
                        f"safety.{kind}_phone" if contact == "written" else "",
                        f"safety.{kind}",
                        emergency=emergency,
                    ),
                )
            )
        elif s.personal_data:
            card.append(Part("first", g("title.first"), g("first.privacy")))
        say = self._say(g, facts, p, category)
        if p.letter and s.many:  # one notice for everyone, signed by a senior person; no letter of one's own
            notice = g("letter.many_privacy" if s.personal_data else "letter.many")
            card.append(Part("letter", g("title.letter_many"), notice))
        elif p.letter:
            title = g("title.letter_after_call") if (p.safety or s.severity is Severity.CRITICAL) else g("title.letter")
            card.append(Part("letter", title, self._letter(g, facts, p, category)))
        else:
            card.append(Part("say", g("title.say"), f"「{say}」" if ja else f"“{say}”"))
        if p.safety and s.safety_kind != "exposed":  # exposed data is contained by the privacy steps
            remote = "_phone" if contact != "in_person" else ""
            fix = g.first(f"fix.safety_{s.safety_kind}{remote}" if remote else "", f"fix.safety_{s.safety_kind}")
        elif s.personal_data:
            fix = g("fix.privacy_breach")
        else:
            fix = g.first(f"fix_b2b.{category}" if s.b2b else "", f"fix.{category}")
        card.append(Part("fix", g("title.fix"), fix))
        card.append(Part("next", g("title.next"), self._next(g, p)))
        card.append(Part("dont", g("title.dont"), "\n".join(f"• {self._dont(g, s, d)}" for d in p.donts)))
        details = self._details(g, facts, p, category)
        budget = int(g("budget.max"))
        # Over the budget, the least needed go first: the extra don'ts, the last modules, then the
        # generic lines (follow-up, explain, prevent); the card, safety and privacy always stay.
        while details and size("\n".join(_section(x) for x in (*card, *details)), g("budget.unit")) > budget:
            keep_money = p.safety and not s.personal_data  # "the bill is on us; no talk of fault" matters
            drop = (
                next((x for x in details if x.key == "never"), None)
                or next((x for x in reversed(details) if x.key.startswith("module:") and x.key not in ESSENTIAL), None)
                or next(
                    (
                        x
                        for key in ("follow_up", "explain", "prevent", "make_good")
                        for x in details
                        if x.key == key and not (key == "make_good" and keep_money)
                    ),
                    None,
                )
                or next((x for x in reversed(details) if x.key == "module:safety" and s.personal_data), None)
            )
            if drop is None:
                break
            details.remove(drop)
        return Guidance(p, tuple(card), say, tuple(details), g("title.details"))

    # --- the pieces --------------------------------------------------------------------

    def _name(self, g: _Words, facts: ScriptContext) -> str:
        """The customer's name as given; else one name the report mentions, in brackets to check."""
        name = one_line(facts.customer, 60)
        checked = bool(name)
        if not name and facts.text and Facet.B2B.value not in facts.facets:
            found = extract(facts.text).get("customer_name", [])
            if facts.locale == "ja":  # 〜さん is as often a role (常連さん, 母さん) as a name: only 〜様 counts
                found = [
                    f
                    for f in found
                    if f.endswith("様")
                    and len(f) >= 3
                    and not f.startswith(_JA_NOT_NAMES)
                    and not _JA_COMPANY.search(f)
                ]
            name = found[0] if len(found) == 1 else ""
        if not name:
            return ""
        name = escape_mrkdwn(name)
        if facts.locale == "ja":
            name = sama(name, g("say.name_suffix"))
        return name if checked else f"[{name}]"

    def _say(self, g: _Words, facts: ScriptContext, p: Plan, category: str, *, written: bool = False) -> str:
        """At most two sentences: the apology with what we did (and their loss), then what comes now.

        One exception to "apology first": when a person's safety is at stake (a child released
        to the wrong adult), the family hears that they are safe before anything else.
        """
        s = p.situation
        ja = facts.locale == "ja"
        name = "" if written else self._name(g, facts)  # a letter names them in its salutation
        loss = customer_loss(extract(facts.text).get("loss", []), facts.locale) if facts.text else None
        sev = s.severity.value
        sorry = g.first(f"sorry_written.{sev}" if written else "", f"sorry.{sev}")
        person_at_risk = p.safety and s.safety_kind == "person" and not s.personal_data  # a leak is not a lost child
        if p.safety and s.safety_kind == "goods":
            mistake = g("mistake_safety.goods")
        elif person_at_risk:
            mistake = g("mistake_safety.person")
        else:
            mistake = g.first(
                f"mistake_b2b_written.{category}" if s.b2b and written else "",
                f"mistake_b2b.{category}" if s.b2b else "",
                f"mistake.{category}",
            )
        again = g("say.again") if s.has(Facet.REPEAT_FAILURE) else ""
        contact = "written" if written else s.contact.value
        when = self._when(g, p.next_contact.within)
        w = "_written" if written else ""
        if p.safety and not s.personal_data:
            second = g.first(f"say.{_safety_kind(s)}_{contact}", f"say.{_safety_kind(s)}", when=when)
        elif ja and loss is not None and not s.personal_data:
            second = g(f"loss.{loss.kind}", loss=escape_mrkdwn(loss.words))
        elif s.personal_data:
            second = g("say.own_privacy")
        elif category == "rude_service":
            second = g.first(f"say.own_rude{w}", "say.own_rude")
        elif s.serious:
            second = g.first("say.own_b2b" if s.b2b else "", "say.own_serious")
        elif p.light:
            second = g.first(f"say.own_low{w}", "say.own_low")
        else:
            second = g.first("loss.slot_b2b" if s.b2b and ja else "", "loss.slot" if ja else "", "say.own")
        safe_first = g.first("say.person_safe_written" if written else "", "say.person_safe") if person_at_risk else ""
        if ja:
            harm = self._ja_harm(g, s, category)
            opener = g.first(f"say.opener_{contact}_{sev}", "say.opener")
            address = f"{name}、" if name else ""
            if safe_first:
                return f"{address}{safe_first}{opener}{mistake}、{again}{harm}、{sorry}。{second}"
            return f"{address}{opener}{mistake}、{again}{harm}、{sorry}。{second}"
        tail = "" if p.safety else self._feeling(g, s, loss, category)
        address = f"{name}, " if name else ""
        if safe_first:
            return f"{address}{safe_first}, and {sorry}: {mistake}. {second}".strip()
        return f"{address}{sorry}: {mistake}{again}{tail}. {second}".strip()

    @staticmethod
    def _ja_harm(g: _Words, s: Situation, category: str) -> str:
        if s.personal_data:
            return g("loss.privacy")
        if s.safety:
            if s.safety_kind == "person":
                return g("loss.safety_person")
            return g("loss.safety_harmed" if s.harmed else "loss.safety_risk")
        if category == "rude_service":
            return g("loss.rude")
        return g(f"loss.default_{s.severity.value}")

    @staticmethod
    def _feeling(g: _Words, s: Situation, loss: Loss | None, category: str) -> str:
        if s.personal_data:
            return g("loss.privacy")
        if loss is not None:
            return g(f"loss.{loss.kind}", loss=escape_mrkdwn(loss.words))
        if category == "rude_service":
            return g("loss.rude")
        if s.severity is Severity.LOW:
            return ""
        return g("loss.slot")

    @staticmethod
    def _dont(g: _Words, s: Situation, dont: str) -> str:
        kind = s.safety_kind if s.safety else ""
        return g.first(
            f"dont.{dont}_{kind}" if kind else "",
            f"dont.{dont}_{s.category}",
            f"dont.{dont}_written" if s.contact is Contact.WRITTEN else "",
            f"dont.{dont}",
        )

    def _when(self, g: _Words, within: timedelta | None) -> str:
        if within is None:
            return g("next.when.before_leave")
        unit, n = within_words(within)
        if unit == "hours" and n == 1:
            return g("next.when.hour")
        if unit == "days" and n == 1:
            return g("next.when.day")
        return g(f"next.when.{unit}", n=str(n))

    def _next(self, g: _Words, p: Plan) -> str:
        nc = p.next_contact
        s = p.situation
        who = g(f"next.who.{nc.who}")
        when = self._when(g, nc.within)
        if nc.within is None:
            return g("next.on_the_spot")
        if s.many and nc.who != "you":
            return g("next.many", when=when)
        if nc.visit:
            return g("next.visit", who=who, when=when)
        if nc.who == "you":
            return g("next.you", how=g(f"next.how.{s.contact.value}"), when=when)
        if s.contact is Contact.IN_PERSON:
            return g("next.in_person_serious", who=who, when=when)
        return g("next.boss", who=who, when=when)

    def _make_good(self, g: _Words, facts: ScriptContext, p: Plan, category: str) -> str:
        s = p.situation
        ja = facts.locale == "ja"
        join = "" if ja else " "
        if p.safety and s.safety_kind != "exposed":
            return g(f"restitution_safety.{s.safety_kind}")
        if s.b2b and s.serious:
            key = "privacy_breach" if s.personal_data else category
            return g.first(f"restitution_b2b.{key}", "restitution_b2b.default")
        if s.serious and g.has(f"restitution_serious.{category}"):
            return g(f"restitution_serious.{category}")
        owed = g("make_good.owed", restitution=g(f"restitution.{category}"))
        if s.serious or s.many:
            return join.join([owed, g("make_good.serious")])
        a = facts.authority
        staff = amount(a, a.staff, facts.locale)
        yours = g("make_good.yours", staff=staff) if staff else g("make_good.yours_unknown")
        boss = amount(a, a.boss, facts.locale)
        boss_limit = g("make_good.boss_limit", boss=boss) if boss else ""
        return join.join([owed, yours, g("make_good.ask", boss_limit=boss_limit)])

    def _details(self, g: _Words, facts: ScriptContext, p: Plan, category: str) -> list[Part]:
        s = p.situation
        parts: list[Part] = []
        if not p.letter and not p.light:
            parts.append(Part("explain", g("title.explain"), g("explain.line")))
        if not p.light:
            parts.append(Part("make_good", g("title.make_good"), self._make_good(g, facts, p, category)))
        if not p.letter and not p.light:
            parts.append(Part("prevent", g("title.prevent"), g("prevent.line")))
        if not p.letter and p.next_contact.within is not None:
            key = (
                f"follow_up.{_safety_kind(s)}"
                if p.safety and not s.personal_data
                else "follow_up.privacy"
                if s.personal_data
                else "follow_up.line"
            )
            parts.append(Part("follow_up", g("title.follow_up"), g(key)))
        for module in p.modules:
            variant = _module_variant(module, p)
            title = g.first(f"module_title.{module}_{variant}" if variant else "", f"module_title.{module}")
            parts.append(
                Part(
                    f"module:{module}",
                    title,
                    g.first(
                        f"module.{module}_{variant}" if variant else "",
                        f"module.{module}",
                        when=self._when(g, p.next_contact.within),
                    ),
                )
            )
        if p.also_never:
            parts.append(Part("never", g("title.never"), " · ".join(self._dont(g, s, d) for d in p.also_never)))
        return parts

    def _letter(self, g: _Words, facts: ScriptContext, p: Plan, category: str) -> str:
        """One complete written message: the apology in its first sentence, then what happened,
        what we do, what changes and who contacts them next, in the order a reader expects."""
        s = p.situation
        name = self._name(g, facts)
        if p.safety and not s.personal_data:
            what = g(f"letter.what_safety.{s.safety_kind}")
        else:
            what = g.first(f"letter.what_b2b.{category}" if s.b2b else "", f"letter.what.{category}")
        if s.b2b:
            dear = g.first("letter.dear_b2b", "letter.dear", name=name or g("letter.name_slot"))
        else:
            dear = g("letter.dear", name=name) if name else g("letter.dear_slot")
        joiner = "" if facts.locale == "ja" else " "
        opening = self._say(g, facts, p, category, written=True)
        if s.harmed and g.opt("letter.get_well"):
            opening = joiner.join([opening, g("letter.get_well")])
        body = [opening, g("letter.happened")]
        if s.personal_data:
            body.append(g("letter.notice_b2b" if s.b2b else "letter.notice"))
        body.append(g("letter.fix"))
        if s.b2b and s.serious:
            body.append(g("letter.report"))
        elif s.serious or s.b2b:
            body.append(g("letter.prevent"))
        nc = p.next_contact
        when = self._when(g, nc.within)
        pd = "_privacy" if s.personal_data else ""
        who = "you" if nc.who == "you" else "boss"
        body.append(g.first(f"letter.next_{who}{pd}" if pd else "", f"letter.next_{who}", when=when))
        if nc.visit:
            body.append(g("letter.visit"))
        grave = s.serious or s.safety or s.has(Facet.CUSTOMER_ANGRY)
        close = g("letter.close_serious") if grave else g("letter.close")
        lines = [g("letter.subject", what=what), dear, ""]
        intro = g.opt("letter.intro")
        if intro:
            lines.append(intro)
        lines += [*body, "", close, g("letter.sign")]
        return "\n".join(lines)


def _safety_kind(s: Situation) -> str:
    if s.safety_kind in ("person", "general", "exposed"):
        return s.safety_kind
    return "goods_harmed" if s.harmed else "goods_risk"


def _module_variant(module: str, p: Plan) -> str:
    s = p.situation
    if module == "safety":
        return s.safety_kind
    if module == "privacy_notice" and s.b2b:
        return "b2b"
    if module == "consumer_senior" and s.safety and s.severity is Severity.CRITICAL:
        return "meet"
    if module == "angry" and p.letter:
        return "written"
    if module == "b2b_report" and s.many:
        return "many"
    return ""


def sama(name: str, suffix: str = "様") -> str:
    """A customer's name as Japanese addresses it: "Ms Sato" → "Sato様", "田中" → "田中様"."""
    bare = re.sub(r"^(Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+", "", name.strip())
    return bare if re.search(r"(様|さま|殿|御中|さん)$", bare) else bare + suffix


def amount(a: Authority, value: int | None, locale: str) -> str:
    """¥3,000 is written 3,000円 in Japanese; other currencies keep their sign."""
    if value is None:
        return ""
    if locale == "ja" and a.currency in ("¥", "￥", "円"):
        return f"{value:,}円"
    return a.amount(value)


def size(text: str, unit: str) -> int:
    """Words (English and other spaced scripts) or characters (Japanese), without markup."""
    bare = re.sub(r"[*_>•\s]", " ", text)
    if unit == "chars":
        return len(bare.replace(" ", ""))
    return len(re.findall(r"[^\W_]+(?:['’-][^\W_]+)*|[£$¥€][\d,]+", bare))


class _Words:
    """Dotted lookups in a wording table, formatted with `{name}` values; a missing key is an error."""

    def __init__(self, table: dict[str, Any], locale: str) -> None:
        self.table = table
        self.locale = locale

    def has(self, dotted: str) -> bool:
        return isinstance(self._find(dotted), str)

    def _find(self, dotted: str) -> Any:
        node: Any = self.table
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def first(self, *keys: str, **values: str) -> str:
        """The first of `keys` that exists (empty keys are skipped); the last one must exist."""
        present = [k for k in keys if k]
        for key in present[:-1]:
            if self.has(key):
                return self(key, **values)
        return self(present[-1], **values)

    def opt(self, dotted: str, **values: str) -> str:
        return self(dotted, **values) if self.has(dotted) else ""

    def __call__(self, dotted: str, **values: str) -> str:
        found = self._find(dotted)
        if not isinstance(found, str):
            raise WordingMissing(f"guidance.toml ({self.locale}) has no key {dotted}")
        try:
            return found.format_map(values) if values or "{" in found else found
        except (KeyError, ValueError, IndexError) as exc:
            raise WordingMissing(f"guidance.toml ({self.locale}) key {dotted}: unknown placeholder {exc}") from None
