"""The reporter's guidance: a 30-second card that fits the situation, then the details.

Rendered from the bundled wording, for every category × severity × contact in both
languages and with the facets that change it; what is asserted is what the staffer reads.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable

import pytest
from slack_sdk.models.blocks import SectionBlock
from slack_sdk.models.blocks.basic_components import MarkdownTextObject

from bot.domain.guidance import Authority, customer_loss
from bot.domain.model import Category, Contact, Severity, State
from bot.guidance_text import Guidance, ScriptContext, size
from bot.learning.coaching import default_coach
from bot.resources import responses_dir
from bot.slack import ids
from bot.wording import Renderer, plain
from tests.conftest import LEAD, POLICY, STAFF, STRANGER, Harness
from tests.lifecycle_helpers import press

LOCALES = ("en", "ja")
FACET_SETS = (
    (),
    ("safety_risk", "harmed"),
    ("personal_data",),
    ("b2b",),
    ("b2b", "repeat_failure"),
    ("public_exposure", "customer_angry"),
    ("vulnerable_customer", "safety_risk"),
    ("many_customers",),
    ("legal_risk", "personal_data", "b2b"),
)
COMBOS = list(itertools.product(Category, Severity, Contact, LOCALES))
YEN = Authority("¥", 3000, 10000)

# Never put in a staffer's mouth, whatever else changes.
FORBIDDEN = (
    "sorry if",
    "sorry, but",
    "our policy",
    "calm down",
    "you should have",
    "never happen again",
    "guarantee",
    "just a",
    "でしたら申し訳",
    "規則ですので",
    "二度とありません",
    "絶対に",
    "たいしたこと",
    "申し訳ございませんが",
)
CLAIMED = {
    "en": re.compile(
        r"(?i)\b(I've|I have|we've|we have)\s+(already\s+)?(refunded|corrected|credited|"
        r"fixed|replaced|deleted|asked|sent)\b|\b(has|have) already been\b"
    ),
    "ja": re.compile(r"(返金|訂正|発送|削除|交換)(いたしました|しました|済み)"),
}
APOLOGY = {"en": re.compile(r"(?i)\bsorry\b|apologi[sz]e"), "ja": re.compile(r"申し訳|お詫び")}
# The review's corrections: none of the old wording may come back anywhere in Japanese.
JA_CORRECTED = (
    "［お名前］でございます",
    "お詫びがあり",
    "お待たせしたお礼の品",
    "お受け取りください",
    "負担を判断",
    "そのままお持ちください",
    "速達",
    "ご返送はご不要",
    "お客様にもほかの方にも",
    "本日中と来週",
    "改めていたします",
    "お客様ご自身を守る",
    "すべて私どもで負担",
    "お時間）も負担",
    "大変失礼をいたしました",
    "ご利用になりたい時に",
    "確実にお守りできる",
    "まず解決し",
    "問題を小さく保ちます",
    "人前で振り返らない",
    "ご訪問",
    "させていただきます",
    "飾った定型文",
    "接客態度の件",
    "その他の件",
    "お詫びのしるしとして、不良品の代金",
    "二度目であり",
    "ご不安をおかけ",
    "影響］も含め",
)


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(responses_dir())


def ctx(
    category: str = "late_delivery",
    severity: str = "medium",
    contact: str = "phone",
    locale: str = "en",
    facets: tuple[str, ...] = (),
    text: str = "",
    customer: str = "Ms Tanaka",
    found_by: str = "customer",
    authority: Authority = YEN,
    emergency: str = "",
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
        authority=authority,
        emergency=emergency,
    )


def whole(g: Guidance) -> str:
    return "\n".join(g.mrkdwn())


@pytest.mark.parametrize(("category", "severity", "contact", "locale"), COMBOS)
def test_every_situation_gets_a_short_card_that_apologises_first(
    renderer: Renderer, category: Category, severity: Severity, contact: Contact, locale: str
) -> None:
    unit, card_max = ("chars", 250) if locale == "ja" else ("words", 90)
    for facets in FACET_SETS:
        g = renderer.guidance(ctx(category.value, severity.value, contact.value, locale, facets))
        sentences = re.split(r"(?<=[。.])\s*", re.sub(r"\b(Mr|Mrs|Ms|Dr)\.", r"\1", g.say))
        safe_first = g.plan.safety and g.plan.situation.safety_kind == "person" and not g.plan.situation.personal_data
        opening = "".join(sentences[:2]) if safe_first else sentences[0]  # "they are safe" may come first
        assert APOLOGY[locale].search(opening), (facets, g.say)
        assert size(g.card_text(), unit) <= card_max, (facets, g.card_text())
        if locale == "en":
            assert size(whole(g), "words") <= 350, facets
        for text in g.mrkdwn():
            SectionBlock(text=MarkdownTextObject(text=text)).to_dict()  # Slack's own limits
        said = " ".join(p.text for p in g.card if p.key in ("say", "fix", "letter"))
        assert not CLAIMED[locale].search(said), said
        assert not [f for f in FORBIDDEN if f in said.lower()], said


def test_the_report_changes_the_card(renderer: Renderer) -> None:
    """The review's first finding: an allergic reaction and a lost umbrella got the same card."""
    allergy = renderer.guidance(
        ctx("quality_defect", "critical", "in_person", facets=("safety_risk", "harmed"), emergency="119")
    )
    umbrella = renderer.guidance(ctx("other", "low", "in_person"))
    assert allergy.card[0].key == "safety" and "called 119" in allergy.card[0].text
    assert "medical advice" in allergy.part("dont").text  # type: ignore[union-attr]
    assert "staying with you" in allergy.say and "our mistake" not in allergy.say  # care, not a verdict on fault
    make_good = allergy.part("make_good").text  # type: ignore[union-attr]
    assert "insurer" in make_good and "¥" not in make_good
    assert umbrella.card[0].key == "say" and "safety" not in whole(umbrella).lower()
    assert "Before they leave" in umbrella.part("next").text  # type: ignore[union-attr]
    assert umbrella.part("make_good") is None and umbrella.part("explain") is None  # a low slip stays light


def test_a_child_in_danger_gets_safeguarding_not_a_food_recall(renderer: Renderer) -> None:
    for locale, banned in (("en", ("dish", "batch", "eaten", "product")), ("ja", ("料理", "ロット", "保健所"))):
        g = renderer.guidance(
            ctx(
                "other", "critical", "phone", locale, ("safety_risk", "vulnerable_customer"), found_by="us", customer=""
            )
        )
        text = whole(g)
        assert not [w for w in banned if w in text], (locale, [w for w in banned if w in text])
        assert ("police" in text) if locale == "en" else ("110番" in text)
        assert "question_child" in g.plan.donts and not g.plan.approvable


@pytest.mark.parametrize(
    ("locale", "category", "text", "wanted", "banned"),
    [
        (
            "ja",
            "quality_defect",
            "データセンター様でドレン詰まりの漏水、配線ラックが濡れてテナントの機器が1台停止",
            "危険な場所・物に人を近づけず",
            ("アレルギー", "厨房", "お食事", "口に", "お迎え", "お子様"),
        ),
        (
            "en",
            "other",
            "the barrier at the site entrance came down on a van, the driver got a fright but is fine",
            "Keep people away from the danger",
            ("allergy", "eats", "dish", "pickup", "parent or carer"),
        ),
        (
            "en",
            "privacy_breach",
            "sent the alarm setup sheet with the full alarm code and the note they're away till the 28th to "
            "the wrong email. 2 kids in that house",
            "alarm code",
            ("pickup", "parent or carer", "who is with them", "allergy"),
        ),
        (
            "ja",
            "other",
            "学童のお迎えで、別の大人にお子様をお引き渡ししてしまいました",
            "110番",
            ("料理", "厨房", "お食事"),
        ),
        (
            "en",
            "wrong_item",
            "gave the table with a nut allergy the satay, her lips are swelling",
            "adrenaline pen",
            ("pickup", "parent or carer"),
        ),
    ],
)
def test_the_safety_card_fits_the_danger_the_report_names(
    renderer: Renderer, locale: str, category: str, text: str, wanted: str, banned: tuple[str, ...]
) -> None:
    """Reviewers found a water leak read as a food recall and a smoking complaint as a lost child:
    the card is chosen by what the report's words describe, not by the category alone."""
    facets = ("safety_risk", "personal_data") if category == "privacy_breach" else ("safety_risk",)
    if "swelling" in text:
        facets = ("safety_risk", "harmed")
    g = renderer.guidance(ctx(category, "critical", "in_person", locale, facets, text=text, emergency="119"))
    assert g.card[0].key == "safety"
    shown = whole(g)
    assert wanted in shown
    assert not [w for w in banned if w in shown], [w for w in banned if w in shown]


def test_a_repeat_failure_is_said_to_the_customer(renderer: Renderer) -> None:
    en = renderer.guidance(ctx("late_delivery", "high", "phone", facets=("b2b", "repeat_failure")))
    ja = renderer.guidance(ctx("late_delivery", "high", "phone", "ja", facets=("b2b", "repeat_failure")))
    assert "for the second time" in en.say and "前回に続き、再び" in ja.say
    assert "納入が納期に遅れ" in ja.say and "弊社" in ja.say  # business words to a business


def test_the_customers_loss_is_named_from_the_report(renderer: Renderer) -> None:
    en = renderer.guidance(ctx(text="parcel for her wedding on Saturday didn't come"))
    assert "[for your wedding on Saturday]" in en.say
    ja = renderer.guidance(ctx(locale="ja", customer="田中", text="荷物が遅れて結婚式に間に合わず、お怒りです"))
    assert ja.say.startswith("田中様、この度は") and "［結婚式に間に合わなかった］のは" in ja.say
    assert customer_loss(["for the Year 3 coach company attached to an email"], "en") is None  # too loose to say


def test_personal_data_carries_the_four_elements_and_never_names_the_other_recipient(renderer: Renderer) -> None:
    # what data, what it could mean, what we have done, whom to contact (GDPR Art. 34(2), APPI)
    for locale, four in (
        (
            "en",
            (
                r"what data|details that went",
                r"could mean",
                r"what we have done|we have \[",
                r"whom to contact|is your contact",
            ),
        ),
        ("ja", (r"どの情報|記載されていた情報", r"影響", r"弊社が行った|弊社では", r"お問い合わせ")),
    ):
        for contact, b2b in itertools.product(Contact, ((), ("b2b",))):
            g = renderer.guidance(ctx("billing_error", "high", contact.value, locale, ("personal_data", *b2b)))
            text = whole(g).lower()
            assert all(re.search(f, text) for f in four), (locale, contact, b2b)
            assert "to whom" not in text and "which information went" not in text
            assert "name_recipient" in g.plan.donts


def test_business_and_consumer_cases_get_proportionate_seniority(renderer: Renderer) -> None:
    b2b = renderer.guidance(ctx("late_delivery", "critical", "phone", "ja", ("b2b",)))
    consumer = renderer.guidance(ctx("privacy_breach", "critical", "phone", "ja"))
    b2b_text, consumer_text = whole(b2b), whole(consumer)
    assert {"b2b_report", "visit"} <= set(b2b.modules)
    assert "経緯報告書" in b2b_text and "語先後礼" in b2b_text and "私の管理が行き届かなかった" in b2b_text
    assert "帰り際" in b2b_text and "補償の話とは切り離します" in b2b_text  # the gift never settles the claim
    assert "本日か明日" in b2b.part("next").text  # type: ignore[union-attr]
    assert "菓子折り" not in consumer_text and "visit" not in consumer.modules
    low = renderer.guidance(ctx("late_delivery", "low", "phone", "ja", ("b2b",)))
    assert "菓子折り" not in whole(low) and "経緯報告書" not in whole(low)


def test_a_repeat_failure_moves_one_level_up_and_says_what_is_different(renderer: Renderer) -> None:
    first = renderer.guidance(ctx("wrong_item", "medium", "phone"))
    again = renderer.guidance(ctx("wrong_item", "medium", "phone", facets=("repeat_failure",)))
    assert first.plan.lead == "you" and again.plan.lead == "boss"
    assert "second time" in whole(again) and "never_again" in again.plan.donts


def test_a_written_case_gets_one_complete_message(renderer: Renderer) -> None:
    en = renderer.guidance(ctx("wrong_item", "high", "written", customer="", facets=("b2b",)))
    letter = en.letter
    assert letter is not None and en.card[0].key == "letter"
    lines = letter.text.split("\n")
    assert lines[0].startswith("Subject: I'm so sorry") and lines[1] == "Dear [name],"
    assert APOLOGY["en"].search(lines[3].split(".")[0])
    assert "incident report" in letter.text and "will call you by [time]" in letter.text
    ja = renderer.guidance(ctx("wrong_item", "high", "written", "ja", customer="田中"))
    assert ja.letter is not None
    body = ja.letter.text.split("\n")
    assert body[0] == "件名：誤った品のお渡しについてのお詫び" and body[1] == "田中様"
    assert body[3] == "［自社名］の［氏名］でございます。" and body[4].startswith("この度は")
    assert "心よりお詫び申し上げます" in body[4] and "メールにてお詫び申し上げます" in ja.letter.text


def test_make_goods_keep_restitution_apart_and_stay_within_the_limit(renderer: Renderer) -> None:
    g = renderer.guidance(ctx("billing_error", "medium", "phone"))
    make_good = g.part("make_good").text  # type: ignore[union-attr]
    assert "it is theirs" in make_good and "up to ¥3,000 yourself" in make_good and "¥10,000" in make_good
    ja = renderer.guidance(ctx("billing_error", "medium", "phone", "ja")).part("make_good").text  # type: ignore[union-attr]
    assert "3,000円まで" in ja and "¥" not in ja
    silent = renderer.guidance(ctx("billing_error", "medium", "phone", authority=Authority()))
    assert "¥" not in whole(silent) and "only what you may give yourself" in whole(silent)
    serious = renderer.guidance(ctx("billing_error", "critical", "phone"))
    assert "your manager decides" in serious.part("make_good").text  # type: ignore[union-attr]


def test_the_next_contact_time_is_the_policys(renderer: Renderer) -> None:
    from datetime import timedelta

    fast = ScriptContext(
        "late_delivery", "medium", "phone", "en", follow_up_within={Severity.MEDIUM: timedelta(minutes=30)}
    )
    assert "within 30 minutes" in renderer.guidance(fast).part("next").text  # type: ignore[union-attr]
    assert "within 4 hours" in renderer.guidance(ctx()).part("next").text  # type: ignore[union-attr]
    assert "明日までに" in renderer.guidance(ctx(severity="low", locale="ja")).part("next").text  # type: ignore[union-attr]


def test_japanese_corrections_stay_corrected(renderer: Renderer) -> None:
    for category, severity, contact in itertools.product(Category, Severity, Contact):
        for facets in FACET_SETS:
            g = renderer.guidance(ctx(category.value, severity.value, contact.value, "ja", facets, customer="田中"))
            text = plain(whole(g))
            found = [w for w in JA_CORRECTED if w in text]
            to_customer = g.say + (g.letter.text if g.letter else "")
            found += [w for w in ("当社",) if w in to_customer]  # 当社 is for staff; customers hear 私ども／弊社
            assert not found, (category, severity, contact, facets, found)
    for name in ("follow_up_customer", "boss_todo", "boss_coach", "follow_up_reminder"):
        source = (responses_dir() / "ja" / "messages" / f"{name}.j2").read_text("utf-8")
        assert not [w for w in ("［お名前］", "接客態度の件", "当社") if w in source], name


@pytest.mark.parametrize("locale", LOCALES)
def test_what_is_said_holds_nothing_the_coach_would_flag(renderer: Renderer, locale: str) -> None:
    coach = default_coach()
    for category, severity in itertools.product(Category, Severity):
        g = renderer.guidance(ctx(category.value, severity.value, "phone", locale))
        hurts = [f for f in coach.review(g.say).findings if f.problem not in ("no_apology",)]
        assert not hurts, (category, severity, g.say, hurts)


@pytest.mark.parametrize("nasty", ["<!channel> <@U0BOSS> <https://evil.example|x>", "{{ 7*7 }} {loss}", "x" * 5000])
@pytest.mark.parametrize("locale", LOCALES)
def test_user_text_is_escaped_never_evaluated(renderer: Renderer, nasty: str, locale: str) -> None:
    g = renderer.guidance(
        ctx("late_delivery", "critical", "written", locale, customer=nasty, text=f"for her {nasty} party")
    )
    text = whole(g)
    assert "<!channel>" not in text and "<@U0BOSS>" not in text and "49" not in text
    for section in g.mrkdwn():
        SectionBlock(text=MarkdownTextObject(text=section)).to_dict()


def test_bundled_wording_passes_check(renderer: Renderer) -> None:
    assert renderer.check() == []


# --- through Slack -----------------------------------------------------------------------

MAKE_GOOD_POLICY = POLICY.replace('admins = ["U0ADMIN01"]\n', 'admins = ["U0ADMIN01"]\nemergency_number = "119"\n') + (
    '\n[make_good]\ncurrency = "¥"\nstaff = 3000\nboss = 10000\n'
)


def test_a_safety_report_puts_safety_first_for_the_reporter_and_the_boss(harness: Callable[..., Harness]) -> None:
    h = harness(MAKE_GOOD_POLICY)
    reply = h.slack.command(STAFF, "served peanut satay to the table that said nut allergy, her lips are swelling")
    assert reply.text.index("First, safety") < reply.text.index("Say now:")
    assert "119" in reply.text[: reply.text.index("Say now:")]
    assert h.wait_for(lambda: h.standin.dms_to(LEAD))
    dm = "\n".join(json.dumps(c.args, ensure_ascii=False) for c in h.standin.dms_to(LEAD))
    todo = dm[dm.index("What to do now") :]
    assert todo.index("Someone was hurt") < todo.index("Call the customer yourself")
    assert "within the hour" in todo and "my watch" in todo and "insurer" in todo
    assert ids.APPROVE not in dm  # no voucher button where someone was hurt


def test_personal_data_that_puts_a_household_at_risk_gets_the_exposure_card(harness: Callable[..., Harness]) -> None:
    """A door code sent to a stranger: the reporter is told to change what can be changed, not to
    find a lost child, and the boss is told the same danger."""
    h = harness(MAKE_GOOD_POLICY)
    reply = h.slack.command(
        STAFF,
        "sent the alarm setup sheet for the shaws to the wrong email, it has the full alarm code, both keyholder "
        "mobiles and the note saying they're away till the 28th. 2 kids in that house",
    )
    safety = reply.text[: reply.text.index("Say now:")]
    assert "First, safety" in safety and "alarm code" in safety and "police" in safety
    assert "parent or carer" not in reply.text and "pickup" not in reply.text
    assert h.wait_for(lambda: h.standin.dms_to(LEAD))
    dm = "\n".join(json.dumps(c.args, ensure_ascii=False) for c in h.standin.dms_to(LEAD))
    todo = dm[dm.index("What to do now") :]
    assert "may put someone at risk" in todo and "privacy officer" in todo


def test_a_boss_approves_a_make_good_and_the_reporter_hears_the_amount(harness: Callable[..., Harness]) -> None:
    h = harness(MAKE_GOOD_POLICY)
    h.slack.command(STAFF, "charged mrs kato twice for her room, she is upset and had to ring her bank")
    assert h.wait_for(lambda: h.standin.dms_to(LEAD))
    boss_dm = json.dumps(h.standin.dms_to(LEAD)[0].args, ensure_ascii=False)
    assert ids.APPROVE in boss_dm and "up to ¥10,000" in boss_dm
    refused = press(h, STRANGER, ids.APPROVE)
    assert any("only the managers" in t for t in refused)
    answer = press(h, LEAD, ids.APPROVE)
    assert any("may now offer up to ¥10,000" in t for t in answer)
    assert h.wait_for(lambda: any("¥10,000" in json.dumps(c.args, ensure_ascii=False) for c in h.standin.dms_to(STAFF)))
    again = press(h, LEAD, ids.APPROVE)
    assert any("already approved" in t for t in again)
    approvals = [e for e in h.store.events.for_incident(1) if e.kind == "make_good_approved"]
    assert len(approvals) == 1 and approvals[0].data["amount"] == "¥10,000" and approvals[0].actor is None
    assert approvals[0].data["by"] == LEAD


def test_the_follow_up_reminder_is_due_when_the_card_promised(harness: Callable[..., Harness]) -> None:
    now = [1_800_000_000.0]
    h = harness(POLICY, clock=lambda: now[0])
    h.slack.command(STAFF, "double charged a customer, $400, she is furious and has posted a review")
    incident = h.store.incidents.get(1)
    assert incident is not None and incident.severity.rank >= Severity.HIGH.rank
    press(h, LEAD, ids.ACK)
    assert h.wait_event("acknowledged")
    now[0] += 600
    press(h, STAFF, ids.CONTACTED)
    # The click is answered before it is applied: wait for the state, not for the answer.
    assert h.wait_for(lambda: (i := h.store.incidents.get(1)) is not None and i.state is State.CONTACTED)
    incident = h.store.incidents.get(1)
    assert incident is not None and incident.state is State.CONTACTED
    jobs = h.store.jobs.rows(incident_id=1, kind="follow_up_reminder")
    promised = h.runtime.service.policy.follow_up_within(incident.severity).total_seconds()
    assert [j["due_at"] for j in jobs] == [pytest.approx(now[0] + promised)]
