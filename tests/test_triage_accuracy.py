"""How well first-pass triage agrees with a human labeller on realistic reports.

`triage_labelled.jsonl` was written by hand before the rules were tuned: terse, misspelt
and abbreviated reports in English and Japanese, labelled by what a careful team lead
would choose. Severity guide used when labelling:

- low: an inconvenience, fixable today, no lasting cost.
- medium: the customer is clearly out of pocket, time or patience; needs a make-good.
- high: serious harm: a large amount, a repeated failure, a key account, a legal, press
  or social-media threat, one person's data exposed, a health risk without injury.
- critical: someone hurt or ill, many people's data exposed, a failure hitting many
  customers or stopping a client's business.

`triage_holdout.jsonl` was written at the same time and never used while tuning the rules;
its figures show how far the rules generalise, with a looser bar.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.domain.model import Severity
from bot.domain.triage import triage

DATA = Path(__file__).parent / "data"


def _load(name: str) -> list[dict[str, str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _score(rows: list[dict[str, str]]) -> tuple[float, float, float, float, list[str]]:
    category = severity_near = severity_exact = locale = 0
    misses = []
    for row in rows:
        got = triage(row["text"])
        category += got.category == row["category"]
        near = abs(got.severity.rank - Severity(row["severity"]).rank) <= 1
        severity_near += near
        severity_exact += got.severity.value == row["severity"]
        locale += got.locale == row["locale"]
        if got.category != row["category"] or not near:
            misses.append(
                f"{row['text']!r}: want {row['category']}/{row['severity']}, "
                f"got {got.category}/{got.severity.value}"
            )
    n = len(rows)
    return category / n, severity_near / n, severity_exact / n, locale / n, misses


def _report(name: str, rows: list[dict[str, str]]) -> tuple[float, float, float]:
    cat, sev, exact, loc, misses = _score(rows)
    print(
        f"\n{name}: n={len(rows)} category accuracy {cat:.1%}, "
        f"severity within one level {sev:.1%} (exact {exact:.1%}), locale {loc:.1%}"
    )
    for miss in misses:
        print("  miss:", miss)
    return cat, sev, loc


def test_the_labelled_set_is_big_and_bilingual() -> None:
    rows = _load("triage_labelled.jsonl")
    assert len(rows) >= 150
    assert sum(row["locale"] == "ja" for row in rows) >= 60
    assert {row["severity"] for row in rows} == {s.value for s in Severity}


def test_triage_agrees_with_the_labeller() -> None:
    cat, sev, loc = _report("labelled", _load("triage_labelled.jsonl"))
    assert cat >= 0.85
    assert sev >= 0.95
    assert loc == 1.0


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_accuracy_holds_in_each_language(locale: str) -> None:
    rows = [r for r in _load("triage_labelled.jsonl") if r["locale"] == locale]
    cat, sev, _ = _report(f"labelled/{locale}", rows)
    assert cat >= 0.8
    assert sev >= 0.9


def test_rules_generalise_to_reports_not_used_for_tuning() -> None:
    cat, sev, _ = _report("holdout", _load("triage_holdout.jsonl"))
    assert cat >= 0.7
    assert sev >= 0.85
