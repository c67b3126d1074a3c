"""Which guidance fits a situation: the pure choice behind the reporter's 30-second card.

A staffer on a bad day reads the top of the answer and nothing else, so the card carries
only what is needed in the next minutes: a safety line when someone may be hurt, what to
say now (the apology first), the fix and by when, who contacts the customer next and
when, and the three don'ts that matter for this situation. Everything else folds below,
as *modules* chosen by the situation's facts (personal data, a business customer, a
repeat failure, a public post…), at most `MAX_MODULES` of them so the whole stays short.

The words live in `responses/<locale>/guidance.toml`; this module only decides which of
them apply, so the choice is testable without any template.

Decisions written down here:
- Seniority follows harm, one level higher for a repeat failure (the second failure is
  worse than the first): low and medium are the staffer's to handle, high is the direct
  boss's call, critical brings the boss's boss too.
- A visit is offered only to business customers at high or critical; a consumer gets a
  manager's call and a written apology, never a home visit.
- The next-contact time is one duration per severity (policy `follow_up_within`); the card
  promises it and the follow-up reminder fires at it, counted from the moment of contact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from bot.domain.model import Contact, Facet, Severity

MAX_MODULES = 3
MAX_DONTS = 3
MAX_ALSO_NEVER = 3
IN_THE_LETTER = frozenset({"privacy_notice", "b2b_report"})  # a written message already carries these

NEXT_CONTACT = {  # default next-contact times by severity (policy `follow_up_within` overrides)
    Severity.LOW: timedelta(days=1),
    Severity.MEDIUM: timedelta(hours=4),
    Severity.HIGH: timedelta(hours=2),
    Severity.CRITICAL: timedelta(hours=1),
}

# Modules, most important first: when more apply than fit, the later ones are left out.
MODULE_ORDER = (
    "safety",
    "privacy_notice",
    "vulnerable",
    "many",
    "legal",
    "wrong_recipient",
    "b2b_report",
    "visit",
    "consumer_senior",
    "repeat",
    "public_reply",
    "b2b",
    "angry",
    "complaint_first",
    "found_by_us",
)
# Don'ts, most important first; each applies when its rule below says so.
DONT_ORDER = (
    "guess_cause",
    "no_fault_or_pay",
    "question_child",
    "name_recipient",
    "not_yet_deleted",
    "no_regulator_talk",
    "leave_the_post",
    "never_again",
    "losses_talk",
    "no_unconfirmed_fix",
    "no_data_claim",
    "blame_partner",
    "argue_public",
    "check_first",
    "excuse",
    "interrupt",
    "promise_unapproved",
    "blame_colleague",
    "sorry_but",
    "make_small",
)
PARTNER_CATEGORIES = frozenset({"late_delivery", "damaged_item", "outage"})  # a courier or a vendor is near
GOODS = frozenset({"quality_defect", "wrong_item", "damaged_item", "late_delivery"})  # what we handed over did it
PRESENT = frozenset({"rude_service", "wrong_item", "quality_defect", "damaged_item", "billing_error", "other"})


@dataclass(frozen=True, slots=True)
class Situation:
    """What the guidance is chosen from: the incident's facts, not its wording."""

    category: str
    severity: Severity
    contact: Contact
    facets: frozenset[str] = frozenset()
    found_by: str = "customer"  # us / customer / public
    # What kind of danger the report's words describe, when it has words: "safeguarding" or
    # "person" (a child or a person left unsafe), "food" (something eaten, drunk or taken),
    # "general" (anything else: water, a site, a lift, a fire alarm); "" when no report was read.
    hazard: str = ""

    def has(self, facet: Facet) -> bool:
        return facet.value in self.facets

    @property
    def safety(self) -> bool:
        return self.has(Facet.SAFETY_RISK) or self.has(Facet.HARMED)

    @property
    def personal_data(self) -> bool:
        return self.has(Facet.PERSONAL_DATA) or self.category == "privacy_breach"

    @property
    def harmed(self) -> bool:
        return self.has(Facet.HARMED)

    @property
    def safety_kind(self) -> str:
        """Which safety card: "goods" when something eaten, drunk or taken did the harm (food,
        medicine), "person" when a child or a person was left unsafe (released to the wrong adult,
        locked out at night), "general" for any other danger (a water supply, a building site, a
        lift), "exposed" when that danger comes from personal data that went astray (an address, a
        door code). Read from the report's words; with none read, from the category: "goods" when what we
        served or sold did it, else "person"."""
        if self.hazard == "food":
            return "goods"
        if self.hazard == "safeguarding":
            return "person"
        if self.hazard in ("person", "general"):  # with personal data, the danger is in what was exposed
            return "exposed" if self.personal_data else ("person" if self.hazard == "person" else "general")
        return "goods" if self.category in GOODS else "person"

    @property
    def b2b(self) -> bool:
        return self.has(Facet.B2B)

    @property
    def many(self) -> bool:
        return self.has(Facet.MANY_CUSTOMERS)

    @property
    def serious(self) -> bool:
        return self.severity.rank >= Severity.HIGH.rank

    @property
    def public(self) -> bool:
        return self.has(Facet.PUBLIC_EXPOSURE) or self.found_by == "public"


@dataclass(frozen=True, slots=True)
class Authority:
    """What may be offered without asking (policy `[make_good]`); None when the policy is silent."""

    currency: str = ""
    staff: int | None = None
    boss: int | None = None

    def amount(self, value: int | None) -> str:
        if value is None:
            return ""
        return f"{self.currency}{value:,}"


@dataclass(frozen=True, slots=True)
class NextContact:
    who: str  # "you", "boss", "boss_and_senior"
    within: timedelta | None  # None: settled before they leave (a low slip, face to face)
    visit: bool  # a business visit is offered (phone first for an appointment)


@dataclass(frozen=True, slots=True)
class Plan:
    situation: Situation
    lead: str  # the level that leads with the customer: "you", "boss", "boss_and_senior"
    next_contact: NextContact
    modules: tuple[str, ...]
    donts: tuple[str, ...]  # the three on the card
    also_never: tuple[str, ...]  # the rest that apply, folded below
    letter: bool  # written contact: one complete draft
    light: bool  # a low slip: the card and a few lines, no explanation, prevention or make-good
    approvable: bool  # a boss may approve a make-good from the DM (not for harm, business or many-customer cases)

    @property
    def safety(self) -> bool:
        return self.situation.safety


def plan(situation: Situation, *, follow_up_within: dict[Severity, timedelta] | None = None) -> Plan:
    s = situation
    level = s.severity.rank + (1 if s.has(Facet.REPEAT_FAILURE) else 0)
    if s.has(Facet.VIP) or s.has(Facet.LEGAL_RISK):
        level = max(level, Severity.HIGH.rank)
    if not s.b2b:  # one senior person, quickly, is what a consumer needs; two levels fit a business
        level = min(level, Severity.HIGH.rank)
    lead = "you" if level <= Severity.MEDIUM.rank else ("boss" if level == Severity.HIGH.rank else "boss_and_senior")
    within = (follow_up_within or {}).get(s.severity, NEXT_CONTACT[s.severity])
    visit = s.b2b and lead != "you" and not s.many  # many customers: visits only for the worst affected
    on_the_spot = (
        s.contact is Contact.IN_PERSON
        and s.severity is Severity.LOW
        and lead == "you"
        and s.category in PRESENT
        and not s.safety
    )
    light = s.severity is Severity.LOW and lead == "you" and not (s.safety or s.personal_data)
    donts = _donts(s)
    return Plan(
        situation=s,
        lead=lead,
        next_contact=NextContact(who=lead, within=None if on_the_spot else within, visit=visit),
        modules=_modules(s, lead),
        donts=donts[:MAX_DONTS],
        also_never=donts[MAX_DONTS : MAX_DONTS + MAX_ALSO_NEVER],
        letter=s.contact is Contact.WRITTEN,
        light=light,
        approvable=not (s.safety or s.b2b or s.many or s.serious or light),
    )


def _modules(s: Situation, lead: str) -> tuple[str, ...]:
    applies = {
        "safety": s.safety and s.safety_kind != "exposed",  # what to record is in the privacy steps
        "privacy_notice": s.personal_data,
        "wrong_recipient": s.personal_data,
        "vulnerable": s.has(Facet.VULNERABLE_CUSTOMER),
        "legal": s.has(Facet.LEGAL_RISK),
        "many": s.has(Facet.MANY_CUSTOMERS) or (s.category == "outage" and s.serious),
        "b2b_report": s.b2b and s.serious,
        "visit": s.b2b and lead != "you" and not s.many,
        "consumer_senior": not s.b2b and lead != "you",
        "repeat": s.has(Facet.REPEAT_FAILURE),
        "public_reply": s.public,
        "b2b": s.b2b and not s.serious,
        "angry": s.has(Facet.CUSTOMER_ANGRY),
        "complaint_first": s.found_by == "customer",
        "found_by_us": s.found_by == "us" and s.category != "outage" and not s.many,  # they felt it already
    }
    most = MAX_MODULES
    if s.contact is Contact.WRITTEN:  # the message itself is long: one module fewer
        applies.update({m: False for m in IN_THE_LETTER})
        most -= 1
    return tuple(m for m in MODULE_ORDER if applies[m])[:most]


def _donts(s: Situation) -> tuple[str, ...]:
    spoken = s.contact is not Contact.WRITTEN
    applies = {
        "guess_cause": s.safety,
        "no_fault_or_pay": s.harmed or (s.safety and s.safety_kind == "person"),
        "question_child": s.safety and s.safety_kind == "person" and s.has(Facet.VULNERABLE_CUSTOMER),
        "name_recipient": s.personal_data,
        "not_yet_deleted": s.personal_data,
        "no_regulator_talk": s.personal_data,
        "leave_the_post": s.public,
        "never_again": s.has(Facet.REPEAT_FAILURE),
        "losses_talk": s.b2b and s.serious,
        "no_unconfirmed_fix": s.category == "outage",
        "no_data_claim": s.category == "outage",
        "blame_partner": s.category in PARTNER_CATEGORIES and not s.personal_data,
        "argue_public": s.public,
        "check_first": not spoken and (s.serious or s.personal_data or s.safety),
        "excuse": s.category == "rude_service",
        "interrupt": spoken and (s.has(Facet.CUSTOMER_ANGRY) or s.found_by == "customer"),
        "promise_unapproved": True,
        "blame_colleague": True,
        "sorry_but": True,
        "make_small": True,
    }
    found = [d for d in DONT_ORDER if applies[d]]
    if "check_first" in found and (s.personal_data or s.b2b or s.safety):  # forwarded, or an insurer involved
        found.remove("check_first")
        found.insert(0, "check_first")
    if s.safety and s.safety_kind == "goods":  # after food or goods harmed someone, "the kitchen did it" tempts
        found.remove("blame_colleague")
        found.insert(2, "blame_colleague")
    return tuple(found)


# --- the customer's loss, from the report ------------------------------------------------

_EN_PERSON = {
    "her": "your",
    "his": "your",
    "their": "your",
    "she": "you",
    "he": "you",
    "they": "you",
    "them": "you",
    "him": "you",
    "hers": "yours",
    "theirs": "yours",
}
# Where the loss ends and the rest of the staffer's sentence begins ("for her wedding | didn't arrive").
_EN_CUT = re.compile(
    r"(?i)\s(?:didn'?t|did not|doesn'?t|wasn'?t|isn'?t|hasn'?t|never|and|but|so|because|which|"
    r"that|was|is|were|are|has|had|arrived|came|got|went|when|if|until)\b"
)
_EN_LOSS = re.compile(
    r"(?i)(?:for (?:her|his|their|my|your)|"
    r"(?:missed|lost|ruined|spoiled) (?:her|his|their|my|your|the))"
    r"(?: [\w'’-]+){1,5}"
)
_JA_TAIL = re.compile(r"(とのこと|そうです|らしい|ようです|みたい|って|と)$")


@dataclass(frozen=True, slots=True)
class Loss:
    """What the mistake cost the customer, in words said to them: `kind` picks the sentence."""

    kind: str  # "for" (how much it mattered for …), "happened" (… because of us), "found" (Japanese)
    words: str


def customer_loss(found: list[str], locale: str) -> Loss | None:
    """The report's words for what the mistake cost the customer, said to them (None if none).

    English turns the staffer's third person into the second ("for her wedding" → "for your
    wedding", "missed his train" → "you missed your train"); Japanese is brought to a plain
    past clause that fits 「…のは、私どもの不手際」. The script shows it in brackets: the
    staffer checks the words before saying them.
    """
    for loss in found:
        phrase = loss.strip().strip("「」").strip()
        if not phrase:
            continue
        if locale == "ja":
            fitted = _ja_clause(phrase)
            if fitted:
                return Loss("found", fitted)
            continue
        kept = _EN_CUT.split(phrase, maxsplit=1)[0].strip()
        if not _EN_LOSS.fullmatch(kept):
            continue  # anything looser reads wrong when said to the customer: the slot is safer
        words = [_EN_PERSON.get(w.lower(), w) for w in kept.split()]
        head = words[0].lower()
        if head == "for":
            return Loss("for", " ".join(words))
        if head in {"missed", "lost"}:
            return Loss("happened", " ".join(["you", *words]))
        return Loss("happened", " ".join(["it", *words]))
    return None


def _ja_clause(phrase: str) -> str:
    text = _JA_TAIL.sub("", phrase)
    endings = (
        ("間に合わず", "間に合わなかった"),
        ("間に合わない", "間に合わなかった"),
        ("台無し", "台無しになった"),
        ("恥をかい", "恥をかいた"),
        ("恥をかかせ", "恥をかかせてしまった"),
        ("を逃し", "を逃した"),
        ("に使えな", "に使えなかった"),
    )
    for stem, clause in endings:
        at = text.find(stem)
        if 0 <= at <= 16:
            lead = re.split(r"て|、|ので|から", text[:at])[-1]  # only the clause the loss is in
            return lead + clause
    return ""


def within_words(within: timedelta) -> tuple[str, int]:
    """A duration as a unit and a count, for wording: (\"minutes\"|\"hours\"|\"days\", n)."""
    seconds = int(within.total_seconds())
    if seconds < 3600:
        return "minutes", max(1, seconds // 60)
    if seconds < 86400:
        return "hours", max(1, round(seconds / 3600))
    return "days", max(1, round(seconds / 86400))
