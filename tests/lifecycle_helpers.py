"""Helpers for the lifecycle flow tests: pressing lifecycle buttons and reading what came back."""

from __future__ import annotations

import json
from typing import Any

from bot.sandbox.slack_side import Reply, message_text
from bot.slack import ids
from tests.conftest import POLICY, Harness

FAST_FOLLOW_UP_POLICY = POLICY.replace('admins = ["U0ADMIN01"]', 'admins = ["U0ADMIN01"]\nfollow_up_after = "1s"')


def hook_texts(h: Harness, hook: str) -> list[str]:
    """What the person saw privately through one response_url (e.g. 'act-3')."""
    return [message_text(c.args) for c in h.standin.calls("response_url") if c.args.get("_hook") == hook]


def last_hook(h: Harness) -> str:
    calls = h.standin.calls("response_url")
    return str(calls[-1].args.get("_hook")) if calls else ""


def press(h: Harness, user: str, action_id: str, incident_id: int = 1) -> list[str]:
    """Click a button and wait for the private answer; returns its texts."""
    reply = h.slack.click(user, action_id, str(incident_id))
    assert reply.status == 200
    hook = h.slack.last_hook  # this click's own answer, not a late one to an earlier click
    h.wait_for(lambda: hook_texts(h, hook))
    return hook_texts(h, hook)


def action_ids(reply: Reply) -> list[str]:
    return [e["action_id"] for b in reply.json().get("blocks", []) if b["type"] == "actions" for e in b["elements"]]


def resolve(h: Harness, user: str, incident_id: int = 1, **values: str) -> Reply:
    """Press Resolved, then fill and submit the modal Owabi opened."""
    before = len(h.standin.calls("views.open"))
    click = h.slack.click(user, ids.RESOLVE, str(incident_id))
    assert click.status == 200
    assert h.wait_for(lambda: len(h.standin.calls("views.open")) > before)
    view = (
        json.loads(h.standin.calls("views.open")[-1].args["view"])
        if isinstance(h.standin.calls("views.open")[-1].args["view"], str)
        else h.standin.calls("views.open")[-1].args["view"]
    )
    return h.slack.submit(user, view, values)


def channel_posts(h: Harness, channel: str) -> list[dict[str, Any]]:
    return [c.args for c in h.standin.calls("chat.postMessage") if c.args.get("channel") == channel]
