"""Block Kit pieces every composer builds with: sections, context, mentions, the fallback text.

Kept apart from the composers so each of them depends on these and none on another.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.domain.text import SECTION_TEXT_MAX, escape_mrkdwn, shorten
from bot.slack.blocks_text import SHORTENED_NOTE, fit_blocks

FALLBACK_MAX = 300


def mention(user: str) -> str:
    return f"<@{escape_mrkdwn(user)}>"


def section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=shorten(text, SECTION_TEXT_MAX)))


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


def sections(text: str, *, limit: int = SECTION_TEXT_MAX, most: int = 45) -> list[SectionBlock]:
    """Long text as several sections, so nothing is cut off silently."""
    return [SectionBlock(text=MarkdownTextObject(text=c or " ")) for c in _chunks(text, limit)[:most]]


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=shorten(text, SECTION_TEXT_MAX))])


def dump(blocks: list[Block]) -> list[dict[str, Any]]:
    """Blocks as Slack takes them: within its per-message text limit, counted after escaping."""
    return fit_blocks([b.to_dict() for b in blocks], SHORTENED_NOTE)
