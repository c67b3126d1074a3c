"""Making user text safe to show in Slack.

Slack's mrkdwn treats only `&`, `<` and `>` as control characters; escaping exactly those
three means `<!channel>`, `<@U…>` and disguised links arrive as plain, harmless text.
"""

from __future__ import annotations

import re
import unicodedata

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})

# Slack's cap on a section's text (SLACK.md).
SECTION_TEXT_MAX = 3000


def escape_mrkdwn(text: str) -> str:
    return text.translate(_ESCAPES)


def clean(text: str) -> str:
    """Normalise what a person typed: NFC, no control characters, trimmed."""
    text = unicodedata.normalize("NFC", text or "")
    kept = (ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C" or ch == "\u200d")
    return "".join(kept).strip()


def shorten(text: str, limit: int) -> str:
    """Cut on a character boundary and say so with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "…"


def one_line(text: str, limit: int) -> str:
    return shorten(" ".join(text.split()), limit)


_SPECIAL = {"channel": "@channel", "here": "@here", "everyone": "@everyone"}


def _defuse(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return "@" + (label or target[1:])
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!subteam^"):
        return label or "@group"
    if target.startswith("!"):
        name = target[1:].split("^")[0]
        return _SPECIAL.get(name, label or "@" + name)
    return f"{label} ({target})" if label and label != target else target


_ANGLE = re.compile(r"<([^<>]*)>")


def from_slack(text: str) -> str:
    """Turn text as Slack sends it into what the person typed.

    Slack encodes `&<>` and wraps mentions and links in `<…>`. We store the plain
    human text (mentions as `@name`, links as `label (url)`) and escape it once on output,
    so nothing is double-escaped and nothing typed can ping or disguise a link.
    """
    text = _ANGLE.sub(_defuse, text or "")
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return clean(text)
