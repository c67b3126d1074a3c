"""A policy's `responses` folder replaces bundled wording; a broken one is refused early."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from bot.guidance_text import ScriptContext
from bot.resources import responses_dir
from bot.wording import Renderer, TemplateProblem

CTX = ScriptContext("late_delivery", "high", "phone", "ja", customer="田中")


def _write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_override_data_replaces_a_single_phrase(tmp_path: Path) -> None:
    _write(tmp_path, "en/guidance.toml", '[fix]\nlate_delivery = "Ring the depot, then tell them the new time."\n')
    renderer = Renderer(responses_dir(), override=tmp_path)
    g = renderer.guidance(ScriptContext("late_delivery", "low", "phone", "en"))
    assert g.part("fix").text == "Ring the depot, then tell them the new time."  # type: ignore[union-attr]
    assert g.say.startswith("I'm sorry")  # the untouched keys are still bundled
    assert renderer.check() == []


@pytest.mark.parametrize(
    ("relative", "text", "expected"),
    [
        ("en/guidance.toml", '[next]\nyou = "{whom} calls {when}"', "unknown placeholder"),
        ("ja/guidance.toml", '[mistake]\nlate_delivery = "' + "遅" * 3100 + '"', "characters"),
        ("en/messages/boss_dm.j2", "{{ labels.severity[severity] }} {{ secret_field }}", "boss_dm.j2"),
        ("ja/messages/coach.j2", "{{ review.present[0] }}{% for %}", "coach.j2"),
        ("en/guidance.toml", "[fix\nother = 'x'", "guidance.toml"),
    ],
)
def test_broken_override_is_reported_by_check(tmp_path: Path, relative: str, text: str, expected: str) -> None:
    broken = _write(tmp_path, relative, text)
    problems = Renderer(responses_dir(), override=tmp_path).check()
    assert problems, "a broken override must be refused"
    assert any(expected in p for p in problems), problems
    if expected.endswith((".j2", ".toml")):
        assert any(str(broken) in p for p in problems), problems


def test_broken_override_raises_template_problem_not_a_python_error(tmp_path: Path) -> None:
    _write(tmp_path, "en/guidance.toml", '[say]\nown_low = "That is {ours}."\n')
    renderer = Renderer(responses_dir(), override=tmp_path)
    with pytest.raises(TemplateProblem, match=r"say\.own"):
        renderer.guidance(ScriptContext("other", "low", "phone", "en"))


def test_missing_locale_template_falls_back_to_english_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bundled = tmp_path / "responses"
    shutil.copytree(responses_dir(), bundled)
    (bundled / "ja" / "messages" / "help.j2").unlink()
    renderer = Renderer(bundled)
    with caplog.at_level(logging.WARNING, logger="bot.wording.render"):
        text = renderer.render("messages/help.j2", "ja")
        renderer.render("messages/help.j2", "ja")
    assert text.startswith("*Owabi — when something goes wrong")
    warnings = [r for r in caplog.records if "help.j2" in r.getMessage()]
    assert len(warnings) == 1 and "locale ja" in warnings[0].getMessage()
    assert renderer.check() == []


def test_missing_wording_keys_fall_back_to_english_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bundled = tmp_path / "responses"
    shutil.copytree(responses_dir(), bundled)
    path = bundled / "ja" / "guidance.toml"
    path.write_text(path.read_text("utf-8").replace("[fix]", "[fix_unused]"), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="bot.wording.render"):
        g = Renderer(bundled).guidance(CTX)
    assert g.part("fix").text.startswith("Still on its way?")  # type: ignore[union-attr]
    assert g.say.startswith("田中様、この度は")  # everything else stays Japanese
    assert any("guidance.fix" in r.getMessage() for r in caplog.records)


def test_new_locale_from_override_folder_only(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _write(tmp_path, "fr/guidance.toml", '[title]\nsay = "À dire"\n[fix]\nother = "Réparer tout de suite."\n')
    renderer = Renderer(responses_dir(), override=tmp_path)
    assert "fr" in renderer.locales()
    with caplog.at_level(logging.WARNING, logger="bot.wording.render"):
        g = renderer.guidance(ScriptContext("other", "low", "phone", "fr"))
    assert g.part("say").title == "À dire" and g.part("fix").text == "Réparer tout de suite."  # type: ignore[union-attr]
    assert any("fr" in r.getMessage() for r in caplog.records)
    assert renderer.check() == []
