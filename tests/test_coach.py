"""The coach as a trainer would judge: ready / fix these first / could be stronger.

What it learns is measured by bench/coach_eval.py on held-out voices; these tests pin what
must hold: cushions and sentences that clear the customer are not problems, the order of
excuse and apology matters, register matters to a business customer, facts must be the
incident's, never "ready" while something would hurt, at most three findings.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.domain.coach_engine import Coach
from bot.learning.coaching import default_coach
from tests.conftest import STAFF, Harness

LOW_IN_PERSON = {"category": "wrong_item", "severity": "low", "contact": "in_person", "b2b": False}
B2B_WRITTEN = {"category": "late_delivery", "severity": "medium", "contact": "written", "b2b": True}


@pytest.fixture(scope="module")
def coach() -> Coach:
    return default_coach()


def ids(coach: Coach, draft: str, situation: dict[str, object] | None = None) -> set[str]:
    return {f.problem for f in coach.review(draft, situation).findings}


def test_a_short_right_sized_apology_is_ready(coach: Coach) -> None:
    verdict = coach.review(
        "I'm so sorry, I gave you the wrong size — that's on me. Let me swap it for the right one now.", LOW_IN_PERSON
    )
    assert verdict.verdict == "ready", verdict.as_json()


@pytest.mark.parametrize(
    "draft",
    [
        "I'm sorry, we sent the wrong item — our mistake. If it suits you, we'd like to collect it tomorrow and "
        "deliver the right one the same day.",
        "I'm so sorry. You did nothing wrong; we mixed up the orders. I've swapped it for the right one.",
    ],
)
def test_cushions_and_clearing_the_customer_are_not_problems(coach: Coach, draft: str) -> None:
    assert not ids(coach, draft, LOW_IN_PERSON)


@pytest.mark.parametrize(
    ("draft", "problem"),
    [
        ("Sorry if you were upset by the wrong order. We'll replace it.", "conditional"),
        ("We're sorry, but our policy does not allow refunds on sale items.", "policy_shield"),
        ("I'm sorry for the mix-up. I promise this will never happen again.", "over_promise"),
        ("We're sorry. We'll refund you in full if you remove your review.", "bribe"),
        ("Sorry about the delay! Please leave us a 5-star review if you liked the food.", "review_request"),
        ("Unfortunately due to unprecedented demand your order was late. We apologise.", "excuse_first"),
        ("Dear customer, the wrong invoice was sent to you. It has been corrected.", "no_apology"),
    ],
)
def test_what_would_hurt_is_named(coach: Coach, draft: str, problem: str) -> None:
    verdict = coach.review(draft, LOW_IN_PERSON)
    assert problem in {f.problem for f in verdict.findings}, verdict.as_json()
    assert verdict.verdict == "fix" and not verdict.good
    finding = next(f for f in verdict.findings if f.problem == problem)
    assert finding.why and finding.rewrite and finding.phrase in ("", *[s for s in [finding.phrase]])


def test_an_apology_before_the_reasons_is_not_excuse_first(coach: Coach) -> None:
    assert "excuse_first" not in ids(
        coach,
        "We're sorry your order was late. Due to a packing error on our side, "
        "it left a day late; we've sent it express.",
        LOW_IN_PERSON,
    )


def test_casual_words_to_a_business_customer_are_the_wrong_register(coach: Coach) -> None:
    assert "wrong_register" in ids(coach, "ごめんなさい、納品書を送るの忘れちゃいました！すぐ送ります。", B2B_WRITTEN)
    assert "wrong_register" in ids(coach, "Oops, my bad!! We'll resend the invoice today.", B2B_WRITTEN)


def test_a_warm_exclamation_to_a_private_customer_is_not_the_wrong_register(coach: Coach) -> None:
    reply = "ご注文のお弁当が遅れてしまい、申し訳ありません！当店の段取りの誤りです。本日分は全額ご返金いたします。"
    written = {"category": "late_delivery", "severity": "low", "contact": "written", "b2b": False}
    assert "wrong_register" not in ids(coach, reply, written)
    assert "wrong_register" in ids(coach, reply, {**written, "b2b": True})


def test_facts_the_incident_does_not_support_are_flagged(coach: Coach) -> None:
    situation = {**LOW_IN_PERSON, "summary": "charged the customer twice for one coffee"}
    assert "invented_facts" in ids(
        coach,
        "I'm sorry we charged you twice — you were charged $84.50 at 3:15. That's our error and I've refunded it.",
        situation,
    )


@pytest.mark.parametrize(
    ("summary", "draft", "invented"),
    [
        # The same amount in other numerals is the incident's own; an amount still being checked is not.
        ("差額は3,240円と確認済み。", "差額の三千二百四十円は本日ご返金いたします。", False),
        ("過大請求の額は確認中。", "過大にいただいていた三千二百四十円は本日ご返金いたします。", True),
        # A duration that follows from the incident's clock times is restating it.
        (
            "the repairs line was down from 7pm to 10pm",
            "That's three hours of trying to get help, and I'm sorry.",
            False,
        ),
        ("復旧の見込みは未定。", "あと10分ほどで復旧すると聞いております。", True),
        # A rule we now keep sets its own times; money is never ours to make up.
        ("the booking was lost", "From now on every booking is confirmed within 30 minutes.", False),
        ("the booking was lost", "I'll refund you £40 today.", True),
        # Value, not spelling: 3万円 is 30,000円; $4 is not $45; 一時的に is "for a while", no clock time.
        ("差額は30,000円と確認済み。", "差額の3万円は本日ご返金いたします。", False),
        ("we refunded $45", "We've refunded $4 of it.", True),
        ("the booking system stopped", "システムが一時的に停止しておりました。", False),
        # When we can be reached is ours to say.
        ("ICカードの料金が二重に引き落とされた", "お問い合わせ先：営業所 電話〇〇-〇〇〇〇（平日8時〜18時）", False),
    ],
)
def test_figures_are_checked_against_the_incident_by_value(
    coach: Coach, summary: str, draft: str, invented: bool
) -> None:
    situation = {**B2B_WRITTEN, "summary": summary}
    assert ("invented_facts" in ids(coach, draft, situation)) is invented


def test_a_personal_data_case_needs_the_notice(coach: Coach) -> None:
    verdict = coach.review(
        "I'm sorry, we made a mistake and I've fixed it.",
        {"category": "privacy_breach", "severity": "high", "contact": "written", "b2b": False},
    )
    assert verdict.verdict in ("fix", "stronger") and "notice" in verdict.missing


def test_at_most_three_findings_most_harmful_first(coach: Coach) -> None:
    draft = (
        "Unfortunately we were very busy. Mistakes were made, and the courier lost it. Sorry if you were "
        "upset, but our policy does not allow refunds. It will never happen again. Please leave a 5-star review!"
    )
    verdict = coach.review(draft, B2B_WRITTEN)
    assert 1 <= len(verdict.findings) <= 3 and not verdict.good


def test_owabi_coach_prints_the_verdict_as_json() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bot", "coach", "Sorry if you were upset.", "--severity", "low"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    data = json.loads(out)
    for key in ("good", "verdict", "avoid", "missing", "present", "tips"):
        assert key in data
    assert data["good"] is False and data["avoid"][0]["id"] == "conditional"


def test_check_on_an_incident_is_judged_for_it(owabi: Harness) -> None:
    owabi.slack.command(STAFF, "sent the quote for the Sato company to the wrong client, with their prices")
    reply = owabi.slack.command(STAFF, "check Sorry if this caused any trouble. It won't happen again.")
    assert "Judged for OOPS-0001" in reply.text and "Fix" in reply.text
    review = next(e for e in owabi.store.events.all() if e.kind == "coach_review")
    assert review.incident_id == 1 and review.data["verdict"] == "fix"


@pytest.mark.parametrize(
    "draft",
    [
        # An offer with a cushion before it is not a gift traded for something.
        "I'm sorry the lunch arrived fifty minutes late — that was our planning. If it is acceptable to you, we would "
        "like to credit the full cost of the lunch against your next invoice.",
        # A concrete change is prevention, not a promise nobody can keep.
        "I'm sorry we sent the allergy list by ordinary email — our mistake. From now on, dietary information will be "
        "shared only through the secure portal.",
        # A courier named while the cause is owned in the same breath.
        "I'm sorry your order was late. We do use a courier on that route, but the dispatch time is ours and we set "
        "it too late. We'll bring it ourselves this afternoon.",
        # Asking for a moment of their time does not make their trouble small.
        "I'm so sorry we gave you the wrong prescription bag — my error. Have you got a few minutes? I'll swap it now.",
        "申し訳ございません。お客様に非はございません。こちらの確認不足で、別の商品をお渡ししてしまいました。すぐにお取り替えいたします。",
        "大変申し訳ございません。配達は提携の配送業者ですが、出発の時刻を決めたのは当店です。本日中にお届けいたします。",
        # Regret for the worry is not "sorry if"; a scheme's name is not a guarantee.
        "I am sorry for the worry this has caused. We'll pay you the compensation set out in our guaranteed standards.",
        "I'm sorry you were cut off. Our phone provider had a fault, but it was our job to make sure you could reach "
        "us, and we didn't. I've added a backup line.",
        "申し訳ございません。お客様の側に落ち度は一切ございません。当店の確認不足でした。すぐにお取り替えいたします。",
        # Asking a wrong recipient not to pass data on offers nothing in return: it is part of the notice.
        "ご契約者名簿を誤って別のお取引先へ送信してしまいました。誠に申し訳ございません。送信先の会社様には、内容を破棄し口外しない"
        "ようお願いし、ご承諾をいただきました。",
        # Owning a slip in the first person names no colleague to blame.
        "I let you down on Wednesday, and I'm sorry. The reason is simple, and it's mine: when we moved the visit, I "
        "didn't put the new time in my diary. I've rebooked for Friday at ten, as you asked.",
        # A date for our own next step is the commitment a good apology makes.
        "I'm sorry the payroll figures were wrong — the error was ours. I will send you a full reconciliation by "
        "Wednesday, so that you can check every employee's pay.",
        # A cushion before an offer asks nothing of them.
        "I'm sorry we filed your accounts late — that was our error. If it would help, we would be glad to write to "
        "your bank to explain the delay.",
        # A passive that names who did it, and what someone told us with its source, evade nothing.
        "I'm sorry. The address was mistyped when the agreement was prepared — by us, not by you. I've corrected it.",
        "大変申し訳ございません。私どもの確認不足でした。お届け先の方に伺ったところ、中身はご覧になってしまったとのことです。",
    ],
)
def test_look_alikes_of_problems_are_not_flagged(coach: Coach, draft: str) -> None:
    assert not ids(coach, draft, LOW_IN_PERSON), coach.review(draft, LOW_IN_PERSON).as_json()


def test_a_time_range_is_not_casual_register_to_a_business(coach: Coach) -> None:
    draft = (
        "いつもお世話になっております。ご請求書の金額に誤りがございました。誠に申し訳ございません。"
        "弊社の入力ミスでございます。本日中に訂正版をお送りいたします。お問い合わせは専用窓口（平日9時〜18時）で承ります。"
    )
    assert "wrong_register" not in ids(coach, draft, B2B_WRITTEN)


def test_a_duration_is_not_read_as_a_clock_time_the_incident_lacks(coach: Coach) -> None:
    situation = {**B2B_WRITTEN, "summary": "朝7時のパン納品が8時半になった。焼成の段取りが遅れたのが原因。"}
    draft = "今朝の納品が1時間半も遅れてしまい、大変申し訳ございません。当方の焼成の段取りが遅れたためです。"
    assert "invented_facts" not in ids(coach, draft, situation)


def test_saying_plainly_what_we_did_is_owning_it(coach: Coach) -> None:
    verdict = coach.review(
        "Oh, I'm so sorry — I've given you the ericaceous, not the multipurpose you paid for. Let me swap it over now.",
        LOW_IN_PERSON,
    )
    assert "responsibility" in verdict.present, verdict.as_json()


@pytest.mark.parametrize(
    ("draft", "problem"),
    [
        ("Sorry about Kyle, he's new and a bit blunt. We'll do better.", "blame_colleague"),
        ("申し訳ございません。ほんの15分ほどの遅れでしたが、ご迷惑をおかけしました。", "minimising"),
        ("申し訳ございません。今回のことを口コミに書かないでいただけましたら、次回のお代は無料にいたします。", "bribe"),
        ("申し訳ございません。担当の副店長が作成を失念しておりました。", "blame_colleague"),
        ("本当にすみませんでした。もしよかったら、帰りに★5のクチコミをいただけると嬉しいです。", "review_request"),
        ("私の言い方で嫌な気持ちにさせてしまったのなら、申し訳ございません。", "conditional"),
        ("Apologies if the finish wasn't quite what you were hoping for.", "conditional"),
        ("I'm sorry about the invoice. This was a minor slip on our side and it's corrected now.", "minimising"),
        ("Sorry the line dropped. It's nothing we did on this end; the network was down.", "blame_third_party"),
        ("I'm sorry about the wax guards. Our wholesaler dispatched the wrong size.", "blame_third_party"),
        (
            "Sorry your carpet was still wet. Their crew should have made sure it was dry before they left.",
            "blame_third_party",
        ),
    ],
)
def test_problems_in_other_words_are_still_named(coach: Coach, draft: str, problem: str) -> None:
    assert problem in ids(coach, draft, LOW_IN_PERSON), coach.review(draft, LOW_IN_PERSON).as_json()


@pytest.mark.parametrize(
    ("sentence", "locale", "names_someone"),
    [
        ("the reason is simple, and it's mine: i didn't put the new time in my diary.", "en", False),
        ("we saved the new file into the wrong folder on our playback machine.", "en", False),
        ("the new girl on the till forgot to ring it through.", "en", True),
        ("one of our newer clerks put the wrong strength on it.", "en", True),
        ("当店の確認不足で、別の商品をお渡ししてしまいました。", "ja", False),
        ("入ったばかりのアルバイトが間違えてしまいました。", "ja", True),
    ],
)
def test_blaming_a_colleague_needs_a_colleague_in_the_sentence(
    coach: Coach, sentence: str, locale: str, names_someone: bool
) -> None:
    assert bool(coach.patterns[locale].defining["blame_colleague"].search(sentence)) is names_someone


@pytest.mark.parametrize(
    ("problem", "sentences", "locale", "harmless"),
    [
        # Owned in this sentence or the next: the reason is an explanation.
        ("blame_third_party", ["the software sent the whole batch again.", "that was my error."], "en", True),
        # ...but "our mistake for trusting them" is blame hidden behind ownership.
        ("blame_third_party", ["that's our mistake for trusting a new supplier."], "en", False),
        ("blame_colleague", ["the report sat with a colleague on leave — the oversight was mine."], "en", True),
        ("blame_colleague", ["the new girl on the till forgot to ring it through."], "en", False),
        ("passive_evasion", ["it slipped because i was keeping the dates in my head."], "en", True),
        ("passive_evasion", ["mistakes were made in the handling of your order."], "en", False),
        ("minimising", ["おけがはございませんでしたが、一歩間違えれば大きな事故になるところでした。"], "ja", True),
        ("minimising", ["ほんの数分の遅れでしたので、ご容赦ください。"], "ja", False),
        ("blame_customer", ["お手数ですが、こちらの用紙にお名前だけご記入いただけますでしょうか。"], "ja", True),
        ("conditional", ["ご説明が必要とお考えでしたら、お詫びの文面は当館でご用意いたします。"], "ja", True),
        ("conditional", ["ご不快に感じられたのでしたら、申し訳ございません。"], "ja", False),
        # We caused it, and the carrier is cleared; getting a loan unit from the maker is an offer.
        (
            "blame_third_party",
            [
                "お品が遅れたのは、私どもが引き渡しを一日遅らせてしまったためで、運送会社さんには何の落ち度もございません。"
            ],
            "ja",
            True,
        ),
        (
            "blame_third_party",
            ["その間お使いいただける貸出用の補聴器をメーカーから取り寄せたいと思います。"],
            "ja",
            True,
        ),
        # ...but an offer does not excuse saying it was not us.
        ("blame_third_party", ["it's nothing we did on this end, but i'll book you back in for friday."], "en", False),
    ],
)
def test_look_alikes_are_told_apart_by_what_surrounds_them(
    coach: Coach, problem: str, sentences: list[str], locale: str, harmless: bool
) -> None:
    from bot.domain.coach_engine import _harmless

    assert _harmless(problem, sentences, 0, coach.patterns[locale]) is harmless


def test_our_own_records_are_no_source_for_hearsay(coach: Coach) -> None:
    draft = "記録によりますと、期日までにお見積もりをお届けできていなかったとのことで、申し訳ございません。"
    assert "passive_evasion" in ids(coach, draft, B2B_WRITTEN)


class _Reading:
    """A model that reads one sentence as blame on a third party, with a chosen certainty."""

    def __init__(self, blame: float, harm: float) -> None:
        self.blame, self.whole = blame, harm

    def sentence_problems(self, texts: Sequence[str]) -> list[dict[str, float]]:
        return [{"blame_third_party": self.blame if "agency" in t else 0.0} for t in texts]

    def elements(self, text: str) -> dict[str, float]:
        return {}

    def harm(self, text: str) -> float:
        return self.whole


@pytest.mark.parametrize(
    ("blame", "harm", "flagged"),
    [
        (0.6, 0.1, False),  # a doubtful sentence in a draft that reads as harmless as a whole
        (0.6, 0.8, True),  # the same sentence where the whole draft reads as shifting blame
        (0.95, 0.1, True),  # the sentence model is sure: the whole draft does not overrule it
    ],
)
def test_a_doubtful_sentence_reading_needs_the_whole_draft_to_agree(blame: float, harm: float, flagged: bool) -> None:
    draft = "I'm sorry the lifeguard didn't come. The agency sent nobody. We have credited your lesson."
    coach = Coach(_Reading(blame, harm), default_coach().wording)
    assert ("blame_third_party" in ids(coach, draft, LOW_IN_PERSON)) is flagged


def test_an_override_folder_brings_its_own_coach_patterns(tmp_path: Path) -> None:
    from bot.learning.coaching import load_wording

    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "coach_patterns.toml").write_text("[patterns]\nregret = '''\\b(sorry|gutted)'''\n")
    wording = load_wording(override=tmp_path)
    assert wording["en"]["patterns"]["regret"] == r"\b(sorry|gutted)"
    assert "hedge" in wording["en"]["patterns"]  # the bundled ones stay beside it


def test_a_coach_patterns_file_that_is_missing_lacks_or_names_an_unknown_pattern_is_refused(coach: Coach) -> None:
    from bot.domain.coach_engine import PatternsMissing

    lacking = {locale: dict(words) for locale, words in coach.wording.items()}
    lacking["en"] = {**lacking["en"], "patterns": {k: v for k, v in lacking["en"]["patterns"].items() if k != "hedge"}}
    with pytest.raises(PatternsMissing, match=re.escape("responses/en/coach_patterns.toml lacks: hedge")):
        Coach(coach.model, lacking)
    without_ja = {locale: dict(words) for locale, words in coach.wording.items()}
    del without_ja["ja"]["patterns"]
    with pytest.raises(PatternsMissing, match=re.escape("no coach_patterns.toml for: ja")):
        Coach(coach.model, without_ja)
    typo = {locale: dict(words) for locale, words in coach.wording.items()}
    typo["en"] = {**typo["en"], "patterns": {**typo["en"]["patterns"], "regrett": "x"}}
    with pytest.raises(PatternsMissing, match="names patterns the coach does not read: regrett"):
        Coach(coach.model, typo)
