"""The triage engine as the app uses it: lexicons from responses/, the model from data/corpus.

The model is loaded (or trained, on a machine that has never seen this corpus) in the
background once the app's workers start (after start-up, whose imports it would slow down), or at
the first report if that comes sooner: a report never waits more than `MODEL_WAIT` for it. Until it
is ready, reports are read by the lexicon alone (`LexiconModel`), a cruder but safe reading,
and the safety rules and severity floors apply all the same.
"""

from __future__ import annotations

import logging
import threading
import tomllib
from collections.abc import Callable
from functools import cache
from pathlib import Path

from bot import resources
from bot.domain.errors import frames
from bot.domain.model import Severity, Triage
from bot.domain.triage import Lexicon, Triager
from bot.domain.triage.engine import detect_locale
from bot.domain.triage.lexicon import normalise
from bot.learning import corpus

log = logging.getLogger(__name__)

MODEL_WAIT = 1.0  # seconds a report may wait for the model while it loads
# Seconds a report may wait for the lexicons to compile (they take tens of milliseconds). With
# MODEL_WAIT it stays well inside Slack's three seconds for the ack; past it the report is read as high.
LEXICON_WAIT = 1.5

# Which lexicon concepts stand for which category, for the lexicon-only reading.
CATEGORY_CONCEPTS = {
    "late_delivery": ("late",),
    "wrong_item": ("wrong",),
    "damaged_item": ("damaged",),
    "billing_error": ("money",),
    "rude_service": ("rude",),
    "missed_deadline": ("deadline",),
    "quality_defect": ("defect",),
    "privacy_breach": ("data",),
    "outage": ("system",),
}
FACET_CONCEPTS = {
    "safety_risk": ("safety", "harm"),
    "harmed": ("harm",),
    "personal_data": ("data",),
    "b2b": ("business",),
    "repeat_failure": ("repeat",),
    "public_exposure": ("public",),
    "vulnerable_customer": ("child", "vulnerable"),
    "vip": ("vip",),
    "financial_loss": ("loss",),
    "legal_risk": ("legal",),
    "many_customers": ("many",),
    "customer_angry": ("angry",),
}


def load_lexicons(root: Path | None = None) -> dict[str, Lexicon]:
    """Every locale folder with a triage.toml; a new locale brings its own.

    Compiled once per process for the same files (thousands of patterns: every runtime built
    them again); an edited file is read again."""
    folder = root or resources.responses_dir()
    files = tuple((str(p), p.stat().st_mtime_ns) for p in sorted(folder.glob("*/triage.toml")))
    return dict(_compiled(files))


@cache
def _compiled(files: tuple[tuple[str, int], ...]) -> dict[str, Lexicon]:
    found = {}
    for name, _ in files:
        path = Path(name)
        with path.open("rb") as fh:
            found[path.parent.name] = Lexicon.from_data(path.parent.name, tomllib.load(fh))
    return found


class LexiconModel:
    """Probabilities from concept counts alone: the reading while the learnt model loads."""

    def __init__(self, lexicons: dict[str, Lexicon]) -> None:
        self.lexicons = lexicons

    def probabilities(self, text: str, locale: str) -> dict[str, dict[str, float]]:
        hits = self.lexicons[locale].hits(normalise(text)) if locale in self.lexicons else {}
        scores = {c: float(sum(len(hits.get(k, ())) for k in ks)) for c, ks in CATEGORY_CONCEPTS.items()}
        scores["other"] = 0.5
        total = sum(scores.values())
        out: dict[str, dict[str, float]] = {"category": {c: v / total for c, v in scores.items()}}
        out["severity"] = {"low": 0.2, "medium": 0.4, "high": 0.3, "critical": 0.1}
        harassment = 0.6 if hits.get("abuse") else 0.0
        near = 0.6 if hits.get("caught") else 0.0
        out["situation"] = {
            "customer_harassment": harassment,
            "near_miss": near,
            "mistake": 1.0 - max(harassment, near),
        }
        for facet, concepts in FACET_CONCEPTS.items():
            yes = 0.6 if any(hits.get(c) for c in concepts) else 0.0
            out[facet] = {"yes": yes, "no": 1 - yes}
        return out


class WarmingTriager:
    """Reads with the learnt model once it is ready; until then, with the lexicon alone."""

    def __init__(
        self, load: Callable[[], Triager] | None = None, lexicons: Callable[[], dict[str, Lexicon]] | None = None
    ) -> None:
        self._fallback: Triager | None = None
        self._compiled = threading.Event()  # the lexicons' compiling has ended, well or not
        self._ready = threading.Event()  # the model's load has ended, well or not
        self._real: Triager | None = None
        self._build = load or default_triager
        self._lexicons = lexicons or load_lexicons
        self._started = False
        self._lock = threading.Lock()

    def start(self) -> None:
        """Compile the lexicons, then load the model, in the background (once; later calls do
        nothing). Not in the constructor: a thousand patterns to compile would lengthen the
        server's start-up. A report waits at most LEXICON_WAIT for the lexicons (they take tens
        of milliseconds) and, as ever, at most MODEL_WAIT for the model."""
        with self._lock:
            if not self._started:
                threading.Thread(target=self._load, name="owabi-model", daemon=True).start()
                self._started = True  # only once the thread runs: a failed start is tried again

    def _load(self) -> None:
        try:
            lexicons = self._lexicons()
            self._fallback = Triager(lexicons, LexiconModel(lexicons))
        except Exception as exc:
            log.error(
                "the triage lexicons could not be compiled (%s): reports are stored, read as high until "
                "responses/<locale>/triage.toml is fixed and Owabi restarted",
                type(exc).__name__,
                exc_info=exc,
            )
        finally:
            self._compiled.set()
        try:
            self._real = self._build()
        except Exception as exc:  # a broken corpus must not stop reports: the lexicon reads them
            log.error(
                "the triage model could not be built (%s); reading reports by the lexicon alone",
                type(exc).__name__,
                exc_info=exc,
            )
        finally:
            self._ready.set()

    @property
    def reading_by(self) -> str:
        """ "model" once the learnt model reads reports; "lexicon" while it loads (or if it failed);
        "none" if the lexicons could not be compiled either (reports are then read as high)."""
        if self._real is not None:
            return "model"
        return "none" if self._compiled.is_set() and self._fallback is None else "lexicon"

    def read(self, text: str, *, default_locale: str = "en") -> Triage:
        try:
            self.start()
        except RuntimeError as exc:  # no thread to be had: the report is still read and stored
            log.error("the triage loader could not start (%s)", exc)
        else:  # with no loader running nothing will end these waits: the report does not sit them out
            self._compiled.wait(LEXICON_WAIT)
            self._ready.wait(MODEL_WAIT)
        if self._real is not None:
            try:
                return self._real.read(text, default_locale=default_locale)
            except Exception as exc:  # a fault in the model must not cost the report: the lexicon reads it
                log.error(
                    "the triage model failed on a report (%s); the lexicon read it\n%s", type(exc).__name__, frames(exc)
                )
        if self._fallback is None:
            return unread(text, default_locale)
        return self._fallback.read(text, default_locale=default_locale)


def unread(text: str, default_locale: str) -> Triage:
    """A report nothing could read: stored all the same, and taken seriously (high, so the boss
    hears at once), with the safety and personal-data questions asked in one tap."""
    return Triage(
        category="other",
        severity=Severity.HIGH,
        locale=detect_locale(text, default_locale),
        questions=("safety", "personal_data"),
        why="high: not read automatically",
    )


@cache
def default_triager() -> Triager:
    """Built once per process (the model is read from the cache, or trained and cached).

    scikit-learn is imported here, in the loading thread, so starting the server does not wait for it.
    """
    from bot.learning.triage_model import load_or_train

    lexicons = load_lexicons()
    model = load_or_train(lexicons, lambda: corpus.load("reports"))
    return Triager(lexicons, model)
