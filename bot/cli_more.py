"""CLI verbs for the feature modules: verify (and, as they land, coach, summary, export)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def cmd_verify(args: argparse.Namespace) -> int:
    from bot.config import Settings
    from bot.store import Store

    store = Store.open(Settings().owabi_db)
    checked, broken = store.events.verify()
    if broken is None:
        print(f"OK: {checked} events, hash chain intact")
        return 0
    print(f"TAMPERED: the chain breaks at event {broken} (after {checked} good events)")
    return 1


def register(verb: Callable[..., Any]) -> None:
    verb("verify", cmd_verify, "Check the event log's hash chain; exit 1 if anything was altered.")
