"""The learnt half of the coach: which sentence of a draft carries which problem, which elements it has.

Trained from data/corpus/drafts (each problem labelled with the exact phrase that carries it):
- one binary classifier per problem over the draft's *sentences* (character 1–4-grams), so a
  finding points at the sentence that hurts, in any wording the corpus taught;
- one binary classifier per apology element over the whole draft, learnt where the labels
  say an element is there (a ready draft has what its situation needs) or missing;
- one over the whole draft for "something in it would hurt" (verdict fix), which tells a
  sentence that only looks like blame from one that is, by the rest of the draft.
Cached on disk like the triage model (bot.learning.triage_model).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.domain.coach_engine import ELEMENTS, PROBLEMS, needed_elements, sentences
from bot.domain.triage.lexicon import normalise
from bot.learning.cache import cached
from bot.learning.corpus import Item, fingerprint

log = logging.getLogger(__name__)

VERSION = "3"


class CoachModel:
    def __init__(self) -> None:
        self.sentence_vec = TfidfVectorizer(
            analyzer="char", ngram_range=(1, 4), sublinear_tf=True, min_df=2, dtype=np.float32
        )
        self.draft_vec = TfidfVectorizer(
            analyzer="char", ngram_range=(1, 4), sublinear_tf=True, min_df=2, dtype=np.float32
        )
        self.problem: dict[str, LogisticRegression] = {}
        self.element: dict[str, LogisticRegression] = {}
        self.harmful: LogisticRegression | None = None

    def fit(self, items: Sequence[Item]) -> CoachModel:
        rows: list[str] = []
        labels: dict[str, list[int]] = {p: [] for p in PROBLEMS}
        for item in items:
            phrases = [(p["id"], normalise(p["phrase"])) for p in item.labels.get("problems", [])]
            for sentence in sentences(item.text):
                clean = normalise(sentence)
                rows.append(clean)
                for problem in PROBLEMS:
                    labels[problem].append(
                        int(any(pid == problem and _overlaps(clean, phrase) for pid, phrase in phrases))
                    )
        grams = self.sentence_vec.fit_transform(rows)
        for problem, y in labels.items():
            if sum(y) >= 3:
                self.problem[problem] = LogisticRegression(C=3, max_iter=3000, class_weight="balanced").fit(grams, y)
        drafts = [normalise(i.text) for i in items]
        whole = self.draft_vec.fit_transform(drafts)
        for element in ELEMENTS:
            idx, y = [], []
            for k, item in enumerate(items):
                situation = item.situation or {}
                missing = set(item.labels.get("missing", []))
                if element in missing:
                    idx.append(k)
                    y.append(0)
                elif element in needed_elements(situation) and item.labels.get("verdict") != "stronger":
                    idx.append(k)
                    y.append(1)
            if len(set(y)) == 2:
                self.element[element] = LogisticRegression(C=10, max_iter=3000, class_weight="balanced").fit(
                    whole[idx], y
                )
        verdicts = [int(i.labels.get("verdict") == "fix") for i in items]
        if len(set(verdicts)) == 2:
            self.harmful = LogisticRegression(C=10, max_iter=3000, class_weight="balanced").fit(whole, verdicts)
        return self

    def sentence_problems(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """For each sentence, problem → probability that this sentence carries it."""
        if not texts:
            return []
        grams = self.sentence_vec.transform([normalise(t) for t in texts])
        out: list[dict[str, float]] = [{} for _ in texts]
        for problem, model in self.problem.items():
            for k, p in enumerate(model.predict_proba(grams)[:, 1]):
                out[k][problem] = float(p)
        return out

    def elements(self, text: str) -> dict[str, float]:
        grams = self.draft_vec.transform([normalise(text)])
        return {e: float(m.predict_proba(grams)[0, 1]) for e, m in self.element.items()}

    def harm(self, text: str) -> float:
        if self.harmful is None:
            return 1.0  # nothing learnt: every sentence reading stands on its own
        return float(self.harmful.predict_proba(self.draft_vec.transform([normalise(text)]))[0, 1])


def _overlaps(sentence: str, phrase: str) -> bool:
    phrase = phrase.strip()
    if not phrase:
        return False
    if phrase in sentence or sentence.strip() in phrase:
        return True
    head = phrase[: max(6, len(phrase) // 2)]
    return len(head) >= 6 and head in sentence


def load_or_train(items_loader: Any) -> CoachModel:
    key = f"coach-{VERSION}-{fingerprint('drafts')}-{_code_key()}-sk{sklearn.__version__}.joblib"
    return cached(key, lambda: CoachModel().fit(items_loader()))


def _code_key() -> str:
    """Sentence splitting decides what the model learns: a change to it retrains."""
    return hashlib.sha256(re.sub(r"\s+", "", sentences.__doc__ or "").encode()).hexdigest()[:8]
