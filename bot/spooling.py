"""Moves spooled reports into the database as soon as it takes writes again."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.ports import StoreBusy
from bot.service import Owabi
from bot.worker import PollingWorker


class SpoolDrain(PollingWorker):
    name = "spool"
    background = True  # its reporters have their answer already: live reports and deliveries go first

    def __init__(self, service: Owabi, *, clock: Callable[[], float] = time.time, idle_poll: float = 0.5) -> None:
        super().__init__(clock=clock, idle_poll=idle_poll, threads=1)
        self.service = service

    def run_once(self) -> int:
        try:
            return self.service.ingest_spooled()
        except StoreBusy:
            return 0

    def next_due(self) -> float | None:
        return self.clock() if self.service.store.spool.count() else None

    def _idle_wait(self, n: int = 0) -> float:
        # While reports wait on disk, look again soon; otherwise sleep until woken.
        return self.idle_poll if self.service.store.spool.count() else 3600.0
