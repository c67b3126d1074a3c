"""sqlite-utils, as the store loads it: without numpy and pandas.

sqlite-utils imports numpy and pandas when they are installed, only to map their scalar types
to column types. Owabi never stores either, and numpy (scikit-learn brings it) would cost a
third of the server's start-up, so both are hidden while sqlite-utils loads. Only while this is
the process's one thread: another thread's import of them must never fail.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def _hidden(*names: str) -> Iterator[None]:
    hidden = [n for n in names if n not in sys.modules] if threading.active_count() == 1 else []
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # the import system's "this import fails"
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name) is None:
                del sys.modules[name]


with _hidden("numpy", "pandas"):
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

__all__ = ["Database", "Migrations"]
