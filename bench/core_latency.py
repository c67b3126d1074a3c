"""How fast a staffer gets their script and their boss gets the DM.

Runs the real app (waitress + Bolt + SQLite) against the local Slack stand-in and sends
signed `/oops` requests like Slack does: sequentially, then from concurrent senders.
Reports ack time (HTTP round trip of the slash command) and report → boss DM time.

    .venv/bin/python bench/core_latency.py [--reports 300] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pydantic import SecretStr

from bot.config import Settings
from bot.runtime import build
from bot.sandbox.slack_side import SlackSide
from bot.sandbox.standin import StandIn
from bot.server import HttpServer

SECRET = "bench-secret"
BOSS = "U0LEAD01"  # the floor team's first in the chain
POLICY = """
locale = "en"
timezone = "Asia/Tokyo"
[default]
chain = ["U0MGR01", "U0GM01"]
[[teams]]
name = "floor"
members = [{members}]
chain = ["U0LEAD01", "U0MGR01", "U0GM01"]
"""


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def line(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"{name:<34} n={len(ms):<5} p50={statistics.median(ms):7.1f} ms  p95={pct(ms, 95):7.1f} ms  "
        f"p99={pct(ms, 99):7.1f} ms  max={max(ms):7.1f} ms"
    )


def run(reports: int, concurrency: int) -> int:
    users = [f"U0S{n:05d}" for n in range(reports * 2)]
    with tempfile.TemporaryDirectory() as tmp, StandIn() as standin:
        policy = Path(tmp) / "policy.toml"
        policy.write_text(POLICY.format(members=", ".join(f'"{u}"' for u in users)))
        settings = Settings(
            slack_bot_token=SecretStr("xoxb-bench"),
            slack_signing_secret=SecretStr(SECRET),
            slack_api_url=standin.api_url,
            owabi_db=Path(tmp) / "owabi.db",
            owabi_policy=policy,
        )
        runtime = build(settings)
        server = HttpServer(runtime, port=0, threads=16).start_background()
        slack = SlackSide(server.url, SECRET, standin)
        slack.command(users[-1], "warm-up: wrong item")
        phases = {
            "sequential": (users[: reports // 2], 1),
            f"{concurrency} concurrent senders": (users[reports // 2 : reports], concurrency),
        }
        failures = 0
        slow = 0
        for phase, (who, workers) in phases.items():
            sent: dict[str, float] = {}
            acks: list[float] = []

            def one(user: str, sent: dict[str, float] = sent, acks: list[float] = acks) -> None:
                sent[user] = time.time()
                reply = slack.command(user, f"order for {user} went out a day late, customer upset")
                acks.append(reply.seconds)
                if reply.status != 200:
                    raise RuntimeError(f"HTTP {reply.status}")

            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(one, who))

            def boss_dms(who: list[str] = who) -> dict[str, float]:
                """When the boss's DM about each report arrived (not the reporter's own copy)."""
                at: dict[str, float] = {}
                for call in standin.dms_to(BOSS):
                    for user in who:
                        if user in str(call.args.get("blocks")):
                            at.setdefault(user, call.at)
                return at

            # Wait for exactly what is measured: every report's boss DM (a count of all messages
            # could wait for one that never comes, and then waited out the whole timeout).
            wanted = len(who)
            standin.wait_for(lambda wanted=wanted: len(boss_dms()) == wanted, timeout=60)
            dm_at = boss_dms()
            to_dm = [dm_at[u] - sent[u] for u in who if u in dm_at]
            failures += len(who) - len(to_dm)
            slow += sum(1 for a in acks if a >= 3.0)
            print(f"-- {phase}")
            print(line("ack (slash command round trip)", acks))
            print(line("report -> boss DM delivered", to_dm))
            standin._state.calls.clear()
        print(f"boss DMs missing: {failures}; acks at or over 3 s: {slow}")
        server.stop()
    return 1 if failures or slow else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    raise SystemExit(run(args.reports, args.concurrency))
