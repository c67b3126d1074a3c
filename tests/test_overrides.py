"""A policy's `responses` folder replaces bundled wording; a broken one is refused early."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from bot.resources import responses_dir
from bot.scripts import Renderer, ScriptContext, TemplateProblem

CTX = ScriptContext("late_delivery", "high", "phone", "ja", "田中", "late", "OOPS-0001")


def _write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_override_template_wins(tmp_path: Path) -> None:
    _write(tmp_path, "ja/script/own_it.j2", "*当社流の非の認め方*\n*言うこと:* 不手際です。")
    renderer = Renderer(responses_dir(), override=tmp_path)
    own_it = renderer.script(CTX)[0]
    assert own_it.title == "当社流の非の認め方"
    assert renderer.script(CTX)[1].title == "率直に、心からお詫びする"  # the rest is bundled
    assert renderer.check() == []


def test_override_data_replaces_a_single_phrase(tmp_path: Path) -> None:
    _write(tmp_path, "en/script.toml", '[make_whole.offer]\nlate_delivery = "your next '
           'three deliveries are free"\n')
    renderer = Renderer(responses_dir(), override=tmp_path)
    ctx = ScriptContext("late_delivery", "low", "phone", "en")
    body = renderer.script(ctx)[4].body
    assert "your next three deliveries are free" in body
    assert "small thank-you" in body  # the untouched keys are still bundled
    assert renderer.check() == []


@pytest.mark.parametrize(
    ("relative", "text", "expected"),
    [
        ("ja/script/apologize.j2", "*タイトル*\n{% if ctx.severity %}閉じていない", "apologize.j2"),
        ("en/script/fix_now.j2", "*Fix*\n{{ ctx.customer_phone }}", "fix_now.j2"),
        ("en/messages/boss_dm.j2", "{{ labels.severity[severity] }} {{ secret_field }}",
         "boss_dm.j2"),
        ("ja/messages/coach.j2", "{{ review.present[0] }}{% for %}", "coach.j2"),
        ("en/script.toml", "[own_it\ntitle = 'x'", "script.toml"),
        ("en/script.toml", "[own_it]\ntitle = '" + "x" * 3100 + "'", "characters"),
    ],
)
def test_broken_override_is_reported_by_check(
    tmp_path: Path, relative: str, text: str, expected: str
) -> None:
    broken = _write(tmp_path, relative, text)
    problems = Renderer(responses_dir(), override=tmp_path).check()
    assert problems, "a broken override must be refused"
    assert any(expected in p for p in problems), problems
    if expected.endswith((".j2", ".toml")):
        assert any(str(broken) in p for p in problems), problems


def test_broken_override_raises_template_problem_not_jinja_error(tmp_path: Path) -> None:
    _write(tmp_path, "en/script/prevent.j2", "*Prevent*\n{{ nope }}")
    renderer = Renderer(responses_dir(), override=tmp_path)
    with pytest.raises(TemplateProblem, match=r"prevent\.j2"):
        renderer.script(ScriptContext("other", "low", "phone", "en"))


def test_missing_locale_template_falls_back_to_english_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bundled = tmp_path / "responses"
    shutil.copytree(responses_dir(), bundled)
    (bundled / "ja" / "messages" / "help.j2").unlink()
    renderer = Renderer(bundled)
    with caplog.at_level(logging.WARNING, logger="bot.scripts"):
        text = renderer.render("messages/help.j2", "ja")
        renderer.render("messages/help.j2", "ja")
    assert text.startswith("*Owabi — when something goes wrong")
    warnings = [r for r in caplog.records if "help.j2" in r.getMessage()]
    assert len(warnings) == 1 and "locale ja" in warnings[0].getMessage()
    assert renderer.check() == []


def test_a_missing_script_step_keeps_the_locales_words(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The English step template is only a layout over the wording data, so the customer
    still gets Japanese words when only the ja template file is missing."""
    bundled = tmp_path / "responses"
    shutil.copytree(responses_dir(), bundled)
    (bundled / "ja" / "script" / "prevent.j2").unlink()
    renderer = Renderer(bundled)
    with caplog.at_level(logging.WARNING, logger="bot.scripts"):
        steps = renderer.script(CTX)
    assert steps[5].title == "何を改めるかをお伝えする"
    assert any("prevent.j2" in r.getMessage() for r in caplog.records)


def test_missing_wording_keys_fall_back_to_english_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bundled = tmp_path / "responses"
    shutil.copytree(responses_dir(), bundled)
    path = bundled / "ja" / "script.toml"
    path.write_text(path.read_text("utf-8").replace("[follow_up.when]", "[follow_up.unused]"),
                    encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="bot.scripts"):
        steps = Renderer(bundled).script(CTX)
    assert "tomorrow" in steps[6].body
    assert any("follow_up.when" in r.getMessage() for r in caplog.records)


def test_new_locale_from_override_folder_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _write(tmp_path, "fr/script.toml", 'say = "Dire"\n[own_it]\ntitle = "Assumer"\n')
    renderer = Renderer(responses_dir(), override=tmp_path)
    assert "fr" in renderer.locales()
    with caplog.at_level(logging.WARNING, logger="bot.scripts"):
        steps = renderer.script(ScriptContext("other", "low", "phone", "fr"))
    assert steps[0].title == "Assumer"
    assert steps[0].body.startswith("*Dire:*")
    assert any("fr" in r.getMessage() for r in caplog.records)
    assert renderer.check() == []


def test_messages_added_by_others_are_checked_generically(tmp_path: Path) -> None:
    bundled = tmp_path / "responses"
    shutil.copytree(responses_dir(), bundled)
    _write(bundled, "en/messages/new_thing.j2", "{{ ref }} {{ labels.category[category] }}")
    _write(bundled, "ja/messages/new_thing.j2", "{{ ref }} {{ undefined_in_english }}")
    problems = Renderer(bundled).check()
    assert len(problems) == 1 and "new_thing.j2" in problems[0]
