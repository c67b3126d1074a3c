"""`owabi demo`: a whole incident through the real app, with Slack played locally.

Everything real runs: the Bolt app over HTTP, signed requests, SQLite, the dispatcher.
Only Slack is the in-project stand-in. The demo prints what each person would see.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr

from bot.config import Settings
from bot.runtime import Runtime, build
from bot.sandbox.slack_side import Reply, SlackSide, block_texts
from bot.sandbox.standin import StandIn
from bot.scripts import plain
from bot.server import HttpServer

SECRET = "demo-signing-secret"
STAFF, LEAD, MANAGER, GM = "U0STAFF01", "U0LEAD01", "U0MGR01", "U0GM01"
NAMES = {STAFF: "Aiko (front desk)", LEAD: "Ken (team lead)", MANAGER: "Mariko (manager)",
         GM: "Hiro (general manager)"}

DEMO_POLICY = """\
locale = "en"
timezone = "Asia/Tokyo"
summary_channel = "C0TEAMCHAN"
admins = ["U0ADMIN01"]

[severity.low]
ack_within = "4h"
[severity.medium]
ack_within = "3s"
[severity.high]
ack_within = "3s"
notify_levels = 1
[severity.critical]
ack_within = "3s"
notify_levels = 1

[[teams]]
name = "front-desk"
members = ["U0STAFF01", "U0STAFF02"]
chain = ["U0LEAD01", "U0MGR01", "U0GM01"]

[default]
chain = ["U0MGR01", "U0GM01"]
"""


@dataclass
class Stage:
    """What one act of the demo can reach."""

    runtime: Runtime
    standin: StandIn
    slack: SlackSide
    out: TextIO
    db: Path

    def say(self, line: str = "") -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def show(self, who: str, reply_or_text: Reply | str) -> None:
        text = reply_or_text.text if isinstance(reply_or_text, Reply) else reply_or_text
        self.say(f"\n┌─ {NAMES.get(who, who)} sees " + "─" * 30)
        for line in plain(text).strip().splitlines():
            self.say("│ " + line)
        self.say("└" + "─" * 50)

    def dm_text(self, user: str, index: int = -1) -> str:
        dms = self.standin.dms_to(user)
        if not dms:
            return ""
        args = dms[index].args
        return "\n".join([*block_texts(args.get("blocks") or [])] or [str(args.get("text", ""))])

    def wait_dm(self, user: str, count: int = 1, timeout: float = 10.0) -> bool:
        return bool(self.standin.wait_for(lambda: len(self.standin.dms_to(user)) >= count, timeout))


Act = Callable[[Stage], None]


def act_report(stage: Stage) -> None:
    stage.say("\n== 1. Aiko types: /oops the Tanaka order went out a day late, customer is upset <!channel>")
    started = time.perf_counter()
    reply = stage.slack.command(STAFF, "the Tanaka order went out a day late, customer is upset <!channel>")
    stage.say(f"   (Slack got its answer in {reply.seconds * 1000:.0f} ms, HTTP {reply.status})")
    stage.show(STAFF, reply)
    if stage.wait_dm(LEAD):
        stage.say(f"\n== 2. Ken's DM arrives {time.perf_counter() - started:.2f} s after the report")
        stage.show(LEAD, stage.dm_text(LEAD))
    else:
        stage.say("\n!! Ken's DM did not arrive")


def act_log(stage: Stage) -> None:
    stage.say("\n== The log (append-only, hash-chained)")
    for event in stage.runtime.store.events.all():
        who = NAMES.get(event.actor or "", event.actor or "owabi")
        detail = {k: v for k, v in event.data.items() if k in ("recipient", "purpose", "category", "severity",
                                                                "level", "by", "state")}
        stage.say(f"   #{event.id:<3} {time.strftime('%H:%M:%S', time.localtime(event.at))} "
                  f"{event.kind:<16} {who:<24} {detail if detail else ''}")
    checked, broken = stage.runtime.store.events.verify()
    stage.say(f"   hash chain: {checked} events, {'intact' if broken is None else f'BROKEN at {broken}'}")


ACTS: list[Act] = [act_report, act_log]


def run_demo(*, keep_db: Path | None, out: TextIO) -> int:
    with tempfile.TemporaryDirectory(prefix="owabi-demo-") as tmp:
        db = keep_db or Path(tmp) / "owabi.db"
        policy = Path(tmp) / "policy.toml"
        policy.write_text(DEMO_POLICY, encoding="utf-8")
        with StandIn() as standin:
            settings = Settings(slack_bot_token=SecretStr("xoxb-demo"), slack_signing_secret=SecretStr(SECRET),
                                slack_api_url=standin.api_url, owabi_db=db, owabi_policy=policy)
            runtime = build(settings)
            server = HttpServer(runtime, host="127.0.0.1", port=0, threads=8).start_background()
            stage = Stage(runtime, standin, SlackSide(server.url, SECRET, standin), out, db)
            stage.say(f"Owabi demo — the real app on {server.url}, Slack played by a local stand-in "
                      f"on {standin.url}, database {db}")
            try:
                for act in ACTS:
                    act(stage)
            finally:
                server.stop()
        stage.say("\nDemo finished.")
    return 0
