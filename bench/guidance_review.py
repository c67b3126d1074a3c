"""A review of the reporter's guidance you can repeat: rendered examples, sizes and rule checks.

    .venv/bin/python bench/guidance_review.py [--write bench/guidance_review.md] [--triaged]

1. **A fixed spread of situations** (facet combinations × en/ja × channel) is rendered as the
   reporter would read it, for a human reviewer.
2. **Every report of the corpus** (data/corpus/reports, both languages) gets its guidance from its
   gold labels (category, severity, facets, who found it), or with `--triaged` from what triage
   read, the model trained only on the development writers (en1–3, ja1–3) and reading the held-out
   ones: the figure a real staffer would get. Each script is checked against the rules the card
   must keep:
   - the Say now + Fix + Next contact budget (≤ 90 English words / ≤ 250 Japanese characters);
   - the whole script ≤ 350 English words (Japanese: characters reported);
   - the first sentence said to the customer apologises;
   - a report with a safety facet opens with safety;
   - a personal-data report carries the four notice elements;
   - no line states as done what the staffer has not done ("I've refunded", 「返金いたしました」);
   - each facet that has a module gets it (module coverage).
   A script passes when it keeps every rule.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import resources
from bot.domain.guidance import IN_THE_LETTER, MAX_MODULES, Authority
from bot.domain.model import Severity
from bot.guidance_text import Guidance, ScriptContext, size
from bot.learning.corpus import Item, load
from bot.wording import Renderer, plain

FOLLOW_UP = {s: None for s in Severity}
AUTHORITY = {"en": Authority("$", 25, 100), "ja": Authority("¥", 3000, 10000)}
APOLOGY = {"en": re.compile(r"(?i)\b(sorry|apologi[sz]e)"), "ja": re.compile(r"申し訳|お詫び")}
CLAIMS = {
    "en": re.compile(
        r"(?i)\b(I've|I have|we've|we have)\s+(already\s+)?(refunded|corrected|credited|fixed|replaced|"
        r"deleted|asked|sent|cancelled|contacted)\b|\b(has|have) already been\b"
    ),
    "ja": re.compile(r"(返金|訂正|発送|削除|交換|対応|手配|連絡)(いたしました|しました|済み|させていただきました)"),
}
FOUR = {  # what data, likely consequences, what we did, whom to contact
    "en": (
        r"(?i)what data|details that went|what went",
        r"(?i)could mean",
        r"(?i)what we have done|we have \[",
        r"(?i)whom to contact|is your contact",
    ),
    "ja": (r"どの情報|記載されていた情報", r"影響|おそれ", r"弊社が行った|弊社では", r"お問い合わせ"),
}
MODULE_FOR = {
    "repeat_failure": "repeat",
    "public_exposure": "public_reply",
    "vulnerable_customer": "vulnerable",
    "many_customers": "many",
    "legal_risk": "legal",
    "personal_data": "privacy_notice",
}
SPREAD = [
    (
        "allergic reaction at a table",
        "quality_defect",
        "critical",
        ("safety_risk", "harmed", "customer_angry"),
        "customer",
        {
            "en": "Served the satay to table 4 after she told us nut allergy; lips swelled, ambulance called.",
            "ja": "ナッツアレルギーと伺っていたのにサテをお出しし、唇が腫れて救急車を呼びました。",
        },
    ),
    (
        "child released to the wrong adult",
        "other",
        "critical",
        ("safety_risk", "vulnerable_customer"),
        "us",
        {
            "en": "After-school club let a 7-year-old go home with an adult not on the pickup list. He is safe now.",
            "ja": "学童で、お迎えリストにない大人に7歳のお子様を引き渡してしまいました。今は無事です。",
        },
    ),
    (
        "invoice sent to the wrong client",
        "privacy_breach",
        "high",
        ("personal_data", "b2b"),
        "us",
        {
            "en": "Emailed the Harlow Ltd invoice with staff salaries to another client by mistake.",
            "ja": "A社様の給与明細入りの請求書を、誤って別の取引先に送ってしまいました。",
        },
    ),
    (
        "B2B line stop, second time",
        "late_delivery",
        "critical",
        ("b2b", "repeat_failure", "financial_loss"),
        "customer",
        {
            "en": "Parts for Kato Manufacturing arrived late again; their line stopped for 3 hours.",
            "ja": "加藤製作所様への部品納入がまた遅れ、先方のラインが3時間止まりました。",
        },
    ),
    (
        "wedding cake late, posted online",
        "late_delivery",
        "high",
        ("public_exposure", "customer_angry"),
        "public",
        {
            "en": "Cake for her wedding on Saturday arrived two hours late; she posted about it on Instagram.",
            "ja": "土曜日の結婚式用のケーキが2時間遅れ、結婚式に間に合わず、お客様がSNSに投稿されました。",
        },
    ),
    (
        "wobbly chair",
        "other",
        "low",
        (),
        "customer",
        {"en": "Guest's chair was wobbly, swapped it.", "ja": "お客様の椅子がぐらついていたので交換しました。"},
    ),
    (
        "rude remark at the counter",
        "rude_service",
        "medium",
        ("customer_angry",),
        "customer",
        {
            "en": "Colleague snapped at an elderly customer who asked twice about her prescription.",
            "ja": "処方の内容を二度お尋ねになったご高齢のお客様に、きつい言い方をしてしまいました。",
        },
    ),
    (
        "SaaS outage for many",
        "outage",
        "critical",
        ("many_customers", "b2b"),
        "us",
        {
            "en": "Our booking platform was down 4 hours this morning for all clinics.",
            "ja": "今朝、予約システムが4時間停止し、全医院でご利用いただけませんでした。",
        },
    ),
    (
        "double charge",
        "billing_error",
        "medium",
        ("financial_loss",),
        "customer",
        {"en": "Charged Mr Osei twice for his room, $180 each.", "ja": "オセイ様のお部屋代を二重にご請求しました。"},
    ),
]
CHANNELS = ("in_person", "phone", "written")


def count(text: str, locale: str) -> int:
    """English words, or Japanese characters (no spaces, no markup): the measure the budget uses."""
    return size(plain(text), "chars" if locale == "ja" else "words")


def first_sentence(say: str, locale: str) -> str:
    body = re.sub(r"\b(Mr|Mrs|Ms|Dr|Prof|Mx)\.", r"\1", say.strip("“”「」"))
    parts = re.split(r"(?<=[。.!?])\s*", body)
    return parts[0] if parts else body


def opening(g: Guidance, locale: str) -> str:
    """The first sentence said; when a person's safety is at stake, "they are safe" may precede it."""
    s = g.plan.situation
    if g.plan.safety and s.safety_kind == "person" and not s.personal_data:
        body = re.sub(r"\b(Mr|Mrs|Ms|Dr|Prof|Mx)\.", r"\1", g.say.strip("“”「」"))
        return "".join(re.split(r"(?<=[。.!?])\s*", body)[:2])
    return first_sentence(g.say, locale)


def check(g: Guidance, ctx: ScriptContext, facets: set[str]) -> dict[str, bool]:
    loc = ctx.locale
    text = "\n".join(g.mrkdwn())
    card = count(g.card_text(), loc)
    whole = count(text, loc)
    said = " ".join(p.text for p in g.card if p.key in ("say", "fix", "letter")) + g.say
    rules = {
        "card_budget": card <= (250 if loc == "ja" else 90),
        "whole_budget": whole <= 350 if loc == "en" else True,
        "apology_first": bool(APOLOGY[loc].search(opening(g, loc))),
        "safety_first": (g.card[0].key == "safety") if {"safety_risk", "harmed"} & facets else True,
        "four_elements": all(re.search(p, text) for p in FOUR[loc])
        if ("personal_data" in facets or ctx.category == "privacy_breach")
        else True,
        "nothing_claimed": not CLAIMS[loc].search(said),
        "modules": all(
            MODULE_FOR[f] in g.modules
            for f in facets
            if f in MODULE_FOR and not (g.letter and MODULE_FOR[f] in IN_THE_LETTER)
        )
        or len(g.modules) >= MAX_MODULES - (1 if g.letter else 0),
    }
    return rules


def ctx_for(
    category: str,
    severity: str,
    contact: str,
    locale: str,
    facets: tuple[str, ...],
    found_by: str,
    text: str,
    customer: str = "",
) -> ScriptContext:
    return ScriptContext(
        category,
        severity,
        contact,
        locale,
        customer=customer,
        facets=facets,
        found_by=found_by,
        text=text,
        authority=AUTHORITY[locale],
        emergency="119" if locale == "ja" else "",
    )


def corpus_run(renderer: Renderer, items: list[Item], labels: dict[str, dict]) -> dict:
    totals: Counter[str] = Counter()
    fails: Counter[str] = Counter()
    sizes: dict[str, list[int]] = defaultdict(list)
    fired: dict[str, Counter[str]] = defaultdict(Counter)
    for item in items:
        lab = labels[item.id]
        facets = tuple(lab["facets"])
        for contact in CHANNELS:
            ctx = ctx_for(lab["category"], lab["severity"], contact, item.locale, facets, lab["found_by"], item.text)
            g = renderer.guidance(ctx)
            rules = check(g, ctx, set(facets))
            totals[item.locale] += 1
            if all(rules.values()):
                totals[item.locale + ":pass"] += 1
            for name, ok in rules.items():
                if not ok:
                    fails[f"{item.locale}:{name}"] += 1
            sizes[f"{item.locale}:card"].append(count(g.card_text(), item.locale))
            sizes[f"{item.locale}:whole"].append(count("\n".join(g.mrkdwn()), item.locale))
            for f in facets:
                for m in g.modules:
                    fired[f][m] += 1
    return {"totals": totals, "fails": fails, "sizes": sizes, "fired": fired}


def triaged_labels(items: list[Item]) -> tuple[list[Item], dict[str, dict]]:
    from bot.domain.triage import Triager
    from bot.learning.reader import load_lexicons
    from bot.learning.triage_model import TriageModel

    dev = {"en1", "en2", "en3", "ja1", "ja2", "ja3"}
    train = [i for i in items if i.writer in dev]
    test = [i for i in items if i.writer not in dev]
    lexicons = load_lexicons()
    triager = Triager(lexicons, TriageModel(lexicons).fit(train))
    out = {}
    for item in test:
        t = triager.read(item.text, default_locale=item.locale)
        out[item.id] = {
            "category": t.category,
            "severity": t.severity.value,
            "facets": list(t.facets),
            "found_by": t.found_by,
        }
    return test, out


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}%" if b else "-"


def quantile(values: list[int], q: float) -> int:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] if s else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="also write the rendered spread and figures as Markdown")
    parser.add_argument("--triaged", action="store_true", help="facets from held-out triage, not gold labels")
    args = parser.parse_args()
    renderer = Renderer(resources.responses_dir())
    items = load("reports")
    if args.triaged:
        items, labels = triaged_labels(items)
        source = "triage (trained on en1–3/ja1–3, reading en4–6/ja4–6)"
    else:
        labels = {i.id: i.labels for i in items}
        source = "gold labels"
    run = corpus_run(renderer, items, labels)
    out: list[str] = ["# Guidance review", "", f"Facts from {source}; every report × in person, phone, written.", ""]
    out += [
        "| locale | scripts | pass | card median / p95 / max | whole median / p95 / max |",
        "| --- | --- | --- | --- | --- |",
    ]
    for loc, unit in (("en", "words"), ("ja", "chars")):
        t = run["totals"][loc]
        card, whole = run["sizes"][f"{loc}:card"], run["sizes"][f"{loc}:whole"]
        out.append(
            f"| {loc} | {t} | {pct(run['totals'][loc + ':pass'], t)} | "
            f"{quantile(card, 0.5)} / {quantile(card, 0.95)} / {max(card, default=0)} {unit} | "
            f"{quantile(whole, 0.5)} / {quantile(whole, 0.95)} / {max(whole, default=0)} {unit} |"
        )
    out += ["", "Failures by rule: " + (", ".join(f"{k} {v}" for k, v in sorted(run["fails"].items())) or "none"), ""]
    out += ["## Modules fired, by facet (share of scripts with that facet)", "", "| facet | modules |", "| --- | --- |"]
    for facet, counter in sorted(run["fired"].items()):
        n = sum(1 for i in items for _ in CHANNELS if facet in labels[i.id]["facets"])
        out.append(f"| {facet} | " + ", ".join(f"{m} {pct(c, n)}" for m, c in counter.most_common(5)) + " |")
    print("\n".join(out))
    if args.write:
        spread = ["", "## A fixed spread, rendered", ""]
        for name, category, severity, facets, found_by, texts in SPREAD:
            for locale in ("en", "ja"):
                for contact in CHANNELS:
                    customer = ""
                    ctx = ctx_for(category, severity, contact, locale, facets, found_by, texts[locale], customer)
                    g = renderer.guidance(ctx)
                    rules = check(g, ctx, set(facets))
                    spread += [
                        f"### {name} · {locale} · {contact} ({category}, {severity}; "
                        f"{', '.join(facets) or 'no facets'}; found by {found_by})",
                        "",
                        f"Report: {texts[locale]}",
                        "",
                        f"Card {count(g.card_text(), locale)} · whole {count(chr(10).join(g.mrkdwn()), locale)} "
                        f"{'chars' if locale == 'ja' else 'words'} · modules: {', '.join(g.modules) or '-'} · "
                        f"rules: {', '.join(k for k, v in rules.items() if not v) or 'all kept'}",
                        "",
                        "```",
                        "\n\n".join(plain(s) for s in g.mrkdwn()),
                        "```",
                        "",
                    ]
        spread += ["## What the boss is told, for the same spread", ""]
        for name, category, severity, facets, found_by, texts in SPREAD:
            for locale in ("en", "ja"):
                body = boss_text(renderer, locale, category, severity, facets, found_by, texts[locale])
                spread += [f"### boss · {name} · {locale}", "", "```", plain(body), "```", ""]
        args.write.write_text("\n".join(out + spread) + "\n", encoding="utf-8")


def boss_text(
    renderer: Renderer, locale: str, category: str, severity: str, facets: tuple[str, ...], found_by: str, text: str
) -> str:
    """The boss DM's body as the boss would read it (the real composer, a made-up incident)."""
    from bot.domain.model import Contact, Incident, State
    from bot.guidance_text import PolicyFacts
    from bot.slack.compose import Composer

    policy = PolicyFacts(AUTHORITY[locale], {}, "119" if locale == "ja" else "")
    composer = Composer(renderer, ui_locale=locale, policy=policy)
    incident = Incident(
        id=1,
        ref="OOPS-0042",
        created_at=0.0,
        reporter="U0STAFF01",
        text=text,
        category=category,
        severity=Severity(severity),
        locale=locale,
        contact=Contact.PHONE,
        customer="",
        chain=("U0LEAD01",),
        team=None,
        state=State.REPORTED,
        facets={f: [] for f in facets},
        details={"found_by": found_by},
    )
    blocks = composer.boss_dm(incident, boss="U0LEAD01")["blocks"]
    out = []
    for b in blocks:
        if b.get("type") == "section":
            out.append(b["text"]["text"])
        elif b.get("type") == "context":
            out.append(b["elements"][0]["text"])
        elif b.get("type") == "actions":
            out.append(" | ".join(e["text"]["text"] for e in b["elements"]))
        elif b.get("type") == "header":
            out.append(b["text"]["text"])
    return "\n".join(out)


if __name__ == "__main__":
    main()
