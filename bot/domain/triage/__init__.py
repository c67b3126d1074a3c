"""Triage: reading a report (see engine.py); lexicons and the model are handed in."""

from bot.domain.triage.engine import TextModel, Triager, Tuning, detect_locale
from bot.domain.triage.extract import extract
from bot.domain.triage.lexicon import Lexicon, normalise

__all__ = ["Lexicon", "TextModel", "Triager", "Tuning", "detect_locale", "extract", "normalise"]
