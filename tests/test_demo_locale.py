"""`owabi demo --locale ja`: the same story, told to a Japanese team, as a user reads it."""

from __future__ import annotations

import contextlib
import io
import re
import tomllib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import resources
from bot.cli import main
from bot.config import load_policy
from bot.sandbox.demo import EN, JA
from bot.wording import Renderer

label = Renderer(resources.responses_dir()).label


@pytest.fixture(scope="module")
def demo() -> tuple[int, str]:
    """One Japanese run for the whole module: it takes seconds (it waits out a real escalation)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["demo", "--locale", "ja"])
    return code, out.getvalue()


def screens(output: str) -> list[tuple[str, str]]:
    """(whose screen, what is on it) for every box the demo draws, in order."""
    found = re.findall(r"┌─ (.+?)の画面 ─+\n(.*?)\n└─+", output, flags=re.S)
    return [(who, "\n".join(line.removeprefix("│ ") for line in body.splitlines())) for who, body in found]


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def english_sentences() -> set[str]:
    """Runs of three or more English words from every staff-facing file in responses/en."""
    root = resources.responses_dir() / "en"
    texts = [s for path in sorted(root.glob("*.toml")) for s in _strings(tomllib.loads(path.read_text("utf-8")))]
    texts += [path.read_text("utf-8") for path in sorted((root / "messages").glob("*.j2"))]
    pieces: set[str] = set()
    for text in texts:
        # Template syntax and mrkdwn markers separate the fixed wording into its runs.
        for piece in re.split(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|\{[^{}]*\}|[*_\n•·“”\"|]", text):
            piece = piece.strip(" .,:;!?()[]-–—")
            if len(re.findall(r"[A-Za-z']+", piece)) >= 3:
                pieces.add(piece)
    return pieces


def test_the_story_completes(demo: tuple[int, str]) -> None:
    code, output = demo
    assert code == 0
    assert re.search(r"ハッシュチェーン: \d+ 件、改ざんなし", output)
    assert output.rstrip().endswith("デモ終了。")
    seen = [who for who, _ in screens(output)]
    for person in ("佐藤（フロント）", "鈴木（チームリーダー）", "高橋（マネージャー）", "#front-desk"):
        assert person in seen, f"{person} never saw a screen"


def test_the_reporter_gets_the_japanese_script(demo: tuple[int, str]) -> None:
    _, output = demo
    assert "/oops 田中様のご注文" in output  # the report itself is typed in Japanese
    who, first = screens(output)[0]
    assert who == "佐藤（フロント）"
    assert "申し訳ございません" in first
    assert f"スクリプトの言語：{label('ja', 'locale.ja')}" in first


def test_the_boss_dm_is_japanese(demo: tuple[int, str]) -> None:
    _, output = demo
    lead = next(text for who, text in screens(output) if who == "鈴木（チームリーダー）")
    for button in ("button.acknowledge", "button.take", "button.escalate"):
        assert label("ja", button) in lead
    assert "@佐藤" in lead and "<@" not in lead  # mentions show the name, as Slack renders them
    letters = [ch for ch in lead if ch.isalpha()]
    japanese = [ch for ch in letters if re.match(r"[\u3040-\u30ff\u4e00-\u9fff]", ch)]
    assert len(japanese) > 0.8 * len(letters)


def test_no_english_wording_reaches_the_japanese_team(demo: tuple[int, str]) -> None:
    _, output = demo
    leaked = sorted(s for s in english_sentences() if s in output)
    assert not leaked
    narration = {re.sub(r"\{[^}]*\}", "", line).strip() for line in EN.lines.values()}
    assert not [line for line in narration if len(line) > 12 and line in output]
    assert "sees" not in output


def test_every_time_shown_is_tokyo_time(demo: tuple[int, str]) -> None:
    _, output = demo
    now = datetime.now(ZoneInfo("Asia/Tokyo"))
    for shown in re.findall(r"\b(\d{2}):(\d{2}):(\d{2})\b", output):
        h, m, s = map(int, shown)
        apart = abs((h * 3600 + m * 60 + s) - (now.hour * 3600 + now.minute * 60 + now.second))
        assert min(apart, 86400 - apart) < 600, f"{':'.join(shown)} is not Tokyo time ({now:%H:%M:%S})"


def test_the_demo_policy_is_a_japanese_team(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(JA.policy(), encoding="utf-8")
    policy = load_policy(path)
    assert (policy.locale, policy.timezone) == ("ja", "Asia/Tokyo")


def test_an_unknown_locale_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--locale", "fr"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "'fr'" in lines[0] and "en, ja" in lines[0] and "Traceback" not in captured.err
