"""What a real workspace does that a kind stand-in would not: membership, deactivated people,
scopes, vanishing ephemeral answers, unfurls. The stand-in plays Slack's answers; the app must
tell the truth to whoever asked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.config import PolicyError, load_policy
from bot.manifest import SCOPES, manifest
from bot.sandbox.standin import StandIn
from tests.conftest import ADMIN, LEAD, MINIMAL_POLICY, POLICY, STAFF, Harness

BOSS_POLICY = POLICY.replace('summary_channel = "C0TEAMCHAN"', 'summary_channel = "G0PRIVATE"')


def _check_online(standin: StandIn, tmp_path: Path, policy: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "policy.toml"
    path.write_text(policy)
    env = {
        **os.environ,
        "OWABI_POLICY": str(path),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": standin.api_url,
        "OWABI_DB": str(tmp_path / "owabi.db"),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "check", "--online"], capture_output=True, text=True, timeout=60, env=env
    )


def test_check_online_proves_token_scopes_people_and_channels(standin: StandIn, tmp_path: Path) -> None:
    fine = _check_online(standin, tmp_path, POLICY)
    assert fine.returncode == 0, fine.stdout + fine.stderr
    assert "ok  token: works for Owabi Sandbox" in fine.stdout and "ok  scopes: all granted" in fine.stdout
    assert "ok  user U0LEAD01: active" in fine.stdout and "ok  channel C0TEAMCHAN: the bot can post" in fine.stdout

    standin.deactivate("U0MGR01")
    standin.unknown_user("U0GM01")
    standin.channel("G0PRIVATE", private=True, member=False)
    standin.grant("commands", "chat:write")
    broken = _check_online(standin, tmp_path, BOSS_POLICY)
    assert broken.returncode == 1
    out = broken.stdout
    assert "FIX user U0MGR01: deactivated" in out and "FIX user U0GM01: user_not_found" in out
    assert "FIX channel G0PRIVATE: not found, or private without the bot; invite it there with /invite @Owabi" in out
    assert "FIX scopes: missing chat:write.public" in out
    assert "Traceback" not in broken.stderr


def test_a_revoked_token_is_one_line_not_a_traceback(standin: StandIn, tmp_path: Path) -> None:
    standin.revoke_token("token_revoked")
    result = _check_online(standin, tmp_path, POLICY)
    assert result.returncode == 1
    assert "FIX token: Slack refused it (token_revoked)" in result.stdout and "Traceback" not in result.stderr


def test_a_summary_slack_refuses_reaches_whoever_asked(harness: Callable[..., Harness]) -> None:
    h = harness(POLICY)
    h.standin.channel("G0SECRET", private=True, member=False)
    h.slack.command(STAFF, "the Tanaka order went out a day late")
    reply = h.slack.command(ADMIN, "summary today", channel="G0SECRET")
    assert "Posting" in reply.text and "Posted" not in reply.text  # the truth: not yet posted
    assert h.wait_for(
        lambda: any("could not be posted" in json.dumps(c.args) for c in h.standin.dms_to(ADMIN)), timeout=10
    )
    note = next(json.dumps(c.args) for c in h.standin.dms_to(ADMIN) if "could not be posted" in json.dumps(c.args))
    assert "/invite @Owabi" in note and "<#G0SECRET>" in note
    assert not h.standin.messages_in("G0SECRET")


def test_a_public_channel_takes_the_summary_without_an_invite(harness: Callable[..., Harness]) -> None:
    h = harness(POLICY)
    h.standin.channel("C0TEAMCHAN", member=False)  # public, the bot never invited: chat:write.public covers it
    h.slack.command(LEAD, "summary today", channel="C0TEAMCHAN")
    assert h.wait_for(lambda: h.standin.messages_in("C0TEAMCHAN"), timeout=10)


def test_the_slash_script_is_also_a_dm_the_reporter_can_find_again(owabi: Harness) -> None:
    reply = owabi.slack.command(STAFF, "the Tanaka order went out a day late")
    assert "Say now:" in reply.text
    assert owabi.wait_for(lambda: owabi.standin.dms_to(STAFF))
    dm = json.dumps(owabi.standin.dms_to(STAFF)[0].args, ensure_ascii=False)
    assert "Say now:" in dm and "OOPS-0001" in dm


def test_no_message_unfurls_what_staff_wrote(owabi: Harness) -> None:
    owabi.slack.command(STAFF, "customer sent a photo https://example.com/receipt.jpg of the wrong charge")
    assert owabi.wait_for(lambda: len(owabi.standin.calls("chat.postMessage")) >= 2)
    for call in owabi.standin.calls("chat.postMessage"):
        assert call.args.get("unfurl_links") is False and call.args.get("unfurl_media") is False, call.args


def test_a_policy_with_more_categories_than_a_menu_holds_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    many = ", ".join(f'"extra_{n:03d}"' for n in range(85))
    path.write_text(f"categories = [{many}]\n" + MINIMAL_POLICY)
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert "95 categories in all" in err.value.render() and "merge some" in err.value.render()


def test_the_manifest_asks_for_what_the_app_uses() -> None:
    scopes = manifest()["oauth_config"]["scopes"]["bot"]
    assert scopes == SCOPES and "chat:write.public" in scopes
    assert len(scopes) == len(set(scopes))


def test_a_home_click_refreshes_the_home_and_answers_by_dm(owabi: Harness) -> None:
    owabi.slack.command(STAFF, "gave the wrong change to a customer")
    assert owabi.wait_for(lambda: owabi.standin.dms_to(LEAD))
    owabi.slack.click(LEAD, "oops_ack", "1")
    assert owabi.wait_event("acknowledged")  # applied after the click is answered
    before = len(owabi.standin.calls("views.publish"))
    reply = owabi.slack.click(STAFF, "oops_contacted", "1", home=True)
    assert reply.status == 200
    assert owabi.wait_for(lambda: len(owabi.standin.calls("views.publish")) > before)
    home = json.dumps(owabi.standin.calls("views.publish")[-1].args, ensure_ascii=False)
    assert "U0STAFF01" in home
    assert owabi.wait_for(
        lambda: any(
            "OOPS-0001" in json.dumps(c.args) and "contacted" in json.dumps(c.args).lower()
            for c in owabi.standin.dms_to(STAFF)[1:]
        )
    )
    events = [e.kind for e in owabi.store.events.for_incident(1)]
    assert "contacted" in events and "home_answer_queued" in events


def test_an_answer_missing_its_fields_never_wedges_the_outbox(harness: Callable[..., Harness]) -> None:
    """Slack answered ok:true without the channel a lookup needs: the message is retried and
    delivered, and the messages behind it are not held up."""
    h = harness(owabi_slack_timeout=1.0)
    h.standin.fault("chat.postMessage", delay=1.6, channel=LEAD, times=1)  # the client gives up: maybe sent
    h.standin.fault("conversations.open", body={"ok": True}, times=1)  # the lookup's answer lacks "channel"
    h.slack.command(STAFF, "customer got the wrong size shoes")
    h.slack.command(STAFF, "gave a customer the wrong change, 5 pounds short")
    assert h.wait_for(lambda: len(h.store.outbox.rows(purpose="boss_dm", status="sent")) == 2, timeout=30)
    assert len(h.standin.messages_in(h.standin.dm_channel(LEAD))) == 2  # each boss DM once, none lost, none doubled
    first = h.store.outbox.rows(purpose="boss_dm")[0]
    assert first["attempts"] >= 2 and "unexpected answer" in (first["last_error"] or "")


def test_a_message_stays_within_slacks_text_limit_after_escaping(owabi: Harness) -> None:
    """Lessons full of < > & grow four- or fivefold when escaped; the list still reaches Slack."""
    from bot.slack.blocks_text import MESSAGE_TEXT_MAX, blocks_to_text

    for n in range(6):
        owabi.slack.command(STAFF, f"gave the wrong change to customer number {n}")
        owabi.store.reports.add_lesson(
            incident_id=n + 1,
            at=owabi.runtime.service.clock(),
            category="other",
            severity="low",
            lesson="<&>" * 900,
            what_changes="<>" * 500,
            author=LEAD,
        )
    reply = owabi.slack.command(LEAD, "lessons")
    blocks = reply.json()["blocks"]
    assert len(blocks_to_text(blocks)) <= MESSAGE_TEXT_MAX
    assert "shortened to fit Slack" in json.dumps(blocks)


@pytest.mark.parametrize(
    ("blocks", "error"),
    [
        ([{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}], "invalid_blocks"),
        (
            [{"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "y" * 76}}]}],
            "invalid_blocks",
        ),
        ([{"type": "sectoin", "text": {"type": "mrkdwn", "text": "typo"}}], "invalid_blocks"),
        ([{"type": "divider"}] * 51, "invalid_blocks"),
        ([{"type": "section", "text": {"type": "mrkdwn", "text": "fine"}}], None),
    ],
)
def test_the_stand_in_refuses_blocks_slack_would_refuse(
    standin: StandIn, blocks: list[dict[str, Any]], error: str | None
) -> None:
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    client = WebClient(token="xoxb-test", base_url=standin.api_url)
    try:
        client.chat_postMessage(channel=STAFF, text="fallback", blocks=blocks)
        got = None
    except SlackApiError as exc:
        got = exc.response["error"]
    assert got == error
