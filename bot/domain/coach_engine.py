"""The coach: judges an apology draft the way a service-recovery trainer would.

Three verdicts a staffer can act on:
- **ready** — nothing in it would hurt, and it has what this situation needs;
- **fix** — something would hurt (blame, a conditional, a policy shield, minimising, an
  over-promise, a bribe, a review request, excuses first, passive evasion, the wrong
  register, invented facts, no apology at all): at most three findings, most harmful first,
  each pointing at the sentence, saying why in one line and offering a rewrite;
- **stronger** — nothing hurts, but an element the situation needs is missing.

Never "ready" while a finding stands. What a situation needs follows data/corpus/LABELLING.md:
every apology needs regret, responsibility and repair; empathy from medium up; explanation and
prevention from high up or when written to a business; follow-up from high up; the four notice
elements for personal data. A short in-person apology for a low slip needs no prevention plan.

The judgement is learnt (an injected model: which sentence carries which problem, which
elements the draft has); explicit rules cover what a model cannot see — the order of excuse and
apology, the register a business customer expects, facts the incident does not support.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from bot.domain.triage.lexicon import normalise

# Most harmful first: the order findings are shown in.
PROBLEMS = (
    "no_apology",
    "blame_customer",
    "bribe",
    "conditional",
    "blame_colleague",
    "blame_third_party",
    "policy_shield",
    "minimising",
    "excuse_first",
    "over_promise",
    "review_request",
    "invented_facts",
    "passive_evasion",
    "wrong_register",
)
ELEMENTS = ("regret", "responsibility", "empathy", "explanation", "repair", "prevention", "follow_up", "notice")
MAX_FINDINGS = 3
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_SENTENCE = re.compile(r"[^.!?。！？\n]+[.!?。！？]*")
REGRET = {
    "en": re.compile(r"\b(sorry|apologi[sz](e|ing|ed)|apologies|apology|regret)"),
    "ja": re.compile(r"(申し訳|お詫び|おわび|すみません|すいません|ごめん|失礼いたしました|陳謝)"),
}
CASUAL = {
    "en": re.compile(
        r"(\bmy bad\b|\boops\b|\bno worries\b|!!|\blol\b|\bhaha\b|:\)|\bguys\b|\bsuper sorry\b|"
        r"\bcheers\b|\bmate\b|\bfaff\b|\bgutted\b|\bproper nightmare\b|\bno biggie\b)"
    ),
    "ja": re.compile(
        r"(ごめんなさい|ごめんね|すいません|ちゃい(ました|まして)|じゃん|っす|[!！]|w{2,}|"
        r"(?<![0-9０-９時分])〜)"
    ),
}
# Money, clock times, durations, shares, weekdays and dates a draft states as fact (checked
# against the incident). Matched on folded text; a number may be digits, kanji or English words.
# Counts ("two of us will check") are left out: drafts use them for what we will do, not as facts.
_WORD_NUMBERS = dict(
    one=1, two=2, three=3, four=4, five=5, six=6, seven=7, eight=8, nine=9, ten=10, eleven=11, twelve=12,
    fifteen=15, twenty=20, thirty=30, forty=40, fifty=50, sixty=60, seventy=70, eighty=80, ninety=90,
)  # fmt: skip
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_WORDS = "|".join(_WORD_NUMBERS)
# One number, whole: 1,200 · 5千 · 1,200万 · 三千二百四十 · twenty-five · three hundred.
_NUMBER = re.compile(
    r"\d+(?:,\d{3})*(?:\.\d+)?(?:\s?[千万])?|[〇一二三四五六七八九十百千万]+"
    rf"|\b(?:(?:{_TENS})-)?(?:{_WORDS})(?: (?:hundred|thousand))?\b"
)
_N = f"(?:{_NUMBER.pattern})"
_DATE = r"\b\d{1,2}(?:st|nd|rd|th)? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*|\d{1,2}月\d{1,2}日"
_FIGURE = re.compile(
    r"([$£€¥]\s?\d(?:[\d,.]*\d)?|" + _N + r"\s?(?:円|万円|yen|dollars|pounds|euros|quid)"
    r"|\d{1,2}:\d{2}|\d{1,2}\s?(?:am|pm)\b"
    # 一時 alone is "for a while" (一時的に), not one o'clock.
    r"|(?:\d{1,2}|(?!一時)[一二三四五六七八九十]{1,3})時(?!間|的|点|期|代)"
    r"|\b" + _N + r"[- ](?:minutes?|mins?|hours?|hrs?)\b|" + _N + r"\s?(?:分(?!の|野|か|け)|時間半?)"
    r"|\d(?:[\d.]*\d)?\s?%|" + _N + r"\s?(?:パーセント|割(?!引|れ|り|高|安))"
    r"|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|[月火水木金土日]曜|" + _DATE + ")"
)
_ORDINAL = re.compile(r"(?<=\d)(st|nd|rd|th)\b")
_KANJI_DIGITS = {c: k for k, c in enumerate("〇一二三四五六七八九")}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}


def _kanji_number(text: str) -> int:
    """一万二千三百 → 12300 (the numerals a Japanese draft spells out)."""
    total, section, digit = 0, 0, 0
    for char in text:
        if char in _KANJI_DIGITS:
            digit = _KANJI_DIGITS[char]
        elif char in _KANJI_UNITS:
            section += (digit or 1) * _KANJI_UNITS[char]
            digit = 0
        elif char == "万":
            total += (section + digit or 1) * 10000
            section, digit = 0, 0
    return total + section + digit


def _value(token: str) -> float:
    """The value of one number as `_NUMBER` matches it."""
    if token[0].isdigit():
        scale = 1000 if token.endswith("千") else 10000 if token.endswith("万") else 1
        return float(token.rstrip("千万 ").replace(",", "")) * scale
    if not token[0].isascii():
        return float(_kanji_number(token))
    words = token.replace("-", " ").split()
    value = sum(_WORD_NUMBERS.get(w, 0) for w in words)
    for w in words:
        value *= {"hundred": 100, "thousand": 1000}.get(w, 1)
    return float(value)


def numbers(text: str) -> set[float]:
    """Every number a text states, each whole, however it is written (30,000円 and 3万円 are one)."""
    text = re.sub(r"(\d+)時間半", lambda m: f"{m[1]}.5時間", text)
    return {_value(m.group(0)) for m in _NUMBER.finditer(text)}


_MONEY_OR_SHARE = re.compile(r"[$£€¥%]|円|yen|dollars|pounds|euros|quid|パーセント|割")
# What we will do ("I'll be back in five minutes") and a rule we now keep (「一時間ごとに確かめる」)
# set their own times: a plan, not facts about the incident. Money (or a share) is never a plan.
_OUR_PLAN = re.compile(
    r"\b(every|each|from (now|today|this week|next week)|give me|let me|i'll|we'll|i will|we will|"
    r"our rule|new rule|(can|could|may) i)\b|ごとに|毎|ずつ|決まり|ルール|手順|運用|お待ちください|頂戴|いただけ"
)
# A line that says when we can be reached: its times are ours to give.
_OPENING_HOURS = re.compile(
    r"(平日|土日祝?|受付時間|営業時間|お問い合わせ(先|窓口)?[:：]|電話[:：]|\btel\b|opening hours|office hours|"
    r"\blines are open\b|we're open|monday to friday|mon\s?[-–]\s?fri)"
)
# A weekday in a sentence about what happened is the staffer's own knowledge of the day; only one
# that says when something will be is a claim the incident must back.
_WEEKDAY = re.compile(r"day$|曜")
_AHEAD = re.compile(r"\b(will|'ll|due|expected|going to|should (be|arrive|reach))\b|見込み|予定|までに|届きます")


def _spans(text: str) -> set[float]:
    """Hours and minutes between the clock times a text gives ("from 7pm to 10pm" is three hours)."""
    hours = []
    for h, m, half in re.findall(r"\b(\d{1,2})(?::(\d{2}))?\s?(am|pm)?\b", text):
        if not (half or m):
            continue  # a bare number is not a time
        hour = int(h) % 12 + (12 if half == "pm" else 0) if half else int(h)
        hours.append(hour + int(m or 0) / 60)
    for h, m, half in re.findall(r"(\d{1,2})時(?!間)(?:(\d{1,2})分|(半))?", text):
        hours.append(int(h) + (int(m) / 60 if m else 0.5 if half else 0))
    gaps = {min(abs(a - b), 24 - abs(a - b)) for a in hours for b in hours if a != b}  # 11pm to 2am is 3 hours
    return gaps | {round(g * 60) for g in gaps}


@lru_cache(maxsize=64)
def _summary_figures(summary: str) -> tuple[str, frozenset[float], frozenset[float]]:
    """The summary folded, every number it states or implies, and its money: read once per
    incident, not once per sentence of the draft."""
    known = normalise(summary)
    stated = numbers(known) | _spans(known)
    # 20時 is 8時 in the evening, 14:00 is 2pm.
    stated |= {float(int(h) - 12) for h in re.findall(r"(?<!\d)(1[3-9]|2[0-3])(?=時|:\d\d)", known)}
    money = {v for m in _FIGURE.finditer(known) if _MONEY_OR_SHARE.search(m.group(0)) for v in numbers(m.group(0))}
    return known, frozenset(stated), frozenset(money)


def invented_figures(sentence: str, summary: str) -> list[str]:
    """Figures a sentence states that the incident's summary does not, compared by value (5千円 is
    五千円 is 5,000円), money and shares against the summary's own; dates and days by name."""
    known, stated, money = _summary_figures(summary)
    folded = normalise(sentence)
    plan = bool(_OUR_PLAN.search(folded))
    out = []
    for match in _FIGURE.finditer(folded):
        figure = match.group(0)
        if figure == "十分":  # "enough" far more often than ten minutes
            continue
        values = numbers(figure)
        if re.fullmatch(_DATE, figure) or not values:
            bare = _ORDINAL.sub("", figure)  # the 3rd of March is 3 March
            if re.search(rf"(?<![a-z0-9]){re.escape(bare)}(?![a-z0-9])", _ORDINAL.sub("", known)):
                continue
        elif values <= (money if _MONEY_OR_SHARE.search(figure) else stated):
            continue
        elif _MONEY_OR_SHARE.search(figure) and all(any(abs(v - m) < 1 for m in money) for v in values):
            continue  # £86 for £86.40: rounded (or cut at the point by the sentence split), not invented
        if plan and not _MONEY_OR_SHARE.search(figure):
            continue
        if _OPENING_HOURS.search(folded) and not _MONEY_OR_SHARE.search(figure):
            continue  # 「お問い合わせ：平日9時〜18時」 says when to call, not what happened
        if _WEEKDAY.search(figure) and not _AHEAD.search(folded):
            continue
        out.append(figure)
    return out


# Circumstances (busy, demand, weather, staffing, a system change): before the apology they read as an
# excuse. Owning our own mistake first ("we sent it to the wrong address") is not one.
_REASON = {
    "en": re.compile(
        r"\b(busy|busiest|rush|slammed|hectic|swamped|short[- ]staffed|understaffed|"
        r"staff shortages?|high (demand|volume)|(demand|volume) (was|has been)|unprecedented|"
        r"weather|snow|storm|strike|"
        r"peak (season|week)|heaviest|(software|system) (update|upgrade|change|migration)|"
        r"following (a|an|the) (software|system)|new (app|system) (update|rollout))\b"
    ),
    "ja": re.compile(
        r"(重なり|重なって|追われ|手が回ら|混み合|繁忙|多忙|人手不足|大雪|台風|悪天候|"
        r"システム(の)?(更新|切り替え|移行|変更)|仕様変更|急な|立て込ん|バタバタ)"
    ),
}
# Greetings, names and thanks that may open a message before the apology without excusing anything.
_OPENING = {
    "en": re.compile(
        r"^(dear|hi|hello|good (morning|afternoon|evening)|thank you for|thanks for|this is|"
        r"my name is|i'?m [a-z]+ (from|at)|re:|subject)"
    ),
    "ja": re.compile(
        r"(お世話になっております|でございます。?$|と申します|お問い合わせいただき|ご連絡いただき|"
        r"ありがとうございます|様$|御中$|^件名)"
    ),
}
# The incident says the cause (or a fact) is not known yet; a draft that states one invents it.
_UNKNOWN = {
    "en": re.compile(
        r"(not (yet )?(known|located|confirmed|clear|established)|still (being )?"
        r"(investigat|assess|check|confirm|look|calculat)|under investigation|being investigated|"
        r"unknown|unclear|no cause|cause (is )?(not|un))"
    ),
    "ja": re.compile(
        r"(調査中|確認中|未確認(?!のまま)|不明|評価中|分からない|わからない|"
        r"分かっていない|特定できていない|検討中)"
    ),
}
# A cause the incident says is not known yet: only then is a stated cause invented.
_CAUSE_UNKNOWN = {
    "en": re.compile(
        r"((cause|why|reason)[^.]{0,40}(not (yet )?(known|clear|established|confirmed)|"
        r"unknown|"
        r"unclear|(being|still being|under) investigat|still (being )?(checked|looked))|"
        r"no cause|cause (is )?(not|un))"
    ),
    "ja": re.compile(
        r"原因[^。]{0,15}(調査中|確認中|不明|未確認|分かっていない|わからない|"
        r"特定できていない|未特定)"
    ),
}
_STATES_CAUSE = {
    "en": re.compile(r"(caused by|was due to|the cause (was|is)|turned out)"),
    "ja": re.compile(r"(原因は|が原因|によるものでございます)"),
}
_ASSERTS = {
    "en": re.compile(
        r"(caused by|was due to|the cause (was|is)|turned out|has been (located|found|fixed|"
        r"resolved)|we('ve| have) (confirmed|established|found)|our records show|"
        r"(is|was) (minimal|negligible|minor)|no (impact|effect|risk))"
    ),
    "ja": re.compile(
        r"(原因は|と判明|が原因|分かっております|判明しております|確認できました|"
        r"によるものでございます|"
        r"軽微|影響はございません|問題はございません)"
    ),
}
# Someone outside the team named as the cause: blame passed on, unless the same sentence owns it
# ("we chose that courier, so it is on us").
_THIRD_PARTY = {
    "en": re.compile(
        r"\b(courier|carrier|haulier|haulage|driver|rider|delivery (company|firm|partner)|"
        r"post office|royal mail|ups|fedex|dhl|supplier|wholesaler|vendor|manufacturer|maker|"
        r"factory|distributor|contractor|subcontractor|agency|provider|partner|"
        r"bank(?! fees| charges| account)|"
        r"payment (processor|provider|gateway)|third[- ]party|the (airline|hotel|lab|"
        r"landlord|council|insurer)|their (crew|team|staff|engineers?|technicians?)|"
        r"(the|a|their) (\w+ )?(firm|company|repair centre|crew)|the (hospital|clinic|broker|platform)'s)\b"
    ),
    "ja": re.compile(
        r"(運送会社|配送業者|配送会社|宅配便|宅配業者|運送業者|ドライバー|配達員|"
        r"仕入先|仕入れ先|"
        r"問屋|卸|(?<![ァ-ヶー])メーカー|委託先|代行会社|運営会社|協力会社|(?<!作)業者|提携先|取引銀行|"
        r"システム会社|ベンダー|先方の)"
    ),
}
_CAUSED = {
    "en": re.compile(
        r"(\b(was|were) (unable|late|delayed)|\bdidn'?t\b|\bfailed\b|\bcouldn'?t\b|"
        r"\bmust have\b|\bdelayed\b|\bmixed up\b|\blost\b|\bdamaged\b|\bcaused\b|"
        r"\bdue to\b|\bbecause of\b|\b(their|its) (error|mistake|fault|system|side)\b|"
        r"\bhaven'?t\b|\bon their end\b|\bout of our hands\b|"
        r"\b(sent|dispatched|shipped|delivered|packed|gave|supplied) (us |you )?(the |a )?wrong\b|"
        r"\bskipped\b|\b(their \w+|they) should have\b|\blet us down\b|\b(didn'?t|never) turn(ed)? up\b|\bno[- ]show\b|"
        r"\b(fault|problem|issue|error) (was|lay|lies|is) (with|on|at)\b|\bcontrolled by\b|\bheld on to\b|"
        r"\b(very|really|so|awfully) slow\b|\bawful\b|\bthrew\b|\b(sent|passed) [^.]{0,30}\blate\b|"
        r"\bnot us\b)"
    ),
    "ja": re.compile(
        r"(原因|によるもの|のせい|都合で|遅れ|障害|不具合|ミス|取り違え|手違い|"
        r"破損|ございまして|ため|ので|みたい|だと思|かもしれ|と考えられ)"
    ),
}
_OWNS = {
    "en": re.compile(
        r"(\bon us\b|\bour (mistake|error|fault|responsibility|failure)\b|\b(we|i) should have\b|"
        r"\bwe chose\b|\bwe take (full )?responsibility\b|\bthat'?s on me\b|\bmy (mistake|error|"
        r"fault)\b|\bwe('re| are) responsible\b|\bnot an excuse\b|\bno excuse\b|\bby us\b|"
        r"\bour (own )?(driver|rider|van|warehouse|team|staff|factory|engineer|software|system|"
        r"portal|app|website|site|booking (page|system)|scanner|yard|depot)s?\b|"
        r"\bnot (anything|something) you\b|"
        r"\bwe (moved|sent|dispatched|changed|left|picked|set|booked|scheduled|planned|decided)\b|"
        r"\b(is|was|were) (all )?ours\b|\bour (decision|call|choice|rota|plan|schedule|process)\b)"
    ),
    "ja": re.compile(
        r"(弊社の(責任|不手際|確認不足|落ち度|ミス)|当社の(責任|不手際)|"
        r"私どもの(責任|不手際|確認不足|落ち度)|"
        r"こちらの(責任|ミス|確認不足|落ち度|不手際)|当店の(責任|ミス|不手際|確認不足)|"
        r"言い訳|責任は(弊社|当社|私ども|当店)|選んだ|弊社(の|が|から|工場|倉庫)|当社(の|が|倉庫)|うちの店|"
        r"ではなく|弊社システム|当社システム|弊社の(システム|配送センター|倉庫)|"
        r"のは(当店|弊社|当社|私ども|私|わたくし|こちら)|(当店|弊社|当社|私ども)(であり|です|でござい))"
    ),
}
# Owning the cause in the very sentence that names someone else ("the rota is ours", 「時刻を決めたのは
# 当店です」). Stricter than _OWNS: "our mistake" next to a courier's fault is the blame hidden behind it.
_OWNS_CAUSE = {
    "en": re.compile(
        r"(\bon us\b|\b(is|was|were) (all )?ours\b|\bwe should have\b|\bwe chose\b|"
        r"\bwe take (full )?responsibility\b|\bthat'?s on me\b|\bnot an excuse\b|\bno excuse\b|"
        r"\bour (decision|call|choice)\b|\bwe('re| are) responsible\b|"
        r"\b(fault|responsibility) (is|was|lies with) (ours|us|me)\b|"
        r"^(we|i) (scheduled|set|booked|sent|chose|picked|decided|arranged|planned|moved|"
        r"changed)\b|\b(it was|it'?s|it is) (our|my) (job|responsibility|duty)\b|"
        r"\b(we|i) (didn'?t|did not|forgot to|failed to)\b|"
        r"\b(was|is) (our|my) (job|responsibility|duty|fault|mistake|error)\b|"
        r"\bthat (was|is|'s) (me|us|on me|on us)\b)"
    ),
    "ja": re.compile(
        r"(のは(当店|弊社|当社|私ども|私|わたくし|こちら)|(当店|弊社|当社|私ども)(であり|です)|"
        r"責任は(弊社|当社|私ども|当店)|(弊社|当社|私ども|当店|こちら)の(責任|不手際|確認不足|落ち度|"
        r"手配の誤り|判断|ミス)|言い訳|"
        r"(弊社|当社|当店|私ども)の[^、。]{0,8}(指示|手配|確認|管理|段取り|準備|連絡|入力|設定)(が|を)?"
        r"(遅れ|漏れ|誤|忘|不足|怠)|(ではなく|でなく)(当店|弊社|当社|私ども)|"
        r"(当店|弊社|当社|私ども)に(ございます|あります))"
    ),
}
# A change made "so it won't happen again" states its purpose; promising that it never will is the
# over-promise ("I can assure you this will never happen again").
_PURPOSE = {
    "en": re.compile(
        r"\bso (that )?(it|this|that) (won'?t|doesn'?t|does not|will not|can'?t|cannot) "
        r"happen again"
    ),
    "ja": re.compile(r"(再発(しない|を防ぐ)(よう|ため)|再発防止(のため|に向け))"),
}
_GUARANTEE = {
    "en": re.compile(r"(never|guarantee|assure|promise|\bever\b|100|completely|absolutely)"),
    "ja": re.compile(r"(二度と|絶対|決して|保証|お約束|万全|一切)"),
}
# Reporting what we asked someone and what they said ("保険会社に確認いたしましたところ…とのこと",
# 「受け取られた方は…ご覧になったとのことです」) is hearsay with its source, not an agentless account
# of our own failure (「期日までにお届けできていなかったとのことで」 has no source: that one evades).
_REPORTED = {
    # The source is someone else: our own records or system saying we failed is no source at all.
    "en": re.compile(
        r"(according to (?!our |the (system|records?|logs?|data)\b)|(told|confirmed to|assured) us|"
        r"we (asked|checked with|spoke to))"
    ),
    "ja": re.compile(
        r"((確認|問い合わせ|照会|伺い?)(いたしました|しました|した)ところ|(?<!記録)(?<!履歴)(?<!データ)(?<!システム)によりますと|"
        r"から(の)?(連絡|回答)|(伺っ|聞い|確認し|問い合わせ)たところ|"
        r"(方|様|さん)(は|から|が)[^。]{0,40}(との|という)こと)"
    ),
}
# The writer as the one who slipped (「担当の私が、誤って」): owning it, not blaming a colleague.
# A plain statement that the mistake is ours or mine ("the oversight was mine", "that's our
# workmanship", 「私どもの落ち度です」): a reason told next to it is an explanation, not blame.
_MINE = {
    "en": re.compile(
        r"(\b(is|was|'s|are|were) (all |entirely |completely )?(mine|ours)\b|"
        r"\b(my|our) (own )?(error|mistake|fault|slip|oversight|workmanship|doing|responsibility|failure|"
        r"miss|lapse)\b|\bon (me|us)\b|\bnot (yours|anything (on )?your (side|end)|your fault)\b)"
    ),
    "ja": re.compile(
        r"((弊社|当社|当店|私ども|わたくしども|私|わたくし|こちら)(の|側の)(責任|落ち度|不手際|確認不足|ミス|不注意|誤り|過失)|"
        r"(お客様|皆様|ご利用者様)(に|の)(非|落ち度|責任)は(一切)?(ございません|ありません)|"
        # we did it ("私どもが…遅らせてしまった"), or another is cleared ("運送会社さんには何の落ち度も")
        r"(弊社|当社|当店|私ども|わたくしども|私|わたくし|当(ステーション|館|院|センター|事務所|薬局|クリニック))"
        r"(が|の(端末|手配|設定|確認|作業|側))[^。]*(しまい|しまった|おりました|ため|原因)|"
        r"(さん|様|社|業者)(に|の側に)は(何の|一切の?)?(落ち度|責任|非)(も|は)(ございません|ありません))"
    ),
}
# ...unless "our mistake" only owns having trusted someone else: the blame hidden behind it.
_HIDES = {
    "en": re.compile(
        r"(mistake|error|fault|failing)( was)? (for|in|was) (trusting|using|choosing|relying|believing|picking|"
        r"going with|taking (them|their)|assuming)"
    ),
    "ja": re.compile(r"(を信用|に任せ|を選んだ|を信じ|に頼)"),
}
# Saying it could have been worse stresses the harm; it is the opposite of making it small.
_GRAVE = {
    "en": re.compile(
        r"(could (easily )?have been (much |far |a lot )?(worse|serious|dangerous)|"
        r"might have been (much |far )?(worse|serious)|doesn'?t make it (any )?(less|ok|okay|better))"
    ),
    "ja": re.compile(r"(一歩間違え|大きな事故|重大な|大事に至|取り返しのつかない|命に関わ)"),
}
# A favour asked with a cushion (「お手数ですが…ご記入いただけますでしょうか」) blames nobody.
_CUSHIONED_ASK = {
    "en": re.compile(
        r"^(if you (don'?t|do not) mind|if it suits you|when you have a moment|whenever suits|"
        r"if it (would|might) help|if it helps|if you('d| would) (like|prefer)|if you wish)\b"
    ),
    "ja": re.compile(r"^(お手数|恐れ入|恐縮|差し支え|よろしければ|ご面倒).*(いただけ|ください|お願い)"),
}
# An offer we make, whatever condition is put on the customer's wish for it.
_WE_OFFER = {
    "en": re.compile(r"\b(we|i)('ll| will| can| could| would be glad to| are happy to| am happy to)\b"),
    "ja": re.compile(
        r"(ご用意|お届け|お送り|お作り|ご案内|ご説明|対応|取り寄せ|手配)(いた|させていただ|したい|します|たい|ます)"
    ),
}
# Saying it was not us ("it's nothing we did on this end", 「弊社の責任ではございません」).
_DISOWNS = {
    "en": re.compile(
        r"(nothing (we|i) (did|could)|not (our|my) (fault|doing|mistake|error)|out of our (hands|control)|"
        r"(wasn'?t|was not|isn'?t|is not) (us|our|down to us)|nothing to do with us)"
    ),
    "ja": re.compile(r"((弊社|当社|当店|私ども)の(責任|落ち度|ミス)では(ございません|ありません|なく)|どうすることも)"),
}
# An apology as a thing we write for them (「お詫びの文面」, "a letter of apology") is not the act.
_ARTEFACT = re.compile(
    r"(お詫び|謝罪)(の)?(文面|文書|文|状|お手紙|手紙|メール|文章)|(letter|note|email|statement) of apology"
)
# "I was keeping the dates in my head": an agent, in the past progressive.
_DOING = {
    "en": re.compile(r"\b(i|we) (was|were|had been) \w+ing\b"),
    "ja": re.compile(r"(私|わたくし|弊社|当社|当店|私ども)(が|で)"),
}
_SELF = {
    "en": re.compile(r"\b(i|i've|i had) (was the one|made|forgot|missed|mixed|sent|gave)\b"),
    "ja": re.compile(r"(私|わたくし)(が|の不注意|の確認)"),
}
# A bribe trades something: asking a wrong recipient not to pass data on (「口外しないようお願いし」)
# offers nothing and is part of a good notice.
_OFFER = {
    "en": re.compile(
        r"(free|refund|discount|voucher|credit|waive|compensat|goodwill|gift|on us|off (the|your)|"
        r"\u00a3|\$|€|release|upgrade|complimentary|no charge|on the house|knock|in return|"
        r"in exchange|offer)"
    ),
    "ja": re.compile(
        r"(無料|無償|返金|お返し|値引|割引|免除|サービス|プレゼント|お礼|負担|差し上げ|"
        r"ご用意|ご招待|"
        r"[0-9０-９]+円|半額|商品券|お詫びの(品|しるし)|その代わり|代わりに|けっこう|結構|付与|"
        r"いただかない|お代|料金|代金)"
    ),
}
# Asking for a moment of their time ("have you got a few minutes?", 「少しだけお待ちいただけますか」)
# is not making their trouble small.
_ASKS_TIME = {
    "en": re.compile(
        r"((have|got|spare|take|give me|for) a (few|couple of) minutes|"
        r"a few minutes (with|of your)|wait a (few|couple)|(minutes?|moment)\s*\?)"
    ),
    "ja": re.compile(r"(お待ち(いただ|ください|頂)|お時間(を)?(いただ|頂|ちょうだい))"),
}
# Saying plainly that we did it ("I've given you the wrong one", 「私が書き間違えてしまいました」): that is
# owning it, whatever words of responsibility the model knows.
_ADMITS = {
    "en": re.compile(
        r"(\b(i|we)('ve| have| had)? (gave|given|sent|put|charged|mixed|missed|forgot|"
        r"forgotten|got|made|booked|dropped|lost|broke|damaged|left|delivered|packed|entered|"
        r"typed|misread|overcharged|attached|texted|told|promised|cancelled|labell?ed|wrote|"
        r"written|spill?ed|spilt|used|shipped|printed|double-booked|mislabell?ed)\b|"
        r"\b(i|we) (was|were) (slow|late|wrong)\b)"
    ),
    "ja": re.compile(
        r"(私|わたくし|当店|弊社|当社|こちら|私ども|うち)(が|の方で|で|の)[^。]{0,40}"
        r"(しまい|てしまっ|でしまっ|ませんでした|忘れ|間違え|誤|漏れ|不足)"
    ),
}
# Sentences that clear the customer ("you did nothing wrong"): the opposite of blaming them.
_CLEARS = {
    "en": re.compile(
        r"(did nothing wrong|not your fault|no fault of yours|through no fault|nothing you did|"
        r"you were (right|correct)|"
        r"you('d| had) (ordered|told us|asked|given us) (it )?(correctly|right))"
    ),
    "ja": re.compile(
        r"((非|落ち度)は(一切|まったく|全く|何も)?(ございません|ありません|ない)|"
        r"お客様のせいでは|正しく(いただいて|ご記入|ご注文|お伝え))"
    ),
}
# Readings a sentence that clears the customer cannot carry (「落ち度は一切ございません」 is no guarantee).
_CLEARED = frozenset({"blame_customer", "blame_third_party", "over_promise", "policy_shield", "minimising"})
# A model's reading of these problems stands only with the words that define them (LABELLING.md):
# a bribe is tied to a review or silence, a review request names a review, an over-promise
# guarantees, a policy shield cites a rule or a refusal, a conditional says "if". Without
# them, a cushion before an offer or a concrete prevention step is not one.
_DEFINING = {
    # Blaming a colleague needs the colleague: a sentence whose only actors are "we" and "I"
    # ("I didn't put it in my diary", "we saved it in the wrong folder") owns the mistake.
    "blame_colleague": {
        "en": re.compile(
            r"(colleague|co-?worker|staff|team ?mate|team member|new (starter|girl|guy|lad|member|hire|recruit|"
            r"person|boy|one)|\bnewer\b|trainee|\btemps?\b|agency|junior|apprentice|intern|student|driver|"
            r"technician|engineer|clerk|receptionist|assistant|cashier|chef|cook|waiter|waitress|server|"
            r"porter|cleaner|nurse|fitter|installer|courier|warehouse|depot|office|department|desk|shift|"
            r"manager|supervisor|someone|somebody|\bhe\b|\bshe\b|\bhis\b|\bher\b|\bhim\b|one of (our|the|my)|"
            r"who (was|is|had)|on duty|first (day|week)|still learning|not trained|inexperienced)"
        ),
        "ja": re.compile(
            r"(新人|新入|新し|入った|入社|担当|スタッフ|アルバイト|バイト|パート|社員|者|さん|くん|君|店員|係|"
            r"ドライバー|配達員|彼|彼女|同僚|部下|後輩|先輩|不慣れ|慣れて|研修|見習|若手|"
            r"現場|工場|倉庫|部署|課|チーム|店長|主任|職人|技工士|薬剤師|ナース|看護|一人|ひとり)"
        ),
    },
    "bribe": {
        "en": re.compile(
            r"(withdraw|remove|delete|take (it |this |the \w+ )?down|drop (the|your|it)|"
            r"\bedit|\bamend|"
            r"(change|update) your|not (to )?(post|mention|tell|share|report|escalate|"
            r"take (it|this) further)|don'?t (post|mention|tell|share|report)|"
            r"keep (it|this) (quiet|between|to yourself)|"
            r"between us|in (exchange|return)|on (the )?condition|as long as|so long as|"
            r"provided (that )?you|instead of (posting|complaining|reporting)|"
            r"once (the|your) (\w+ )?(review|post|comment|rating)|"
            r"(review|post|comment|rating)('s| is| has)? (been )?"
            r"(come|taken|updated|changed|edited|removed)|"
            r"hold off|rather than (through|raising|posting|going|taking|being)|"
            r"on the understanding|"
            r"(we|i) (would|'d) (simply )?ask that|not (be )?pursued|in return|in exchange)"
        ),
        "ja": re.compile(
            r"(口コミ|クチコミ|レビュー|評価|投稿|書き込み|削除|取り下げ|撤回|内密|他言|公表|SNS|"
            r"ネット|苦情|クレーム|条件|代わりに|引き換え|控え|内聞|内緒|見送|お収め|伏せ|黙|から外|"
            r"(報告|お伝え|連絡|口外|伝え|お知らせ)(に|を|と|は)?(なら|され|し|せ)?(ない|ず)|"
            r"(書いて|つけて|付けて|投稿して|お書き)(いただいた|くださった|頂いた)(方|お客様))"
        ),
    },
    "review_request": {
        "en": re.compile(
            r"(review|rating|\brate\b|stars?\b|feedback|recommend|google|tripadvisor|"
            r"trustpilot|yelp|survey|kind words|testimonial|comment|positive|good word)"
        ),
        "ja": re.compile(
            r"(口コミ|クチコミ|レビュー|評価|星|★|投稿|アンケート|ご紹介|おすすめ|お勧め|"
            r"ご感想)"
        ),
    },
    "over_promise": {
        "en": re.compile(
            # A guarantee scheme ("the compensation in our guaranteed standards") promises nothing new,
            # and a date we commit to for our own next step ("by Wednesday", 「金曜までに」) is a
            # commitment the coach wants, not an over-promise.
            r"(never|again|guarantee(?!d? (standards?|scheme|payments?))|assure|promise|100|always|"
            r"every (single )?time|\bever\b|"
            r"without fail|certain|absolutely|completely|totally|zero)"
        ),
        "ja": re.compile(
            r"(二度と|絶対|必ず|決して|保証|お約束(いたします|します|申し上げ)|万全|一切|"
            r"再発(しない(こと|と)|いたしません|はございません|は(ありません|ない))|確実|100|完全|ゼロ)"
        ),
    },
    "policy_shield": {
        # Paying what a guarantee scheme sets out ("our guaranteed standards") shields nothing.
        "en": re.compile(
            r"(polic|terms|conditions|rules?\b|procedure|unable|not able|cannot|can'?t|"
            r"not (permitted|allowed)|only (able|offer|refund)|non-refundable|(?<!guaranteed )standard|"
            r"entitled|eligible|limit|maximum)"
        ),
        "ja": re.compile(
            r"(規定|規約|規則|決まり|ルール|方針|約款|対象外|できかね|いたしかね|致しかね|"
            r"お受けでき|上限|限り|限らせて|のみ|できません)"
        ),
    },
    "conditional": {
        "en": re.compile(
            r"(\bif\b|\bshould\b|whether|to the extent|\b(may|might) (have|cause)\b|"
            r"\bany (upset|offen|inconvenien|distress|concern|worry))"
        ),
        "ja": re.compile(
            r"(ようでしたら|ようであれば|のであれば|でしたら|とすれば|場合|もし|かもしれ|"
            r"感じられ|思われ|なら)"
        ),
    },
}
# Hedged or agentless accounts of our own failure ("it seems the order was…", 「〜ようです」): passive
# evasion when nobody in the sentence did it. Hearsay about the customer (「お使いとのことで」) is not one.
_HEDGE = {
    "en": re.compile(
        r"\b(it seems|it appears|it looks like|appears to have|seems to have|may not have been|"
        r"might have been|was (apparently|somehow)|mistakes were made|an error (occurred|was made)|"
        r"errors? (were|was) made|(were|was) (generated|sent|issued|processed|entered) "
        r"(with|in error|incorrectly))"
    ),
    "ja": re.compile(
        r"(ようです|ようでして|ようでございます|ものと存じます|と思われます|手違いがあった|"
        r"ミスがあった|が判明いたしました)"
    ),
}
_AGENT = {
    "en": re.compile(r"\b(we|i|our team|i've|we've|we're|i'm)\b"),
    "ja": re.compile(r"(弊社|私ども|当店|当社|私が|わたし|こちらで|こちらの|私の)"),
}
# We or I doing something, in the active voice ("on 3 March we posted…", 「弊社が送付し」).
_ACTS = {
    "en": re.compile(
        r"\b(we|i)('ve| have| had)? (\w+ed|sent|made|gave|put|took|left|lost|forgot|wrote|got|did|"
        r"told|kept|let|ran|sold|read)\b|\bby (us|me|our (team|staff|\w+))\b"
    ),
    "ja": re.compile(r"(弊社|私ども|当店|当社|私|わたくし)(が|で|より)"),
}
# Promising to be in touch ("I'll call you by 5pm") or a change from now on is the writer's own
# commitment, not a fact; a delivery or refund time the incident does not have is one.
_COMMITMENT = re.compile(
    r"(\bcall\b|\bring\b|\bphone\b|\bemail\b|\btext\b|\bupdate you\b|\bcontact\b|"
    r"\bget back to\b|\blet you know\b|\bcheck in\b|\bspeak\b|"
    r"ご連絡|お電話|ご報告|お知らせ|折り返し|連絡いたします|"
    r"\bfrom now on\b|\bgoing forward\b|\bin future\b|今後|これからは)"
)


def _harmless(problem: str, folded: Sequence[str], k: int, locale: str) -> bool:
    """Sentence k looks like `problem` but cannot carry it, whether a cue or the model found it."""
    low = folded[k]
    if problem == "bribe":  # a bribe trades something, offered in this sentence or the next door ones
        return not _OFFER[locale].search(" ".join(folded[max(0, k - 1) : k + 2]))
    if problem in ("blame_third_party", "blame_customer") and _OWNS_CAUSE[locale].search(low):
        return True
    near = " ".join(folded[k : k + 2])  # owned in this sentence or the next
    if (
        problem in ("blame_third_party", "blame_customer", "passive_evasion")
        and _MINE[locale].search(near)
        and not _HIDES[locale].search(near)
    ):
        return True
    if problem == "blame_colleague" and _MINE[locale].search(low):
        return True
    if (
        problem == "blame_third_party"
        and _WE_OFFER[locale].search(low)
        and not _CAUSED[locale].search(low)
        and not _DISOWNS[locale].search(low)
    ):
        return True  # naming who we will get it from is an offer, not a cause
    if problem == "passive_evasion" and (_ACTS[locale].search(low) or _DOING[locale].search(low)):
        return True  # we or I did it, in so many words
    if problem == "passive_evasion" and _REPORTED[locale].search(low):
        return True  # what someone else told us, with its source: hearsay about them, not our own failure
    if problem in ("blame_customer", "minimising") and _CUSHIONED_ASK[locale].search(low):
        return True
    if problem == "minimising" and _GRAVE[locale].search(low):
        return True
    if problem == "conditional" and _WE_OFFER[locale].search(low) and not REGRET[locale].search(_ARTEFACT.sub("", low)):
        return True  # the "if" is about what they would like us to do, not about the apology
    if problem == "blame_customer":
        return bool(_CLEARS[locale].search(low))
    if problem == "minimising":
        return bool(_ASKS_TIME[locale].search(low))
    if problem == "blame_colleague":
        return bool(_SELF[locale].search(low))
    return False


class CoachModel(Protocol):
    def sentence_problems(self, texts: Sequence[str]) -> list[dict[str, float]]: ...

    def elements(self, text: str) -> dict[str, float]: ...

    def harm(self, text: str) -> float:
        """How likely the whole draft, read at once, carries something that would hurt."""
        ...


def sentences(text: str) -> list[str]:
    """Sentences: split after . ! ? 。 ！ ？ and at line ends; empty pieces dropped."""
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def needed_elements(situation: Mapping[str, Any]) -> set[str]:
    """What an apology for this situation must carry (LABELLING.md, "What a situation needs")."""
    severity = str(situation.get("severity") or "medium")
    rank = (
        ("low", "medium", "high", "critical").index(severity)
        if severity in ("low", "medium", "high", "critical")
        else 1
    )
    written_b2b = situation.get("contact") == "written" and bool(situation.get("b2b"))
    needed = {"regret", "responsibility", "repair"}
    if rank >= 1:
        needed.add("empathy")
    if rank >= 2 or written_b2b:
        needed |= {"explanation", "prevention"}
    if rank >= 2:
        needed.add("follow_up")
    if situation.get("category") == "privacy_breach":
        needed.add("notice")
    return needed


@dataclass(frozen=True)
class Finding:
    problem: str
    phrase: str
    why: str
    rewrite: str
    score: float


@dataclass(frozen=True)
class Verdict:
    verdict: str
    locale: str
    findings: tuple[Finding, ...] = ()
    missing: tuple[str, ...] = ()
    present: tuple[str, ...] = ()
    tips: tuple[str, ...] = ()
    situation: Mapping[str, Any] = field(default_factory=dict)

    @property
    def good(self) -> bool:
        return self.verdict == "ready"

    def as_json(self) -> dict[str, Any]:
        return {
            "good": self.good,
            "verdict": self.verdict,
            "locale": self.locale,
            "avoid": [{"id": f.problem, "phrase": f.phrase, "why": f.why, "rewrite": f.rewrite} for f in self.findings],
            "missing": list(self.missing),
            "present": list(self.present),
            "tips": list(self.tips),
            "situation": dict(self.situation),
        }


@dataclass(frozen=True)
class Tuning:
    problem: float = 0.5
    # Problems the model ranks cleanly (almost no good draft scores high) count from a lower score
    # (chosen on rounds 1–2, leaving one writer out). Minimising and passive evasion are the other
    # way: good drafts are full of "only", "just" and plain passives, so the model alone must be
    # surer (chosen on rounds 8–12, each judged by a coach trained on the rounds before it: good
    # drafts flagged 8.4% → 4.7%, bad drafts named 93.3% → 93.1%; bench/coach_eval.py).
    per_problem: Mapping[str, float] = field(
        default_factory=lambda: {
            "bribe": 0.3,
            "review_request": 0.3,
            "over_promise": 0.3,
            "policy_shield": 0.3,
            "minimising": 0.65,
            "passive_evasion": 0.65,
        }
    )
    element: float = 0.35  # an element counts as there from this probability: doubt favours the staffer
    # A sentence reading stands in a draft that reads as harmless as a whole only when the model is
    # sure of it. Good drafts by new writers are full of sentences that look like blame or
    # evasion one at a time ("the agency's lifeguard didn't arrive, but cover was our job"); the
    # whole draft tells them apart (chosen on rounds 8–13, each judged by a coach trained on the
    # rounds before it: good drafts flagged 5.5% → 2.7%, bad drafts named 93.4% → 92.2%).
    gate: float = 0.3
    sure: float = 0.9
    cue: float = 0.75  # the score of a finding set by a cue phrase


class Coach:
    def __init__(
        self, model: CoachModel, wording: Mapping[str, Mapping[str, Mapping[str, str]]], tuning: Tuning | None = None
    ) -> None:
        """`wording[locale]` has tables `why` and `rewrite` (by problem) and `tip` (by element)."""
        self.model = model
        self.wording = wording
        self.tuning = tuning or Tuning()
        self.cues = {
            locale: {
                problem: tuple(re.compile(p) for p in patterns)
                for problem, patterns in (words.get("cues") or {}).items()
            }
            for locale, words in wording.items()
        }

    def review(self, draft: str, situation: Mapping[str, Any] | None = None) -> Verdict:
        situation = dict(situation or {})
        locale = "ja" if _JAPANESE.search(draft) else "en"
        parts = sentences(draft)
        if not parts:
            return Verdict("fix", locale, (self._finding("no_apology", "", locale, 1.0),), situation=situation)
        probs = self.model.sentence_problems(parts)
        elements = self.model.elements(draft)
        reads_harmless = self.model.harm(draft) < self.tuning.gate
        folded = [normalise(p) for p in parts]
        regret_at = next((k for k, s in enumerate(folded) if REGRET[locale].search(s)), None)
        present = {e for e, p in elements.items() if p >= self.tuning.element}
        if regret_at is not None:
            present.add("regret")
        if any((_OWNS[locale].search(f) or _ADMITS[locale].search(f)) and not _HEDGE[locale].search(f) for f in folded):
            present.add("responsibility")
        found: dict[str, Finding] = {}
        cues = self.cues.get(locale, {})
        for k, (sentence, p) in enumerate(zip(parts, probs, strict=True)):
            for problem, patterns in cues.items():
                if not any(c.search(folded[k]) for c in patterns):
                    continue
                if problem == "excuse_first" and (regret_at is None or k >= regret_at):
                    continue
                owned = _OWNS[locale].search(" ".join(folded[k : k + 2]))  # ownership may follow next
                if problem in ("blame_third_party", "blame_customer") and owned:
                    continue
                if _harmless(problem, folded, k, locale):
                    continue
                self._keep(found, self._finding(problem, sentence, locale, self.tuning.cue))
            for problem, score in p.items():
                if problem in ("no_apology", "invented_facts", "excuse_first") or score < self._threshold(problem):
                    continue
                if reads_harmless and score < self.tuning.sure:
                    continue
                if problem == "wrong_register" and not CASUAL[locale].search(folded[k]):
                    continue
                if _harmless(problem, folded, k, locale):
                    continue
                if problem == "blame_third_party" and _ADMITS[locale].search(folded[k]):
                    continue  # we say what we did in the same breath: the cause is owned
                if problem in _CLEARED and _CLEARS[locale].search(folded[k]):
                    continue
                if problem == "passive_evasion" and (
                    _ACTS[locale].search(folded[k]) or _REPORTED[locale].search(folded[k])
                ):
                    continue  # someone in the sentence did it: not agentless
                if (
                    problem == "over_promise"
                    and _PURPOSE[locale].search(folded[k])
                    and not _GUARANTEE[locale].search(folded[k])
                ):
                    continue
                defining = _DEFINING.get(problem, {}).get(locale)
                if defining is not None and not defining.search(folded[k]):
                    continue
                self._keep(found, self._finding(problem, sentence, locale, score))
            excuse = p.get("excuse_first", 0.0)
            if (
                excuse >= self._threshold("excuse_first")
                and (excuse >= self.tuning.sure or not reads_harmless)
                and regret_at is not None
                and k < regret_at
            ):
                self._keep(found, self._finding("excuse_first", sentence, locale, excuse))
        if regret_at is not None:
            for k in range(regret_at):  # a reason before any apology is an excuse, however it is worded
                if _REASON[locale].search(folded[k]) and not _OPENING[locale].search(folded[k]):
                    self._keep(found, self._finding("excuse_first", parts[k], locale, 0.7))
                    break
        if regret_at is None:
            self._keep(found, self._finding("no_apology", parts[0], locale, 1.0))
            present.discard("regret")
        if situation.get("b2b"):
            for sentence, low in zip(parts, folded, strict=True):
                if CASUAL[locale].search(low):
                    self._keep(found, self._finding("wrong_register", sentence, locale, 0.9))
                    break
        for sentence, low in zip(parts, folded, strict=True):
            if _HEDGE[locale].search(low) and not _AGENT[locale].search(low) and not REGRET[locale].search(low):
                self._keep(found, self._finding("passive_evasion", sentence, locale, 0.6))
                break
        for k, low in enumerate(folded):
            near = " ".join(folded[k : k + 2])  # ownership may follow in the next sentence
            owned = _OWNS[locale].search(near) or _OWNS_CAUSE[locale].search(low)
            if (
                _THIRD_PARTY[locale].search(low)
                and _CAUSED[locale].search(low)
                and not owned
                and not REGRET[locale].search(low)
            ):
                self._keep(found, self._finding("blame_third_party", parts[k], locale, 0.6))
                break
        summary = str(situation.get("summary") or "")
        if summary and _UNKNOWN[locale].search(normalise(summary)):
            cause_unknown = bool(_CAUSE_UNKNOWN[locale].search(normalise(summary)))
            for sentence, low in zip(parts, folded, strict=True):
                if _ASSERTS[locale].search(low) and (cause_unknown or not _STATES_CAUSE[locale].search(low)):
                    self._keep(found, self._finding("invented_facts", sentence, locale, 0.75))
                    break
        if summary:
            for sentence in parts:
                if _COMMITMENT.search(normalise(sentence)):
                    continue
                invented = invented_figures(sentence, summary)
                if invented:
                    self._keep(found, self._finding("invented_facts", sentence, locale, 0.8))
                    break
        findings = sorted(found.values(), key=lambda f: PROBLEMS.index(f.problem))[:MAX_FINDINGS]
        needed = needed_elements(situation) if situation else {"regret", "responsibility", "repair"}
        missing = tuple(e for e in ELEMENTS if e in needed and e not in present)
        verdict = "fix" if findings else "stronger" if missing else "ready"
        tips = tuple(self._text(locale, "tip", e) for e in missing)
        return Verdict(
            verdict, locale, tuple(findings), missing, tuple(e for e in ELEMENTS if e in present), tips, situation
        )

    def _threshold(self, problem: str) -> float:
        return self.tuning.per_problem.get(problem, self.tuning.problem)

    def _finding(self, problem: str, phrase: str, locale: str, score: float) -> Finding:
        return Finding(
            problem, phrase, self._text(locale, "why", problem), self._text(locale, "rewrite", problem), score
        )

    @staticmethod
    def _keep(found: dict[str, Finding], finding: Finding) -> None:
        if finding.problem not in found or found[finding.problem].score < finding.score:
            found[finding.problem] = finding

    def _text(self, locale: str, table: str, key: str) -> str:
        words = self.wording.get(locale) or self.wording.get("en") or {}
        return str((words.get(table) or {}).get(key, ""))
