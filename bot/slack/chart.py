"""The weekly chart: incidents per day by severity, as a PNG, uploaded to the channel.

Rendered with matplotlib's Agg backend (no display, safe in threads of a server) at send
time from data stored in the outbox row, so the upload is queued, retried and never lost
like any other message, and no bytes sit in the database.
"""

from __future__ import annotations

import io
from typing import Any

from slack_sdk import WebClient

METHOD = "files.upload_v2"  # our outbox name for slack_sdk's three-step external upload
SEVERITIES = ("low", "medium", "high", "critical")
COLOURS = {"low": "#9ecae1", "medium": "#fdd49e", "high": "#fc8d59", "critical": "#d7301f"}


def render_png(per_day: dict[str, dict[str, int]], *, title: str, labels: dict[str, str]) -> bytes:
    """A stacked bar per day. Figure() (not pyplot) keeps no global state between calls.

    matplotlib is imported here, not at start-up: it is most of the server's import time and
    memory, and only the weekly summary's chart needs it.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with matplotlib.rc_context({"font.family": [_japanese_font(), "DejaVu Sans"]}):
        return _render(Figure, MaxNLocator, per_day, title=title, labels=labels)


def _japanese_font() -> str:
    """IPAexGothic, shipped by matplotlib-fontja: Japanese labels render on any machine or container."""
    from matplotlib import font_manager
    from matplotlib_fontja import get_font_ttf_path  # type: ignore[import-untyped]

    path = get_font_ttf_path()
    if path not in {f.fname for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


def _render(
    Figure: Any, MaxNLocator: Any, per_day: dict[str, dict[str, int]], *, title: str, labels: dict[str, str]
) -> bytes:
    fig = Figure(figsize=(7, 3.2), dpi=100)
    ax = fig.subplots()
    days = sorted(per_day)
    bottom = [0] * len(days)
    for sev in SEVERITIES:
        counts = [per_day[d].get(sev, 0) for d in days]
        ax.bar(range(len(days)), counts, bottom=bottom, color=COLOURS[sev], label=labels.get(sev, sev))
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    ax.set_xticks(range(len(days)), [d[5:] for d in days])  # positions, so no unit guessing
    ax.set_title(title)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    handles, names = ax.get_legend_handles_labels()  # top of the stack first, beside the bars, not on them
    ax.legend(handles[::-1], names[::-1], loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def upload(client: WebClient, payload: dict[str, Any]) -> tuple[str, str]:
    """getUploadURLExternal → POST bytes → completeUploadExternal(channel_id), via slack_sdk."""
    png = render_png(payload["per_day"], title=payload["title"], labels=payload.get("labels", {}))
    result = client.files_upload_v2(
        channel=payload["channel"],
        content=png,
        filename=payload.get("filename", "owabi-week.png"),
        title=payload["title"],
    )
    files = result.get("files") or [{}]
    return payload["channel"], str(files[0].get("id", "") if isinstance(files[0], dict) else "")
