"""`owabi demo`: a whole incident through the real app, with Slack played locally.

Everything real runs: the Bolt app over HTTP, signed requests, SQLite, the dispatcher.
Only Slack is the in-project stand-in. The demo prints what each person would see.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr

from bot.config import Settings
from bot.runtime import Runtime, build
from bot.sandbox.slack_side import Reply, SlackSide, block_texts
from bot.sandbox.standin import StandIn
from bot.scripts import plain
from bot.server import HttpServer
from bot.slack import ids

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
        text = re.sub(r"<@([UW][A-Z0-9]+)>", lambda m: "@" + NAMES.get(m.group(1), m.group(1)).split(" (")[0], text)
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
# "charged twice" makes it medium, so the demo's 3 s window shows an escalation
REPORT = "the Tanaka order went out a day late and the customer was charged twice, customer is upset <!channel>"


def act_report(stage: Stage) -> None:
    stage.say(f"\n== 1. Aiko types: /oops {REPORT}")
    started = time.perf_counter()
    reply = stage.slack.command(STAFF, REPORT)
    stage.say(f"   (Slack got its answer in {reply.seconds * 1000:.0f} ms, HTTP {reply.status})")
    stage.show(STAFF, reply)
    if stage.wait_dm(LEAD):
        stage.say(f"\n== 2. Ken's DM arrives {time.perf_counter() - started:.2f} s after the report")
        stage.show(LEAD, stage.dm_text(LEAD))
    else:
        stage.say("\n!! Ken's DM did not arrive")


def act_escalation(stage: Stage) -> None:
    """Nobody acknowledges within the window: the manager is pinged, acknowledges, all told."""
    store = stage.runtime.store
    incident = store.incidents.get(1)
    if incident is None:
        stage.say("\n!! no incident to escalate")
        return
    window = stage.runtime.policy.ack_window(incident.severity).total_seconds()
    stage.say(f"\n== 3. Ken does not answer. {incident.ref} is {incident.severity.value}: "
              f"its window is {window:.0f} s")
    if not stage.wait_dm(MANAGER, timeout=window + 5):
        stage.say("\n!! Mariko was never pinged")
        return
    stage.say(f"\n== 4. {window:.0f} s later Owabi escalates: Mariko's DM, with who was told when")
    stage.show(MANAGER, stage.dm_text(MANAGER))
    stage.say("\n== 5. Mariko presses Acknowledge (a signed click from Slack)")
    dm = stage.standin.dms_to(MANAGER)[0]
    reply = stage.slack.click(MANAGER, ids.ACK, str(incident.id), message={"ts": "0", "text": ""},
                              channel=str(dm.args.get("channel")))
    stage.say(f"   (Slack got its answer in {reply.seconds * 1000:.0f} ms, HTTP {reply.status})")
    _show_acknowledged(stage)


def _show_acknowledged(stage: Stage) -> None:
    standin = stage.standin
    standin.wait_for(lambda: len(standin.calls("chat.update")) >= 2, 10)
    standin.wait_for(lambda: any("has your report" in str(c.args.get("text")) for c in standin.dms_to(STAFF)), 10)
    stage.say("\n== 6. Every boss DM about it is updated in place (chat.update): who has it now, and the next buttons")
    for call in standin.calls("chat.update"):
        who = next((u for u in NAMES if call.args.get("channel") == "D" + u[1:]), "?")
        texts = block_texts(call.args.get("blocks") or [])
        note = next((k for k, t in enumerate(texts) if "acknowledged" in t.lower() or "has it" in t.lower()), 0)
        stage.show(who, "… (the report and what to do, as before)\n" + "\n".join(texts[note:]))
    told = [c for c in standin.dms_to(STAFF) if "has your report" in str(c.args.get("text"))]
    if told:
        stage.say("\n== 7. Aiko is told who has it")
        stage.show(STAFF, str(told[-1].args.get("text")))


def act_lifecycle(stage: Stage) -> None:
    """Issue 5: customer contacted, resolved with root cause and lesson, the channel summary."""
    import json as _json

    from bot.slack import ids as _ids

    incident = stage.runtime.store.incidents.by_reporter(STAFF, limit=1)[0]
    stage.say(f"\n== Aiko calls the customer and presses “Customer contacted / apologized” on {incident.ref}")
    stage.slack.click(STAFF, _ids.CONTACTED, str(incident.id))
    stage.standin.wait_for(lambda: stage.standin.calls("response_url"))
    stage.show(STAFF, _hook_text(stage))
    stage.say("\n== Ken presses “Resolved” and fills in the form: how it happened, what changes, the lesson")
    opened = len(stage.standin.calls("views.open"))
    stage.slack.click(LEAD, _ids.RESOLVE, str(incident.id))
    stage.standin.wait_for(lambda: len(stage.standin.calls("views.open")) > opened)
    view = stage.standin.calls("views.open")[-1].args["view"]
    view = _json.loads(view) if isinstance(view, str) else view
    stage.slack.submit(LEAD, view, {
        "what_happened": "the courier pickup was booked for the wrong day; nobody re-checked it",
        "what_we_did": "re-sent by express the same evening, refunded the shipping, called to apologize",
        "what_changes": "a second person checks courier dates against the order before dispatch",
        "lesson": "check the courier date against the order before every dispatch"})
    stage.say(f"   {incident.ref} is now: {stage.runtime.service.get(incident.id).state.value}")
    stage.say("\n== Ken types /oops summary week in #front-desk: the blameless channel summary")
    stage.slack.command(LEAD, "summary week", channel="C0TEAMCHAN")
    stage.standin.wait_for(lambda: [c for c in stage.standin.calls("chat.postMessage")
                                    if c.args.get("channel") == "C0TEAMCHAN"], 10)
    posts = [c for c in stage.standin.calls("chat.postMessage") if c.args.get("channel") == "C0TEAMCHAN"]
    if posts:
        stage.show("#front-desk", "\n".join(block_texts(posts[-1].args.get("blocks") or [])))
    charted = stage.standin.wait_for(lambda: stage.standin.calls("files.completeUploadExternal"), 10)
    stage.say("   + chart uploaded (incidents per day by severity)" if charted else "   (no chart)")


def _hook_text(stage: Stage) -> str:
    args = stage.standin.calls("response_url")[-1].args
    return "\n".join(block_texts(args.get("blocks") or [])) or str(args.get("text", ""))


def act_log(stage: Stage) -> None:
    stage.say("\n== The log (append-only, hash-chained)")
    for event in stage.runtime.store.events.all():
        who = NAMES.get(event.actor or "", event.actor or "owabi")
        detail = {k: v for k, v in event.data.items() if k in ("recipient", "purpose", "category", "severity",
                                                                "level", "by", "state")}
        at = datetime.fromtimestamp(event.at, stage.runtime.policy.zone).strftime("%H:%M:%S")  # one clock: the policy's
        stage.say(f"   #{event.id:<3} {at} "
                  f"{event.kind:<16} {who:<24} {detail if detail else ''}")
    checked, broken = stage.runtime.store.events.verify()
    stage.say(f"   hash chain: {checked} events, {'intact' if broken is None else f'BROKEN at {broken}'}")


ACTS: list[Act] = [act_report, act_escalation, act_lifecycle, act_log]


def run_demo(*, keep_db: Path | None, out: TextIO) -> int:
    from bot.learning.reader import default_triager

    # The first run on a machine trains the triage model from data/corpus (seconds); the demo
    # waits for it so that what it shows is what a real report gets.
    print("Preparing the triage model (first run on this machine only)…", file=out, flush=True)
    default_triager()
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
