"""Table tests for first-pass triage: messy input, both languages, severity signals."""

from __future__ import annotations

import pytest

from bot.domain.model import Severity
from bot.domain.triage import repaired, triage


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("cust got wrong sz shoes", "wrong_item"),
        ("deliverey late agn", "late_delivery"),
        ("dlvry still not arrived", "late_delivery"),
        ("overchrgd", "billing_error"),
        ("dmgd pkg", "damaged_item"),
        ("refund not recvd", "billing_error"),
        ("rude 2 cust", "rude_service"),
        ("site dwn", "outage"),
        ("POS crashed, queue out the door", "outage"),
        ("cc'd everyone on the newsletter", "privacy_breach"),
        ("emailed customer A's invoice to customer B", "privacy_breach"),
        ("forgot to call back Mrs Brown", "missed_deadline"),
        ("hair in the soup", "quality_defect"),
        ("請求書の金額まちがえた", "billing_error"),
        ("はいそうおくれ", "late_delivery"),
        ("サイズ違いの靴を送ってしまった", "wrong_item"),
        ("商品が割れて届いた", "damaged_item"),
        ("お客様に怒鳴ってしまいました", "rude_service"),
        ("提案書の締め切りに間に合わなかった", "missed_deadline"),
        ("お弁当に髪の毛", "quality_defect"),
        ("会員にBCCでなくCCで一斉送信", "privacy_breach"),
        ("予約システムが朝から止まっている", "outage"),
        ("ｗｒｏｎｇ ｓｉｚｅ", "wrong_item"),
        ("the thing with the customer", "other"),
        ("", "other"),
    ],
)
def test_category(text: str, category: str) -> None:
    assert triage(text).category == category


@pytest.mark.parametrize(
    ("text", "severity", "signal"),
    [
        ("delivery was late", "low", None),
        ("late again for the third time", "medium", "repeat"),
        ("customer slipped on the wet floor and hurt her wrist", "critical", "injury"),
        ("dish had nuts, customer had an allergic reaction", "critical", "allergy"),
        ("customer says his lawyer will be in touch about the damaged table", "high", "legal"),
        ("a journalist was the customer we overcharged", "high", "press"),
        ("wrong order, she's posting about it on tiktok", "medium", "social_media"),
        ("the CEO's order arrived late", "medium", "vip"),
        ("invoiced $45,000 instead of $4,500", "high", "large_amount"),
        ("請求額を500万円で誤請求", "high", "large_amount"),
        ("cc'd all 300 customers on the newsletter", "critical", "scale"),
        ("店内で転倒し、けがをされた", "critical", "injury"),
        ("ナッツでアレルギー症状", "critical", "allergy"),
        ("またお届けが遅れた", "medium", "repeat"),
        ("お届けが1日遅れてしまいました", "low", None),
        ("a slight delay on the delivery", "low", "minor"),
    ],
)
def test_severity_signals(text: str, severity: str, signal: str | None) -> None:
    got = triage(text)
    assert got.severity == Severity(severity)
    if signal:
        assert signal in got.signals


@pytest.mark.parametrize(
    ("text", "locale"),
    [("late order", "en"), ("配送遅れ", "ja"), ("ﾊｲｿｳ ｵｸﾚ", "ja"), ("🙇 sorry", "en")],
)
def test_locale(text: str, locale: str) -> None:
    assert triage(text).locale == locale


def test_default_locale_is_used_for_text_without_japanese() -> None:
    assert triage("late order", default_locale="ja").locale == "ja"


@pytest.mark.parametrize(
    ("typed", "read_as"),
    [
        ("cust got wrong sz shoes", "customer got wrong size shoes"),
        ("recieved the wrong colr", "received the wrong colour"),
        ("overchrgd", "overcharged"),
        ("lunch paint", "lunch paint"),  # real words are left alone
        ("請求書の金額まちがえた", "請求書の金額間違えた"),
    ],
)
def test_repair_explains_what_the_rules_read(typed: str, read_as: str) -> None:
    assert repaired(typed) == read_as


def test_confidence_and_json_shape() -> None:
    got = triage("double charged mr patel").as_json()
    assert got["category"] == "billing_error"
    assert 0 < float(str(got["confidence"])) <= 1
    assert set(got) >= {"category", "severity", "locale", "signals"}


def test_huge_input_is_fine() -> None:
    assert triage("late " * 5000).category == "late_delivery"
