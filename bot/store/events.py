"""The append-only, tamper-evident log.

Each event carries the SHA-256 of the previous event's hash plus its own content, so an
edited or removed row breaks the chain and `owabi verify` names the first broken id.
Triggers refuse UPDATE and DELETE on the table.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from bot.store.db import Connections

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    at: float
    incident_id: int | None
    kind: str
    actor: str | None
    data: dict[str, Any]


def _digest(prev: str, at: float, incident_id: int | None, kind: str, actor: str | None, data: str) -> str:
    material = json.dumps([prev, repr(at), incident_id, kind, actor, data], ensure_ascii=False)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _row_to_event(row: dict[str, Any]) -> Event:
    return Event(row["id"], row["at"], row["incident_id"], row["kind"], row["actor"], json.loads(row["data"]))


class EventLog:
    def __init__(self, conns: Connections) -> None:
        self._c = conns

    def append(self, *, at: float, kind: str, incident_id: int | None = None, actor: str | None = None,
               **data: Any) -> int:
        payload = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
        with self._c.write() as db:
            last = db.execute("SELECT hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
            prev = last[0] if last else GENESIS
            cur = db.execute(
                "INSERT INTO events (at, incident_id, kind, actor, data, prev_hash, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (at, incident_id, kind, actor, payload, prev, _digest(prev, at, incident_id, kind, actor, payload)),
            )
            return int(cur.lastrowid or 0)

    def for_incident(self, incident_id: int) -> list[Event]:
        rows = self._c.db.query("SELECT * FROM events WHERE incident_id = ? ORDER BY id", [incident_id])
        return [_row_to_event(r) for r in rows]

    def all(self, *, since: float | None = None) -> list[Event]:
        rows = self._c.db.query("SELECT * FROM events WHERE at >= ? ORDER BY id", [since or 0.0])
        return [_row_to_event(r) for r in rows]

    def count(self, kind: str | None = None) -> int:
        if kind is None:
            return int(self._c.db.execute("SELECT count(*) FROM events").fetchone()[0])
        return int(self._c.db.execute("SELECT count(*) FROM events WHERE kind = ?", [kind]).fetchone()[0])

    def verify(self) -> tuple[int, int | None]:
        """(events checked, id of the first event whose hash does not hold, or None)."""
        prev = GENESIS
        checked = 0
        for row in self._c.db.query("SELECT * FROM events ORDER BY id"):
            expected = _digest(prev, row["at"], row["incident_id"], row["kind"], row["actor"], row["data"])
            if row["prev_hash"] != prev or row["hash"] != expected:
                return checked, int(row["id"])
            prev = row["hash"]
            checked += 1
        return checked, None
