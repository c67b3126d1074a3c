"""Agreement between the two independent labellings of the corpora (data/corpus/LABELLING.md).

usage: python bench/corpus_agreement.py [--write]   (--write saves data/corpus/agreement.json)

Reports: exact agreement on category, severity, situation and found_by; severity within one
level; Cohen's kappa for category and severity; per-facet agreement and kappa.
Drafts: agreement on the verdict, and on each problem id being present.
Only items that carry both `labels_a` and `labels_b` count.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.domain.model import Facet, Severity

ROOT = Path(__file__).resolve().parent.parent / "data" / "corpus"
SEVERITIES = [s.value for s in Severity]
FACETS = [f.value for f in Facet]
PROBLEMS = [
    "blame_customer",
    "blame_colleague",
    "blame_third_party",
    "conditional",
    "policy_shield",
    "minimising",
    "over_promise",
    "bribe",
    "review_request",
    "excuse_first",
    "passive_evasion",
    "wrong_register",
    "invented_facts",
    "no_apology",
]


def load(kind: str) -> list[dict]:  # type: ignore[type-arg]
    items = []
    for path in sorted((ROOT / kind).glob("*.jsonl")):
        items += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [i for i in items if "labels_a" in i and "labels_b" in i]


def kappa(pairs: list[tuple[object, object]]) -> float:
    n = len(pairs)
    if not n:
        return float("nan")
    observed = sum(a == b for a, b in pairs) / n
    ca, cb = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(ca[k] * cb.get(k, 0) for k in ca) / (n * n)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def stats(pairs: list[tuple[object, object]]) -> dict[str, float]:
    """Share of items where both labellings agree, and Cohen's kappa."""
    return {"agreement": round(sum(a == b for a, b in pairs) / len(pairs), 3), "kappa": round(kappa(pairs), 3)}


def by_locale(items: list[dict], field: str) -> dict[str, float]:  # type: ignore[type-arg]
    out = {}
    for loc in ("en", "ja"):
        sub = [i for i in items if i["locale"] == loc]
        if sub:
            out[f"{field}_{loc}"] = round(sum(i["labels_a"][field] == i["labels_b"][field] for i in sub) / len(sub), 3)
    return out


def reports(items: list[dict]) -> dict[str, object]:  # type: ignore[type-arg]
    out: dict[str, object] = {"items": len(items)}
    for field in ("category", "severity", "situation", "found_by"):
        pairs = [(i["labels_a"][field], i["labels_b"][field]) for i in items]
        out[field] = stats(pairs)
    sev = [(SEVERITIES.index(i["labels_a"]["severity"]), SEVERITIES.index(i["labels_b"]["severity"])) for i in items]
    out["severity_within_one"] = round(sum(abs(a - b) <= 1 for a, b in sev) / len(sev), 3)
    facets = {}
    for f in FACETS:
        pairs = [(f in i["labels_a"]["facets"], f in i["labels_b"]["facets"]) for i in items]
        facets[f] = {**stats(pairs), "a": sum(a for a, _ in pairs), "b": sum(b for _, b in pairs)}
    out["facets"] = facets
    out.update(by_locale(items, "category"))
    return out


def drafts(items: list[dict]) -> dict[str, object]:  # type: ignore[type-arg]
    out: dict[str, object] = {"items": len(items)}
    pairs = [(i["labels_a"]["verdict"], i["labels_b"]["verdict"]) for i in items]
    out["verdict"] = stats(pairs)
    probs = {}
    for p in PROBLEMS:
        pp = [
            (
                any(x["id"] == p for x in i["labels_a"].get("problems", [])),
                any(x["id"] == p for x in i["labels_b"].get("problems", [])),
            )
            for i in items
        ]
        probs[p] = stats(pp)
    out["problems"] = probs
    out.update(by_locale(items, "verdict"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    result = {"reports": reports(load("reports")), "drafts": drafts(load("drafts"))}
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.write:
        (ROOT / "agreement.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
