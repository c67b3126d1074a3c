"""Guess category, severity and the customer's language from a free-text report.

Plain, explainable rules: a staffer must be able to see why Owabi guessed what it did and
correct it in one click. Keywords are matched on a normalised form of the text (lower
case, NFKC, so full-width Latin and half-width kana match too).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.domain.model import Category, Severity, Triage

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    words: tuple[str, ...]
    weight: float = 1.0


CATEGORY_RULES: dict[Category, tuple[str, ...]] = {
    Category.PRIVACY_BREACH: (
        "privacy", "personal data", "leak", "wrong email", "wrong address", "gdpr",
        "data breach", "exposed", "cc'd", "cced", "sent to the wrong", "個人情報", "漏洩",
        "漏えい", "誤送信", "流出",
    ),
    Category.OUTAGE: (
        "outage", "down", "offline", "not working", "crash", "cannot log", "can't log",
        "system error", "unavailable", "障害", "ダウン", "つながらない", "繋がらない",
        "落ちて", "停止",
    ),
    Category.BILLING_ERROR: (
        "bill", "charge", "charged", "invoice", "refund", "overcharg", "double charg",
        "price", "receipt", "payment", "請求", "二重", "料金", "金額", "返金", "領収",
        "課金", "会計",
    ),
    Category.DAMAGED_ITEM: (
        "damaged", "broken", "crushed", "dented", "cracked", "smashed", "torn", "leaking",
        "破損", "壊れ", "割れ", "へこ", "傷",
    ),
    Category.WRONG_ITEM: (
        "wrong item", "wrong size", "wrong colour", "wrong color", "wrong order",
        "wrong product", "instead of", "mixed up", "swapped", "missing item", "違う商品",
        "誤配", "取り違え", "間違った商品", "別の商品", "入っていな",
    ),
    Category.LATE_DELIVERY: (
        "late", "delay", "delayed", "not arrived", "hasn't arrived", "never arrived",
        "didn't arrive", "overdue", "shipping", "delivery", "courier", "遅延", "遅れ",
        "届いていな", "届かな", "配送", "配達",
    ),
    Category.MISSED_DEADLINE: (
        "deadline", "missed the", "forgot", "due date", "overdue report", "not ready",
        "didn't call back", "no call back", "締め切り", "締切", "期限", "納期", "忘れ",
    ),
    Category.RUDE_SERVICE: (
        "rude", "shouted", "yelled", "ignored", "impolite", "attitude", "disrespect",
        "snapped", "失礼", "態度", "無視", "怒鳴", "横柄", "不快",
    ),
    Category.QUALITY_DEFECT: (
        "defect", "faulty", "doesn't work", "does not work", "stopped working", "stain",
        "dirty", "hair in", "cold food", "undercooked", "quality", "mould", "mold",
        "不良", "不具合", "汚れ", "異物", "品質", "故障",
    ),
}

# Signals that make a case worse than its category alone suggests.
SEVERITY_SIGNALS: tuple[Rule, ...] = (
    Rule("injury", ("injur", "hurt", "hospital", "ambulance", "bleeding", "burn", "怪我",
                    "けが", "ケガ", "病院", "救急", "火傷", "やけど"), 3),
    Rule("allergy", ("allerg", "anaphyla", "アレルギー"), 3),
    Rule("legal", ("lawyer", "sue", "legal", "solicitor", "court", "police", "弁護士",
                   "訴え", "訴訟", "警察", "法的"), 2),
    Rule("press", ("press", "journalist", "newspaper", "twitter", "tweet", "social media",
                   "review", "viral", "instagram", "tiktok", "マスコミ", "記者", "炎上",
                   "口コミ", "SNS", "ツイート", "レビュー"), 2),
    Rule("vip", ("vip", "ceo", "key account", "biggest client", "top client", "大口",
                 "重要顧客", "社長", "VIP"), 1),
    Rule("repeat", ("again", "second time", "third time", "repeatedly", "keeps happening",
                    "また", "再度", "二回目", "2回目", "3回目", "何度も"), 1),
    Rule("money", ("$", "¥", "€", "£", "thousand", "万円", "円", "k "), 0.5),
    Rule("angry", ("furious", "angry", "livid", "upset", "complain", "激怒", "怒って",
                   "クレーム", "不満"), 0.5),
    Rule("urgent", ("urgent", "asap", "immediately", "至急", "緊急"), 1),
)

BASE_SEVERITY: dict[str, Severity] = {
    Category.PRIVACY_BREACH: Severity.HIGH,
    Category.OUTAGE: Severity.HIGH,
    Category.BILLING_ERROR: Severity.MEDIUM,
    Category.RUDE_SERVICE: Severity.MEDIUM,
    Category.MISSED_DEADLINE: Severity.MEDIUM,
    Category.QUALITY_DEFECT: Severity.MEDIUM,
    Category.DAMAGED_ITEM: Severity.MEDIUM,
    Category.WRONG_ITEM: Severity.LOW,
    Category.LATE_DELIVERY: Severity.LOW,
    Category.OTHER: Severity.LOW,
}

_LARGE_AMOUNT = re.compile(r"(?:[$€£]\s?\d{1,3}(?:,\d{3})+|\d{3,}\s?万円|[¥￥]\s?\d{1,3}(?:,\d{3}){2,})")


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def detect_locale(text: str, default: str) -> str:
    return "ja" if _JAPANESE.search(text) else default


def _hits(text: str, words: tuple[str, ...]) -> int:
    return sum(1 for w in words if normalise(w) in text)


def guess_category(norm: str) -> tuple[str, float]:
    scores = {cat: _hits(norm, words) for cat, words in CATEGORY_RULES.items()}
    best = max(scores, key=lambda c: scores[c])
    if scores[best] == 0:
        return Category.OTHER.value, 0.0
    total = sum(scores.values())
    return best.value, scores[best] / total


def guess_severity(norm: str, category: str) -> tuple[Severity, tuple[str, ...]]:
    base = BASE_SEVERITY.get(category, Severity.LOW)
    signals = [rule for rule in SEVERITY_SIGNALS if _hits(norm, rule.words)]
    if _LARGE_AMOUNT.search(norm):
        signals.append(Rule("large_amount", (), 1))
    weight = sum(rule.weight for rule in signals)
    return base.raised(int(weight)), tuple(rule.name for rule in signals)


def triage(text: str, *, default_locale: str = "en") -> Triage:
    norm = normalise(text)
    category, confidence = guess_category(norm)
    severity, signals = guess_severity(norm, category)
    return Triage(
        category=category,
        severity=severity,
        locale=detect_locale(text, default_locale),
        signals=signals,
        confidence=confidence,
    )
