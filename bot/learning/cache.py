"""Trained models kept on disk, keyed by everything that would change them."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import joblib

log = logging.getLogger(__name__)
T = TypeVar("T")


def cache_dir() -> Path:
    """OWABI_MODEL_CACHE, else the user's cache folder."""
    chosen = os.environ.get("OWABI_MODEL_CACHE")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "owabi"


def _folders() -> tuple[Path, Path]:
    # The temp folder stands in when the cache folder is not writable (a read-only home).
    return cache_dir(), Path(tempfile.gettempdir()) / "owabi-models"


def cached(key: str, build: Callable[[], T]) -> T:
    """The object stored under `key`, or `build()` stored there (atomically) and returned."""
    for folder in _folders():
        path = folder / key
        if path.is_file():
            try:
                found: T = joblib.load(path)
                return found
            except Exception as exc:  # a half-written or foreign file: build again
                log.warning("ignoring unreadable model cache %s (%s)", path, type(exc).__name__)
    made = build()
    for folder in _folders():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f"{key}.{os.getpid()}.tmp"
            joblib.dump(made, tmp)
            os.replace(tmp, folder / key)
            break
        except OSError:
            continue
    return made
