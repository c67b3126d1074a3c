"""Writes the log's anchor (count, head hash, MAC) to a file outside the database, as it grows."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from bot.store import Store
from bot.store.audit import Anchor
from bot.worker import PollingWorker

log = logging.getLogger(__name__)


class AnchorWriter(PollingWorker):
    name = "anchor"

    def __init__(
        self, store: Store, path: Path, key: bytes, *, clock: Callable[[], float] = time.time, interval: float = 30.0
    ) -> None:
        super().__init__(clock=clock, idle_poll=interval, threads=1)
        self.store = store
        self.path = path
        self.key = key
        self._written: tuple[int, str] | None = None

    def run_once(self) -> int:
        self.write()
        return 0

    def next_due(self) -> float | None:
        return None

    def write(self) -> None:
        head = self.store.events.head()
        if head == self._written or head[0] == 0:
            return
        Anchor(*head).write(self.path, self.key)
        self._written = head

    def stop(self, timeout: float = 10.0) -> None:
        super().stop(timeout)
        try:
            self.write()  # the last events before a clean stop are anchored too
        except Exception as exc:
            log.error("could not write the anchor file %s: %s", self.path, type(exc).__name__)
