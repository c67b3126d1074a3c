"""The weekly chart: every day of the week on the axis, and Japanese labels with real glyphs."""

from __future__ import annotations

import warnings

from bot.domain.metrics import day_windows, summarise, tally
from bot.slack.chart import render_png
from tests.test_escalation_policy import TOKYO


def test_quiet_days_stay_on_the_axis() -> None:
    start, end = 1_764_000_000.0, 1_764_000_000.0 + 6 * 86400
    windows = day_windows(start, end, TOKYO)
    days = summarise(
        period="week",
        start=start,
        end=end,
        tally=tally([], windows),
        windows=windows,
        open_count=0,
        oldest_open=None,
        escalations=0,
        lessons=[],
    ).per_day
    assert len(days) == 7 and all(v == {} for v in days.values())


def test_a_japanese_chart_has_no_missing_glyphs() -> None:
    data = {"2026-11-25": {"high": 1}, "2026-11-26": {}, "2026-11-27": {"low": 2, "critical": 1}}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font": that fails here
        png = render_png(
            data, title="今週の報告（重要度別）", labels={"low": "低", "medium": "中", "high": "高", "critical": "緊急"}
        )
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
