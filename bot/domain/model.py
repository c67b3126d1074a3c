"""The vocabulary shared by the policy, the CLI's JSON and the database (CONTRACT.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class Category(StrEnum):
    LATE_DELIVERY = "late_delivery"
    WRONG_ITEM = "wrong_item"
    DAMAGED_ITEM = "damaged_item"
    BILLING_ERROR = "billing_error"
    RUDE_SERVICE = "rude_service"
    MISSED_DEADLINE = "missed_deadline"
    QUALITY_DEFECT = "quality_defect"
    PRIVACY_BREACH = "privacy_breach"
    OUTAGE = "outage"
    OTHER = "other"


class Contact(StrEnum):
    """How the staffer is in touch with the customer; it shapes what the script says."""

    IN_PERSON = "in_person"
    PHONE = "phone"
    WRITTEN = "written"


class State(StrEnum):
    REPORTED = "reported"
    ACKNOWLEDGED = "acknowledged"
    CONTACTED = "contacted"
    RESOLVED = "resolved"
    FOLLOWED_UP = "followed_up"


class Facet(StrEnum):
    """Facts about the situation that change the script, who is involved and how fast."""

    SAFETY_RISK = "safety_risk"
    HARMED = "harmed"
    PERSONAL_DATA = "personal_data"
    B2B = "b2b"
    REPEAT_FAILURE = "repeat_failure"
    PUBLIC_EXPOSURE = "public_exposure"
    VULNERABLE_CUSTOMER = "vulnerable_customer"
    VIP = "vip"
    FINANCIAL_LOSS = "financial_loss"
    LEGAL_RISK = "legal_risk"
    MANY_CUSTOMERS = "many_customers"
    CUSTOMER_ANGRY = "customer_angry"


class Situation(StrEnum):
    MISTAKE = "mistake"
    NEAR_MISS = "near_miss"
    CUSTOMER_HARASSMENT = "customer_harassment"


@dataclass(frozen=True, slots=True)
class Triage:
    """Owabi's reading of a report: what, how serious, what kind of situation, and why."""

    category: str
    severity: Severity
    locale: str
    signals: tuple[str, ...] = ()
    confidence: float = 0.0
    situation: str = Situation.MISTAKE.value
    found_by: str = "customer"
    facets: dict[str, tuple[str, ...]] = field(default_factory=dict)  # facet → the words that set it
    alternatives: tuple[str, ...] = ()  # the next likeliest categories
    questions: tuple[str, ...] = ()  # what to ask the reporter in one tap, when unsure
    extracted: dict[str, list[str]] = field(default_factory=dict)
    why: str = ""  # "high: allergy · child · second time"

    def as_json(self) -> dict[str, object]:
        return {
            "category": self.category,
            "severity": self.severity.value,
            "locale": self.locale,
            "situation": self.situation,
            "found_by": self.found_by,
            "facets": {k: list(v) for k, v in self.facets.items()},
            "signals": list(self.signals),
            "confidence": round(self.confidence, 2),
            "alternatives": list(self.alternatives),
            "questions": list(self.questions),
            "extracted": self.extracted,
            "why": self.why,
        }


@dataclass(frozen=True, slots=True)
class Report:
    """What a staffer told us, before it becomes an incident."""

    reporter: str
    text: str
    category: str
    severity: Severity
    locale: str
    contact: Contact = Contact.IN_PERSON
    customer: str = ""
    channel_id: str = ""
    signals: tuple[str, ...] = field(default=())
    situation: str = "mistake"
    facets: dict[str, list[str]] = field(default_factory=dict)
    questions: tuple[str, ...] = ()  # what to ask the reporter in one tap
    alternatives: tuple[str, ...] = ()  # the next likeliest categories
    found_by: str = "customer"  # us / customer / public
    source_link: str = ""  # the Slack message it was reported from (the message shortcut)
    evidence: tuple[tuple[str, str], ...] = ()  # (file name, Slack permalink) of photos, receipts, screenshots


@dataclass(frozen=True, slots=True)
class Incident:
    """An incident as the rest of the app sees it; the store maps rows to this."""

    id: int
    ref: str
    created_at: float
    reporter: str
    text: str
    category: str
    severity: Severity
    locale: str
    contact: Contact
    customer: str
    chain: tuple[str, ...]
    team: str | None
    state: State
    channel_id: str = ""
    owner: str | None = None
    acknowledged_by: str | None = None
    acknowledged_at: float | None = None
    boss_notified_at: float | None = None
    contacted_at: float | None = None
    resolved_at: float | None = None
    followed_up_at: float | None = None
    practice: bool = False
    details: dict[str, str] = field(default_factory=dict)
    situation: str = "mistake"
    facets: dict[str, list[str]] = field(default_factory=dict)  # facet → the words that set it

    @property
    def customer_to_win_back(self) -> bool:
        """A mistake that reached a customer: not a near miss (nothing reached them) nor a customer
        who abused staff. Only these get the apology script, the make-good and the follow-up."""
        return self.situation == Situation.MISTAKE.value

    @property
    def near_miss(self) -> bool:
        return self.situation == Situation.NEAR_MISS.value

    def has(self, facet: str) -> bool:
        return facet in self.facets

    @property
    def questions(self) -> tuple[str, ...]:
        """One-tap questions still open for the reporter (triage was unsure)."""
        return tuple(q for q in self.details.get("questions", "").split(",") if q)

    @property
    def found_by(self) -> str:
        return self.details.get("found_by") or "customer"

    @property
    def alternatives(self) -> tuple[str, ...]:
        return tuple(c for c in self.details.get("alternatives", "").split(",") if c)
