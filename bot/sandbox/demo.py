"""`owabi demo`: a whole incident through the real app, with Slack played locally.

Everything real runs: the Bolt app over HTTP, signed requests, SQLite, the dispatcher.
Only Slack is the in-project stand-in. The demo prints what each person would see.
"""

from __future__ import annotations

import re
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr

from bot.config import Settings
from bot.runtime import Runtime, build
from bot.sandbox.slack_side import Reply, SlackSide, block_texts
from bot.sandbox.standin import Call, StandIn
from bot.server import HttpServer
from bot.slack import ids
from bot.wording import plain

SECRET = "demo-signing-secret"
STAFF, LEAD, MANAGER, GM = "U0STAFF01", "U0LEAD01", "U0MGR01", "U0GM01"

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


@dataclass(frozen=True)
class Cast:
    """One telling of the story in one language: who plays it, what they type, what the demo says.

    Every screen the demo shows is the app's own wording (responses/<locale>); only the words
    people type and the narration between screens live here, since they belong to the demo.
    """

    locale: str
    people: dict[str, tuple[str, str]]  # user id → (name as Slack shows it, role)
    report: str
    resolution: dict[str, str]  # the resolve form, by block id
    lines: dict[str, str]

    def name(self, user: str) -> str:
        return self.people[user][0] if user in self.people else user

    def full(self, user: str) -> str:
        if user not in self.people:
            return user
        name, role = self.people[user]
        return self.lines["person"].format(name=name, role=role)

    def policy(self) -> str:
        return DEMO_POLICY.replace('locale = "en"', f'locale = "{self.locale}"')


# The upset customer makes it high, so the demo's 3 s window shows an escalation.
REPORT = "the Tanaka order went out a day late and the customer was charged twice, customer is upset <!channel>"

EN = Cast(
    locale="en",
    people={
        STAFF: ("Aiko", "front desk"),
        LEAD: ("Ken", "team lead"),
        MANAGER: ("Mariko", "manager"),
        GM: ("Hiro", "general manager"),
    },
    report=REPORT,
    resolution={
        "what_happened": "the courier pickup was booked for the wrong day; nobody re-checked it",
        "what_we_did": "re-sent by express the same evening, refunded the shipping, called to apologize",
        "what_changes": "a second person checks courier dates against the order before dispatch",
        "lesson": "check the courier date against the order before every dispatch",
    },
    lines={
        "person": "{name} ({role})",
        "sees": "{who} sees ",
        "preparing": "Preparing the triage model (first run on this machine only)…",
        "intro": "Owabi demo — the real app on {app}, Slack played by a local stand-in on {slack}, database {db}",
        "report": "\n== 1. {staff} types: /oops {report}",
        "answered": "   (Slack got its answer in {ms:.0f} ms, HTTP {status})",
        "boss_dm": "\n== 2. {lead}'s DM arrives {seconds:.2f} s after the report",
        "no_boss_dm": "\n!! {lead}'s DM did not arrive",
        "no_incident": "\n!! no incident to escalate",
        "no_answer": "\n== 3. {lead} does not answer. {ref} is {severity}: its window is {window:.0f} s",
        "never_pinged": "\n!! {manager} was never pinged",
        "escalated": "\n== 4. {window:.0f} s later Owabi escalates: {manager}'s DM, with who was told when",
        "ack": "\n== 5. {manager} presses {acknowledge} (a signed click from Slack)",
        "updated": (
            "\n== 6. Every boss DM about it is updated in place (chat.update): who has it now, and the next buttons"
        ),
        "as_before": "… (the report and what to do, as before)",
        "told": "\n== 7. {staff} is told who has it",
        "contacted": "\n== {staff} calls the customer and presses “{contacted}” on {ref}",
        "resolve": "\n== {lead} presses “{resolved}” and fills in the form: how it happened, what changes, the lesson",
        "state": "   {ref} is now: {state}",
        "summary": "\n== {lead} types /oops summary week in #front-desk: the blameless channel summary",
        "chart": "   + chart uploaded (incidents per day by severity)",
        "no_chart": "   (no chart)",
        "log": "\n== The log (append-only, hash-chained)",
        "intact": "   hash chain: {checked} events, intact",
        "broken": "   hash chain: {checked} events, BROKEN at {broken}",
        "finished": "\nDemo finished.",
    },
)

# The same story for a Japanese team: the report is typed in Japanese, so triage reads it as
# Japanese and the customer script comes in Japanese too, as it would for a real report.
JA = Cast(
    locale="ja",
    people={
        STAFF: ("佐藤", "フロント"),
        LEAD: ("鈴木", "チームリーダー"),
        MANAGER: ("高橋", "マネージャー"),
        GM: ("渡辺", "統括マネージャー"),
    },
    report="田中様のご注文が1日遅れで発送され、しかも二重請求になっていました。お客様はお怒りです <!channel>",
    resolution={
        "what_happened": "集荷の予約日を取り違えて登録し、誰も再確認していなかった",
        "what_we_did": "当日の夕方に速達で再送し、送料を返金、お電話でお詫びした",
        "what_changes": "発送前に、集荷日と注文内容をもう一人が照らし合わせて確認する",
        "lesson": "発送のたびに、集荷日を注文内容と照らし合わせて確認する",
    },
    lines={
        "person": "{name}（{role}）",
        "sees": "{who}の画面 ",
        "preparing": "トリアージモデルを準備しています（このマシンでの初回のみ）…",
        "intro": (
            "Owabi デモ — 本物のアプリ（{app}）を、Slack の代わりをするローカルの代役（{slack}）と"
            "つないで動かします。データベース: {db}"
        ),
        "report": "\n== 1. {staff}さんが入力: /oops {report}",
        "answered": "   （Slack への応答 {ms:.0f} ミリ秒、HTTP {status}）",
        "boss_dm": "\n== 2. 報告から {seconds:.2f} 秒後、{lead}さんに DM が届きます",
        "no_boss_dm": "\n!! {lead}さんに DM が届きませんでした",
        "no_incident": "\n!! エスカレーションする報告がありません",
        "no_answer": (
            "\n== 3. {lead}さんは応答しません。{ref} の深刻度は「{severity_label}」で、確認の期限は {window:.0f} 秒です"
        ),
        "never_pinged": "\n!! {manager}さんに通知が届きませんでした",
        "escalated": (
            "\n== 4. {window:.0f} 秒後、Owabi がエスカレーション：{manager}さんへの DM（誰にいつ通知したか付き）"
        ),
        "ack": "\n== 5. {manager}さんが「{acknowledge}」を押します（Slack から届く署名付きのクリック）",
        "updated": (
            "\n== 6. この件の上長向け DM はすべてその場で書き換わります（chat.update）：いま誰が対応しているかと、"
            "次に押せるボタン"
        ),
        "as_before": "…（報告内容とやるべきことは先ほどと同じ）",
        "told": "\n== 7. {staff}さんに、誰が引き受けたかが伝わります",
        "contacted": "\n== {staff}さんがお客様にお詫びし、{ref} の「{contacted}」を押します",
        "resolve": "\n== {lead}さんが「{resolved}」を押し、フォームに記入します：どうして起きたか、何を変えるか、教訓",
        "state": "   {ref} の状態: {state_label}",
        "summary": "\n== {lead}さんが #front-desk で /oops summary week と入力：個人を責めないチャンネル向けのまとめ",
        "chart": "   + グラフをアップロードしました（日別・深刻度別の件数）",
        "no_chart": "   （グラフなし）",
        "log": "\n== 記録（追記のみ・ハッシュチェーン。データベースに保存されたままの内容）",
        "intact": "   ハッシュチェーン: {checked} 件、改ざんなし",
        "broken": "   ハッシュチェーン: {checked} 件、{broken} 件目で破損",
        "finished": "\nデモ終了。",
    },
)

CASTS: dict[str, Cast] = {cast.locale: cast for cast in (EN, JA)}


def _pad(text: str, width: int) -> str:
    """Left-justify by columns on screen: a Japanese name takes two columns a character."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


@dataclass
class Stage:
    """What one act of the demo can reach."""

    runtime: Runtime
    standin: StandIn
    slack: SlackSide
    out: TextIO
    db: Path
    cast: Cast = EN

    def say(self, line: str = "") -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def tell(self, key: str, **values: object) -> None:
        """A narration line in the cast's language, with the people's names filled in."""
        names = {"staff": self.cast.name(STAFF), "lead": self.cast.name(LEAD), "manager": self.cast.name(MANAGER)}
        self.say(self.cast.lines[key].format(**names, **values))

    def label(self, dotted: str) -> str:
        """A button or state as the app labels it for staff (the policy's language)."""
        return self.runtime.renderer.label(self.runtime.policy.locale, dotted)

    def show(self, who: str, reply_or_text: Reply | str) -> None:
        text = reply_or_text.text if isinstance(reply_or_text, Reply) else reply_or_text
        text = re.sub(r"<@([UW][A-Z0-9]+)>", lambda m: "@" + self.cast.name(m.group(1)), text)
        self.say("\n┌─ " + self.cast.lines["sees"].format(who=self.cast.full(who)) + "─" * 30)
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
    report = stage.cast.report
    stage.tell("report", report=report)
    started = time.perf_counter()
    reply = stage.slack.command(STAFF, report)
    stage.tell("answered", ms=reply.seconds * 1000, status=reply.status)
    stage.show(STAFF, reply)
    if stage.wait_dm(LEAD):
        stage.tell("boss_dm", seconds=time.perf_counter() - started)
        stage.show(LEAD, stage.dm_text(LEAD))
    else:
        stage.tell("no_boss_dm")


def act_escalation(stage: Stage) -> None:
    """Nobody acknowledges within the window: the manager is pinged, acknowledges, all told."""
    store = stage.runtime.store
    incident = store.incidents.get(1)
    if incident is None:
        stage.tell("no_incident")
        return
    window = stage.runtime.policy.ack_window(incident.severity).total_seconds()
    stage.tell(
        "no_answer",
        ref=incident.ref,
        severity=incident.severity.value,
        window=window,
        severity_label=stage.label(f"severity.{incident.severity.value}"),
    )
    if not stage.wait_dm(MANAGER, timeout=window + 5):
        stage.tell("never_pinged")
        return
    stage.tell("escalated", window=window)
    stage.show(MANAGER, stage.dm_text(MANAGER))
    stage.tell("ack", acknowledge=stage.label("button.acknowledge"))
    dm = stage.standin.dms_to(MANAGER)[0]
    reply = stage.slack.click(
        MANAGER, ids.ACK, str(incident.id), message={"ts": "0", "text": ""}, channel=str(dm.args.get("channel"))
    )
    stage.tell("answered", ms=reply.seconds * 1000, status=reply.status)
    _show_acknowledged(stage)


def _tells_reporter_who_has_it(call: Call) -> bool:
    """Found by the outbox key each message carries, so the demo finds it in any language."""
    meta = call.args.get("metadata")
    payload = meta.get("event_payload") if isinstance(meta, dict) else None
    return isinstance(payload, dict) and str(payload.get("key", "")).startswith("reporter_ack:")


def _show_acknowledged(stage: Stage) -> None:
    standin = stage.standin
    standin.wait_for(lambda: len(standin.calls("chat.update")) >= 2, 10)
    standin.wait_for(lambda: any(_tells_reporter_who_has_it(c) for c in standin.dms_to(STAFF)), 10)
    stage.tell("updated")
    for call in standin.calls("chat.update"):
        who = next((u for u in stage.cast.people if call.args.get("channel") == stage.standin.dm_channel(u)), "?")
        blocks = call.args.get("blocks") or []
        # The update keeps the DM's sections and appends who has it as the last one, then buttons.
        note = max((k for k, b in enumerate(blocks) if b.get("type") == "section"), default=0)
        stage.show(who, stage.cast.lines["as_before"] + "\n" + "\n".join(block_texts(blocks[note:])))
    told = [c for c in standin.dms_to(STAFF) if _tells_reporter_who_has_it(c)]
    if told:
        stage.tell("told")
        stage.show(STAFF, str(told[-1].args.get("text")))


def act_lifecycle(stage: Stage) -> None:
    """Customer contacted, resolved with root cause and lesson, the channel summary."""
    import json as _json

    from bot.slack import ids as _ids

    incident = stage.runtime.store.incidents.by_reporter(STAFF, limit=1)[0]
    stage.tell("contacted", ref=incident.ref, contacted=stage.label("lifecycle.contacted"))
    stage.slack.click(STAFF, _ids.CONTACTED, str(incident.id))
    stage.standin.wait_for(lambda: stage.standin.calls("response_url"))
    stage.show(STAFF, _hook_text(stage))
    stage.tell("resolve", resolved=stage.label("lifecycle.resolved"))
    opened = len(stage.standin.calls("views.open"))
    stage.slack.click(LEAD, _ids.RESOLVE, str(incident.id))
    stage.standin.wait_for(lambda: len(stage.standin.calls("views.open")) > opened)
    view = stage.standin.calls("views.open")[-1].args["view"]
    view = _json.loads(view) if isinstance(view, str) else view
    stage.slack.submit(LEAD, view, stage.cast.resolution)
    state = stage.runtime.service.get(incident.id).state.value
    stage.tell("state", ref=incident.ref, state=state, state_label=stage.label(f"state.{state}"))
    stage.tell("summary")
    stage.slack.command(LEAD, "summary week", channel="C0TEAMCHAN")
    stage.standin.wait_for(
        lambda: [c for c in stage.standin.calls("chat.postMessage") if c.args.get("channel") == "C0TEAMCHAN"], 10
    )
    posts = [c for c in stage.standin.calls("chat.postMessage") if c.args.get("channel") == "C0TEAMCHAN"]
    if posts:
        stage.show("#front-desk", "\n".join(block_texts(posts[-1].args.get("blocks") or [])))
    charted = stage.standin.wait_for(lambda: stage.standin.calls("files.completeUploadExternal"), 10)
    stage.tell("chart" if charted else "no_chart")


def _hook_text(stage: Stage) -> str:
    args = stage.standin.calls("response_url")[-1].args
    return "\n".join(block_texts(args.get("blocks") or [])) or str(args.get("text", ""))


def act_log(stage: Stage) -> None:
    stage.tell("log")
    for event in stage.runtime.store.events.all():
        who = stage.cast.full(event.actor) if event.actor else "owabi"
        detail = {
            k: v
            for k, v in event.data.items()
            if k in ("recipient", "purpose", "category", "severity", "level", "by", "state")
        }
        at = datetime.fromtimestamp(event.at, stage.runtime.policy.zone).strftime("%H:%M:%S")  # one clock: the policy's
        stage.say(f"   #{event.id:<3} {at} {event.kind:<16} {_pad(who, 24)} {detail if detail else ''}")
    checked, broken = stage.runtime.store.events.verify()
    stage.tell("intact" if broken is None else "broken", checked=checked, broken=broken)


ACTS: list[Act] = [act_report, act_escalation, act_lifecycle, act_log]


def run_demo(*, keep_db: Path | None, out: TextIO, locale: str = "en") -> int:
    from bot.learning.reader import default_triager

    cast = CASTS[locale]
    # The first run on a machine trains the triage model from data/corpus (seconds); the demo
    # waits for it so that what it shows is what a real report gets.
    print(cast.lines["preparing"], file=out, flush=True)
    default_triager()
    with tempfile.TemporaryDirectory(prefix="owabi-demo-") as tmp:
        db = keep_db or Path(tmp) / "owabi.db"
        policy = Path(tmp) / "policy.toml"
        policy.write_text(cast.policy(), encoding="utf-8")
        with StandIn() as standin:
            settings = Settings(
                slack_bot_token=SecretStr("xoxb-demo"),
                slack_signing_secret=SecretStr(SECRET),
                slack_api_url=standin.api_url,
                owabi_db=db,
                owabi_policy=policy,
            )
            runtime = build(settings)
            server = HttpServer(runtime, host="127.0.0.1", port=0, threads=8).start_background()
            stage = Stage(runtime, standin, SlackSide(server.url, SECRET, standin), out, db, cast)
            stage.tell("intro", app=server.url, slack=standin.url, db=db)
            try:
                for act in ACTS:
                    act(stage)
            finally:
                server.stop()
        stage.tell("finished")
    return 0
