"""Durations as people write them in the policy file: `30s`, `5m`, `1h`, `2d`, `1h30m`."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.domain.errors import OwabiError

_PART = re.compile(r"(\d+)\s*([smhd])")
_WHOLE = re.compile(r"^\s*(?:\d+\s*[smhd]\s*)+$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class DurationError(OwabiError, ValueError):
    pass


def parse_duration(value: str | int | float | timedelta) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float):
        if value < 0:
            raise DurationError("a duration cannot be negative")
        return timedelta(seconds=value)
    text = str(value).strip().lower()
    if not _WHOLE.match(text):
        raise DurationError(f"{value!r} is not a duration; write it like 30s, 5m, 1h or 2d")
    seconds = sum(int(n) * _UNIT[u] for n, u in _PART.findall(text))
    if seconds <= 0:
        raise DurationError(f"{value!r} must be longer than zero")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta | float) -> str:
    """Short human form for messages: 90s -> '1m 30s'."""
    total = int(delta.total_seconds() if isinstance(delta, timedelta) else delta)
    if total < 60:
        return f"{total}s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if total >= size:
            parts.append(f"{total // size}{unit}")
            total %= size
    return " ".join(parts[:2])
