"""Guess category, severity and the customer's language from a free-text report.

Plain, explainable rules: a staffer must be able to see why Owabi guessed what it did and
correct it in one click. Reports are typed in a hurry ("cust got wrong sz shoes",
"deliverey late agn", "請求書の金額まちがえた"), so the text is first repaired:

1. NFKC + lower case, so full-width Latin and half-width kana match too.
2. English: apostrophes dropped ("didn't" → "didnt"), shorthand expanded from a table
   ("sz" → "size"), and misspellings snapped to a known keyword when they are one edit away
   ("deliverey") or share its consonants ("dlvry", "overchrgd").
3. Japanese: common words typed in kana are mapped to their kanji ("おくれ" → "遅れ").

Then every category scores the weighted keywords it finds; the highest score wins and ties
go to the earlier category in the table. Severity starts from the category's usual level
and moves by the summed weight of signals (injury, allergy, legal threat, press, VIP,
repeated failure, large amounts, many people affected…), whose names are returned so the
reporter sees why.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from bot.domain.model import Category, Severity, Triage

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")

Keyword = tuple[str, float]

# English keywords are regular expressions matched at a word start on the repaired text;
# keywords containing Japanese are plain substrings. Weight = how sure the word makes us.
CATEGORY_KEYWORDS: dict[Category, tuple[Keyword, ...]] = {
    Category.PRIVACY_BREACH: (
        ("privacy", 3), ("personal (data|info|details)", 3), ("gdpr", 3), ("data breach", 3),
        ("cc(d|ed)?\\b", 3), ("bcc", 3), ("wrong (email|e-mail|recipient|person|clinic)", 3),
        ("to the wrong (email|address|person|recipient|customer|clinic)", 2),
        ("(customer|client|patient|member|applicant)s? ?\\w? ?(file|record|details|data|info"
         "|address|phone number|number|invoice|quote|passport|order slip|account)\\b", 2),
        ("(emailed|sent|faxed|posted|mailed|forwarded) .{0,40}to (another|a different|other"
         "|the wrong|customer [a-z]\\b|client [a-z]\\b)", 2),
        ("(customer|client|email|mailing|member|patient) (list|database)", 3),
        ("database", 2), ("spreadsheet", 1), ("passport", 2), ("bank details", 2),
        ("medical records?", 2), ("records?\\b", 1),
        ("leak\\w* (of )?(data|details|info|list|emails?|records|addresses|numbers)", 3),
        ("(data|details|info|list|records) (leak|was leaked)", 3), ("exposed", 2),
        ("publicly", 2), ("visible", 1.5), ("may have seen", 1.5), ("read out", 1.5),
        ("gave out", 2), ("claiming to be", 2), ("unencrypted|not encrypted", 2),
        ("stolen", 1), ("faxed", 1), ("address", 1), ("phone number", 1), ("details", 1),
        ("個人情報", 3), ("漏洩", 3), ("漏えい", 3), ("流出", 3), ("誤送信", 3),
        ("顧客情報", 3), ("顧客リスト", 3), ("顧客データ", 3), ("名簿", 3), ("cc", 2),
        ("本人確認", 3), ("カルテ", 2), ("見える状態", 2), ("住所を教え", 2), ("口座情報", 2),
        ("宛先", 2), ("宛名", 1.5), ("情報", 1.5), ("データ", 1.5), ("送信", 1), ("郵送", 1),
        ("履歴書", 1.5), ("見積書を", 1), ("社外", 1.5), ("usb", 1),
    ),
    Category.OUTAGE: (
        ("outage", 3), ("down\\b", 2), ("offline", 2), ("crash", 2), ("unavailable", 2),
        ("not working", 1), ("cant (log ?in|book|reach|access|connect|pay|order)", 1.5),
        ("log ?in", 1.5), ("not going out", 1.5), ("went dark", 2), ("slow", 1),
        ("(site|website|app|portal|server|system|terminal|card reader|pos|till|wifi"
         "|wi-fi|network|phones|phone line|booking site|online shop|checkout page)\\b", 1),
        ("orders failed", 2), ("error page", 2),
        ("障害", 3), ("ダウン", 3), ("つながらな", 2), ("繋がらな", 2), ("落ちて", 2),
        ("落ちた", 2), ("停止", 2), ("ログインでき", 3), ("使えな", 1.5), ("重くて", 1.5),
        ("開かな", 1.5), ("システム", 1.5), ("サーバ", 2), ("アプリ", 1), ("サイト", 1),
        ("ネット", 1), ("wi-fi", 1.5), ("wifi", 1.5), ("止まって", 1), ("レジ", 0.5),
    ),
    Category.BILLING_ERROR: (
        ("overcharg", 3), ("double (charg|bill)", 3), ("charged", 2), ("charge", 1.5),
        ("billed", 2), ("bill\\b", 1.5), ("billing", 2), ("invoice", 2), ("refund", 2),
        ("receipt", 1.5), ("price", 1.5), ("discount", 1.5), ("rang up", 2),
        ("(vat|tax)\\b", 1), ("payment", 1.5), ("paid", 1.5), ("renewal", 2), ("fee", 1),
        ("wrong (amount|price|total|charge|invoice|bill)", 3), ("\\d+ ?x\\b", 1),
        ("till\\b", 0.5), ("checkout", 1), ("sale price", 2), ("full price", 2),
        ("請求", 3), ("二重", 1.5), ("課金", 2), ("金額", 2), ("返金", 2), ("領収", 2),
        ("割引", 2), ("料金", 2), ("消費税", 2), ("会計", 1), ("引かれ", 1.5), ("振込", 2),
        ("代金", 2), ("値段", 2), ("価格", 2), ("ポイント", 0.5),
    ),
    Category.DAMAGED_ITEM: (
        ("damage", 2), ("broke", 2), ("smashed", 2), ("shatter", 2), ("crack", 2),
        ("crushed", 2), ("dent", 2), ("scratch", 2), ("torn", 1.5), ("ripped", 1.5),
        ("dropped", 1.5), ("hole in", 2), ("in pieces", 2), ("chipped", 1.5),
        ("leaked (all over|onto|into)", 2), ("soaked|wet box", 1.5),
        ("破損", 3), ("壊", 2), ("割れ", 2), ("割って", 2), ("つぶれ", 2), ("潰れ", 2),
        ("へこ", 2), ("凹", 2), ("傷", 2), ("穴", 2), ("ヒビ", 2), ("ひび", 2), ("破い", 2),
        ("破れ", 2), ("欠け", 2), ("濡れ", 1.5), ("だめになっ", 1.5),
    ),
    Category.WRONG_ITEM: (
        ("wrong (size|colou?r|item|dish|order|model|one|bag|part|prescription|product"
         "|flavou?r|meds|medication|shoes|thing|version|parcel|cake|drink|meal)", 3),
        ("instead of", 2), ("mixed up|mix-?up|got mixed", 2), ("swapped", 2),
        ("someone else (order|parcel|bag|suit|item|package|shopping)", 3),
        ("someone else", 1.5), ("missing (item|from the order|one)", 2),
        ("short one", 2), ("ordered .{1,30}\\bgot\\b", 2), ("asked for .{1,30}\\bgot\\b", 2),
        ("wrong", 1), ("vegetarian|vegan|decaf|halal", 1.5),
        ("違う", 2), ("違い", 1.5), ("取り違え", 3), ("誤配", 3), ("間違った商品", 3),
        ("別の商品", 3), ("入っていな", 2), ("別の方", 1.5), ("別のお客", 1.5),
        ("他のお客", 1.5), ("型番", 1.5), ("間違えて送", 2), ("間違", 1), ("サイズ", 1),
        ("ベジタリアン", 1.5), ("取り間違", 3),
    ),
    Category.LATE_DELIVERY: (
        ("late\\b", 2), ("delay", 2), ("overdue", 2),
        ("(not|never|hasnt|didnt|still not|wasnt) (arrived?|delivered|come|came|turned up)", 2),
        ("didnt (arrive|come)", 2), ("never showed", 1.5), ("arrived after", 1.5),
        ("stuck in", 1.5), ("depot", 1.5), ("in transit", 1.5), ("rescheduled", 1.5),
        ("courier", 1), ("tracking", 1), ("shipped", 0.5), ("deliver", 0.5),
        ("parcel|package", 0.5), ("nobody came|no one came|no-show", 1.5),
        ("not received", 1), ("old address", 1),
        ("遅延", 2), ("遅れ", 2), ("遅く", 1), ("届かな", 2), ("届いていな", 2), ("届かず", 2),
        ("まだ届", 2), ("届い", 1), ("配達", 1), ("配送", 1.5), ("お届け", 1), ("発送", 0.5),
        ("納品", 1.5), ("待ちぼうけ", 1.5), ("配達でき", 2), ("指定時間", 1.5), ("再配達", 1.5),
        ("間に合わ", 1), ("荷物", 0.5),
    ),
    Category.MISSED_DEADLINE: (
        ("deadline", 3), ("forgot", 1.5), ("call ?back", 2), ("promised", 1),
        ("quote\\b", 1.5), ("proposal", 1.5), ("report\\b", 1), ("not (ready|done|filed)", 2),
        ("(werent|wasnt|isnt) ready", 2), ("filed", 1), ("(submitted|filed|sent) late", 2),
        ("paperwork", 1), ("slipped", 2), ("(havent|not|didnt|never) (replied|responded)", 2),
        ("still not (done|finished|fixed)", 2), ("in time", 1), ("by (eod|end of day)", 1.5),
        ("due date", 3), ("launch", 1), ("contract", 1),
        ("締め切り", 3), ("締切", 3), ("期限", 3), ("納期", 3), ("忘れ", 2), ("折り返し", 3),
        ("約束", 1), ("提出", 2), ("延期", 2), ("見積", 1), ("報告書", 1.5), ("レポート", 1.5),
        ("申請", 1), ("今日中", 1), ("間に合わ", 1),
    ),
    Category.RUDE_SERVICE: (
        ("rude", 3), ("snapped", 2), ("shouted", 2), ("yelled", 2), ("swore|swearing", 2),
        ("ignored", 2), ("rolled (her|his|their|my)? ?eyes", 2), ("dismissive", 2),
        ("not my problem", 3), ("short with", 2), ("humiliat", 2), ("offended", 1.5),
        ("joke about", 2), ("sarcastic", 2), ("hung up", 2), ("impolite", 3),
        ("attitude", 2), ("disrespect", 2), ("condescending", 2), ("raised (my|his|her) voice", 2),
        ("失礼", 2), ("態度", 2), ("無視", 2), ("怒鳴", 3), ("横柄", 3), ("言い方", 2),
        ("きつ", 1), ("ため息", 2), ("笑って", 1.5), ("と言ってしま", 1.5), ("接客", 1.5),
        ("暴言", 3), ("舌打ち", 2), ("不愛想", 2), ("無愛想", 2),
    ),
    Category.QUALITY_DEFECT: (
        ("defect", 3), ("faulty", 3), ("stopped working", 2), ("doesnt work", 2),
        ("(hair|glass|bug|insect|fly|plastic|metal|stone|bone) in (the|my|her|his|their|a)?",
         3), ("something (hard|sharp) in", 3), ("foreign object", 3), ("tasted off", 3),
        ("undercooked|raw chicken|cold food", 3), ("mou?ld", 3), ("stale", 2),
        ("uneven", 2), ("stain", 2), ("typo|misprint", 3), ("peeling", 2), ("leak", 1.5),
        ("after (a|one|two|\\d+) (day|week|month)s?", 2),
        ("first time (she|he|they|i|we)? ?(used|wore|tried|opened|turned)", 2.5),
        ("(not|hadnt been|wasnt) cleaned|dirty", 2), ("nut[- ]free|gluten[- ]free", 2),
        ("quality", 2), ("print run", 1.5),
        ("不良", 3), ("不具合", 3), ("異物", 3), ("混入", 3), ("髪の毛", 3), ("品質", 2),
        ("故障", 2), ("動かな", 2), ("止まった", 1.5), ("食中毒", 3), ("カビ", 3),
        ("水漏れ", 2), ("左右で", 2), ("カット", 1), ("印刷", 2), ("誤植", 3), ("不使用", 2),
        ("汚れ", 2), ("生焼け", 3), ("腐", 3),
    ),
    Category.OTHER: (
        ("slipped|tripped|fell\\b", 3), ("lost (the|a|her|his|their)", 1.5),
        ("cancell?ed by mistake", 2), ("wrong (directions|advice|information|info)", 2),
        ("towed", 2), ("wet floor", 2),
        ("転倒", 3), ("紛失", 1.5), ("誤ってキャンセル", 2), ("撤去", 2),
    ),
}

# Common shorthand in hurried reports, expanded before matching.
SHORTHAND: dict[str, str] = {
    "cust": "customer", "custs": "customers", "sz": "size", "agn": "again", "pkg": "package",
    "pkgs": "packages", "dlvry": "delivery", "inv": "invoice", "recvd": "received",
    "rcvd": "received", "w/": "with", "b/c": "because", "2x": "twice", "dmgd": "damaged",
    "chrgd": "charged", "acct": "account", "appt": "appointment", "mgr": "manager",
    "msg": "message", "eod": "end of day", "hrs": "hours", "mins": "minutes", "wk": "week",
    "tmrw": "tomorrow", "yday": "yesterday", "qty": "quantity", "amt": "amount",
    "dept": "department", "2": "to", "dwn": "down", "thx": "thanks", "cx": "customer",
}

# Words a misspelling may be snapped to (besides the plain words in the keyword table).
EXTRA_WORDS: tuple[str, ...] = (
    "delivery", "delivered", "received", "charged", "overcharged", "damaged", "invoice",
    "refund", "customer", "package", "deadline", "again", "broken", "cracked", "arrived",
    "colour", "color", "size", "wrong", "late", "order", "shipped", "prescription",
)

KANA: dict[str, str] = {
    "おくれ": "遅れ", "はいそう": "配送", "はいたつ": "配達", "まちが": "間違",
    "せいきゅう": "請求", "へんきん": "返金", "こわれ": "壊れ", "わすれ": "忘れ",
    "しめきり": "締め切り", "のうき": "納期", "こしょう": "故障", "ふぐあい": "不具合",
    "こじんじょうほう": "個人情報", "ろうえい": "漏えい", "はそん": "破損",
}


@dataclass(frozen=True, slots=True)
class Signal:
    """Something in a report that makes it more (or less) serious than its category."""

    name: str
    weight: float
    words: tuple[str, ...]


SEVERITY_SIGNALS: tuple[Signal, ...] = (
    Signal("injury", 3, (
        "injur", "hurt", "hospital", "ambulance", "bleeding", "burn", "chipped a tooth",
        "felt sick", "food poisoning", "vomit", "unconscious", "怪我", "けが(を|し|人|$)",
        "(を|に)けが", "ケガ", "病院",
        "救急", "火傷", "やけど", "食中毒", "症状", "転倒", "嘔吐")),
    Signal("allergy", 3, ("allerg", "anaphyla", "epipen", "アレルギー")),
    Signal("medication", 2, ("medication", "meds\\b", "pill", "tablet", "dose", "薬", "錠")),
    Signal("safety", 1, ("glass", "metal", "sharp", "ガラス", "金属", "刃", "カビ", "mou?ld")),
    Signal("legal", 1.5, (
        "lawyer", "sue\\b", "suing", "legal", "solicitor", "court", "police", "ombudsman",
        "consumer (centre|center|agency)", "trading standards", "regulator", "penalty",
        "弁護士", "訴", "警察", "法的", "消費者センター", "消費生活センター", "延滞税")),
    Signal("press", 1.5, ("press\\b", "journalist", "newspaper", "local paper", "reporter",
                          "tv crew", "マスコミ", "記者", "炎上", "報道")),
    Signal("social_media", 1, (
        "twitter", "tweet", "social media", "viral", "instagram", "insta\\b", "tiktok",
        "posting it", "posted a", "post about", "online review", "followers", "influencer",
        "recorded", "sns", "ツイート", "口コミ", "レビュー", "動画", "拡散")),
    Signal("vip", 1, (
        "vip", "ceo\\b", "cfo\\b", "biggest (client|account|customer)", "key account",
        "top client", "major client", "mayor", "celebrity", "大口", "重要顧客", "社長", "役員",
        "常連")),
    Signal("repeat", 1, (
        "again", "second time", "third time", "\\d(st|nd|rd|th) time", "\\d+ times",
        "repeatedly", "keeps happening", "third delay", "また(?![、,])", "再度", "二回目",
        "2回目", "3回目", "三回目", "何度も", "度目", "再び")),
    Signal("business_impact", 1, (
        "production line", "line stopped", "lost sales", "lost the deal", "board meeting",
        "their (business|shop|customers)", "application rejected", "生産ライン", "業務に影響",
        "損失",
        "営業できな")),
    Signal("big_day", 1, ("wedding", "funeral", "結婚式", "葬", "告別式", "式に")),
    Signal("vulnerable", 1, (
        "elderly", "child\\b", "kid\\b", "baby", "wheelchair", "pregnant", "disabled",
        "高齢", "子ども", "子供", "お年寄り", "妊婦", "車椅子", "車いす")),
    Signal("discrimination", 1, ("accent", "racist", "joke about", "なまり", "差別")),
    Signal("scale", 1, (
        "everyone", "all (\\d+ )?(customers|users|guests|stores|members|clients)",
        "\\d{2,} (customers|orders|people|guests|members|users|clients|records)",
        "hundreds", "thousands", "whole (site|store|system)", "database", "client list",
        "customer list", "email list", "mailing list", "全店", "全員", "全社", "多数",
        "\\d{2,}名", "\\d{2,}件", "一斉", "名簿", "顧客リスト", "万枚", "\\d,\\d{3} ",
        "\\d+ (litres|liters|kg|boxes|units|pallets|cases)")),
    Signal("distress", 0.5, (
        "furious", "angry", "livid", "upset", "complain", "devastated", "humiliat",
        "激怒", "お怒り", "怒って", "怒らせ", "クレーム", "不満")),
    Signal("minor", -1, ("minor", "slight", "a little", "少し", "ちょっと", "軽微", "わずか")),
)

BASE_SEVERITY: dict[str, Severity] = {
    Category.PRIVACY_BREACH: Severity.HIGH,
    Category.OUTAGE: Severity.MEDIUM,
    Category.BILLING_ERROR: Severity.MEDIUM,
    Category.RUDE_SERVICE: Severity.MEDIUM,
    Category.MISSED_DEADLINE: Severity.MEDIUM,
    Category.QUALITY_DEFECT: Severity.MEDIUM,
    Category.DAMAGED_ITEM: Severity.MEDIUM,
    Category.WRONG_ITEM: Severity.LOW,
    Category.LATE_DELIVERY: Severity.LOW,
    Category.OTHER: Severity.LOW,
}

_LARGE_AMOUNT = re.compile(
    r"[$€£]\s?\d{1,3}(?:,\d{3})+|[$€£]\s?\d{4,}|\d+\s?万円|[¥]\s?\d{1,3}(?:,\d{3}){2,}"
    r"|\d+\s?x (?:what|the)|一桁"
)
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*/?")
_VOWELS = re.compile(r"[aeiou]")


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def detect_locale(text: str, default: str) -> str:
    return "ja" if _JAPANESE.search(text) else default


def _is_japanese(word: str) -> bool:
    return _JAPANESE.search(word) is not None


_LATIN_EDGE = "(?<![a-z0-9])"  # \b treats kana as word characters; "にbcc" must still match


@cache
def _pattern(word: str) -> re.Pattern[str]:
    if _is_japanese(word[0]):
        return re.compile(word)
    source = re.sub(r"\\b(?=[a-z(])", _LATIN_EDGE.replace("\\", "\\\\"), word)
    return re.compile(_LATIN_EDGE + "(?:" + source.replace("\\b", "(?![a-z0-9])") + ")")


@cache
def _vocabulary() -> frozenset[str]:
    words = set(EXTRA_WORDS)
    for keywords in CATEGORY_KEYWORDS.values():
        for source, _ in keywords:
            plain = re.sub(r"\\[a-z]", " ", source)
            words.update(re.findall(r"(?<![a-z])[a-z]{4,}(?![a-z?])", plain))
    return frozenset(words)


def _one_edit(a: str, b: str) -> bool:
    """True when a and b differ by one insertion, deletion, substitution or swap."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return (
        a[i + 1 :] == b[i + 1 :]
        or a[i + 1 :] == b[i:]
        or a[i:] == b[i + 1 :]
        or (a[i : i + 2] == b[i : i + 2][::-1] and a[i + 2 :] == b[i + 2 :])
    )


def _skeleton(word: str) -> str:
    return word[0] + _VOWELS.sub("", word[1:])


def _repair(token: str) -> str:
    """Expand shorthand, and snap a misspelt word to the keyword it was meant to be."""
    if token in SHORTHAND:
        return SHORTHAND[token]
    vocab = _vocabulary()
    known = (w for w in vocab if len(w) >= 5)
    if len(token) < 4 or not token.isalpha() or token in vocab or any(map(token.startswith, known)):
        return token
    for word in sorted(vocab):
        # a short word one letter off is too often another real word ("paint", "lunch")
        if len(token) >= 6 and _one_edit(token, word):
            return word
    skeleton = _skeleton(token)
    if len(skeleton) >= 3:
        for word in sorted(vocab):
            if len(word) >= len(token) + 2 and _skeleton(word) == skeleton:
                return word
    return token


def repaired(text: str) -> str:
    """The report as the rules read it (shown by `owabi triage` to explain a guess)."""
    norm = re.sub(r"['’]s\b", "", normalise(text)).replace("'", "").replace("’", "")
    for kana, kanji in KANA.items():
        norm = norm.replace(kana, kanji)
    return _WORD.sub(lambda m: _repair(m.group()), norm)


def _found(text: str, word: str) -> bool:
    return _pattern(word).search(text) is not None


def category_scores(text: str) -> dict[Category, float]:
    return {
        category: sum(weight for word, weight in keywords if _found(text, word))
        for category, keywords in CATEGORY_KEYWORDS.items()
    }


def guess_category(text: str) -> tuple[str, float]:
    scores = category_scores(text)
    best = max(scores, key=lambda c: scores[c])  # first in table order wins a tie
    if scores[best] <= 0:
        return Category.OTHER.value, 0.0
    return best.value, scores[best] / sum(scores.values())


def severity_signals(text: str) -> list[Signal]:
    found = [s for s in SEVERITY_SIGNALS if any(_found(text, w) for w in s.words)]
    if _LARGE_AMOUNT.search(text):
        found.append(Signal("large_amount", 1, ()))
    return found


def guess_severity(text: str, category: str) -> tuple[Severity, tuple[str, ...]]:
    base = BASE_SEVERITY.get(category, Severity.LOW)
    signals = severity_signals(text)
    weight = sum(s.weight for s in signals)
    steps = math.floor(weight) if weight >= 0 else -math.ceil(-weight)
    rank = min(max(base.rank + steps, 0), len(Severity) - 1)
    return list(Severity)[rank], tuple(s.name for s in signals)


def triage(text: str, *, default_locale: str = "en") -> Triage:
    fixed = repaired(text)
    category, confidence = guess_category(fixed)
    severity, signals = guess_severity(fixed, category)
    return Triage(
        category=category,
        severity=severity,
        locale=detect_locale(text, default_locale),
        signals=signals,
        confidence=confidence,
    )
