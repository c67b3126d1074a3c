"""Practice situations, so staff rehearse an apology before they need one for real.

Staff only report early and apologise well when they have done it before without a
customer watching. The situations (wording) live in responses/<locale>/practice.toml;
this picks one, deterministically for a given seed, so a practice round can be replayed
and tested.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bot.domain import wording


class NoSituations(Exception):
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


def situations(locale: str, *, override: Path | None = None) -> tuple[Situation, ...]:
    rows = wording.load("practice", locale, override=override).get("situation", [])
    return tuple(Situation(**{f: str(row.get(f, "")) for f in _FIELDS}) for row in rows)


def pick(locale: str, seed: int, *, override: Path | None = None) -> Situation:
    """One situation; the same seed always gives the same one."""
    found = situations(locale, override=override)
    if not found:
        raise NoSituations(f"no practice situations for locale {locale!r}")
    return found[random.Random(seed).randrange(len(found))]


_FIELDS = ("id", "category", "severity", "contact", "customer", "text")
