"""The words of a Block Kit message, in reading order: for a plain-text fallback, and to keep a
message within what Slack takes."""

from __future__ import annotations

from typing import Any


def blocks_to_text(blocks: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "divider":
            continue
        text = block.get("text")
        if isinstance(text, dict) and text.get("text"):
            lines.append(str(text["text"]))
        for field in block.get("fields") or []:
            if isinstance(field, dict) and field.get("text"):
                lines.append(str(field["text"]))
        if kind == "context":
            parts = [str(e.get("text", "")) for e in block.get("elements") or [] if isinstance(e, dict)]
            if any(parts):
                lines.append(" ".join(p for p in parts if p))
    return "\n".join(lines).strip()


# Slack refuses a message whose blocks carry more than about 12,000 characters of text in all,
# counted as sent: after escaping, so "&lt;" counts four. Below that, with room for buttons.
MESSAGE_TEXT_MAX = 11_000
SHORTENED_NOTE = {
    "type": "context",
    "elements": [
        {"type": "mrkdwn", "text": "… (shortened to fit Slack; the whole record is in Owabi's log and export)"}
    ],
}


def fit_blocks(
    blocks: list[dict[str, Any]], note: dict[str, Any], *, limit: int = MESSAGE_TEXT_MAX
) -> list[dict[str, Any]]:
    """The blocks within `limit` characters of text: whole sections are left out from the end
    (buttons and the last context block stay), and `note` says that something was left out."""

    def size(block: dict[str, Any]) -> int:
        return len(blocks_to_text([block]))

    if sum(size(b) for b in blocks) <= limit:
        return blocks
    keep_tail = [b for b in blocks if b.get("type") == "actions"]
    body = [b for b in blocks if b.get("type") != "actions"]
    budget = limit - size(note) - sum(size(b) for b in keep_tail)
    kept: list[dict[str, Any]] = []
    for block in body:
        if size(block) > budget:
            break
        kept.append(block)
        budget -= size(block)
    return [*kept, note, *keep_tail]
