"""The append-only, tamper-evident log.

Each event carries the SHA-256 of the previous event's hash plus its own content, so an
edited or removed row breaks the chain and `owabi verify` names the first broken id.
Triggers refuse UPDATE and DELETE on the table.
"""

from __future__ import annotations

import json
from typing import Any

from bot.ports import LoggedEvent
from bot.store.audit import GENESIS, digest
from bot.store.db import Connections


def _row_to_event(row: dict[str, Any]) -> LoggedEvent:
    return LoggedEvent(row["id"], row["at"], row["incident_id"], row["kind"], row["actor"], json.loads(row["data"]))


class EventLog:
    def __init__(self, conns: Connections, *, key: bytes | None = None) -> None:
        self._c = conns
        self._key = key  # HMAC key of the chain (OWABI_AUDIT_KEY); None = plain SHA-256

    def append(
        self, *, at: float, kind: str, incident_id: int | None = None, actor: str | None = None, **data: Any
    ) -> int:
        payload = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
        with self._c.write() as db:
            last = db.execute("SELECT hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
            prev = last[0] if last else GENESIS
            cur = db.execute(
                "INSERT INTO events (at, incident_id, kind, actor, data, prev_hash, hash, keyed) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    at,
                    incident_id,
                    kind,
                    actor,
                    payload,
                    prev,
                    digest(self._key, prev, at, incident_id, kind, actor, payload),
                    int(self._key is not None),
                ),
            )
            return int(cur.lastrowid or 0)

    def for_incident(self, incident_id: int) -> list[LoggedEvent]:
        rows = self._c.db.query("SELECT * FROM events WHERE incident_id = ? ORDER BY id", [incident_id])
        return [_row_to_event(r) for r in rows]

    def all(self, *, since: float | None = None) -> list[LoggedEvent]:
        rows = self._c.db.query("SELECT * FROM events WHERE at >= ? ORDER BY id", [since or 0.0])
        return [_row_to_event(r) for r in rows]

    def count(self, kind: str | None = None) -> int:
        if kind is None:
            return int(self._c.db.execute("SELECT count(*) FROM events").fetchone()[0])
        return int(self._c.db.execute("SELECT count(*) FROM events WHERE kind = ?", [kind]).fetchone()[0])

    def head(self) -> tuple[int, str]:
        """(number of events, hash of the newest): what an anchor records."""
        row = self._c.db.execute(
            "SELECT count(*), (SELECT hash FROM events ORDER BY id DESC LIMIT 1) FROM events"
        ).fetchone()
        return int(row[0]), str(row[1] or GENESIS)

    def verify(self) -> tuple[int, int | None]:
        """(events checked, id of the first event whose hash does not hold, or None)."""
        prev = GENESIS
        checked = 0
        for row in self._c.db.query("SELECT * FROM events ORDER BY id"):
            key = self._key if row.get("keyed") else None
            expected = digest(key, prev, row["at"], row["incident_id"], row["kind"], row["actor"], row["data"])
            if row["prev_hash"] != prev or row["hash"] != expected:
                return checked, int(row["id"])
            prev = row["hash"]
            checked += 1
        return checked, None
