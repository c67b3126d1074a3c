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
from typing import Any, Protocol

from bot.domain.triage.lexicon import normalise

# Most harmful first: the order findings are shown in.
PROBLEMS = ("no_apology", "blame_customer", "bribe", "conditional", "blame_colleague", "blame_third_party",
            "policy_shield", "minimising", "excuse_first", "over_promise", "review_request", "invented_facts",
            "passive_evasion", "wrong_register")
ELEMENTS = ("regret", "responsibility", "empathy", "explanation", "repair", "prevention", "follow_up", "notice")
MAX_FINDINGS = 3
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_SENTENCE = re.compile(r"[^.!?。！？\n]+[.!?。！？]*")
REGRET = {"en": re.compile(r"\b(sorry|apologi[sz]e|apologies|apology|regret)"),
          "ja": re.compile(r"(申し訳|お詫び|おわび|すみません|すいません|ごめん|失礼いたしました|陳謝)")}
CASUAL = {"en": re.compile(r"(\bmy bad\b|\boops\b|\bno worries\b|!!|\blol\b|\bhaha\b|:\)|\bguys\b|\bsuper sorry\b)"),
          "ja": re.compile(r"(ごめんなさい|ごめんね|すいません|ちゃい(ました|まして)|じゃん|っす|[!！]|w{2,}|〜)")}
# Money and clock times a draft states as fact; the writer's own commitments ("by 5pm") are not facts.
_FIGURE = re.compile(r"([$£€¥￥]\s?\d[\d,.]*|\d[\d,.]*\s?(?:円|万円|yen|dollars|pounds|euros)"
                     r"|\d{1,2}:\d{2}|\d{1,2}\s?(?:am|pm)|\d{1,2}時)")
# Circumstances (busy, demand, weather, staffing, a system change): before the apology they read as an
# excuse. Owning our own mistake first ("we sent it to the wrong address") is not one.
_REASON = {"en": re.compile(r"\b(busy|busiest|rush|slammed|hectic|swamped|short[- ]staffed|understaffed|"
                            r"staff shortages?|high (demand|volume)|(demand|volume) (was|has been)|unprecedented|"
                            r"weather|snow|storm|strike|"
                            r"peak (season|week)|heaviest|(software|system) (update|upgrade|change|migration)|"
                            r"following (a|an|the) (software|system)|new (app|system) (update|rollout))\b"),
           "ja": re.compile(r"(重なり|重なって|追われ|手が回ら|混み合|繁忙|多忙|人手不足|大雪|台風|悪天候|"
                            r"システム(の)?(更新|切り替え|移行|変更)|仕様変更|急な|立て込ん|バタバタ)")}
# Greetings, names and thanks that may open a message before the apology without excusing anything.
_OPENING = {"en": re.compile(r"^(dear|hi|hello|good (morning|afternoon|evening)|thank you for|thanks for|this is|"
                             r"my name is|i'?m [a-z]+ (from|at)|re:|subject)"),
            "ja": re.compile(r"(お世話になっております|でございます。?$|と申します|お問い合わせいただき|ご連絡いただき|"
                             r"ありがとうございます|様$|御中$|^件名)")}
# The incident says the cause (or a fact) is not known yet; a draft that states one invents it.
_UNKNOWN = {"en": re.compile(r"(not (yet )?(known|located|confirmed|clear|established)|still (being )?"
                             r"(investigat|assess|check|confirm|look|calculat)|under investigation|being investigated|"
                             r"unknown|unclear|no cause|cause (is )?(not|un))"),
            "ja": re.compile(r"(調査中|確認中|未確認|不明|評価中|分からない|わからない|"
                             r"分かっていない|特定できていない|検討中)")}
_ASSERTS = {"en": re.compile(r"(caused by|was due to|the cause (was|is)|turned out|has been (located|found|fixed|"
                             r"resolved)|we('ve| have) (confirmed|established|found)|our records show|"
                             r"(is|was) (minimal|negligible|minor)|no (impact|effect|risk))"),
            "ja": re.compile(r"(原因は|と判明|が原因|分かっております|判明しております|確認できました|"
                             r"によるものでございます|"
                             r"軽微|影響はございません|問題はございません)")}
# Someone outside the team named as the cause: blame passed on, unless the same sentence owns it
# ("we chose that courier, so it is on us").
_THIRD_PARTY = {"en": re.compile(r"\b(courier|carrier|haulier|haulage|driver|rider|delivery (company|firm|partner)|"
                                 r"post office|royal mail|ups|fedex|dhl|supplier|wholesaler|vendor|manufacturer|maker|"
                                 r"factory|distributor|contractor|subcontractor|agency|provider|partner|"
                                 r"bank(?! fees| charges| account)|"
                                 r"payment (processor|provider|gateway)|third[- ]party|the (airline|hotel|lab|"
                                 r"landlord|council|insurer))\b"),
                "ja": re.compile(r"(運送会社|配送業者|配送会社|宅配便|宅配業者|運送業者|ドライバー|配達員|"
                                 r"仕入先|仕入れ先|"
                                 r"問屋|卸|(?<![ァ-ヶー])メーカー|委託先|代行会社|運営会社|協力会社|(?<!作)業者|提携先|取引銀行|"
                                 r"システム会社|ベンダー|先方の)")}
_CAUSED = {"en": re.compile(r"(\b(was|were) (unable|late|delayed)|\bdidn'?t\b|\bfailed\b|\bcouldn'?t\b|"
                            r"\bmust have\b|\bdelayed\b|\bmixed up\b|\blost\b|\bdamaged\b|\bcaused\b|"
                            r"\bdue to\b|\bbecause of\b|\b(their|its) (error|mistake|fault|system|side)\b|"
                            r"\bhaven'?t\b|\bon their end\b|\bout of our hands\b)"),
           "ja": re.compile(r"(原因|によるもの|のせい|都合で|遅れ|障害|不具合|ミス|取り違え|手違い|"
                            r"破損|ございまして|ため|ので|みたい|だと思|かもしれ|と考えられ)")}
_OWNS = {"en": re.compile(r"(\bon us\b|\bour (mistake|error|fault|responsibility|failure)\b|\bwe should have\b|"
                          r"\bwe chose\b|\bwe take (full )?responsibility\b|\bthat'?s on me\b|\bmy (mistake|error|"
                          r"fault)\b|\bwe('re| are) responsible\b|\bnot an excuse\b|\bno excuse\b|\bby us\b|"
                          r"\bour (own )?(driver|rider|van|warehouse|team|staff|factory|engineer|software|system|"
                          r"portal|app|website|site|booking (page|system)|scanner|yard|depot)s?\b|"
                          r"\bnot (anything|something) you\b|"
                          r"\bwe (moved|sent|dispatched|changed|left|picked)\b)"),
         "ja": re.compile(r"(弊社の(責任|不手際|確認不足|落ち度|ミス)|当社の(責任|不手際)|"
                          r"私どもの(責任|不手際|確認不足|落ち度)|"
                          r"こちらの(責任|ミス|確認不足|落ち度|不手際)|当店の(責任|ミス|不手際|確認不足)|"
                          r"言い訳|責任は(弊社|当社|私ども|当店)|選んだ|弊社(の|が|から|工場|倉庫)|当社(の|が|倉庫)|うちの店|"
                          r"ではなく|弊社システム|当社システム|弊社の(システム|配送センター|倉庫))")}
# Hedged or agentless accounts of our own failure ("it seems the order was…", 「〜ようです」): passive
# evasion when nobody in the sentence did it. Hearsay about the customer (「お使いとのことで」) is not one.
_HEDGE = {"en": re.compile(r"\b(it seems|it appears|it looks like|appears to have|seems to have|may not have been|"
                           r"might have been|was (apparently|somehow)|mistakes were made|an error (occurred|was made)|"
                           r"errors? (were|was) made|(were|was) (generated|sent|issued|processed|entered) "
                           r"(with|in error|incorrectly))"),
          "ja": re.compile(r"(ようです|ようでして|ようでございます|ものと存じます|と思われます|手違いがあった|"
                           r"ミスがあった|が判明いたしました)")}
_AGENT = {"en": re.compile(r"\b(we|i|our team|i've|we've|we're|i'm)\b"),
          "ja": re.compile(r"(弊社|私ども|当店|当社|私が|わたし|こちらで|こちらの|私の)")}
_COMMITMENT = re.compile(r"(\bwill\b|\bby\b|\bwithin\b|\bbefore\b|\bcall you\b|\btomorrow\b|\bevery\b|"
                         r"\bfrom (now|today|this|next)\b|までに|いたします|今後|明日|毎朝|以降"
                         r"|させていただきます|ご連絡します|予定です)")


class CoachModel(Protocol):
    def sentence_problems(self, texts: Sequence[str]) -> list[dict[str, float]]: ...

    def elements(self, text: str) -> dict[str, float]: ...


def sentences(text: str) -> list[str]:
    """Sentences: split after . ! ? 。 ！ ？ and at line ends; empty pieces dropped."""
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def needed_elements(situation: Mapping[str, Any]) -> set[str]:
    """What an apology for this situation must carry (LABELLING.md, "What a situation needs")."""
    severity = str(situation.get("severity") or "medium")
    rank = ("low", "medium", "high", "critical").index(severity) if severity in (
        "low", "medium", "high", "critical") else 1
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
            "good": self.good, "verdict": self.verdict, "locale": self.locale,
            "avoid": [{"id": f.problem, "phrase": f.phrase, "why": f.why, "rewrite": f.rewrite}
                      for f in self.findings],
            "missing": list(self.missing), "present": list(self.present), "tips": list(self.tips),
            "situation": dict(self.situation),
        }


@dataclass(frozen=True)
class Tuning:
    problem: float = 0.5
    # Problems the model ranks cleanly (almost no good draft scores high) count from a lower score;
    # chosen on rounds 1–2, leaving one writer out (bench/coach_eval.py).
    per_problem: Mapping[str, float] = field(default_factory=lambda: {
        "bribe": 0.3, "review_request": 0.3, "over_promise": 0.3, "policy_shield": 0.3})
    element: float = 0.35  # an element counts as there from this probability: doubt favours the staffer
    cue: float = 0.75  # the score of a finding set by a cue phrase


class Coach:
    def __init__(self, model: CoachModel, wording: Mapping[str, Mapping[str, Mapping[str, str]]],
                 tuning: Tuning | None = None) -> None:
        """`wording[locale]` has tables `why` and `rewrite` (by problem) and `tip` (by element)."""
        self.model = model
        self.wording = wording
        self.tuning = tuning or Tuning()
        self.cues = {locale: {problem: tuple(re.compile(p) for p in patterns)
                              for problem, patterns in (words.get("cues") or {}).items()}
                     for locale, words in wording.items()}

    def review(self, draft: str, situation: Mapping[str, Any] | None = None) -> Verdict:
        situation = dict(situation or {})
        locale = "ja" if _JAPANESE.search(draft) else "en"
        parts = sentences(draft)
        if not parts:
            return Verdict("fix", locale, (self._finding("no_apology", "", locale, 1.0),), situation=situation)
        probs = self.model.sentence_problems(parts)
        elements = self.model.elements(draft)
        folded = [normalise(p) for p in parts]
        regret_at = next((k for k, s in enumerate(folded) if REGRET[locale].search(s)), None)
        present = {e for e, p in elements.items() if p >= self.tuning.element}
        if regret_at is not None:
            present.add("regret")
        found: dict[str, Finding] = {}
        cues = self.cues.get(locale, {})
        for k, (sentence, p) in enumerate(zip(parts, probs, strict=True)):
            for problem, patterns in cues.items():
                if not any(c.search(folded[k]) for c in patterns):
                    continue
                if problem == "excuse_first" and (regret_at is None or k >= regret_at):
                    continue
                owned = _OWNS[locale].search(" ".join(folded[k:k + 2]))
                if problem in ("blame_third_party", "blame_customer") and owned:
                    continue
                self._keep(found, self._finding(problem, sentence, locale, self.tuning.cue))
            for problem, score in p.items():
                if problem in ("no_apology", "invented_facts", "excuse_first") or score < self._threshold(problem):
                    continue
                if problem == "wrong_register" and not CASUAL[locale].search(folded[k]):
                    continue
                self._keep(found, self._finding(problem, sentence, locale, score))
            excuse = p.get("excuse_first", 0.0)
            if excuse >= self._threshold("excuse_first") and regret_at is not None and k < regret_at:
                self._keep(found, self._finding("excuse_first", sentence, locale, excuse))
        if regret_at is not None:
            for k in range(regret_at):  # a reason before any apology is an excuse, however it is worded
                if _REASON[locale].search(folded[k]) and not _OPENING[locale].search(folded[k]):
                    self._keep(found, self._finding("excuse_first", parts[k], locale, 0.7))
                    break
        if regret_at is None:
            self._keep(found, self._finding("no_apology", parts[0], locale, 1.0))
            present.discard("regret")
        if situation.get("b2b") or (situation.get("contact") == "written" and locale == "ja"):
            for sentence, low in zip(parts, folded, strict=True):
                if CASUAL[locale].search(low):
                    self._keep(found, self._finding("wrong_register", sentence, locale, 0.9))
                    break
        for sentence, low in zip(parts, folded, strict=True):
            if _HEDGE[locale].search(low) and not _AGENT[locale].search(low) and not REGRET[locale].search(low):
                self._keep(found, self._finding("passive_evasion", sentence, locale, 0.6))
                break
        for k, low in enumerate(folded):
            near = " ".join(folded[k:k + 2])  # ownership may follow in the next sentence
            if (_THIRD_PARTY[locale].search(low) and _CAUSED[locale].search(low) and not _OWNS[locale].search(near)
                    and not REGRET[locale].search(low)):
                self._keep(found, self._finding("blame_third_party", parts[k], locale, 0.6))
                break
        summary = str(situation.get("summary") or "")
        if summary and _UNKNOWN[locale].search(normalise(summary)):
            for sentence, low in zip(parts, folded, strict=True):
                if _ASSERTS[locale].search(low):
                    self._keep(found, self._finding("invented_facts", sentence, locale, 0.75))
                    break
        if summary:
            for sentence in parts:
                if _COMMITMENT.search(normalise(sentence)):
                    continue
                known = normalise(summary)
                invented = [f for f in _FIGURE.findall(sentence) if f.strip() and normalise(f) not in known]
                if invented:
                    self._keep(found, self._finding("invented_facts", sentence, locale, 0.8))
                    break
        findings = sorted(found.values(), key=lambda f: PROBLEMS.index(f.problem))[:MAX_FINDINGS]
        needed = needed_elements(situation) if situation else {"regret", "responsibility", "repair"}
        missing = tuple(e for e in ELEMENTS if e in needed and e not in present)
        verdict = "fix" if findings else "stronger" if missing else "ready"
        tips = tuple(self._text(locale, "tip", e) for e in missing)
        return Verdict(verdict, locale, tuple(findings), missing, tuple(e for e in ELEMENTS if e in present), tips,
                       situation)

    def _threshold(self, problem: str) -> float:
        return self.tuning.per_problem.get(problem, self.tuning.problem)

    def _finding(self, problem: str, phrase: str, locale: str, score: float) -> Finding:
        return Finding(problem, phrase, self._text(locale, "why", problem), self._text(locale, "rewrite", problem),
                       score)

    @staticmethod
    def _keep(found: dict[str, Finding], finding: Finding) -> None:
        if finding.problem not in found or found[finding.problem].score < finding.score:
            found[finding.problem] = finding

    def _text(self, locale: str, table: str, key: str) -> str:
        words = self.wording.get(locale) or self.wording.get("en") or {}
        return str((words.get(table) or {}).get(key, ""))
