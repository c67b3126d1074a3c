"""The draft-checker: catches what undoes an apology, praises what makes one work."""

from __future__ import annotations

import pytest

from bot.domain.coach import ANTI_PATTERNS, ELEMENTS, review
from bot.resources import responses_dir
from bot.scripts import Renderer

GOOD_EN = (
    "Ms Tanaka, I'm sorry. We sent you the wrong size, and that was our mistake. It happened "
    "because the order was picked from the wrong shelf. I've sent the right pair by express "
    "today at our cost. We're adding a size check to our packing list so this doesn't happen "
    "again. I'll call you on Friday to make sure they fit."
)
GOOD_JA = (
    "田中様、この度はご注文と異なる商品をお届けしてしまい、大変申し訳ございません。"
    "私どもの不手際でございます。出荷の際に商品を取り違えたことが原因です。"
    "正しい商品を本日、速達にてお送りいたします。今後は梱包前の確認を徹底いたします。"
    "金曜日に改めてお電話し、問題がないか確認させていただきます。"
)


@pytest.mark.parametrize(
    ("draft", "kind", "phrase"),
    [
        ("I'm sorry if you were upset by the delay.", "conditional", "sorry if"),
        ("We apologise if anyone was offended.", "conditional", "apologise if"),
        ("Sorry, if you were offended by what I said.", "conditional", "offended"),
        ("I'm sorry you feel that way.", "conditional", "sorry you feel that way"),
        ("You should have checked the size chart.", "blame_customer", "You should have"),
        ("You didn't tell us the right address.", "blame_customer", "You didn't tell"),
        ("That was your mistake, not ours.", "blame_customer", "your mistake"),
        ("The warehouse team made an error.", "blame_colleague", "warehouse team made"),
        ("It's the courier's fault, not ours.", "blame_colleague", "courier's fault"),
        ("Honestly it's not my department.", "blame_colleague", "not my department"),
        ("A new guy sent the wrong box.", "blame_colleague", "new guy sent"),
        ("Refunds after 30 days are against our policy.", "policy", "our policy"),
        ("I'm not allowed to refund that.", "policy", "not allowed to"),
        ("There's nothing we can do, my hands are tied.", "policy", "hands are tied"),
        ("It was just a day late.", "minimising", "just a"),
        ("Only a small delay, nothing to worry about.", "minimising", "Only a small"),
        ("Sorry for the minor issue.", "minimising", ""),
        ("Sorry for any inconvenience.", "minimising", "any inconvenience"),
        ("It will never happen again.", "overpromise", "never happen again"),
        ("We guarantee it's fixed.", "overpromise", "guarantee"),
        ("Rest assured this won't happen again.", "overpromise", "Rest assured"),
        ("I'm sorry, but the order was correct.", "but_after_sorry", "but"),
        ("We apologise. However, the system was busy.", "but_after_sorry", "However"),
        ("ご不快に感じられたのでしたら申し訳ありません。", "conditional", "でしたら申し訳"),
        ("もしご迷惑でしたらお詫びいたします。", "conditional", "お詫び"),
        ("お客様のご確認不足かと存じます。", "blame_customer", "ご確認不足"),
        ("ご確認いただければ分かったはずです。", "blame_customer", "ご確認いただければ"),
        ("担当者のミスで、ご迷惑をおかけしました。", "blame_colleague", "担当者のミス"),
        ("配送業者のせいで遅れました。", "blame_colleague", "配送業者のせい"),
        ("規則ですので、返金はできません。", "policy", "規則ですので"),
        ("返品はいたしかねます。", "policy", "いたしかねます"),
        ("たいしたことではございませんが、", "minimising", "たいしたこと"),
        ("一日だけの遅れです。", "minimising", "一日だけ"),
        ("二度とありません。", "overpromise", "二度とありません"),
        ("絶対に起こりません。", "overpromise", "絶対に"),
        ("申し訳ございませんが、規定により対応できません。", "but_after_sorry", "ませんが"),
        ("大変申し訳ございません。しかし、当日は混雑しておりました。", "but_after_sorry", "しかし"),
    ],
)
def test_catches_what_undoes_an_apology(draft: str, kind: str, phrase: str) -> None:
    found = review(draft).as_json()["avoid"]
    hits = [a for a in found if a["kind"] == kind]
    assert hits, found
    assert any(phrase.lower() in a["phrase"].lower() for a in hits)
    assert all(a["reason"] and a["reason"] != kind for a in hits)


@pytest.mark.parametrize("draft", [GOOD_EN, GOOD_JA])
def test_praises_a_good_draft(draft: str) -> None:
    result = review(draft).as_json()
    assert result["present"] == list(ELEMENTS)
    assert result["missing"] == [] and result["avoid"] == [] and result["good"] is True


@pytest.mark.parametrize(
    ("draft", "missing"),
    [
        ("Sorry about that.", {"responsibility", "explanation", "repair", "prevention",
                               "follow_up"}),
        ("That was our mistake. I've refunded you.", {"regret", "explanation", "prevention",
                                                       "follow_up"}),
        ("申し訳ございません。", {"responsibility", "explanation", "repair", "prevention",
                                  "follow_up"}),
        ("私どもの不手際でございます。差額を返金いたします。", {"regret", "explanation",
                                                         "prevention", "follow_up"}),
    ],
)
def test_names_what_is_missing(draft: str, missing: set[str]) -> None:
    result = review(draft)
    assert set(result.missing) == missing
    assert {element for element, _ in result.tips} == missing


def test_a_conditional_apology_does_not_count_as_regret() -> None:
    assert "regret" not in review("I'm sorry if you were upset.").present
    assert "regret" not in review("ご不快に感じられたのでしたら申し訳ありません。").present


def test_a_refusal_on_policy_does_not_count_as_repair() -> None:
    assert "repair" not in review("Refunds are against our policy.").present
    assert "repair" not in review("規則ですので返金はいたしかねます。").present


@pytest.mark.parametrize(("draft", "locale"), [(GOOD_EN, "en"), (GOOD_JA, "ja")])
def test_reasons_are_in_the_drafts_language(draft: str, locale: str) -> None:
    slip = " It was just a small thing." if locale == "en" else "たいしたことではありません。"
    bad = draft + slip
    result = review(bad)
    assert result.locale == locale
    reason = result.avoid[0].reason
    assert any("\u3040" <= ch <= "\u30ff" for ch in reason) == (locale == "ja")


def test_every_kind_has_a_reason_and_every_element_a_tip_in_both_languages() -> None:
    import tomllib

    for locale in ("en", "ja"):
        words = tomllib.loads((responses_dir() / locale / "coach.toml").read_text("utf-8"))
        assert set(words["reason"]) == set(ANTI_PATTERNS)
        assert set(words["tip"]) == set(ELEMENTS) == set(words["element"])


@pytest.mark.parametrize("draft", [GOOD_EN, GOOD_JA, "sorry if <!channel> {{ 7*7 }}", ""])
def test_coach_message_renders(draft: str) -> None:
    result = review(draft)
    text = Renderer(responses_dir()).render("messages/coach.j2", result.locale,
                                             review=result.as_json())
    assert text and "<!channel>" not in text and "49" not in text


def test_overlapping_hits_are_one_phrase() -> None:
    found = review("It was just a small delay.").avoid
    assert [(a.kind, a.phrase) for a in found] == [("minimising", "It was just a small delay")]
