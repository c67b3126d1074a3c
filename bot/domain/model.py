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


@dataclass(frozen=True, slots=True)
class Triage:
    category: str
    severity: Severity
    locale: str
    signals: tuple[str, ...] = ()
    confidence: float = 0.0

    def as_json(self) -> dict[str, object]:
        return {
            "category": self.category,
            "severity": self.severity.value,
            "locale": self.locale,
            "signals": list(self.signals),
            "confidence": round(self.confidence, 2),
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
