"""The app against answers shaped exactly like Slack's documented examples.

Slack's method pages show success answers with many more fields than the app reads (a bot
message's `username` and `attachments`, a DM's `already_open`, a user's whole `profile`), and
DM ids that say nothing about the user. Here the stand-in lays those examples under every
success answer: each flow must come out exactly as a user would see it with the plain stand-in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.sandbox.standin import StandIn
from tests.conftest import ADMIN, LEAD, POLICY, STAFF, Harness


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with StandIn(documented=True) as server:
        yield server


def test_the_stand_in_answers_with_every_documented_field(standin: StandIn) -> None:
    answer = standin._answer("chat.postMessage", {"channel": LEAD, "text": "hello"})[2]
    assert isinstance(answer, dict) and answer["ok"] is True
    assert answer["message"]["username"] == "ecto1" and answer["message"]["subtype"] == "bot_message"
    assert answer["channel"] == standin.dm_channel(LEAD) and answer["channel"][1:] != LEAD[1:]
    assert answer["message"]["text"] == "hello"  # the stand-in's own values win over the example's
    opened = standin._answer("conversations.open", {"users": LEAD})[2]
    assert isinstance(opened, dict) and opened["already_open"] is True and opened["channel"]["is_im"] is True


def test_a_report_reaches_the_boss_and_the_reporter(owabi: Harness) -> None:
    reply = owabi.slack.command(STAFF, "the Tanaka order went out a day late")
    assert "Say now:" in reply.text
    assert owabi.wait_for(lambda: owabi.store.outbox.rows(purpose="boss_dm", status="sent"))
    row = owabi.store.outbox.rows(purpose="boss_dm", status="sent")[0]
    stored = owabi.standin.messages_in(owabi.standin.dm_channel(LEAD))
    assert len(stored) == 1 and row["result_ts"] == stored[0]["ts"]
    assert "OOPS-0001" in json.dumps(stored[0], ensure_ascii=False)
    assert owabi.wait_for(lambda: owabi.standin.dms_to(STAFF))  # the script, again, as a DM


def test_an_acknowledgement_rewrites_the_dm_slack_named(owabi: Harness) -> None:
    owabi.slack.command(STAFF, "the Tanaka order went out a day late")
    assert owabi.wait_for(lambda: owabi.store.outbox.rows(purpose="boss_dm", status="sent"))
    dm = owabi.standin.messages_in(owabi.standin.dm_channel(LEAD))[0]
    click = owabi.slack.click(
        LEAD, "oops_ack", "1", message={"ts": dm["ts"], "text": "dm"}, channel=owabi.standin.dm_channel(LEAD)
    )
    assert click.status == 200
    assert owabi.wait_for(lambda: owabi.standin.calls("chat.update"))
    update = owabi.standin.calls("chat.update")[0]
    assert update.args["channel"] == owabi.standin.dm_channel(LEAD) and update.args["ts"] == dm["ts"]
    assert owabi.standin.message(update.args["channel"], update.args["ts"]) is not None
    incident = owabi.store.incidents.get(1)
    assert incident is not None and incident.acknowledged_by == LEAD


def test_the_home_and_the_summary_work_as_documented(harness: Callable[..., Harness]) -> None:
    h = harness(POLICY)
    h.slack.command(STAFF, "the Tanaka order went out a day late")
    h.slack.event({"type": "app_home_opened", "user": STAFF, "tab": "home"})
    assert h.wait_for(lambda: h.standin.calls("views.publish"))
    h.slack.command(ADMIN, "summary today", channel="C0TEAMCHAN")
    assert h.wait_for(lambda: h.standin.messages_in("C0TEAMCHAN"), timeout=10)


def test_check_online_reads_documented_answers(standin: StandIn, tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY)
    env = {
        **os.environ,
        "OWABI_POLICY": str(path),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": standin.api_url,
        "OWABI_DB": str(tmp_path / "owabi.db"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--online"], capture_output=True, text=True, timeout=60, env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok  user U0LEAD01: active" in result.stdout and "Traceback" not in result.stderr
