"""Where bundled files live, whether Owabi runs from a checkout or an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


def _first(*candidates: Path) -> Path:
    return next((p for p in candidates if p.exists()), candidates[-1])


def responses_dir() -> Path:
    return _first(_PACKAGE / "_bundled" / "responses", _CHECKOUT / "responses")


def example_policy() -> Path:
    return _first(_PACKAGE / "_bundled" / "policy.example.toml", _CHECKOUT / "data" / "policy.example.toml")


def corpus_dir() -> Path:
    return _first(_PACKAGE / "_bundled" / "corpus", _CHECKOUT / "data" / "corpus")


def locales() -> list[str]:
    return sorted(p.name for p in responses_dir().iterdir() if p.is_dir() and not p.name.startswith("_"))
