"""What the script needs from a report when it is there: name, reference, amounts, dates, the loss."""

from __future__ import annotations

import re

_REFERENCE = (
    re.compile(
        r"(?i)\b(?:order|booking|ticket|invoice|ref(?:erence)?|case|account|po|pnr|tracking|claim|job|"
        r"reservation|confirmation)\s*(?:no\.?|number|num|#|:)?\s*#?\s*([A-Z0-9][A-Z0-9/-]{3,})"
    ),
    re.compile(r"#\s?([A-Z0-9][A-Z0-9-]{2,})"),
    re.compile(r"\b([A-Z]{2,5}-?\d{3,}[A-Z0-9-]*)\b"),
    re.compile(
        r"(?:注文番号|予約番号|伝票番号|受付番号|管理番号|請求書番号|契約番号|問い合わせ番号|お問合せ番号|"
        r"番号|No\.?)\s*[:：]?\s*([A-Za-z0-9][A-Za-z0-9-]{2,})"
    ),
)
_AMOUNT = (
    re.compile(r"[$£€¥￥]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:k|m|million|thousand))?"),
    re.compile(r"\d[\d,]*(?:\.\d+)?\s?(?:dollars|pounds|euros|bucks|yen|usd|gbp|eur|jpy)\b", re.IGNORECASE),
    re.compile(r"\d[\d,]*(?:\.\d+)?\s?(?:万|千)?円"),
    re.compile(r"\d+(?:\.\d+)?\s?万"),
)
_NAME = (
    re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Mx|Prof)\.?\s+[A-Z][a-zA-Z'’-]+(?:\s+[A-Z][a-zA-Z'’-]+)?"),
    re.compile(r"([一-龥ァ-ヶーA-Za-z]{1,8})(?:様|さま|さん|氏)"),
)
_NOT_NAMES = frozenset(
    {
        "お客",
        "客",
        "皆",
        "担当者",
        "先方",
        "お子",
        "奥",
        "旦那",
        "ご家族",
        "取引先",
        "皆さ",
        "お得意",
        "貴",
        "御",
        "店長",
        "部長",
        "課長",
        "社長",
        "上",
        "利用者",
        "患者",
        "お父",
        "お母",
        "保護者",
    }
)
_DATE = (
    re.compile(r"(?i)\b(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\b"),
    re.compile(r"(?i)\b(?:today|tonight|tomorrow|yesterday|this (?:morning|afternoon|evening|week)|next week)\b"),
    re.compile(r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b"),
    re.compile(r"(?i)\b\d{1,2}(?::\d{2})?\s?(?:am|pm)\b"),
    re.compile(r"\b\d{1,2}:\d{2}\b"),
    re.compile(
        r"\d{1,2}月\d{1,2}日|\d{1,2}日(?:\([月火水木金土日]\))?|[月火水木金土日]曜日?|明日|本日|今日|今夜|明後日|来週|今週|昨日|"
        r"\d{1,2}時(?:\d{1,2}分)?"
    ),
)
_LOSS = (
    re.compile(r"(?i)\bfor (?:her|his|their|the|a|my) [^.,;!?\n]{3,40}"),
    re.compile(r"(?i)\b(?:missed|ruined|spoiled|lost) (?:her|his|their|the) [^.,;!?\n]{3,40}"),
    re.compile(
        r"[^、。！？\n]{2,20}(?:に間に合わ(?:ず|なかった|ない)|が台無し|で恥をかい|恥をかかせ|を逃し|に使えな)[^、。！？\n]{0,8}"
    ),
    re.compile(r"「[^」]{2,30}」"),
)


def _all(patterns: tuple[re.Pattern[str], ...], text: str, *, group: int = 0) -> list[str]:
    found: list[str] = []
    for pattern in patterns:
        for m in pattern.finditer(text):
            value = (m.group(group) if pattern.groups and group else m.group(0)).strip()
            if value and not any(value in f or f in value for f in found):
                found.append(value)
    return found


def extract(text: str) -> dict[str, list[str]]:
    """Each kind of detail → what the text says, verbatim (empty kinds are left out)."""
    names = []
    for pattern in _NAME:
        for m in pattern.finditer(text):
            whole = m.group(0).strip()
            stem = m.group(1) if pattern.groups else whole
            if stem not in _NOT_NAMES and not stem.endswith(("お客", "の")) and whole not in names:
                names.append(whole)
    out = {
        "customer_name": names[:3],
        "reference": _all(_REFERENCE, text, group=1)[:3],
        "amount": _all(_AMOUNT, text)[:3],
        "date": _all(_DATE, text)[:3],
        "loss": _all(_LOSS, text)[:2],
    }
    return {k: v for k, v in out.items() if v}
