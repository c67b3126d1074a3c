"""The guided script: every combination renders, is complete, safe, and fits Slack."""

from __future__ import annotations

import itertools
import re

import pytest
from slack_sdk.models.blocks import SectionBlock
from slack_sdk.models.blocks.basic_components import MarkdownTextObject

from bot.domain.model import Category, Contact, Severity
from bot.learning.coaching import default_coach
from bot.resources import responses_dir
from bot.scripts import SCRIPT_MAX, STEP_MAX, STEPS, Renderer, ScriptContext, Step

LOCALES = ("en", "ja")
COMBOS = list(itertools.product(Category, Severity, Contact, LOCALES))

# Phrases that must never be put in a staffer's mouth, whatever the coach thinks.
FORBIDDEN_IN_SAY = (
    "sorry if", "sorry, but", "but it's policy", "our policy", "if you were offended",
    "calm down", "you should have", "never happen again", "guarantee", "just a",
    "not my department", "でしたら申し訳", "規則ですので", "規定により", "二度とありません",
    "絶対に", "担当者のミス", "たいしたこと", "申し訳ございませんが",
)


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(responses_dir())


def _ctx(category: Category, severity: Severity, contact: Contact, locale: str,
         customer: str = "Ms Tanaka") -> ScriptContext:
    return ScriptContext(category.value, severity.value, contact.value, locale, customer,
                         "the order went out a day late", "OOPS-0042", "C0TEAM")


def _say_lines(renderer: Renderer, step: Step, locale: str) -> list[str]:
    label = renderer.data(locale, "script")["say"]
    return [line for line in step.body.splitlines() if line.startswith(f"*{label}:*")]


def _section(text: str) -> dict[str, object]:
    return SectionBlock(text=MarkdownTextObject(text=text)).to_dict()


@pytest.mark.parametrize(("category", "severity", "contact", "locale"), COMBOS)
def test_every_combination_is_complete_and_fits(
    renderer: Renderer, category: Category, severity: Severity, contact: Contact, locale: str
) -> None:
    ctx = _ctx(category, severity, contact, locale)
    steps = renderer.script(ctx)
    assert [s.key for s in steps] == list(STEPS)
    words = renderer.data(locale, "script")
    total = len(renderer.intro(ctx))
    for step in steps:
        assert step.title
        for label in (words["say"], words["do"], words["never"]):
            line = next(x for x in step.body.splitlines() if x.startswith(f"*{label}:*"))
            assert len(line) > len(label) + 12, f"{step.key}: empty {label}"
        assert len(step.body) <= STEP_MAX
        total += len(step.title) + len(step.body)
        _section(step.body)
    assert total < SCRIPT_MAX


@pytest.mark.parametrize(("category", "severity", "contact", "locale"), COMBOS)
def test_say_lines_hold_nothing_to_avoid(
    renderer: Renderer, category: Category, severity: Severity, contact: Contact, locale: str
) -> None:
    for step in renderer.script(_ctx(category, severity, contact, locale)):
        for line in _say_lines(renderer, step, locale):
            lowered = line.lower()
            assert not [p for p in FORBIDDEN_IN_SAY if p in lowered], line
            hurts = [f for f in default_coach().review(line).findings if f.problem != "no_apology"]
            assert not hurts, (line, hurts)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_whole_script_reads_as_a_good_apology(renderer: Renderer, locale: str) -> None:
    """All the Say lines together are what the coach praises: every element, no slips."""
    for category, severity in itertools.product(Category, Severity):
        steps = renderer.script(_ctx(category, severity, Contact.PHONE, locale))
        said = " ".join(line for s in steps for line in _say_lines(renderer, s, locale))
        said = re.sub(r"\*[^*]+:\*", " ", said)
        verdict = default_coach().review(said, {"category": category.value, "severity": severity.value,
                                                "contact": "phone", "b2b": False})
        assert not verdict.findings, (category, severity, verdict.as_json())


def test_category_specific_fixes(renderer: Renderer) -> None:
    def fix(category: Category, locale: str = "en") -> str:
        ctx = _ctx(category, Severity.MEDIUM, Contact.PHONE, locale)
        return renderer.script(ctx)[STEPS.index("fix_now")].body

    assert "express" in fix(Category.WRONG_ITEM)
    assert "refund" in fix(Category.BILLING_ERROR)
    assert "delete" in fix(Category.PRIVACY_BREACH) and "DPO" in fix(Category.PRIVACY_BREACH)
    assert "個人情報保護委員会" in fix(Category.PRIVACY_BREACH, "ja")
    assert fix(Category.LATE_DELIVERY) != fix(Category.DAMAGED_ITEM)


@pytest.mark.parametrize("severity", [Severity.HIGH, Severity.CRITICAL])
def test_serious_cases_bring_the_boss_in_person_with_a_gift(
    renderer: Renderer, severity: Severity
) -> None:
    ja = renderer.script_text(_ctx(Category.WRONG_ITEM, severity, Contact.WRITTEN, "ja"))
    en = renderer.script_text(_ctx(Category.WRONG_ITEM, severity, Contact.WRITTEN, "en"))
    assert "菓子折り" in ja and "訪問" in ja and "詫び状" in ja
    assert "in person" in en and "gift" in en and "letter of apology" in en
    if severity == Severity.CRITICAL:
        assert "頭を下げ" in ja and "bow" in en


def test_low_severity_stays_light(renderer: Renderer) -> None:
    text = renderer.script_text(_ctx(Category.LATE_DELIVERY, Severity.LOW, Contact.PHONE, "ja"))
    assert "菓子折り" not in text and "詫び状" not in text


def test_make_whole_scales_with_severity(renderer: Renderer) -> None:
    bodies = {
        s: renderer.script(_ctx(Category.LATE_DELIVERY, s, Contact.PHONE, "en"))[4].body
        for s in Severity
    }
    assert len(set(bodies.values())) == len(Severity)
    assert "in full" in bodies[Severity.HIGH]


def test_never_lines_cover_the_classic_mistakes(renderer: Renderer) -> None:
    for locale, needles in {
        "en": ("sorry if", "sorry, but", "you should have", "colleague", "policy",
               "only a day", "never happen again"),
        "ja": ("でしたら申し訳", "申し訳ございませんが", "ご確認いただければ", "同僚",
               "規則ですので", "たいしたこと", "二度といたしません"),
    }.items():
        text = renderer.script_text(_ctx(Category.OTHER, Severity.MEDIUM, Contact.PHONE, locale))
        lowered = text.lower()
        assert all(n.lower() in lowered for n in needles), locale


NASTY = [
    "<!channel> <@U0BOSS> <https://evil.example|click>",
    "{{ 7*7 }} {% raw %}{{ config }}{% endraw %}",
    "🙇‍♀️ 田中様 🎂",
    "x" * 5000,
    "\u202eevil rtl",
]


@pytest.mark.parametrize("nasty", NASTY)
@pytest.mark.parametrize("locale", LOCALES)
def test_user_text_is_escaped_never_evaluated(
    renderer: Renderer, nasty: str, locale: str
) -> None:
    ctx = ScriptContext("late_delivery", "critical", "in_person", locale, nasty, nasty,
                        "OOPS-0042", "C0TEAM")
    steps = renderer.script(ctx)
    everything = renderer.intro(ctx) + "".join(s.title + s.body for s in steps)
    assert "<!channel>" not in everything and "<@U0BOSS>" not in everything
    assert "49" not in everything
    for step in steps:
        assert len(step.body) <= STEP_MAX
        _section(step.body)
    if nasty.startswith("<!"):
        assert "&lt;!channel&gt;" in steps[0].body


@pytest.mark.parametrize("locale", LOCALES)
def test_customer_follow_up_message(renderer: Renderer, locale: str) -> None:
    full = renderer.render(
        "messages/follow_up_customer.j2", locale, ref="OOPS-0042", customer="<!here> Tanaka",
        category="wrong_item", what_happened="x" * 5000, what_we_did="sent the right one",
        what_changes="a packing check",
    )
    empty = renderer.render(
        "messages/follow_up_customer.j2", locale, ref="", customer="", category="",
        what_happened="", what_we_did="", what_changes="",
    )
    assert "OOPS-0042" in full and "<!here>" not in full and "sent the right one" in full
    assert len(full) <= STEP_MAX
    assert "{" not in empty and len(empty) > 200
    assert not default_coach().review(re.sub(r"\*[^*]+:\*", " ", empty)).findings
    _section(full)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("severity", "category"), list(itertools.product(Severity, Category)))
def test_boss_todo_guidance(
    renderer: Renderer, locale: str, severity: Severity, category: Category
) -> None:
    text = renderer.render(
        "messages/boss_todo.j2", locale, severity=severity.value, category=category.value,
        contact="written", ref="OOPS-0042", summary="s", customer="c",
    )
    _section(text)
    assert ("thank" in text.lower()) if locale == "en" else ("お礼" in text)
    if category == Category.PRIVACY_BREACH:
        assert ("data protection officer" in text) if locale == "en" else ("責任者" in text)


def test_bundled_templates_pass_check(renderer: Renderer) -> None:
    assert renderer.check() == []
