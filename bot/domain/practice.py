"""Practice situations, so staff rehearse an apology before they need one for real.

Staff only report early and apologise well when they have done it before without a
customer watching. The situations (wording) live in responses/<locale>/practice.toml and
are handed in as rows; this picks one, deterministically for a given seed, so a practice
round can be replayed and tested.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from bot.domain.errors import OwabiError


class NoSituations(OwabiError):
    """The practice.toml for a locale (and English) has no situations."""


@dataclass(frozen=True, slots=True)
class Situation:
    id: str
    category: str
    severity: str
    contact: str
    customer: str
    text: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def situations(rows: Iterable[Mapping[str, object]]) -> tuple[Situation, ...]:
    return tuple(Situation(**{f: str(row.get(f, "")) for f in _FIELDS}) for row in rows)


def pick(rows: Iterable[Mapping[str, object]], seed: int) -> Situation:
    """One situation; the same seed always gives the same one."""
    found = situations(rows)
    if not found:
        raise NoSituations("no practice situations")
    return found[random.Random(seed).randrange(len(found))]


_FIELDS = ("id", "category", "severity", "contact", "customer", "text")
