"""Read-only access to the wording data in `responses/<locale>/*.toml`.

Some answers carry words (the coach's reasons, practice situations), and words live under
responses/, never in Python; the domain is handed what this reads. This only parses TOML; templates are rendered by
`bot.wording.render`. Lookup order matches the renderer: bundled English, override English,
bundled locale, override locale — later files win key by key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from bot import resources

FALLBACK = "en"


def deep_merge(into: dict[str, Any], new: Mapping[str, Any]) -> None:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            deep_merge(into[key], value)
        else:
            into[key] = value


def _files(name: str, locale: str, override: Path | None) -> list[Path]:
    roots = [resources.responses_dir()] + ([override] if override else [])
    locales = dict.fromkeys([FALLBACK, locale])
    return [root / loc / f"{name}.toml" for loc in locales for root in roots]


@cache
def load(name: str, locale: str, *, override: Path | None = None) -> Mapping[str, Any]:
    """The merged `<name>.toml` for a locale (English keys fill any gaps)."""
    merged: dict[str, Any] = {}
    for path in _files(name, locale, override):
        if path.is_file():
            deep_merge(merged, tomllib.loads(path.read_text(encoding="utf-8")))
    return merged
