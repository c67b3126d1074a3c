"""The coach as the app uses it: wording from responses/, the model from data/corpus/drafts."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from bot import resources
from bot.domain.coach_engine import Coach
from bot.learning import corpus


def load_wording(root: Path | None = None, override: Path | None = None) -> dict[str, dict[str, Any]]:
    """Each locale's coach.toml (why / rewrite / tip tables) with its coach_patterns.toml (how the
    coach reads that language), an override folder's tables on top."""
    folder = root or resources.responses_dir()
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*/coach.toml")):
        with path.open("rb") as fh:
            found[path.parent.name] = tomllib.load(fh)
        patterns = path.with_name("coach_patterns.toml")
        if patterns.exists():
            with patterns.open("rb") as fh:
                found[path.parent.name].update(tomllib.load(fh))
    if override is not None:
        for path in sorted([*override.glob("*/coach.toml"), *override.glob("*/coach_patterns.toml")]):
            with path.open("rb") as fh:
                extra = tomllib.load(fh)
            base = found.setdefault(path.parent.name, {})
            for table, values in extra.items():
                if isinstance(values, dict):
                    base[table] = {**base.get(table, {}), **values}
    return found


@cache
def default_coach(override: Path | None = None) -> Coach:
    # scikit-learn is imported when the coach is first asked, not when the app starts.
    from bot.learning.coach_model import load_or_train

    return Coach(load_or_train(lambda: corpus.load("drafts")), load_wording(override=override))
