"""Delivery and timed jobs in a process of their own, beside the one answering Slack.

Python runs one thread at a time per process. In one process, every DM sent and every
escalation checked competes with the requests Slack is waiting on, and under a burst the acks
queue behind delivery (bench/slack_latency.py). So `owabi serve` starts `owabi deliver`: the
same store, outbox and jobs (both processes were already safe on one database file), with the
dispatcher and the scheduler in the child and the HTTP app in the parent.

The two talk over the child's standard streams, in one direction each:
- parent -> child: one byte per message queued (a wake); end of input means the parent is
  gone, and the child finishes what it is sending and stops;
- child -> parent: one line whenever Slack starts or stops refusing the token, so /healthz
  still tells an operator.

If the child dies, the parent logs it and delivers in its own threads from then on: a message
queued is never left waiting for a process that is not coming back.
"""

from __future__ import annotations

import contextlib
import logging
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import IO

from bot.health import Health

log = logging.getLogger(__name__)

BLOCKED, OK = "blocked ", "ok"
STOP_WAIT = 15.0  # the child's own stop waits up to 10 s for sends in flight


class ReportingHealth(Health):
    """The child's health: every change is written for the parent to read."""

    def __init__(self, out: IO[str]) -> None:
        super().__init__()
        self._out = out
        self._out_lock = threading.Lock()

    def delivery_blocked(self, reason: str) -> bool:
        first = super().delivery_blocked(reason)
        if first:
            self._say(BLOCKED + reason)
        return first

    def delivery_ok(self) -> None:
        was = self.delivery_problem
        super().delivery_ok()
        if was:
            self._say(OK)

    def _say(self, line: str) -> None:
        with self._out_lock:
            try:
                self._out.write(line + "\n")
                self._out.flush()
            except (OSError, ValueError):  # the parent is gone: the child is stopping anyway
                pass


def run_child(
    wakes: IO[bytes], *, start: Callable[[], None], wake: Callable[[int], None], stop: Callable[[], None]
) -> int:
    """`owabi deliver`: deliver and run jobs (`start`) until the parent closes our input, each
    byte read a wake for the senders; then `stop`, which finishes the sends in flight."""
    start()
    log.info("delivery process started: it sends the queued messages and runs the timed jobs")
    try:
        while True:
            chunk = wakes.read1(4096) if hasattr(wakes, "read1") else wakes.read(1)  # whatever has arrived
            if not chunk:
                break
            wake(len(chunk))
    except (OSError, ValueError):
        pass
    finally:
        stop()
    return 0


class DeliveryProcess:
    """The parent's handle on the child: wakes it, mirrors its health, and takes over if it dies."""

    def __init__(self, argv: list[str], health: Health, *, take_over: Callable[[], None]) -> None:
        self._health = health
        self._take_over = take_over
        self._stopping = threading.Event()
        self._pending = 0
        self._cond = threading.Condition()
        # A session of its own: a supervisor's SIGTERM (or a terminal's Ctrl-C) to serve's whole
        # process group reaches serve only, which then stops the child after its sends in flight.
        self._proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True)
        threading.Thread(target=self._forward, name="owabi-wake", daemon=True).start()
        threading.Thread(target=self._listen, name="owabi-delivery", daemon=True).start()

    def wake(self, n: int = 1) -> None:
        """Never blocks a request: the wake is counted here and written by a thread of its own."""
        with self._cond:
            self._pending += n
            self._cond.notify()

    def _forward(self) -> None:
        stdin = self._proc.stdin
        assert stdin is not None
        while True:
            with self._cond:
                while not self._pending and not self._stopping.is_set():
                    self._cond.wait()
                if self._stopping.is_set():
                    return
                n, self._pending = min(self._pending, 4096), max(0, self._pending - 4096)
            try:
                stdin.write(b"w" * n)
                stdin.flush()
            except (OSError, ValueError):
                return  # the child is gone; _listen notices and takes over

    def _listen(self) -> None:
        stdout = self._proc.stdout
        assert stdout is not None
        for raw in stdout:
            line = raw.decode("utf-8", errors="replace").strip()
            if line.startswith(BLOCKED):
                self._health.delivery_blocked(line[len(BLOCKED) :])
            elif line == OK:
                self._health.delivery_ok()
        code = self._proc.wait()
        if not self._stopping.is_set():
            log.error(
                "the delivery process stopped unexpectedly (exit %s); this process delivers from now on. "
                "What to do: look for its last log lines above, then restart owabi serve when convenient",
                code,
            )
            self._take_over()

    def stop(self) -> None:
        """Close the child's input (it finishes its sends and stops), then wait for it."""
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        if self._proc.stdin is not None:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()
        try:
            self._proc.wait(STOP_WAIT)
        except subprocess.TimeoutExpired:
            log.warning("the delivery process did not stop within %.0f s; ending it", STOP_WAIT)
            self._proc.kill()
            self._proc.wait()


def child_argv() -> list[str]:
    return [sys.executable, "-m", "bot", "deliver"]
