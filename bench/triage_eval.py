"""How well triage reads reports it was not trained on, by held-out writers.

    .venv/bin/python bench/triage_eval.py [--mode heldout|cv|writers] [--round 27] [--confusion]

Every figure is measured on writers the model never saw in training:

- `heldout` (the headline): train on every writer of the rounds before the held-out round
  (`--round`, default 27: en33, ja33), evaluate once on that round, whose industries and voices
  differ. Rounds 6 to 12 were written and labelled blind after the thresholds in
  bot.domain.triage.Tuning were last chosen, on rounds 3–5 (`--round 3`, `4`, `5`: each trains
  on the rounds before it); the first choices were made on rounds 1–2 (`--round 2` trains on
  round 1 and reads round 2; `--reverse` the other way). Each round was read once as it came
  and was development data after that (the commit messages say what changed after each reading).
  Round 19 was written to the model's weak boundaries: a stress test, not a fair held-out round.
- `cv`: on the development writers, group k-fold by batch (each batch is one voice).
- `writers`: on all writers, leave one whole writer out at a time.

Printed: category accuracy (and top-2), severity exact and within one, the high/critical
under-call rate, locale accuracy, situation accuracy and harassment / near-miss recall, facet
recall and precision, per-locale and per-category figures, optionally a confusion table, and
the time triage takes per report.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.domain.model import Facet, Severity
from bot.domain.triage import Triager
from bot.learning.corpus import Item, load
from bot.learning.reader import load_lexicons
from bot.learning.triage_model import TriageModel

DEV = ("en1", "en2", "en3", "ja1", "ja2", "ja3")
ROUND = {
    **{f"{lang}{k}": 1 for lang in ("en", "ja") for k in (1, 2, 3)},
    **{f"{lang}{k}": 2 for lang in ("en", "ja") for k in (4, 5, 6)},
    "en7": 3,
    "ja7": 3,
    "en8": 4,
    "ja8": 4,
    "en9": 5,
    "ja9": 5,
    "en10": 6,
    "en11": 6,
    "ja10": 6,
    "ja11": 6,
    "en12": 7,
    "en13": 7,
    "ja12": 7,
    "ja13": 7,
    "en14": 8,
    "ja14": 8,
    "en15": 9,
    "ja15": 9,
    "en16": 10,
    "ja16": 10,
    "en17": 11,
    "ja17": 11,
    "en18": 12,
    "ja18": 12,
    "en19": 13,
    "ja19": 13,
    "en20": 14,
    "ja20": 14,
    "en21": 15,
    "ja21": 15,
    "en22": 16,
    "ja22": 16,
    "en23": 17,
    "ja23": 17,
    "en24": 18,
    "ja24": 18,
    # Written to the boundaries the model confused most and to safety-sounding reports that are
    # not safety risks: training data; read as a held-out round it is a stress test, not a fair one.
    "en25": 19,
    "ja25": 19,
    "en26": 20,
    "ja26": 20,
    "en27": 21,
    "ja27": 21,
    "en28": 22,
    "ja28": 22,
    "en29": 23,
    "ja29": 23,
    "en30": 24,
    "ja30": 24,
    "en31": 25,
    "ja31": 25,
    "en32": 26,
    "ja32": 26,
    "en33": 27,
    "ja33": 27,
}
LEVELS = [s.value for s in Severity]


def predict(train: list[Item], test: list[Item]) -> tuple[list[object], list[float]]:
    lexicons = load_lexicons()
    triager = Triager(lexicons, TriageModel(lexicons).fit(train))
    out, times = [], []
    for item in test:
        started = time.perf_counter()
        out.append(triager.read(item.text, default_locale="en"))
        times.append(time.perf_counter() - started)
    return out, times


def report(name: str, items: list[Item], got: list[object], times: list[float], confusion: bool) -> None:
    n = len(items)
    gold = [i.labels for i in items]
    cat = sum(g["category"] == r.category for g, r in zip(gold, got, strict=True))  # type: ignore[attr-defined]
    top2 = sum(g["category"] in (r.category, *r.alternatives[:1]) for g, r in zip(gold, got, strict=True))  # type: ignore[attr-defined]
    gi = [LEVELS.index(g["severity"]) for g in gold]
    ri = [LEVELS.index(r.severity.value) for r in got]  # type: ignore[attr-defined]
    exact = sum(a == b for a, b in zip(gi, ri, strict=True))
    within = sum(abs(a - b) <= 1 for a, b in zip(gi, ri, strict=True))
    serious = [k for k, a in enumerate(gi) if a >= 2]
    under = sum(ri[k] < gi[k] for k in serious)
    over = sum(ri[k] > gi[k] for k in range(n))
    loc = sum(i.locale == r.locale for i, r in zip(items, got, strict=True))  # type: ignore[attr-defined]
    sit = sum(g["situation"] == r.situation for g, r in zip(gold, got, strict=True))  # type: ignore[attr-defined]
    print(f"\n== {name}: {n} reports ({sum(i.locale == 'ja' for i in items)} Japanese) ==")
    print(f"category            {cat / n:6.1%}   (top-2 {top2 / n:.1%})")
    print(f"severity exact      {exact / n:6.1%}   within one level {within / n:.1%}")
    print(
        f"high/critical under-called {under / max(1, len(serious)):6.1%}  ({under} of {len(serious)});"
        f" over-called overall {over / n:.1%}"
    )
    print(f"locale              {loc / n:6.1%}")
    print(f"situation           {sit / n:6.1%}", end="")
    for s in ("customer_harassment", "near_miss"):
        idx = [k for k, g in enumerate(gold) if g["situation"] == s]
        hit = sum(got[k].situation == s for k in idx)  # type: ignore[attr-defined]
        print(f"   {s} recall {hit / max(1, len(idx)):.1%} ({hit}/{len(idx)})", end="")
    print()
    print("facet               recall  precision  (gold n)")
    for facet in Facet:
        g = [facet.value in x["facets"] for x in gold]
        r = [facet.value in x.facets for x in got]  # type: ignore[attr-defined]
        tp = sum(a and b for a, b in zip(g, r, strict=True))
        print(f"  {facet.value:<20} {tp / max(1, sum(g)):6.1%}  {tp / max(1, sum(r)):6.1%}     {sum(g)}")
    for locale in ("en", "ja"):
        idx = [k for k, i in enumerate(items) if i.locale == locale]
        if idx:
            c = sum(gold[k]["category"] == got[k].category for k in idx)  # type: ignore[attr-defined]
            w = sum(abs(gi[k] - ri[k]) <= 1 for k in idx)
            s = [k for k in idx if gi[k] >= 2]
            u = sum(ri[k] < gi[k] for k in s)
            print(
                f"  {locale}: category {c / len(idx):.1%}, severity within one {w / len(idx):.1%},"
                f" under-call {u / max(1, len(s)):.1%}"
            )
    wrong = [k for k, (g, r) in enumerate(zip(gold, got, strict=True)) if g["category"] != r.category]  # type: ignore[attr-defined]
    asked = {k for k, r in enumerate(got) if "category" in r.questions}  # type: ignore[attr-defined]
    offered = [
        k
        for k in wrong
        if k in asked and gold[k]["category"] in (got[k].category, *got[k].alternatives)[:3]  # type: ignore[attr-defined]
    ]
    print(
        f"category asked about on {len(asked) / n:.1%} of reports, {len(asked.intersection(wrong))} of the {len(wrong)}"
        f" read wrong; right after one tap (the right one among the three offered)"
        f" {(n - len(wrong) + len(offered)) / n:.1%}"
    )
    per = defaultdict(lambda: [0, 0])
    for g, r in zip(gold, got, strict=True):
        per[g["category"]][0] += 1
        per[g["category"]][1] += g["category"] == r.category  # type: ignore[attr-defined]
    print("per category: " + ", ".join(f"{c} {h / t:.0%}" for c, (t, h) in sorted(per.items())))
    if confusion:
        labels = sorted(per)
        counts = Counter((g["category"], r.category) for g, r in zip(gold, got, strict=True))  # type: ignore[attr-defined]
        print("confusion (rows gold, columns guessed): " + " ".join(c[:6] for c in labels))
        for a in labels:
            print(f"  {a[:14]:<14} " + " ".join(f"{counts[(a, b)]:6d}" for b in labels))
    ms = [t * 1000 for t in times]
    print(f"triage time per report: median {statistics.median(ms):.2f} ms, max {max(ms):.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["heldout", "cv", "writers"], default="heldout")
    parser.add_argument("--round", type=int, default=27, help="the held-out round of writers (heldout mode)")
    parser.add_argument("--reverse", action="store_true", help="with --round 2: train on round 2, read round 1")
    parser.add_argument("--folds", type=int, default=7)
    parser.add_argument("--confusion", action="store_true")
    args = parser.parse_args()
    items = load("reports")
    if args.mode == "heldout":
        rounds = {i.writer: ROUND.get(i.writer, 99) for i in items}
        train = [i for i in items if rounds[i.writer] < args.round]
        test = [i for i in items if rounds[i.writer] == args.round]
        if args.reverse:
            train, test = test, train
        got, times = predict(train, test)
        report(
            f"trained on writers {', '.join(sorted({i.writer for i in train}))}; "
            f"tested on {', '.join(sorted({i.writer for i in test}))}",
            test,
            got,
            times,
            args.confusion,
        )
        return
    pool = [i for i in items if i.writer in DEV] if args.mode == "cv" else items
    groups = sorted({i.batch if args.mode == "cv" else i.writer for i in pool})
    folds = [groups[k :: args.folds] for k in range(args.folds)] if args.mode == "cv" else [[g] for g in groups]
    got_all: dict[str, object] = {}
    times_all: list[float] = []
    for fold in folds:
        key = (lambda i: i.batch) if args.mode == "cv" else (lambda i: i.writer)
        test = [i for i in pool if key(i) in fold]
        train = [i for i in pool if key(i) not in fold]
        got, times = predict(train, test)
        got_all.update({i.id: r for i, r in zip(test, got, strict=True)})
        times_all += times
    ordered = [i for i in pool if i.id in got_all]
    report(
        f"{args.mode}: {len(folds)} folds by {'batch' if args.mode == 'cv' else 'writer'}",
        ordered,
        [got_all[i.id] for i in ordered],
        times_all,
        args.confusion,
    )


if __name__ == "__main__":
    main()
