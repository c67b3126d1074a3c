"""The words of a Block Kit message, in reading order: for a plain-text fallback."""

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
