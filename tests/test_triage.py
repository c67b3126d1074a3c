"""Reading a report: the rules that must never miss, negation, floors, extraction, and the flows.

The learnt part is measured by bench/triage_eval.py on held-out writers; these tests pin what
must hold whatever the model learns: safety and data words are never ignored, "nobody was
hurt" is not an injury, facets raise severity, and uncertainty becomes a one-tap question.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.domain.triage import Lexicon, Triager, extract
from bot.domain.triage.lexicon import normalise
from bot.learning.reader import LexiconModel, default_triager, load_lexicons
from tests.conftest import GM, LEAD, MANAGER, STAFF, Harness, dm_texts


@pytest.fixture(scope="module")
def reader() -> Triager:
    return default_triager()


@pytest.mark.parametrize(
    "text",
    [
        "the satay for table 41 went to table 14, the boy has a peanut allergy, his lips swelled and the "
        "ambulance came",
        "gave mrs ito her neighbour's prescription, she took two of the tablets before she noticed",
        "アレルギーのお子様にナッツ入りのケーキを出してしまい、救急搬送されました",
        "転倒されたお客様が出血していて救急車を呼びました",
    ],
)
def test_harm_is_critical_with_its_evidence(reader: Triager, text: str) -> None:
    got = reader.read(text)
    assert "safety_risk" in got.facets and got.severity.value == "critical"
    assert got.why.startswith("critical")


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("a customer slipped near the door, nobody was hurt and she was fine", "en"),
        ("床が濡れていてお客様が滑りかけましたが、けがはありません", "ja"),
    ],
)
def test_nobody_hurt_is_not_an_injury(reader: Triager, text: str, locale: str) -> None:
    got = reader.read(text)
    assert got.locale == locale
    assert "harmed" not in got.facets


@pytest.mark.parametrize(
    "text",
    [
        "emailed the spreadsheet with every member's address and phone number to the wrong customer",
        "会員の個人情報が入ったメールを別のお客様に誤送信してしまいました",
    ],
)
def test_personal_data_is_at_least_high(reader: Triager, text: str) -> None:
    got = reader.read(text)
    assert "personal_data" in got.facets and got.severity.rank >= 2


@pytest.mark.parametrize(
    "text", ["he says his lawyer will be in touch about the ruined suit", "弁護士に相談すると言われました"]
)
def test_a_legal_threat_is_never_missed(reader: Triager, text: str) -> None:
    got = reader.read(text)
    assert "legal_risk" in got.facets and got.severity.rank >= 2


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("his courtesy car came two hours late and he wants a refund of the excess", "en"),
        ("lol he said 'see you in court' and laughed, then ate the cheese board anyway", "en"),
        ("the invoice went to Ellen at Norwood Legal two days late", "en"),
        ("the tennis court booking was charged twice, Sue from accounts is refunding it", "en"),
        ("「訴えてやるぞ〜」って笑いながら言われました 色がカタログと違っただけです", "ja"),
    ],
)
def test_a_courtesy_car_a_name_or_a_joke_is_no_legal_threat(reader: Triager, text: str, locale: str) -> None:
    got = reader.read(text)
    assert got.locale == locale
    assert "legal_risk" not in got.facets or got.facets["legal_risk"] == ("read from the wording",)


@pytest.mark.parametrize(
    ("text", "facets"),
    [
        (
            "a couple of hundred users saw other people's transactions in their app feed for 20 mins",
            {"personal_data", "many_customers"},
        ),
        ("went to leave and smelled gas at the union I'd just tightened", {"safety_risk"}),
        ("手洗い場のハンドソープの中身が次亜塩素酸の希釈液でした", {"safety_risk"}),
    ],
)
def test_words_of_a_leak_a_crowd_or_a_hazard_are_read(reader: Triager, text: str, facets: set[str]) -> None:
    got = reader.read(text)
    assert facets <= set(got.facets), got.facets
    assert got.severity.rank >= 2


@pytest.mark.parametrize(
    "text",
    [
        "the coach for the care home's outing was the wrong one, 12 residents had to go back inside",
        "a couple of hundred users could not log in after the release",
        "団体42名様の送迎バスが1台しか来ず、駅で50分お待たせしました",
    ],
)
def test_a_count_of_people_is_many_customers(reader: Triager, text: str) -> None:
    got = reader.read(text)
    assert "many_customers" in got.facets and got.severity.rank >= 2


@pytest.mark.parametrize(
    "text",
    ["the card machine was down for 30 minutes for customers this morning", "none of the 40 guests were affected"],
)
def test_a_number_near_people_is_not_a_count_of_them(reader: Triager, text: str) -> None:
    assert "crowd" not in reader.lexicons["en"].hits(text)


def test_the_lexicon_alone_still_applies_the_safety_rules() -> None:
    lexicons = load_lexicons()
    crude = Triager(lexicons, LexiconModel(lexicons))
    got = crude.read("customer had an allergic reaction to the dessert, ambulance called")
    assert "safety_risk" in got.facets and got.severity.value == "critical"


def test_extraction_finds_what_the_script_needs() -> None:
    found = extract("Order #A12345 for Mrs Tanaka: we charged $45 twice, she needed it for her wedding on Saturday")
    assert found["reference"] == ["A12345"]
    assert found["customer_name"] == ["Mrs Tanaka"]
    assert "$45" in found["amount"]
    assert any("for her wedding on Saturday" in x for x in found["loss"])
    ja = extract("注文番号 88123 の田中様に5,000円を二重請求、明日の式に間に合わなかった")
    assert ja["reference"] == ["88123"] and "田中様" in ja["customer_name"] and "5,000円" in ja["amount"]


def test_owabi_triage_prints_facets_situation_and_signals() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "triage",
            "the kid's cake had nuts in it and she had a reaction, mum is posting on facebook",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    data = json.loads(out)
    for key in ("category", "severity", "locale", "facets", "situation", "signals", "why", "extracted"):
        assert key in data
    assert data["severity"] == "critical" and "safety_risk" in data["facets"]
    assert data["situation"] in ("mistake", "near_miss", "customer_harassment")


# --- in the app ---------------------------------------------------------------------------------


def dm_text(h: Harness, user: str) -> str:
    return "\n".join(dm_texts(h, user))


def test_the_boss_dm_says_why_it_is_serious(owabi: Harness) -> None:
    owabi.slack.command(
        STAFF,
        "served the shrimp pasta to the wrong table, the guest has a shellfish allergy "
        "and had a reaction, ambulance on the way",
    )
    assert owabi.wait_for(lambda: owabi.standin.dms_to(LEAD) and owabi.standin.dms_to(GM))
    dm = dm_text(owabi, LEAD)
    assert "Why Critical" in dm and "ambulance" in dm
    incident = owabi.store.incidents.get(1)
    assert incident is not None and incident.severity.value == "critical" and incident.has("safety_risk")


def test_an_unsure_reading_asks_in_one_tap_and_the_answer_replans(owabi: Harness) -> None:
    reply = owabi.slack.command(STAFF, "not sure the soup we gave the man earlier was the gluten free one")
    assert "Say now:" in reply.text  # the script comes at once, questions or not
    asks = [
        e["action_id"]
        for b in reply.json()["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("oops_answer:")
    ]
    assert "oops_answer:safety:yes" in asks, asks
    incident = owabi.store.incidents.get(1)
    # A hunch of danger is treated as danger until the reporter says otherwise, and asked about.
    assert incident is not None and incident.has("safety_risk") and "safety" in incident.questions
    assert incident.severity.value in ("high", "critical")
    before = incident.severity
    click = owabi.slack.click(STAFF, "oops_answer:safety:yes", "1|safety|yes")
    assert click.status == 200
    assert owabi.wait_event("answered")
    incident = owabi.store.incidents.get(1)
    assert incident is not None and incident.severity.value == "critical" and incident.has("safety_risk")
    assert incident.facets["safety_risk"] == ["the reporter said so"]
    assert "safety" not in incident.questions
    if before.value != "critical":
        assert "replanned" in [e.kind for e in owabi.store.events.for_incident(1)]
    assert owabi.wait_for(lambda: owabi.standin.dms_to(MANAGER))  # critical reaches more levels at once
    assert owabi.wait_for(lambda: any(c.args.get("replace_original") for c in owabi.standin.calls("response_url")))


def test_only_the_reporter_and_their_chain_may_answer(owabi: Harness) -> None:
    owabi.slack.command(STAFF, "not sure the soup we gave the man earlier was the gluten free one")
    owabi.slack.click("U0STRANGER", "oops_answer:safety:yes", "1|safety|yes")
    assert owabi.wait_for(lambda: "refused" in [e.kind for e in owabi.store.events.for_incident(1)])
    incident = owabi.store.incidents.get(1)
    assert incident is not None and "safety" in incident.questions  # the stranger's answer changed nothing
    assert incident.facets.get("safety_risk") != ["the reporter said so"]


def test_words_read_at_once_from_many_threads_are_each_reports_own() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from bot.learning.words import words

    texts = [
        "お客様のご注文を取り違えてしまいました",
        "配送が三日遅れてお客様がお怒りです",
        "アレルギーのあるお子様にナッツ入りのケーキを出してしまいました",
        "請求書の金額が二重になっていました",
        # English words are stemmed, and a stemmer keeps its place in the word on itself.
        "the refunds were processed twice and the customers complained loudly",
        "delivering the wrong medication to the nursing home residents",
    ] * 500
    expected = [words(t) for t in texts]
    with ThreadPoolExecutor(max_workers=16) as pool:
        assert list(pool.map(words, texts)) == expected


class _Broken:
    """A model with a fault in it, whose message quotes the report."""

    def probabilities(self, text: str, locale: str) -> dict[str, dict[str, float]]:
        raise IndexError(text)


def test_a_fault_in_the_model_costs_no_report_the_lexicon_reads_it(caplog: pytest.LogCaptureFixture) -> None:
    from bot.learning.reader import WarmingTriager

    text = "the courier left the insulin at the wrong house and she has none tonight"
    triager = WarmingTriager(load=lambda: Triager(load_lexicons(), _Broken()))
    got = triager.read(text)
    assert triager.reading_by == "model"
    assert "safety_risk" in got.facets and got.severity.rank >= 2  # the lexicon still sees the medicine
    assert "the triage model failed on a report (IndexError)" in caplog.text
    assert "insulin" not in caplog.text


def test_the_model_loads_when_the_workers_start_or_at_the_first_report() -> None:
    from bot.learning.reader import WarmingTriager

    built: list[int] = []

    def load() -> Triager:
        built.append(1)
        return Triager(load_lexicons(), _Reading({"high": 1.0}, 0.0))

    triager = WarmingTriager(load=load)
    assert not built and triager.reading_by == "lexicon"  # building the runtime compiles and loads nothing
    got = triager.read("the order went out a day late")  # no start(): the first report starts it
    assert built == [1] and triager.reading_by == "model" and got.severity.value == "high"
    triager.start()
    assert built == [1]  # once


def test_with_no_lexicon_to_read_by_a_report_is_still_read_and_taken_seriously(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bot.learning.reader import WarmingTriager

    def broken() -> dict[str, Lexicon]:
        raise ValueError("unterminated character set")

    def no_model() -> Triager:
        raise FileNotFoundError("no corpus")

    triager = WarmingTriager(load=no_model, lexicons=broken)
    got = triager.read("the courier left the parcel at the wrong house")
    assert triager.reading_by == "none"
    assert got.severity.value == "high" and got.category == "other"  # the boss hears at once
    assert set(got.questions) == {"safety", "personal_data"}
    assert "the triage lexicons could not be compiled (ValueError)" in caplog.text


class _Reading:
    """A model that reads every report the same way: what the severity rules do with a given reading."""

    def __init__(self, severity: dict[str, float], safety: float) -> None:
        self.p = {
            "category": {"quality_defect": 0.9, "other": 0.1},
            "severity": severity,
            "situation": {"mistake": 1.0},
            "found_by": {"customer": 1.0},
            "safety_risk": {"yes": safety, "no": 1 - safety},
        }

    def probabilities(self, text: str, locale: str) -> dict[str, dict[str, float]]:
        return self.p


CLEARLY_LOW = {"low": 0.9, "medium": 0.08, "high": 0.02, "critical": 0.0}


@pytest.mark.parametrize(("safety", "severity"), [(0.12, "low"), (0.6, "critical")])
def test_a_bare_safety_hunch_is_asked_and_raises_nothing_a_sure_one_is_critical(safety: float, severity: str) -> None:
    """A faint hunch of risk with no word of it in the report is asked about in one tap (a "yes"
    makes it critical); it does not raise a clearly low report by itself."""
    got = Triager(load_lexicons(), _Reading(CLEARLY_LOW, safety)).read("the pot of basil had a few yellow leaves")
    assert "safety_risk" in got.facets and got.severity.value == severity
    assert ("safety" in got.questions) == (safety < 0.5)


def test_torn_between_two_levels_the_higher_wins() -> None:
    torn = {"low": 0.0, "medium": 0.55, "high": 0.45, "critical": 0.0}
    assert Triager(load_lexicons(), _Reading(torn, 0.0)).read("the order came a day late").severity.value == "high"
    clear = {"low": 0.0, "medium": 0.8, "high": 0.2, "critical": 0.0}
    assert Triager(load_lexicons(), _Reading(clear, 0.0)).read("the order came a day late").severity.value == "medium"


def test_japanese_typed_in_romaji_is_read_as_japanese(reader: Triager) -> None:
    got = reader.read(
        "pc no nihongo nyuuryoku ga dame nanode romaji de sumimasen. okyakusama no yoyaku wo machigaemashita"
    )
    assert got.locale == "ja"
    assert reader.read("the nihongo class booking was moved, the tutor was annoyed").locale == "en"


def test_one_report_is_read_as_scikit_learn_would_read_it(reader: Triager) -> None:
    """The single-report fast path gives the vectorizers' own rows, for texts of both languages."""
    from bot.learning import corpus
    from bot.learning.triage_model import TriageModel

    model = reader.model
    assert isinstance(model, TriageModel)
    items = corpus.load("reports")
    texts = [normalise(i.text) for i in items[::97]] + ["", "?!", "zzzz qqqq"]
    assert {i.locale for i in items[::97]} == {"en", "ja"}
    for vectorizer, fast in zip((model.vectorizer, model.words), model._rows, strict=True):
        for text in texts:
            expected = vectorizer.transform([text]).tocoo()
            columns, values = fast.row(text)
            got = dict(zip(columns.tolist(), values.tolist(), strict=True))
            want = dict(zip(expected.col.tolist(), expected.data.tolist(), strict=True))
            assert got.keys() == want.keys(), text
            assert all(abs(got[c] - want[c]) < 1e-5 for c in want), text
