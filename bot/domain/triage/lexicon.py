"""Concept lexicons: which general ideas a report mentions, with the words that showed it.

A lexicon is data (``responses/<locale>/triage.toml``), handed to this module already read:
the domain never touches files. Each concept is a list of regular expressions; a match
inside a negated span ("nobody was hurt", 「けがはありません」) does not count.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Concepts a negation can cancel; category concepts are facts about what happened and stay.
NEGATABLE = frozenset({"safety", "harm", "data", "angry", "abuse", "legal", "vulnerable", "child", "loss", "crowd"})


def _whole_word(text: str, start: int, end: int) -> str:
    """The matched words in full ("swell" in "swelled" shows as "swelled"); Japanese as matched."""
    if text[start:end].isascii():
        while start > 0 and text[start - 1].isascii() and (text[start - 1].isalnum() or text[start - 1] in "-'"):
            start -= 1
        while end < len(text) and text[end].isascii() and (text[end].isalnum() or text[end] in "-'"):
            end += 1
    return text[start:end].strip()


def normalise(text: str) -> str:
    """NFKC (full-width Latin and half-width kana fold together), lower case, straight quotes."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return folded.replace("\u2019", "'").replace("\u2018", "'")


@dataclass(frozen=True)
class Lexicon:
    locale: str
    concepts: dict[str, tuple[re.Pattern[str], ...]]
    negations: tuple[re.Pattern[str], ...] = ()
    # The last few texts read: the engine and the model each ask for the same report's hits.
    _recent: dict[str, dict[str, list[str]]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_data(cls, locale: str, data: dict[str, object]) -> Lexicon:
        def compile_all(items: object) -> tuple[re.Pattern[str], ...]:
            return tuple(re.compile(p) for p in items) if isinstance(items, list) else ()

        concepts = data.get("concepts") or {}
        negations = data.get("negations") or {}
        return cls(
            locale=locale,
            concepts={k: compile_all(v) for k, v in concepts.items()} if isinstance(concepts, dict) else {},
            negations=compile_all(negations.get("patterns") if isinstance(negations, dict) else None),
        )

    def negated_spans(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for p in self.negations for m in p.finditer(text)]

    def hits(self, text: str) -> dict[str, list[str]]:
        """Concept → the words that showed it (in order of appearance), on normalised text.

        The key "_negated" lists the negations found ("nobody was hurt"), if any. The answer is
        shared between callers of the same text: read it, never change it.
        """
        known = self._recent.get(text)
        if known is not None:
            return known
        found = self._hits(text)
        if len(self._recent) >= 32:
            self._recent.clear()
        self._recent[text] = found
        return found

    def _hits(self, text: str) -> dict[str, list[str]]:
        spans = self.negated_spans(text)
        found: dict[str, list[str]] = {}
        if spans:
            found["_negated"] = [text[a:b] for a, b in spans]
        for concept, patterns in self.concepts.items():
            words: list[tuple[int, str]] = []
            for pattern in patterns:
                for m in pattern.finditer(text):
                    if not m.group(0).strip():
                        continue
                    if concept in NEGATABLE and any(a <= m.start() < b for a, b in spans):
                        continue
                    words.append((m.start(), _whole_word(text, m.start(), m.end())))
            if words:
                seen: list[str] = []
                for _, w in sorted(words):
                    if w not in seen:
                        seen.append(w)
                found[concept] = seen
        return found
