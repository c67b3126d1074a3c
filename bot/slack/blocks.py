"""Block Kit pieces every composer builds with: sections, context, mentions, the fallback text.

Kept apart from the composers so each of them depends on these and none on another.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block

from bot.domain.text import SECTION_TEXT_MAX, escape_mrkdwn, shorten
from bot.slack.blocks_text import SHORTENED_NOTE, fit_blocks

FALLBACK_MAX = 300

# A block as Slack's JSON or as the SDK's model object. Messages are built as plain JSON: the
# model objects validate themselves on every `to_dict`, which was a third of composing a report.
# The forms (inputs, selects) stay model objects; the stand-in checks every block sent with the
# SDK's models, as strictly as Slack would.
Piece = Block | dict[str, Any]
BUTTON_TEXT_MAX = 75
HEADER_TEXT_MAX = 150


def mention(user: str) -> str:
    return f"<@{escape_mrkdwn(user)}>"


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(shorten(text, SECTION_TEXT_MAX))}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": shorten(text, HEADER_TEXT_MAX)}}


def divider() -> dict[str, Any]:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    """A button, its label cut to what Slack takes; `style` "primary" or "danger"."""
    made: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": shorten(text, BUTTON_TEXT_MAX), "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style:
        made["style"] = style
    return made


def actions(block_id: str, elements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "actions", "block_id": block_id, "elements": elements}


def _chunks(text: str, limit: int) -> list[str]:
    """Split at line ends into pieces of at most `limit` characters (hard-split a huge line)."""
    lines = [line[i : i + limit] for line in text.split("\n") for i in range(0, max(len(line), 1), limit)]
    chunks: list[str] = []
    current: str | None = None
    for line in lines:
        if current is not None and len(current) + 1 + len(line) <= limit:
            current = f"{current}\n{line}"
            continue
        if current is not None:
            chunks.append(current)
        current = line
    chunks.append(current or "")
    return chunks


def sections(text: str, *, limit: int = SECTION_TEXT_MAX, most: int = 45) -> list[dict[str, Any]]:
    """Long text as several sections, so nothing is cut off silently."""
    return [{"type": "section", "text": _mrkdwn(c or " ")} for c in _chunks(text, limit)[:most]]


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [_mrkdwn(shorten(text, SECTION_TEXT_MAX))]}


def dump(blocks: list[Piece]) -> list[dict[str, Any]]:
    """Blocks as Slack takes them: within its per-message text limit, counted after escaping."""
    return fit_blocks([b if isinstance(b, dict) else b.to_dict() for b in blocks], SHORTENED_NOTE)
