"""Messages waiting to go to Slack.

A message is written here in the same transaction as the change that causes it, then
sent by a dispatcher. A claim is a lease: if a process dies mid-send the lease runs out
and another worker takes the message. Keys are unique, so a retried request can never
queue the same message twice.
"""

from __future__ import annotations

import json
import time
from typing import Any

from bot.ports import Outgoing
from bot.store.db import Connections, claimer_is_dead

RANKS = (0, 1)  # 0: a boss's DM (someone must hear of the incident), 1: everything else


def rank_of(purpose: str) -> int:
    return 0 if purpose == "boss_dm" else 1


def _to_outgoing(row: dict[str, Any]) -> Outgoing:
    return Outgoing(
        row["id"],
        row["key"],
        row["incident_id"],
        row["purpose"] or "",
        row["recipient"] or "",
        row["method"],
        json.loads(row["payload"]),
        row["depends_on"],
        row["attempts"],
        row["created_at"],
        bool(row["maybe_sent"]),
    )


class Outbox:
    def __init__(self, conns: Connections) -> None:
        self._c = conns

    def enqueue(
        self,
        *,
        key: str,
        method: str,
        payload: dict[str, Any],
        at: float,
        incident_id: int | None = None,
        purpose: str = "",
        recipient: str = "",
        not_before: float | None = None,
        depends_on: int | None = None,
    ) -> int | None:
        """Queue a message; returns its id, or None if this key was already queued."""
        with self._c.write() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO outbox (key, incident_id, purpose, recipient, method, payload, "
                "depends_on, status, created_at, next_attempt_at, attempts, rank) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, 0, ?)",
                (
                    key,
                    incident_id,
                    purpose,
                    recipient,
                    method,
                    json.dumps(payload, ensure_ascii=False),
                    depends_on,
                    at,
                    at if not_before is None else not_before,
                    rank_of(purpose),
                ),
            )
            return int(cur.lastrowid) if cur.rowcount == 1 and cur.lastrowid else None

    def claim(self, *, worker: str, now: float, lease: float, limit: int = 10) -> list[Outgoing]:
        """Take up to `limit` sendable messages, a boss's DM before anything else, oldest first.

        Each rank is one walk of the (status, rank, next_attempt_at) index that stops at the
        first sendable rows: its cost does not grow with the backlog.
        """
        claimed: list[dict[str, Any]] = []
        with self._c.write() as db:
            for rank in RANKS:
                if len(claimed) >= limit:
                    break
                rows = db.execute(
                    # A claim of a row that is still in flight means its last send never finished
                    # (a killed process): its outcome is unknown from here on.
                    "UPDATE outbox SET claimed_by = ?, claimed_until = ?, maybe_sent = (maybe_sent OR in_flight),"
                    " in_flight = 1 WHERE id IN ("
                    " SELECT o.id FROM outbox o WHERE o.status = 'pending' AND o.rank = ? AND o.next_attempt_at <= ?"
                    " AND (o.claimed_until IS NULL OR o.claimed_until < ?)"
                    " AND (o.depends_on IS NULL OR EXISTS (SELECT 1 FROM outbox d"
                    "      WHERE d.id = o.depends_on AND d.status IN ('sent', 'failed')))"
                    " ORDER BY o.next_attempt_at, o.id LIMIT ?)"
                    " RETURNING *",
                    (worker, now + lease, rank, now, now, limit - len(claimed)),
                )
                cols = [c[0] for c in rows.description]
                claimed += [dict(zip(cols, r, strict=True)) for r in rows.fetchall()]
        return sorted((_to_outgoing(r) for r in claimed), key=lambda o: o.id)

    def renew(self, outgoing_id: int, *, worker: str, until: float) -> bool:
        """Extend this worker's claim before a send; False if the lease went to someone else."""
        with self._c.write() as db:
            cur = db.execute(
                "UPDATE outbox SET claimed_until = ? WHERE id = ? AND claimed_by = ? AND status = 'pending'",
                (until, outgoing_id, worker),
            )
            return cur.rowcount == 1

    def mark_sent(self, outgoing_id: int, *, worker: str, at: float, channel: str = "", ts: str = "") -> bool:
        with self._c.write() as db:
            cur = db.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, result_channel = ?, result_ts = ?,"
                " attempts = attempts + 1, claimed_until = NULL, in_flight = 0 WHERE id = ? AND status = 'pending'"
                " AND claimed_by = ?",
                (at, channel, ts, outgoing_id, worker),
            )
            return cur.rowcount == 1

    def mark_retry(
        self, outgoing_id: int, *, worker: str, at: float, error: str, counts: bool = True, maybe_sent: bool = False
    ) -> None:
        """Try again at `at`; `counts` = this failure counts towards giving up (a rate limit does not)."""
        with self._c.write() as db:
            db.execute(
                "UPDATE outbox SET next_attempt_at = ?, last_error = ?, attempts = attempts + ?,"
                " claimed_until = NULL, in_flight = 0, maybe_sent = (maybe_sent OR ?)"
                " WHERE id = ? AND claimed_by = ?",
                (at, error[:500], int(counts), int(maybe_sent), outgoing_id, worker),
            )

    def mark_failed(self, outgoing_id: int, *, worker: str, error: str) -> bool:
        with self._c.write() as db:
            cur = db.execute(
                "UPDATE outbox SET status = 'failed', last_error = ?, attempts = attempts + 1,"
                " claimed_until = NULL, in_flight = 0 WHERE id = ? AND claimed_by = ? AND status = 'pending'",
                (error[:500], outgoing_id, worker),
            )
            return cur.rowcount == 1

    def cancel_held(self, *, incident_id: int, purpose: str, now: float) -> int:
        """Cancel messages still waiting for a later time (held for quiet hours) and not being sent."""
        with self._c.write() as db:
            cur = db.execute(
                "UPDATE outbox SET status = 'cancelled' WHERE incident_id = ? AND purpose = ? AND status = 'pending'"
                " AND next_attempt_at > ? AND attempts = 0 AND (claimed_until IS NULL OR claimed_until < ?)",
                (incident_id, purpose, now, now),
            )
            return int(cur.rowcount)

    def release_dead_claims(self, now: float) -> int:
        """Free leases held by processes on this host that no longer exist (killed, crashed)."""
        rows = self._c.db.execute(
            "SELECT id, claimed_by FROM outbox WHERE status = 'pending' AND claimed_until >= ?", [now]
        ).fetchall()
        dead = [r[0] for r in rows if claimer_is_dead(r[1])]
        if not dead:
            return 0
        with self._c.write() as db:
            db.execute(f"UPDATE outbox SET claimed_until = NULL WHERE id IN ({','.join('?' * len(dead))})", dead)
        return len(dead)

    def result(self, outgoing_id: int) -> tuple[str, str] | None:
        row = self._c.db.execute(
            "SELECT result_channel, result_ts FROM outbox WHERE id = ? AND status = 'sent'", [outgoing_id]
        ).fetchone()
        return (row[0], row[1]) if row else None

    def sent_for(self, incident_id: int, purpose: str) -> list[tuple[str, str, str]]:
        """(recipient, channel, ts) of every sent message of one purpose, for in-place updates."""
        rows = self._c.db.execute(
            "SELECT recipient, result_channel, result_ts FROM outbox WHERE incident_id = ? AND purpose = ?"
            " AND status = 'sent' ORDER BY id",
            [incident_id, purpose],
        ).fetchall()
        return [(r[0], r[1], r[2]) for r in rows]

    def rows(self, **where: Any) -> list[dict[str, Any]]:
        clause = " AND ".join(f"{k} = ?" for k in where) or "1"
        return list(self._c.db.query(f"SELECT * FROM outbox WHERE {clause} ORDER BY id", list(where.values())))

    def next_due(self, now: float | None = None) -> float | None:
        """When a sender next has something to claim. A row someone holds counts from its lease's
        end and a row waiting on another does not count: idle senders must not spin on them.
        Three index walks that stop early, never a scan of the backlog."""
        t = time.time() if now is None else now
        db = self._c.db
        found = []
        for rank in RANKS:
            row = db.execute(
                "SELECT o.next_attempt_at FROM outbox o WHERE o.status = 'pending' AND o.rank = ?"
                " AND (o.claimed_until IS NULL OR o.claimed_until < ?)"
                " AND (o.depends_on IS NULL OR EXISTS (SELECT 1 FROM outbox d"
                "      WHERE d.id = o.depends_on AND d.status IN ('sent', 'failed')))"
                " ORDER BY o.next_attempt_at, o.id LIMIT 1",
                (rank, t),
            ).fetchone()
            if row is not None:
                found.append(row[0])
        held = db.execute(
            "SELECT min(claimed_until) FROM outbox WHERE status = 'pending' AND claimed_until >= ?", (t,)
        ).fetchone()
        if held and held[0] is not None:
            found.append(held[0])
        return min(found) if found else None
