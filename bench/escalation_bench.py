"""Escalation lateness under load: 500 incidents in flight (`--incidents`), staggered windows of 1–7 s.

Runs the real scheduler, dispatcher, SQLite file and the Slack stand-in (no mocks), and
measures how late each escalation DM reaches "Slack" after its deadline (the job's due
time), and whether any was lost or sent twice. Not part of pytest; run it as

    .venv/bin/python bench/escalation_bench.py [--incidents 500] [--runtimes 2] [--faults]

`--runtimes 2` runs two complete Owabis on one database file, as two processes would.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import Settings
from bot.domain.model import Severity
from bot.runtime import Runtime, build
from bot.sandbox.standin import StandIn

STAFF, LEAD, MANAGER, GM = "U0STAFF01", "U0LEAD01", "U0MGR01", "U0GM01"
WINDOWS = {Severity.LOW: "7s", Severity.MEDIUM: "4s", Severity.HIGH: "2s", Severity.CRITICAL: "1s"}
WINDOW_SECONDS = {s: float(w.rstrip("s")) for s, w in WINDOWS.items()}

POLICY = "\n".join(
    [
        'locale = "en"',
        'timezone = "Asia/Tokyo"',
        'summary_channel = "C0TEAMCHAN"',
        "",
        *[f'[severity.{s.value}]\nack_within = "{w}"\nrepeat = 0\nnotify_levels = 1\n' for s, w in WINDOWS.items()],
        "[[teams]]",
        'name = "bench"',
        f'members = ["{STAFF}"]',
        f'chain = ["{LEAD}", "{MANAGER}", "{GM}"]',
        "",
        "[default]",
        f'chain = ["{MANAGER}", "{GM}"]',
        "",
    ]
)


def start(tmp: Path, standin: StandIn) -> Runtime:
    policy = tmp / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    settings = Settings(
        slack_bot_token=SecretStr("xoxb-bench"),
        slack_signing_secret=SecretStr("s"),
        slack_api_url=standin.api_url,
        owabi_db=tmp / "bench.db",
        owabi_policy=policy,
    )
    runtime = build(settings)
    runtime.start_workers()
    return runtime


def report_all(runtime: Runtime, n: int, spread: float) -> None:
    """Reports arrive over `spread` seconds, with a random severity each."""
    started = time.monotonic()
    for i in range(n):
        time.sleep(max(0.0, started + spread * i / n - time.monotonic()))
        runtime.service.report(
            reporter=STAFF,
            text=f"bench {i}: the customer was charged twice",
            key=f"bench:{i}",
            severity=random.choice(list(Severity)),
        )


def expected_done(runtime: Runtime, n: int) -> int:
    return n * 2  # one manager and one GM escalation per incident (repeat = 0)


def wait_drained(runtime: Runtime, standin: StandIn, want: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = runtime.store.jobs.rows(kind="escalate", status="pending")
        sent = len([c for c in standin.calls("chat.postMessage") if c.args.get("channel") != "D" + LEAD[1:]])
        if not pending and sent >= want:
            return
        time.sleep(0.2)


def measure(runtime: Runtime, standin: StandIn) -> tuple[list[float], list[float], int, int, int]:
    """(lateness per escalation DM past its job's due time, the same past the ideal schedule,
    expected, lost, doubled). The ideal schedule is the report's time plus step × window: a step
    is due one window after the previous one went out, so lateness that piles up from step to
    step shows against the ideal and hides against the due time."""
    received: dict[tuple[int, str], list[float]] = {}
    for call in standin.calls("chat.postMessage"):
        match = re.search(r"OOPS-(\d+)", str(call.args.get("text", "")))
        channel = str(call.args.get("channel"))
        if match and channel != LEAD:
            received.setdefault((int(match.group(1)), channel), []).append(call.at)
    late, behind, lost = [], [], 0
    for job in runtime.store.jobs.rows(kind="escalate"):
        step = int(job["key"].rsplit(":", 1)[1])
        who = MANAGER if step == 1 else GM
        times = received.get((int(job["incident_id"]), who))
        if not times:
            lost += 1
            continue
        late.append(min(times) - job["due_at"])
        incident = runtime.store.incidents.get(int(job["incident_id"]))
        assert incident is not None
        behind.append(min(times) - (incident.created_at + step * WINDOW_SECONDS[incident.severity]))
    doubled = sum(len(v) - 1 for v in received.values() if len(v) > 1)
    return late, behind, len(runtime.store.jobs.rows(kind="escalate")), lost, doubled


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--incidents", type=int, default=500)
    parser.add_argument("--spread", type=float, default=3.0, help="seconds over which reports arrive")
    parser.add_argument("--runtimes", type=int, default=1, help="Owabis sharing the database")
    parser.add_argument("--faults", action="store_true", help="the stand-in answers some 429s and 500s")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="owabi-bench-") as tmp, StandIn() as standin:
        runtimes = [start(Path(tmp), standin) for _ in range(args.runtimes)]
        if args.faults:
            standin.fault("chat.postMessage", status=429, retry_after=1, times=10)
            standin.fault("chat.postMessage", status=500, error="internal_error", times=10)
        began = time.monotonic()
        reporter = threading.Thread(target=report_all, args=(runtimes[0], args.incidents, args.spread))
        reporter.start()
        reporter.join()
        wait_drained(runtimes[0], standin, expected_done(runtimes[0], args.incidents), timeout=150)
        elapsed = time.monotonic() - began
        late, behind, expected, lost, doubled = measure(runtimes[0], standin)
        for runtime in runtimes:
            runtime.stop()
    print(
        f"incidents: {args.incidents}, escalation DMs expected: {expected}, runtimes: {args.runtimes}, "
        f"faults: {args.faults}, wall time: {elapsed:.1f} s"
    )
    if late:
        print(
            f"lateness past deadline: p50 {pct(late, 50) * 1000:.0f} ms, p99 {pct(late, 99) * 1000:.0f} ms,"
            f" max {max(late) * 1000:.0f} ms, mean {statistics.fmean(late) * 1000:.0f} ms"
        )
        print(
            f"lateness past the ideal schedule (report + step × window, the floor): p50"
            f" {pct(behind, 50) * 1000:.0f} ms, p99 {pct(behind, 99) * 1000:.0f} ms, max {max(behind) * 1000:.0f} ms"
        )
    print(f"lost: {lost}, doubled: {doubled}")
    ok = bool(late) and pct(behind, 99) < 1.0 and lost == 0 and doubled == 0
    print("PASS" if ok else "FAIL", "(target: p99 < 1 s past the ideal schedule, none lost, none doubled)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
