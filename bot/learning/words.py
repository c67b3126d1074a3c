"""Words as a dictionary sees them: lemmas for Japanese, stems for English.

Character n-grams already read typos and unsegmented Japanese; lemmas add what they cannot:
「届いていません」 and 「届かない」 are one word (届く), "refunded" and "refunds" one stem.
The dictionaries ship inside their packages (unidic-lite, snowballstemmer): nothing is
downloaded. Module-level functions, so a trained vectorizer pickles by reference.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from itertools import pairwise
from typing import Any

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN = re.compile(r"[a-z0-9][a-z0-9']*")
# Particles, auxiliaries and punctuation carry grammar, not what happened.
_SKIP_POS = frozenset({"助詞", "助動詞", "補助記号", "記号", "空白"})


_local = threading.local()


def _tagger() -> Any:
    """One tagger per thread: a MeCab tagger is not safe to share (reports read at once mixed words)."""
    tagger = getattr(_local, "tagger", None)
    if tagger is None:
        import fugashi  # the dictionary loads on a thread's first Japanese text

        tagger = _local.tagger = fugashi.Tagger()
    return tagger


def _stemmer() -> Any:
    """One stemmer per thread too: a Snowball stemmer keeps its cursor on itself, so two threads
    stemming at once corrupt each other's words (or fail with an IndexError)."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        import snowballstemmer

        stemmer = _local.stemmer = snowballstemmer.stemmer("english")
    return stemmer


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """Stemming is the slowest part of reading English, and staff reuse the same few thousand words."""
    return str(_stemmer().stemWord(word))


def words(text: str) -> list[str]:
    """Content words of normalised text, unigrams then adjacent pairs."""
    if _JAPANESE.search(text):
        tokens = [str(w.feature.lemma or w.surface) for w in _tagger()(text) if w.feature.pos1 not in _SKIP_POS]
        tokens += [t for t in _LATIN.findall(text) if t not in tokens]
    else:
        tokens = [_stem(w) for w in _LATIN.findall(text)]
    return tokens + [f"{a} {b}" for a, b in pairwise(tokens)]
