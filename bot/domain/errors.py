"""One root for every error Owabi raises on purpose.

An entry point can then tell "Owabi refused, and says why" (an `OwabiError`: one clear line,
a polite answer) from a bug (anything else: logged with its traceback for an operator). Each
subclass keeps the built-in base it had (`ValueError`, `PermissionError`, `LookupError`), so
code that catches those still works.
"""

from __future__ import annotations

import traceback


class OwabiError(Exception):
    """Something Owabi could not or would not do; the message is written for a person."""


def frames(error: BaseException) -> str:
    """Where a bug happened, for an operator's log: the traceback's frames without the exception's
    message, which may quote what a person typed (a report, a draft)."""
    return "".join(traceback.format_tb(error.__traceback__)).rstrip()
