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
The words those rules look for are each language's own (`CoachPatterns`, from
responses/<locale>/coach_patterns.toml, injected with the wording): a new language brings a
file, not code. Figures (money, times, dates) are read in any numerals, here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any, Protocol

from bot.domain.errors import OwabiError
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


# An apology as a thing we write for them (「お詫びの文面」, "a letter of apology") is not the act.
_ARTEFACT = re.compile(
    r"(お詫び|謝罪)(の)?(文面|文書|文|状|お手紙|手紙|メール|文章)|(letter|note|email|statement) of apology"
)
# Readings a sentence that clears the customer cannot carry (「落ち度は一切ございません」 is no guarantee).
_CLEARED = frozenset({"blame_customer", "blame_third_party", "over_promise", "policy_shield", "minimising"})
# Promising to be in touch ("I'll call you by 5pm") or a change from now on is the writer's own
# commitment, not a fact; a delivery or refund time the incident does not have is one.
_COMMITMENT = re.compile(
    r"(\bcall\b|\bring\b|\bphone\b|\bemail\b|\btext\b|\bupdate you\b|\bcontact\b|"
    r"\bget back to\b|\blet you know\b|\bcheck in\b|\bspeak\b|"
    r"ご連絡|お電話|ご報告|お知らせ|折り返し|連絡いたします|"
    r"\bfrom now on\b|\bgoing forward\b|\bin future\b|今後|これからは)"
)


class PatternsMissing(OwabiError):
    """A language's coach_patterns.toml is missing, lacks a pattern the rules read, or names one they don't."""


@dataclass(frozen=True)
class CoachPatterns:
    """One language's patterns for the ideas the rules below look for, from
    responses/<locale>/coach_patterns.toml (where each says what it is for): regret, owning
    the cause, a third party blamed, a cushioned request… `defining` holds, by problem, the
    words without which the model's reading of that problem does not stand."""

    regret: re.Pattern[str]
    casual: re.Pattern[str]
    reason: re.Pattern[str]
    opening: re.Pattern[str]
    unknown: re.Pattern[str]
    cause_unknown: re.Pattern[str]
    states_cause: re.Pattern[str]
    asserts: re.Pattern[str]
    third_party: re.Pattern[str]
    caused: re.Pattern[str]
    owns: re.Pattern[str]
    owns_cause: re.Pattern[str]
    purpose: re.Pattern[str]
    guarantee: re.Pattern[str]
    reported: re.Pattern[str]
    mine: re.Pattern[str]
    hides: re.Pattern[str]
    grave: re.Pattern[str]
    cushioned_ask: re.Pattern[str]
    we_offer: re.Pattern[str]
    disowns: re.Pattern[str]
    doing: re.Pattern[str]
    my_doing: re.Pattern[str]
    offer: re.Pattern[str]
    asks_time: re.Pattern[str]
    admits: re.Pattern[str]
    clears: re.Pattern[str]
    hedge: re.Pattern[str]
    agent: re.Pattern[str]
    acts: re.Pattern[str]
    defining: Mapping[str, re.Pattern[str]]

    @classmethod
    def from_data(cls, locale: str, data: Mapping[str, Any]) -> CoachPatterns:
        table, defining = data.get("patterns") or {}, data.get("defining") or {}
        where = f"responses/{locale}/coach_patterns.toml"
        missing = [f for f in _PATTERN_NAMES if f not in table] + [
            f"defining.{p}" for p in DEFINED if p not in defining
        ]
        if missing:
            raise PatternsMissing(f"{where} lacks: {', '.join(missing)}")
        unknown = sorted(set(table) - set(_PATTERN_NAMES)) + [
            f"defining.{p}" for p in sorted(set(defining) - set(DEFINED))
        ]
        if unknown:
            raise PatternsMissing(f"{where} names patterns the coach does not read: {', '.join(unknown)}")
        return cls(
            **{f: re.compile(table[f]) for f in _PATTERN_NAMES},
            defining={problem: re.compile(pattern) for problem, pattern in defining.items()},
        )


_PATTERN_NAMES = tuple(f.name for f in fields(CoachPatterns) if f.name != "defining")
# The problems whose model reading stands only with their defining words.
DEFINED = ("blame_colleague", "bribe", "review_request", "over_promise", "policy_shield", "conditional")


def _harmless(problem: str, folded: Sequence[str], k: int, words: CoachPatterns) -> bool:
    """Sentence k looks like `problem` but cannot carry it, whether a cue or the model found it."""
    low = folded[k]
    if problem == "bribe":  # a bribe trades something, offered in this sentence or the next door ones
        return not words.offer.search(" ".join(folded[max(0, k - 1) : k + 2]))
    if problem in ("blame_third_party", "blame_customer") and words.owns_cause.search(low):
        return True
    near = " ".join(folded[k : k + 2])  # owned in this sentence or the next
    if (
        problem in ("blame_third_party", "blame_customer", "passive_evasion")
        and words.mine.search(near)
        and not words.hides.search(near)
    ):
        return True
    if problem == "blame_colleague" and words.mine.search(low):
        return True
    if (
        problem == "blame_third_party"
        and words.we_offer.search(low)
        and not words.caused.search(low)
        and not words.disowns.search(low)
    ):
        return True  # naming who we will get it from is an offer, not a cause
    if problem == "passive_evasion" and (words.acts.search(low) or words.doing.search(low)):
        return True  # we or I did it, in so many words
    if problem == "passive_evasion" and words.reported.search(low):
        return True  # what someone else told us, with its source: hearsay about them, not our own failure
    if problem in ("blame_customer", "minimising") and words.cushioned_ask.search(low):
        return True
    if problem == "minimising" and words.grave.search(low):
        return True
    if problem == "conditional" and words.we_offer.search(low) and not words.regret.search(_ARTEFACT.sub("", low)):
        return True  # the "if" is about what they would like us to do, not about the apology
    if problem == "blame_customer":
        return bool(words.clears.search(low))
    if problem == "minimising":
        return bool(words.asks_time.search(low))
    if problem == "blame_colleague":
        return bool(words.my_doing.search(low))
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
        # Each language's patterns come with its wording (bot.learning.coaching loads both).
        missing = sorted(locale for locale, w in wording.items() if "patterns" not in w)
        if "en" not in wording:
            missing.append("en")  # the language any other falls back to
        if missing:
            raise PatternsMissing(f"no coach_patterns.toml for: {', '.join(missing)}")
        self.patterns = {locale: CoachPatterns.from_data(locale, w) for locale, w in wording.items()}

    def review(self, draft: str, situation: Mapping[str, Any] | None = None, *, default_locale: str = "en") -> Verdict:
        """A draft in Japanese script is read as Japanese; any other in the team's language
        (`default_locale`) if the coach has patterns for it, else in English."""
        situation = dict(situation or {})
        if _JAPANESE.search(draft):
            locale = "ja"
        else:
            locale = default_locale if default_locale != "ja" and default_locale in self.patterns else "en"
        words = self.patterns.get(locale) or self.patterns["en"]
        parts = sentences(draft)
        if not parts:
            return Verdict("fix", locale, (self._finding("no_apology", "", locale, 1.0),), situation=situation)
        probs = self.model.sentence_problems(parts)
        elements = self.model.elements(draft)
        reads_harmless = self.model.harm(draft) < self.tuning.gate
        folded = [normalise(p) for p in parts]
        regret_at = next((k for k, s in enumerate(folded) if words.regret.search(s)), None)
        present = {e for e, p in elements.items() if p >= self.tuning.element}
        if regret_at is not None:
            present.add("regret")
        if any((words.owns.search(f) or words.admits.search(f)) and not words.hedge.search(f) for f in folded):
            present.add("responsibility")
        found: dict[str, Finding] = {}
        cues = self.cues.get(locale, {})
        for k, (sentence, p) in enumerate(zip(parts, probs, strict=True)):
            for problem, patterns in cues.items():
                if not any(c.search(folded[k]) for c in patterns):
                    continue
                if problem == "excuse_first" and (regret_at is None or k >= regret_at):
                    continue
                owned = words.owns.search(" ".join(folded[k : k + 2]))  # ownership may follow next
                if problem in ("blame_third_party", "blame_customer") and owned:
                    continue
                if _harmless(problem, folded, k, words):
                    continue
                self._keep(found, self._finding(problem, sentence, locale, self.tuning.cue))
            for problem, score in p.items():
                if problem in ("no_apology", "invented_facts", "excuse_first") or score < self._threshold(problem):
                    continue
                if reads_harmless and score < self.tuning.sure:
                    continue
                if problem == "wrong_register" and not words.casual.search(folded[k]):
                    continue
                if _harmless(problem, folded, k, words):
                    continue
                if problem == "blame_third_party" and words.admits.search(folded[k]):
                    continue  # we say what we did in the same breath: the cause is owned
                if problem in _CLEARED and words.clears.search(folded[k]):
                    continue
                if problem == "passive_evasion" and (words.acts.search(folded[k]) or words.reported.search(folded[k])):
                    continue  # someone in the sentence did it: not agentless
                if (
                    problem == "over_promise"
                    and words.purpose.search(folded[k])
                    and not words.guarantee.search(folded[k])
                ):
                    continue
                defining = words.defining.get(problem)
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
                if words.reason.search(folded[k]) and not words.opening.search(folded[k]):
                    self._keep(found, self._finding("excuse_first", parts[k], locale, 0.7))
                    break
        if regret_at is None:
            self._keep(found, self._finding("no_apology", parts[0], locale, 1.0))
            present.discard("regret")
        if situation.get("b2b"):
            for sentence, low in zip(parts, folded, strict=True):
                if words.casual.search(low):
                    self._keep(found, self._finding("wrong_register", sentence, locale, 0.9))
                    break
        for sentence, low in zip(parts, folded, strict=True):
            if words.hedge.search(low) and not words.agent.search(low) and not words.regret.search(low):
                self._keep(found, self._finding("passive_evasion", sentence, locale, 0.6))
                break
        for k, low in enumerate(folded):
            near = " ".join(folded[k : k + 2])  # ownership may follow in the next sentence
            owned = words.owns.search(near) or words.owns_cause.search(low)
            if (
                words.third_party.search(low)
                and words.caused.search(low)
                and not owned
                and not words.regret.search(low)
            ):
                self._keep(found, self._finding("blame_third_party", parts[k], locale, 0.6))
                break
        summary = str(situation.get("summary") or "")
        if summary and words.unknown.search(normalise(summary)):
            cause_unknown = bool(words.cause_unknown.search(normalise(summary)))
            for sentence, low in zip(parts, folded, strict=True):
                if words.asserts.search(low) and (cause_unknown or not words.states_cause.search(low)):
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
