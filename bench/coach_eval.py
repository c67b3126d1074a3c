"""How well the coach judges apology drafts by voices it was not trained on.

    .venv/bin/python bench/coach_eval.py [--mode writers|batches|heldout] [--folds 7] [--no-situation]

Drafts come from fifteen rounds of writers (den, dja; dfe, dge, dfj, dgj; dhe, dhj; dke, dkj;
dme, dmj; dpe, dqe, dpj, dqj; dre, dse, drj, dsj; dte, dtj; due, duj; dve, dvj; dwe, dwj; dxe, dxj;
dye, dyj; dze, dzj, each two writers of two batches; doe, doj),
each in several batches (voices). `writers` (the default) leaves one writer out at a time;
`batches` is group k-fold by batch; `heldout` trains on the earlier rounds and judges the latest
round (`--round`, default 15), once: each round was written after the coach was tuned on the
rounds before it (`--only` limits which writers a development run uses). In every
mode the coach is trained on the rest and judges every draft of the held-out part, with the draft's
situation (category, severity, contact, b2b, the incident summary), as `/oops check` on an
incident does. Printed: good drafts wrongly flagged, bad drafts whose real problem is named
(a gold problem among the findings), "could be stronger" drafts told so, per problem and per
locale.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.domain.coach_engine import PROBLEMS, Coach
from bot.learning.coach_model import CoachModel
from bot.learning.coaching import load_wording
from bot.learning.corpus import Item, load

# Rounds of writers, in the order they were written; each later round was written and labelled
# blind after the coach had been tuned on the rounds before it.
ROUNDS = {
    "den": 1,
    "dja": 1,
    "dfe": 2,
    "dge": 2,
    "dfj": 2,
    "dgj": 2,
    "dhe": 3,
    "dhj": 3,
    "dke": 4,
    "dkj": 4,
    "dme": 5,
    "dmj": 5,
    "dpe": 6,
    "dqe": 6,
    "dpj": 6,
    "dqj": 6,
    "dre": 7,
    "dse": 7,
    "drj": 7,
    "dsj": 7,
    "dte": 8,
    "dtj": 8,
    "due": 9,
    "duj": 9,
    "dve": 10,
    "dvj": 10,
    "dwe": 11,
    "dwj": 11,
    "dxe": 12,
    "dxj": 12,
    "dye": 13,
    "dyj": 13,
    "dze": 14,
    "dzj": 14,
    "doe": 15,
    "doj": 15,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=7)
    parser.add_argument(
        "--mode",
        choices=("batches", "writers", "heldout"),
        default="writers",
        help="batches: group k-fold by batch; writers: leave one writer out; heldout: train on "
        "the rounds before --round, judge that round once",
    )
    parser.add_argument("--round", type=int, default=15, help="the held-out round (heldout mode)")
    parser.add_argument("--no-situation", action="store_true", help="judge drafts without their situation")
    parser.add_argument("--only", default="", help="comma-separated writers to use (e.g. den,dja for development)")
    args = parser.parse_args()
    items = load("drafts")
    if args.only:
        items = [i for i in items if i.writer in set(args.only.split(","))]
    if args.mode == "batches":
        batches = sorted({i.batch for i in items})
        folds = [set(batches[k :: args.folds]) for k in range(args.folds)]
        group = lambda i: i.batch  # noqa: E731
    elif args.mode == "writers":
        folds = [{w} for w in sorted({i.writer for i in items})]
        group = lambda i: i.writer  # noqa: E731
    else:
        items = [i for i in items if ROUNDS.get(i.writer, 99) <= args.round]
        folds = [{w for w in {i.writer for i in items} if ROUNDS.get(w, 99) == args.round}]
        group = lambda i: i.writer  # noqa: E731
    wording = load_wording()
    results: list[tuple[Item, object]] = []
    for fold in folds:
        train = [i for i in items if group(i) not in fold]
        coach = Coach(CoachModel().fit(train), wording)
        for item in (i for i in items if group(i) in fold):
            situation = None if args.no_situation else item.situation
            results.append((item, coach.review(item.text, situation)))
    for locale in ("all", "en", "ja"):
        sub = [(i, r) for i, r in results if locale == "all" or i.locale == locale]
        good = [(i, r) for i, r in sub if i.labels["verdict"] == "ready"]
        bad = [(i, r) for i, r in sub if i.labels["verdict"] == "fix"]
        weak = [(i, r) for i, r in sub if i.labels["verdict"] == "stronger"]
        flagged = sum(not r.good for _, r in good)  # type: ignore[attr-defined]
        named = sum(
            bool({p["id"] for p in i.labels["problems"]} & {f.problem for f in r.findings})  # type: ignore[attr-defined]
            for i, r in bad
        )
        said_send = sum(r.good for _, r in bad)  # type: ignore[attr-defined]
        weak_ok = sum(r.verdict == "stronger" for _, r in weak)  # type: ignore[attr-defined]
        print(f"\n== {locale}: {len(sub)} drafts ({len(good)} good, {len(bad)} bad, {len(weak)} could be stronger) ==")
        print(f"good drafts wrongly flagged        {flagged / max(1, len(good)):6.1%}  ({flagged}/{len(good)})")
        print(
            f"bad drafts with real problem named {named / max(1, len(bad)):6.1%}  ({named}/{len(bad)});"
            f" bad drafts told 'ready' {said_send / max(1, len(bad)):.1%}"
        )
        print(f"'could be stronger' told so        {weak_ok / max(1, len(weak)):6.1%}  ({weak_ok}/{len(weak)})")
        if locale == "all":
            per = defaultdict(lambda: [0, 0])
            for i, r in bad:
                found = {f.problem for f in r.findings}  # type: ignore[attr-defined]
                for p in {p["id"] for p in i.labels["problems"]}:
                    per[p][0] += 1
                    per[p][1] += p in found
            print("per problem (recall): " + ", ".join(f"{p} {per[p][1]}/{per[p][0]}" for p in PROBLEMS if per[p][0]))


if __name__ == "__main__":
    main()
