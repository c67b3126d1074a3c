"""A second pair of eyes on a staffer's own apology draft (`/oops check`, `owabi coach`).

The elements come from research on what makes apologies work:

- Lewicki, Polin & Lount (2016), "An Exploration of the Structure of Effective
  Apologies", Negotiation and Conflict Management Research 9(2): 177–196. Six components —
  expression of regret, explanation, acknowledgement of responsibility, declaration of
  repentance, offer of repair, request for forgiveness. Apologies with more components
  were rated more effective; acknowledgement of responsibility mattered most, then the
  offer of repair; the request for forgiveness mattered least.
- Lazare (2004), "On Apology", Oxford University Press: acknowledge the offence fully,
  explain without excusing, show remorse, and repair, with a commitment that carries on
  after the conversation.

Owabi checks for: regret, responsibility, explanation, repair, prevention (the
declaration of repentance made concrete: what changes) and follow-up (Lazare's continuing
commitment; the service-recovery habit of checking the fix held). A request for
forgiveness is left out on purpose: it scored lowest, and in a customer recovery it puts
work on the customer.

It also flags phrases that undo an apology: conditional apology, blaming the customer,
blaming a colleague or "the system", hiding behind policy, minimising, over-promising,
and "but" after sorry. Detection patterns live here; the words shown to the staffer (why
to avoid a phrase, how to add a missing element) live in responses/<locale>/coach.toml.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.domain import wording

ELEMENTS = ("regret", "responsibility", "explanation", "repair", "prevention", "follow_up")
ANTI_PATTERNS = (
    "conditional", "blame_customer", "blame_colleague", "policy", "minimising",
    "overpromise", "but_after_sorry",
)

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
_DAYS = r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|tonight)"
_SORRY_EN = r"\b(sorry|apologi[sz]e|apologies)\b"
_SORRY_JA = r"(申し訳|すみません|すいません|お詫び|ごめんなさい)"
_FEELINGS = r"(offend|upset|inconvenienc|hurt|bother|disappoint|unhappy|confus|annoy|frustrat)"

ELEMENT_PATTERNS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "regret": (r"\b(sorry|apologi[sz]e|apologies|apology|regret)\b",),
        "responsibility": (
            r"\b(my|our) (mistake|fault|error|responsibility)\b",
            r"\b(that|this|it)('s| is| was) on (me|us)\b",
            r"\b(i|we) take (full )?responsibility\b",
            r"\b(we|i) (were|was) wrong\b",
            r"\b(we|i) (made a mistake|messed up|got it wrong|let you down|dropped the ball)",
            r"\b(we|i) (sent|charged|missed|forgot|mixed|overcharged|billed|packed|shipped"
            r"|gave|lost|broke|damaged|failed)\b",
        ),
        "explanation": (
            r"\bbecause\b", r"\bwhat happened\b", r"\bthe (cause|reason)\b", r"\bcaused by\b",
            r"\bdue to\b", r"\bit turns out\b", r"\bwe found\b", r"\bhappened (when|because)",
            r"\b(was|were) (picked|packed|mislabell?ed|entered|keyed|applied|typed|scheduled)",
        ),
        "repair": (
            r"\b(refund|refunded|replace|replacement|re-?sen[dt]|reship|credit|credited"
            r"|corrected|correct the|fix(ed)?|waive|compensat\w*|free of charge)\b",
            r"\b(put|make|made) (it|this|things) right\b", r"\bat (our|no) (cost|charge)\b",
            r"\bon us\b", r"\bsen[dt](ing)? (you )?the (right|correct)\b", r"\bmake up for\b",
            r"\b(won't|will not) (charge|bill)\b", r"\btake care of (the|today's|your) (bill|cost)",
        ),
        "prevention": (
            r"\b(changing|changed|adding|added|introducing|introduced|updating|updated"
            r"|retraining|retrained)\b",
            r"\bfrom now on\b", r"\bgoing forward\b", r"\bin future\b",
            r"\bso (that )?(this|it) (doesn't|does not|won't|will not) happen",
            r"\bto (prevent|avoid) (this|it|a repeat)\b",
            r"\bnew (check|process|procedure|step|checklist)\b", r"\bdouble-?check",
        ),
        "follow_up": (
            r"\bfollow(ing)?[- ]up\b", r"\bcheck (in|back)\b", r"\bget back to you\b",
            r"\bi('ll| will) (call|email|contact|write|update|check|ring|phone|message|text)",
            r"\bkeep you (posted|updated|informed)\b", r"\blet you know\b",
            r"\b(by|on) " + _DAYS + r"\b",
        ),
    },
    "ja": {
        "regret": (r"申し訳|お詫び|すみません|すいません|ごめんなさい|失礼いたしました|陳謝|謝罪",),
        "responsibility": (
            r"(私ども|わたくしども|当社|弊社|当店|こちら)(の|が)(不手際|ミス|誤り|責任|落ち度|不注意)",
            r"私の(ミス|不注意|確認不足|責任|不手際|誤り)", r"責任を持って", r"不手際",
            r"落ち度", r"非がございます", r"私どもの責任",
        ),
        "explanation": (
            r"原因", r"経緯", r"ため(?!に)", r"により", r"によって", r"確認したところ",
            r"調べたところ", r"際に",
        ),
        "repair": (
            r"返金", r"交換", r"再送", r"訂正", r"修正", r"無償", r"負担いたします", r"補償",
            r"代わりの", r"差額", r"やり直", r"お取り替え", r"お送りいたします",
            r"お届けいたします", r"手配いたし", r"お詫びのしるし",
            r"(代金|料金|費用)はいただきません",
            r"お代は結構",
        ),
        "prevention": (
            r"再発防止", r"今後(は|、)", r"二度とこのような", r"見直", r"改善", r"徹底",
            r"改め(ます|ました|る|て)", r"チェック", r"確認を(強化|徹底|追加)", r"手順",
        ),
        "follow_up": (
            r"改めて(ご連絡|お電話|ご報告|お伺い)", r"ご報告いたします", r"ご連絡いたします",
            r"ご連絡差し上げます", r"後日", r"フォロー", r"までに(ご連絡|ご報告)",
            r"確認させていただきます",
            r"(明日|明後日|週明け|[0-9]+日|[月火水木金土日]曜日?)(に|まで|、)",
        ),
    },
}

AVOID_PATTERNS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "conditional": (
            _SORRY_EN + r"( \w+){0,3} if\b",
            r"\bif (you were|you are|you feel|you felt|you've been|you have been|anyone was"
            r"|this caused|that caused|this has caused|it caused)\b.{0,30}" + _FEELINGS + r"\w*",
            r"\bsorry (that )?you (feel|felt|were|are) (that way|upset|offended)",
            r"\bto the extent that\b", r"\bin case you were\b",
        ),
        "blame_customer": (
            r"\byou (should|could) have\b",
            r"\byou (didn't|did not|failed to|forgot to|never) (read|check|tell|specify"
            r"|mention|say|give|fill|enter|provide|confirm|follow)",
            r"\byour (fault|mistake|error)\b", r"\byou must have\b",
            r"\bas (you were|we) (told|informed|explained|stated)\b",
            r"\bif you had (read|checked|told|called|given|followed)\b",
            r"\byou were supposed to\b", r"\byou ordered the wrong\b", r"\buser error\b",
            r"\bon your (end|side)\b", r"\bclearly (stated|mentioned|written|marked)\b",
        ),
        "blame_colleague": (
            r"\b(my|our|a|the) (colleague|co-?worker|teammate|intern|trainee|temp"
            r"|new (guy|girl|hire|starter)|warehouse|courier|driver|supplier|manufacturer"
            r"|other (department|team)|it (department|team)|accounts team|back office)s?"
            r"( team)? (made|messed|screwed|forgot|sent|got|did|mixed|lost|broke|dropped"
            r"|put|was to blame)\b",
            r"\b(it|this) was(n't| not) (me|my fault|my department)\b",
            r"\bnot my (fault|department|job|responsibility)\b",
            r"\b(courier|driver|warehouse|supplier|system|computer|software)('s|s)? (fault"
            r"|error|mistake|glitch)\b",
            r"\b(someone|somebody) else('s)? (fault|mistake|error|did)\b",
            r"\bthe system (did|made|sent|charged|messed)\b", r"\bblame (the|our|my) \w+",
        ),
        "policy": (
            r"\b(it's|it is|that's|that is|company|our|the) polic(y|ies)\b",
            r"\bpolicy (says|is|states|doesn't|does not|won't)\b",
            r"\b(our|the) (rules|terms and conditions)\b", r"\bper our (policy|terms|rules)\b",
            r"\b(i'm|i am|we're|we are) not (allowed|authori[sz]ed|permitted) to\b",
            r"\bnothing (i|we) can do\b", r"\bhands are tied\b", r"\bout of (my|our) hands\b",
            r"\bprocedure (says|requires)\b",
        ),
        "minimising": (
            r"\bjust (a|an|one|\d+|a few|a little|a bit|slightly|minor|late|small)\b",
            r"\b(it|that)('s| is| was) (just|only)\b",
            r"\bonly (a|an|one|\d+) (small|little|minor|tiny|few|day|hour|minute|couple)",
            r"\b(small|minor|slight|tiny|little) (mistake|error|issue|problem|delay"
            r"|hiccup|glitch|mix-up|oversight|inconvenience)s?\b",
            r"\b(not a|no) big deal\b", r"\b(these things|mistakes|it) happens?\b",
            r"\bany inconvenience\b", r"\b(a bit|a little|slightly) (late|off|wrong)\b",
        ),
        "overpromise": (
            r"\bnever (happen )?again\b", r"\b(will|'ll) never happen\b", r"\bguarantee",
            r"\b100 ?%", r"\brest assured\b", r"\bi promise (this|it) (won't|will never)\b",
            r"(?<!so )(?<!so that )\b(it|this) (won't|will not) (ever )?happen again\b",
        ),
        "but_after_sorry": (
            _SORRY_EN + r"[^.!?\n]{0,80}?\b(but|however|though)\b",
            _SORRY_EN + r"[^.!?\n]*[.!?]\s*(but|however|that said)\b",
        ),
    },
    "ja": {
        "conditional": (
            r"(でしたら|のであれば|であれば|なら|ましたら|たら)[、,]?\s*(申し訳|お詫び|すみません"
            r"|ごめんなさい|謝)",
            r"もし[^。]{0,30}(申し訳|お詫び)",
        ),
        "blame_customer": (
            r"お客様(の|が)(ご確認|確認)(不足|漏れ|されなかった|いただけなかった|されていない)",
            r"お客様の(ミス|誤り|勘違い|落ち度|責任|せい|ご指定ミス|入力ミス)",
            r"お客様が(間違え|誤って|勘違い|入力を誤)", r"ご確認(いただけ|いただいて|頂け)れば",
            r"ご確認いただいていれば", r"(お読み|ご覧)いただければ(分か|わか)",
            r"(記載|明記|ご案内)(して|いたして)?おります(ので|が)", r"お伝えしたはず",
            r"説明したはず",
        ),
        "blame_colleague": (
            r"(担当者|担当の者|スタッフ|店員|新人|バイト|アルバイト|パート|前任者?|別の担当"
            r"|倉庫|配送業者|運送会社|業者|取引先|メーカー|システム|他部署|経理|工場)(の|が)"
            r"(ミス|せい|不手際|間違い|間違え|誤り|責任|不注意|勘違い)",
            r"私の(せい|責任)では", r"(私|わたくし)の担当では", r"担当外",
        ),
        "policy": (
            r"(規則|規定|決まり|ルール|方針|マニュアル)(ですので|でして|ですから|により|上"
            r"|となっております|通り|どおり)",
            r"(いたし|致し|し|でき)かねます",
        ),
        "minimising": (
            r"(たいした|大した)(こと|問題)(では|じゃ)", r"少し(だけ|遅れ|の遅れ)",
            r"ちょっとした", r"わずか(な|に|の)", r"些細な", r"軽微な", r"たった",
            r"(一日|1日|数分|数日|少し)だけ", r"だけですので", r"よくある(こと|ミス|話)",
            r"誰にでもある",
        ),
        "overpromise": (
            r"二度と(ありません|起こりません|起きません|いたしません|ございません|発生しません)",
            r"絶対に", r"必ず二度と", r"保証(いたします|します)", r"100(%|パーセント)",
            r"百パーセント", r"決して(起こり|起き|あり)ません",
        ),
        "but_after_sorry": (
            _SORRY_JA + r"[^。！？!?\n]{0,30}?(ませんが|ますが|ですが|したが|けれど|けど|しかし"
            r"|ただし|ただ、|とはいえ|でも、)",
            _SORRY_JA + r"[^。\n]*。\s*(しかし|ですが|ただ、|ただし|とはいえ|でも)",
        ),
    },
}


@dataclass(frozen=True, slots=True)
class Avoid:
    phrase: str
    kind: str
    reason: str


@dataclass(frozen=True, slots=True)
class Review:
    locale: str
    present: tuple[str, ...]
    missing: tuple[str, ...]
    avoid: tuple[Avoid, ...]
    tips: tuple[tuple[str, str], ...] = ()

    @property
    def good(self) -> bool:
        return not self.missing and not self.avoid

    def as_json(self) -> dict[str, Any]:
        return {
            "locale": self.locale,
            "present": list(self.present),
            "missing": list(self.missing),
            "avoid": [{"phrase": a.phrase, "kind": a.kind, "reason": a.reason}
                      for a in self.avoid],
            "tips": [{"element": e, "tip": t} for e, t in self.tips],
            "good": self.good,
        }


def detect_locale(draft: str) -> str:
    return "ja" if _JAPANESE.search(draft) else "en"


def _normalise(draft: str) -> str:
    text = unicodedata.normalize("NFKC", draft)
    return text.replace("’", "'").replace("‘", "'")


def _matches(text: str, patterns: tuple[str, ...]) -> list[re.Match[str]]:
    return [m for p in patterns for m in re.finditer(p, text, re.IGNORECASE)]


Span = tuple[str, int, int]  # (anti-pattern kind, start, end)


def find_avoid(text: str, locale: str) -> list[Span]:
    """Every phrase to avoid, in order; overlapping hits of one kind become one phrase."""
    hits = sorted(
        (m.start(), m.end(), kind)
        for kind, patterns in AVOID_PATTERNS[locale].items()
        for m in _matches(text, patterns)
    )
    merged: dict[str, list[list[int]]] = {}
    for start, end, kind in hits:
        spans = merged.setdefault(kind, [])
        if spans and start <= spans[-1][1] + 1:  # touching hits read as one phrase
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    found = [(kind, s, e) for kind, spans in merged.items() for s, e in spans]
    return sorted(found, key=lambda f: (f[1], ANTI_PATTERNS.index(f[0])))


def _masked(text: str, spans: list[Span]) -> str:
    """Blank out what to avoid, so "sorry if…" doesn't also count as regret; a refusal on
    policy blanks its whole sentence, so "no refund, it's policy" isn't counted as repair."""
    chars = list(text)
    for kind, start, end in spans:
        if kind == "policy":
            start, end = _sentence(text, start, end)
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    stops = ".!?。！？\n"
    before = max(text.rfind(c, 0, start) for c in stops)
    after = [i for i in (text.find(c, end) for c in stops) if i >= 0]
    return before + 1, min(after, default=len(text))


def find_elements(text: str, locale: str) -> list[str]:
    return [e for e in ELEMENTS if _matches(text, ELEMENT_PATTERNS[locale][e])]


def review(draft: str, *, override: Path | None = None) -> Review:
    """Review a draft apology in the language it was written in."""
    locale = detect_locale(draft)
    text = _normalise(draft)
    avoid = find_avoid(text, locale)
    present = find_elements(_masked(text, avoid), locale)
    missing = tuple(e for e in ELEMENTS if e not in present)
    words = wording.load("coach", locale, override=override)
    return Review(
        locale=locale,
        present=tuple(present),
        missing=missing,
        avoid=tuple(Avoid(text[start:end].strip(), kind, _text(words, "reason", kind))
                    for kind, start, end in avoid),
        tips=tuple((e, _text(words, "tip", e)) for e in missing),
    )


def _text(words: Mapping[str, Any], table: str, key: str) -> str:
    return str(words.get(table, {}).get(key, key))
