"""Pending work that must happen later: escalations, reminders, scheduled summaries.

A job is a row, so a restart (even kill -9) forgets nothing: whatever fell due while the
app was down is claimed at the next start. A claim is a lease written with
compare-and-set, exactly like the outbox, so several threads or two processes on one
file never run the same job at the same time; a worker that dies simply lets its lease
run out. Keys are unique, so scheduling the same step twice is a no-op.
"""

from __future__ import annotations

import json
from typing import Any

from bot.ports import Job, LeaseLost
from bot.store.db import Connections, claimer_is_dead


def _to_job(row: dict[str, Any]) -> Job:
    return Job(
        row["id"],
        row["kind"],
        row["key"],
        row["incident_id"],
        row["due_at"],
        json.loads(row["payload"] or "{}"),
        row["attempts"] or 0,
    )


class Jobs:
    def __init__(self, conns: Connections) -> None:
        self._c = conns

    def schedule(
        self,
        *,
        kind: str,
        due_at: float,
        key: str,
        incident_id: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> int | None:
        """Add a job; returns its id, or None if a job with this key already exists."""
        with self._c.write() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO jobs (kind, key, incident_id, due_at, payload, status, attempts)"
                " VALUES (?, ?, ?, ?, ?, 'pending', 0)",
                (kind, key, incident_id, due_at, json.dumps(payload or {}, ensure_ascii=False)),
            )
            return int(cur.lastrowid) if cur.rowcount == 1 and cur.lastrowid else None

    def claim_due(self, *, worker: str, now: float, lease: float, limit: int = 50) -> list[Job]:
        with self._c.write() as db:
            cur = db.execute(
                "UPDATE jobs SET claimed_by = ?, claimed_until = ? WHERE id IN ("
                " SELECT id FROM jobs WHERE status = 'pending' AND due_at <= ?"
                " AND (claimed_until IS NULL OR claimed_until < ?)"
                " ORDER BY due_at, id LIMIT ?) RETURNING *",
                (worker, now + lease, now, now, limit),
            )
            cols = [c[0] for c in cur.description]
            rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
        return sorted((_to_job(r) for r in rows), key=lambda j: (j.due_at, j.id))

    def release_dead_claims(self, now: float) -> int:
        """Free leases held by processes on this host that no longer exist (killed, crashed)."""
        rows = self._c.db.execute(
            "SELECT id, claimed_by FROM jobs WHERE status = 'pending' AND claimed_until >= ?", [now]
        ).fetchall()
        dead = [r[0] for r in rows if claimer_is_dead(r[1])]
        if dead:
            with self._c.write() as db:
                db.execute(f"UPDATE jobs SET claimed_until = NULL WHERE id IN ({','.join('?' * len(dead))})", dead)
        return len(dead)

    def done(self, job_id: int, *, worker: str) -> None:
        """Finish a claimed job; raises LeaseLost if the lease went to someone else."""
        with self._c.write() as db:
            cur = db.execute(
                "UPDATE jobs SET status = 'done', attempts = attempts + 1, claimed_until = NULL"
                " WHERE id = ? AND claimed_by = ? AND status = 'pending'",
                (job_id, worker),
            )
            if cur.rowcount != 1:
                raise LeaseLost(f"job {job_id} is no longer held by {worker}")

    def retry(self, job_id: int, *, worker: str, at: float, error: str) -> None:
        with self._c.write() as db:
            db.execute(
                "UPDATE jobs SET due_at = ?, last_error = ?, attempts = attempts + 1,"
                " claimed_until = NULL WHERE id = ? AND claimed_by = ? AND status = 'pending'",
                (at, error[:2000], job_id, worker),
            )

    def cancel(self, *, incident_id: int, kinds: tuple[str, ...]) -> int:
        """Stop pending jobs of these kinds for an incident (e.g. escalations after an ack)."""
        if not kinds:
            return 0
        marks = ", ".join("?" for _ in kinds)
        with self._c.write() as db:
            cur = db.execute(
                f"UPDATE jobs SET status = 'cancelled' WHERE incident_id = ? AND kind IN ({marks})"
                " AND status = 'pending'",
                (incident_id, *kinds),
            )
            return int(cur.rowcount)

    def advance(self, *, incident_id: int, kind: str, due_at: float) -> Job | None:
        """Bring the next pending job of a kind forward to `due_at` ("Escalate now")."""
        with self._c.write() as db:
            cur = db.execute(
                "UPDATE jobs SET due_at = min(due_at, ?) WHERE id = (SELECT id FROM jobs"
                " WHERE incident_id = ? AND kind = ? AND status = 'pending' ORDER BY due_at LIMIT 1)"
                " RETURNING *",
                (due_at, incident_id, kind),
            )
            cols = [c[0] for c in cur.description]
            rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
        return _to_job(rows[0]) if rows else None

    def next_due(self) -> float | None:
        """When the scheduler next has something to do (a held lease counts as not yet)."""
        row = self._c.db.execute(
            "SELECT min(max(due_at, coalesce(claimed_until, 0))) FROM jobs WHERE status = 'pending'"
        ).fetchone()
        return float(row[0]) if row and row[0] is not None else None

    def rows(self, **where: Any) -> list[dict[str, Any]]:
        clause = " AND ".join(f"{k} = ?" for k in where) or "1"
        return list(self._c.db.query(f"SELECT * FROM jobs WHERE {clause} ORDER BY id", list(where.values())))
