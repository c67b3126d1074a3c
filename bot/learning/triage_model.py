"""The learnt half of triage: scikit-learn models over character n-grams and lexicon concepts.

Two experts per question, multiplied (a product of experts):
- character 1–4-grams with TF-IDF (robust to typos and to unsegmented Japanese), side by side
  with dictionary words and word pairs (bot.learning.words: lemmas, stems), and
- counts of the lexicon's concepts ("late", "money", "safety", …), which carry general words
  the corpus never used.
Each expert is a logistic regression; their log-probabilities are added, the concept expert
weighted by `CONCEPT_WEIGHT`. Facets are one binary pair of experts each. The category has a
third expert, complement naive Bayes over the dictionary words (`NAIVE_WEIGHT`): it leans on
the words a category's reports share rather than on the few that separate categories best,
which carries better to trades the corpus has never seen (chosen on rounds 10-13, each read by
a model trained on the rounds before it: category 80.8% -> 82.3%, better on every round).

Trained from data/corpus at first use and cached on disk (keyed by the corpus fingerprint,
this module's version and scikit-learn's), so nothing is downloaded and a new corpus or a new
scikit-learn simply retrains.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from functools import cached_property
from typing import Any

import numpy as np
import sklearn
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB

from bot.domain.model import Facet, Severity
from bot.domain.triage.lexicon import Lexicon, normalise
from bot.learning.cache import cached
from bot.learning.corpus import Item, fingerprint
from bot.learning.words import words

log = logging.getLogger(__name__)

VERSION = "5"
SINGLE = ("category", "severity", "situation", "found_by")
# Severity is also learnt as three questions in order ("at least medium?", "at least high?",
# "at least critical?"): their probabilities add up to the expected level, which keeps the
# levels' order that a plain four-way choice ignores (bot.domain.triage reads them).
LEVELS = tuple(s.value for s in Severity)
AT_LEAST = {f"severity>={level}": k for k, level in enumerate(LEVELS) if k}
FACETS = tuple(f.value for f in Facet)
CONCEPT_WEIGHT = 0.3
NAIVE_WEIGHT = 1.0
NAIVE = ("category",)
Probabilities = dict[str, dict[str, float]]


class TriageModel:
    def __init__(self, lexicons: dict[str, Lexicon]) -> None:
        self.lexicons = lexicons
        self.concepts = sorted({c for lex in lexicons.values() for c in lex.concepts})
        self.vectorizer = TfidfVectorizer(
            analyzer="char", ngram_range=(1, 4), sublinear_tf=True, min_df=2, dtype=np.float32
        )
        self.words = TfidfVectorizer(analyzer=words, sublinear_tf=True, min_df=2, dtype=np.float32)
        self.text: dict[str, LogisticRegression] = {}
        self.concept: dict[str, LogisticRegression] = {}
        self.naive: dict[str, ComplementNB] = {}

    # --- features ------------------------------------------------------------------------

    def concept_counts(self, texts: Sequence[str], locales: Sequence[str]) -> csr_matrix:
        rows = []
        for text, locale in zip(texts, locales, strict=True):
            hits = self.lexicons[locale].hits(text) if locale in self.lexicons else {}
            rows.append([np.log1p(len(hits.get(c, ()))) for c in self.concepts])
        return csr_matrix(np.asarray(rows, dtype=np.float32).reshape(len(rows), len(self.concepts)))

    # --- training ------------------------------------------------------------------------

    def fit(self, items: Sequence[Item]) -> TriageModel:
        texts = [normalise(i.text) for i in items]
        locales = [i.locale for i in items]
        lemmas = self.words.fit_transform(texts)
        grams = hstack([self.vectorizer.fit_transform(texts), lemmas]).tocsr()
        concepts = self.concept_counts(texts, locales)
        targets: dict[str, list[str]] = {task: [str(i.labels[task]) for i in items] for task in SINGLE}
        for facet in FACETS:
            targets[facet] = ["yes" if facet in i.labels["facets"] else "no" for i in items]
        for task, k in AT_LEAST.items():
            targets[task] = ["yes" if LEVELS.index(str(i.labels["severity"])) >= k else "no" for i in items]
        for task, y in targets.items():
            if len(set(y)) < 2:
                continue
            # Rare answers (a facet, a near miss) are weighted up: missing them is the costly error.
            weight = None if task in ("category", "severity", *AT_LEAST) else "balanced"
            self.text[task] = LogisticRegression(C=10, max_iter=3000, class_weight=weight).fit(grams, y)
            self.concept[task] = LogisticRegression(C=1, max_iter=3000, class_weight=weight).fit(concepts, y)
            if task in NAIVE:
                self.naive[task] = ComplementNB(alpha=0.3).fit(lemmas, y)
        self._compile()
        return self

    @cached_property
    def _rows(self) -> tuple[_Row, _Row]:
        """The two vectorizers as row makers, made once per loaded model (never pickled)."""
        return _Row(self.vectorizer), _Row(self.words)

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_rows"}

    def _compile(self) -> None:
        """All tasks' weights side by side, so one report costs two matrix products, not 32 calls."""
        self._tasks: list[tuple[str, list[str], slice]] = []
        text_cols, concept_cols, text_bias, concept_bias = [], [], [], []
        start = 0
        for task, model in self.text.items():
            width = model.coef_.shape[0]
            self._tasks.append((task, [str(c) for c in model.classes_], slice(start, start + width)))
            text_cols.append(model.coef_.T)
            concept_cols.append(self.concept[task].coef_.T)
            text_bias.append(model.intercept_)
            concept_bias.append(self.concept[task].intercept_)
            start += width
        # Fitted on the same answers as the regressions, so its classes come in the same order.
        self._naive = {task: model.feature_log_prob_.T.astype(np.float32) for task, model in self.naive.items()}
        self._w_text = np.hstack(text_cols).astype(np.float32)
        self._w_concept = np.hstack(concept_cols).astype(np.float32)
        self._b = (np.concatenate(text_bias), np.concatenate(concept_bias))

    # --- reading one report ------------------------------------------------------------------

    def probabilities(self, text: str, locale: str) -> Probabilities:
        """Question → answer → probability, for one report (its text already normalised)."""
        grams, lemmas = self._rows
        g_idx, g_val = grams.row(text)
        l_idx, l_val = lemmas.row(text)
        width = len(grams.vocabulary)
        hits = self.lexicons[locale].hits(text) if locale in self.lexicons else {}
        concepts = np.log1p(np.array([len(hits.get(c, ())) for c in self.concepts], dtype=np.float32))
        text_scores = g_val @ self._w_text[g_idx] + l_val @ self._w_text[l_idx + width] + self._b[0]
        concept_scores = concepts @ self._w_concept + self._b[1]
        out: Probabilities = {}
        for task, classes, cols in self._tasks:
            logp = _log_proba(text_scores[cols]) + CONCEPT_WEIGHT * _log_proba(concept_scores[cols])
            if task in self._naive:
                logp = logp + NAIVE_WEIGHT * _log_proba(l_val @ self._naive[task][l_idx])
            p = np.exp(logp - logp.max())
            p = p / p.sum()
            out[task] = {label: float(v) for label, v in zip(classes, p, strict=True)}
        return out


class _Row:
    """One text as a fitted TF-IDF vectorizer would make it (sublinear tf, idf, L2), as the
    columns it sets and their values.

    scikit-learn's `transform` checks and converts its input on every call, which for a single
    short report cost most of a read; this does the same arithmetic from the same fitted
    vocabulary and idf (tests compare the two on the corpus).
    """

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        self.analyze = vectorizer.build_analyzer()
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.idf = vectorizer.idf_.astype(np.float32)

    def row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        counts: dict[int, int] = {}
        for term in self.analyze(text):
            column = self.vocabulary.get(term)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        columns = np.fromiter(counts, dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        values = (1.0 + np.log(tf)) * self.idf[columns]
        norm = float(np.sqrt(values @ values))
        return columns, values / norm if norm else values


def _log_proba(scores: np.ndarray) -> np.ndarray:
    """Log-probabilities as scikit-learn's logistic regression gives them (binary: one score)."""
    if scores.shape[0] == 1:
        z = float(scores[0])
        return np.array([-np.logaddexp(0.0, z), -np.logaddexp(0.0, -z)])
    shifted: np.ndarray = scores - scores.max()
    result: np.ndarray = shifted - np.log(np.exp(shifted).sum())
    return result


# --- building and caching -------------------------------------------------------------------


def load_or_train(lexicons: dict[str, Lexicon], items_loader: Any, *, kind: str = "reports") -> TriageModel:
    """The model for the corpus as it is now: from the disk cache, or trained and cached."""
    key = f"triage-{VERSION}-{fingerprint(kind)}-{_lexicon_key(lexicons)}-sk{sklearn.__version__}.joblib"
    model = cached(key, lambda: TriageModel(lexicons).fit(items_loader()))
    model.lexicons = lexicons
    return model


def _lexicon_key(lexicons: dict[str, Lexicon]) -> str:
    digest = hashlib.sha256()
    for locale in sorted(lexicons):
        lex = lexicons[locale]
        for name in sorted(lex.concepts):
            digest.update(name.encode())
            for pattern in lex.concepts[name]:
                digest.update(pattern.pattern.encode())
    return digest.hexdigest()[:10]
