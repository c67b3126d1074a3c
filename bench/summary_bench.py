"""How long the weekly channel summary and the App Home take on a big database.

By default 100,000 incidents over eight weeks and 1,000,000 events (5% of them escalations),
with 20,000 lessons; `--incidents 1000000 --events 10000000` for the large case. Synthetic
rows are bulk-inserted directly (executemany); the event hash chain is deliberately NOT
computed here — this is load for the queries only, and `owabi verify` would rightly reject
this database.

The bench never runs ANALYZE itself: after loading it closes the store and opens it again,
as the app would across a restart, so whatever statistics the queries get are the ones the
app gathers on its own (`PRAGMA optimize` when it stops).

Measured: the weekly summary, five builds; the Home tab opened cold (a scope whose figures were
never computed: only before the start-up warm has reached it); the start-up warm itself (every
scope of the policy, in the background); then every opening the app normally sees, worst of
each: right after the warm (fresh figures), and past their freshness (the older figures shown
at once while new ones are computed behind them). Floor for the Home: 50 ms.

    .venv/bin/python bench/summary_bench.py [--incidents 100000] [--events 1000000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot import resources
from bot.config import load_policy
from bot.runtime import home_scopes
from bot.service import Owabi
from bot.slack.compose import Composer, composer_of
from bot.slack.lifecycle_actions import home_view
from bot.store import Store
from bot.summaries import HOME_FIGURES_AGE, Summaries
from bot.wording import Renderer

INCIDENTS, EVENTS, LESSONS = 100_000, 1_000_000, 20_000  # the defaults; see --incidents, --events
SPAN = 8 * 7 * 86400
CATS = ["late_delivery", "wrong_item", "damaged_item", "billing_error", "rude_service", "other"]
SEVS = ["low", "medium", "high", "critical"]
STATES = ["followed_up"] * 6 + ["resolved"] * 2 + ["contacted", "acknowledged", "reported"]


def incident_rows(now: float, rng: random.Random) -> list[tuple[object, ...]]:
    rows = []
    for n in range(1, INCIDENTS + 1):
        t = now - rng.random() * SPAN
        state = rng.choice(STATES)
        rows.append(
            (
                n,
                f"OOPS-{n:04d}",
                t,
                t,
                f"U0STAFF{n % 50:02d}",
                "front-desk",
                '["U0LEAD01"]',
                "synthetic",
                "",
                rng.choice(CATS),
                rng.choice(SEVS),
                "in_person",
                "en",
                state,
                "",
                t + rng.random() * 30,
                t + rng.random() * 3600,
                t + rng.random() * 7200 if state != "reported" else None,
                t + rng.random() * 86400 if state in ("resolved", "followed_up") else None,
                f"bench:{n}",
            )
        )
    return rows


def event_rows(now: float, rng: random.Random) -> list[tuple[object, ...]]:
    kinds = ["reported", "boss_dm_queued", "message_sent", "acknowledged", "contacted", "resolved"]
    return [
        (
            now - rng.random() * SPAN,
            rng.randint(1, INCIDENTS),
            "escalated" if rng.random() < 0.05 else rng.choice(kinds),
            None,
            "{}",
            "-",
            "-",
        )
        for _ in range(EVENTS)
    ]


def load(store: Store, now: float) -> None:
    rng = random.Random(5)
    db = store.conns.db.conn
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO incidents (id, ref, created_at, updated_at, reporter, team, chain, text, "
        "customer, category, severity, contact, locale, state, channel_id, boss_notified_at, "
        "acknowledged_at, contacted_at, resolved_at, idempotency_key) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        incident_rows(now, rng),
    )
    db.executemany(
        "INSERT INTO events (at, incident_id, kind, actor, data, prev_hash, hash) VALUES (?,?,?,?,?,?,?)",
        event_rows(now, rng),
    )
    db.executemany(
        "INSERT INTO lessons (incident_id, at, category, severity, lesson, what_changes, author) "
        "VALUES (?,?,?,?,?,?,?)",
        [
            (n, now - rng.random() * SPAN, rng.choice(CATS), "low", f"lesson {n}", "", "U0LEAD01")
            for n in range(1, LESSONS + 1)
        ],
    )
    db.execute("COMMIT")


def main() -> int:
    global INCIDENTS, EVENTS
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--incidents", type=int, default=INCIDENTS)
    parser.add_argument("--events", type=int, default=EVENTS)
    args = parser.parse_args()
    INCIDENTS, EVENTS = args.incidents, args.events
    with tempfile.TemporaryDirectory(prefix="owabi-bench-") as tmp:
        store = Store.open(Path(tmp) / "bench.db")
        now = time.time()
        started = time.perf_counter()
        load(store, now)
        print(
            f"loaded {INCIDENTS:,} incidents, {EVENTS:,} events, {LESSONS:,} lessons "
            f"in {time.perf_counter() - started:.1f}s"
        )
        store.close()  # a restart: the app's own `PRAGMA optimize` is all the statistics there are
        store = Store.open(Path(tmp) / "bench.db")
        policy = load_policy(resources.example_policy())
        clock = [now]
        service = Owabi(
            store=store,
            policy=policy,
            composer=Composer(Renderer(resources.responses_dir()), ui_locale="en"),
            clock=lambda: clock[0],
        )
        summaries = Summaries(service)
        runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            summary = summaries.build("week", now=now)
            text = summaries.compose.summary_text(summary, zone=policy.zone)
            runs.append(time.perf_counter() - t0)
        best, worst = min(runs), max(runs)
        # The Home of the first team's lead: their team's open incidents and the week's figures.
        lead = policy.teams[0].chain[0]
        people = [lead, policy.teams[0].members[0], *policy.admins[:1], "U0NOBODY"]
        compose = composer_of(service).lifecycle

        def opened(summaries: Summaries, user: str) -> float:
            t0 = time.perf_counter()
            home_view(service, compose, summaries, user)
            return time.perf_counter() - t0

        cold = opened(Summaries(service), lead)
        summaries = Summaries(service)
        t0 = time.perf_counter()
        summaries.warm(home_scopes(policy))
        summaries.settle(600)
        warm_up = time.perf_counter() - t0
        fresh = max(opened(summaries, user) for user in people for _ in range(3))
        clock[0] = now + HOME_FIGURES_AGE + 1  # past freshness: shown at once, computed again behind
        stale = max(opened(summaries, user) for user in people)
        summaries.settle(600)
        print(
            f"weekly summary: {summary.total:,} incidents in the week, "
            f"{summary.open_count:,} open, "
            f"{summary.escalations:,} escalated, {len(text)} chars"
        )
        print(
            json.dumps(
                {
                    "weekly_summary_seconds_best": round(best, 4),
                    "weekly_summary_seconds_worst": round(worst, 4),
                    "home_cold_seconds": round(cold, 4),
                    "home_warm_up_seconds": round(warm_up, 4),
                    "home_open_seconds_worst": round(fresh, 4),
                    "home_open_past_freshness_seconds_worst": round(stale, 4),
                }
            )
        )
        store.close()
        return 0 if worst < 1.0 else 1  # a summary over a second is a failure at any scale


if __name__ == "__main__":
    raise SystemExit(main())
