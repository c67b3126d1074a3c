"""Schema history. Each change is one registered function, applied once, in a transaction."""

from __future__ import annotations

from bot.store.lite import Database, Migrations

migrations = Migrations("owabi")


@migrations()
def m001_incidents(db: Database) -> None:
    db.table("incidents").create(
        {
            "id": int,
            "ref": str,
            "created_at": float,
            "reporter": str,
            "team": str,
            "chain": str,
            "text": str,
            "customer": str,
            "category": str,
            "severity": str,
            "contact": str,
            "locale": str,
            "state": str,
            "channel_id": str,
            "owner": str,
            "acknowledged_by": str,
            "acknowledged_at": float,
            "boss_notified_at": float,
            "contacted_at": float,
            "resolved_at": float,
            "followed_up_at": float,
            "practice": int,
            "details": str,
            "idempotency_key": str,
            "updated_at": float,
        },
        pk="id",
        not_null={"created_at", "reporter", "text", "category", "severity", "state"},
        defaults={"practice": 0, "details": "{}", "customer": "", "channel_id": ""},
    )
    db.table("incidents").create_index(["idempotency_key"], unique=True)
    db.table("incidents").create_index(["reporter", "created_at"])
    db.table("incidents").create_index(["state"])
    db.execute(
        "CREATE TRIGGER incidents_never_deleted BEFORE DELETE ON incidents "
        "BEGIN SELECT RAISE(ABORT, 'Owabi never deletes incidents'); END"
    )


@migrations()
def m002_events(db: Database) -> None:
    db.table("events").create(
        {
            "id": int,
            "at": float,
            "incident_id": int,
            "kind": str,
            "actor": str,
            "data": str,
            "prev_hash": str,
            "hash": str,
        },
        pk="id",
        not_null={"at", "kind", "data", "prev_hash", "hash"},
    )
    db.table("events").create_index(["incident_id", "id"])
    db.table("events").create_index(["kind", "at"])
    db.execute(
        "CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events "
        "BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END"
    )
    db.execute(
        "CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events "
        "BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END"
    )


@migrations()
def m003_outbox(db: Database) -> None:
    db.table("outbox").create(
        {
            "id": int,
            "key": str,
            "incident_id": int,
            "purpose": str,
            "recipient": str,
            "method": str,
            "payload": str,
            "depends_on": int,
            "status": str,
            "created_at": float,
            "next_attempt_at": float,
            "attempts": int,
            "claimed_by": str,
            "claimed_until": float,
            "sent_at": float,
            "result_channel": str,
            "result_ts": str,
            "last_error": str,
        },
        pk="id",
        not_null={"key", "method", "payload", "status", "created_at", "next_attempt_at"},
        defaults={"attempts": 0, "status": "pending"},
    )
    db.table("outbox").create_index(["key"], unique=True)
    db.table("outbox").create_index(["status", "next_attempt_at"])
    db.table("outbox").create_index(["incident_id", "purpose"])
    db.execute(
        "CREATE TRIGGER outbox_never_deleted BEFORE DELETE ON outbox "
        "BEGIN SELECT RAISE(ABORT, 'Owabi never deletes queued messages'); END"
    )


@migrations()
def m004_seen(db: Database) -> None:
    """Kept for history: idempotency now rides on unique keys in incidents, outbox and jobs."""
    db.table("seen").create({"key": str, "at": float}, pk="key")


@migrations()
def m_lessons_and_report_indexes(db: Database) -> None:
    """Lessons written at resolution, and indexes that keep channel summaries fast.

    Lessons get their own table (not only the event) so `/oops lessons` and the summary
    read them with one indexed query instead of scanning the whole log.
    """
    db.table("lessons").create(
        {
            "id": int,
            "incident_id": int,
            "at": float,
            "category": str,
            "severity": str,
            "lesson": str,
            "what_changes": str,
            "author": str,
        },
        pk="id",
        not_null={"incident_id", "at", "category", "lesson"},
    )
    db.table("lessons").create_index(["at"])
    db.table("lessons").create_index(["category", "at"])
    db.table("lessons").create_index(["incident_id"], unique=True)
    db.table("incidents").create_index(["created_at"])
    db.table("incidents").create_index(["state", "created_at"])
    db.execute(
        "CREATE TRIGGER lessons_never_deleted BEFORE DELETE ON lessons "
        "BEGIN SELECT RAISE(ABORT, 'Owabi never deletes lessons'); END"
    )


@migrations()
def m_jobs(db: Database) -> None:
    """Work due later (escalations, reminders, summaries): durable across restarts."""
    db.table("jobs").create(
        {
            "id": int,
            "kind": str,
            "key": str,
            "incident_id": int,
            "due_at": float,
            "payload": str,
            "status": str,
            "attempts": int,
            "claimed_by": str,
            "claimed_until": float,
            "last_error": str,
        },
        pk="id",
        not_null={"kind", "key", "due_at", "payload", "status"},
        defaults={"attempts": 0, "status": "pending", "payload": "{}"},
    )
    db.table("jobs").create_index(["key"], unique=True)
    db.table("jobs").create_index(["status", "due_at"])
    db.table("jobs").create_index(["incident_id", "kind", "status"])
    db.execute(
        "CREATE TRIGGER jobs_never_deleted BEFORE DELETE ON jobs "
        "BEGIN SELECT RAISE(ABORT, 'Owabi never deletes jobs'); END"
    )


@migrations()
def m_outbox_in_flight(db: Database) -> None:
    """Whether a send may have reached Slack, so a retry looks before it posts again."""
    db.table("outbox").add_column("in_flight", int, not_null_default=0)
    db.table("outbox").add_column("maybe_sent", int, not_null_default=0)


@migrations()
def m_events_keyed(db: Database) -> None:
    """Whether an event's hash is an HMAC under the audit key (1) or plain SHA-256 (0)."""
    db.table("events").add_column("keyed", int, not_null_default=0)


@migrations()
def m_incident_reading(db: Database) -> None:
    """What triage read in the report: the situation and its facets (with their evidence)."""
    db.table("incidents").add_column("situation", str, not_null_default="mistake")
    db.table("incidents").add_column("facets", str, not_null_default="{}")


@migrations()
def m_drop_unused_seen(db: Database) -> None:
    """The `seen` table of m004 was never read (idempotency rides on unique keys): dropped."""
    db.table("seen").drop(ignore=True)


@migrations()
def m_outbox_rank(db: Database) -> None:
    """Which messages go first (0: a boss's DM), indexed with the due time, so that a sender
    claims by walking an index to the first sendable row instead of sorting every pending one
    (a backlog of thousands made each claim cost milliseconds inside the write lock)."""
    db.table("outbox").add_column("rank", int, not_null_default=1)
    db.execute("UPDATE outbox SET rank = 0 WHERE purpose = 'boss_dm'")
    db.table("outbox").create_index(["status", "rank", "next_attempt_at", "id"])
    db.table("outbox").create_index(["status", "claimed_until"])


# The open incidents, as bot.store.reports selects them (its _OPEN_SQL must read exactly so for
# SQLite to use the partial index; a test checks that it does).
OPEN_INCIDENTS = "state IN ('reported', 'acknowledged', 'contacted') AND practice = 0"


@migrations()
def m_summary_covering_indexes(db: Database) -> None:
    """Indexes the summary and the App Home can answer from without touching the tables.

    On a million incidents and ten million events the weekly summary took seconds: each of the
    week's rows and each escalation was a random read of its table row. Now the week's rows, the
    escalations and the open incidents are read from indexes holding every column they need:
    the open ones in a partial index (a quarter of a busy history, not all of it), in date order.
    The narrower indexes they replace are dropped, so a write maintains no more than before.
    """
    db.execute(
        "CREATE INDEX idx_incidents_week ON incidents (created_at, practice, team, category, severity, "
        "situation, boss_notified_at, acknowledged_at, contacted_at, resolved_at)"
    )
    db.execute("DROP INDEX IF EXISTS idx_incidents_created_at")
    db.execute(f"CREATE INDEX idx_incidents_open ON incidents (created_at, team) WHERE {OPEN_INCIDENTS}")
    db.execute("CREATE INDEX idx_events_kind_at_incident ON events (kind, at, incident_id)")
    db.execute("DROP INDEX IF EXISTS idx_events_kind_at")


@migrations()
def m_drop_retired_job_kinds(db: Database) -> None:
    """Pending jobs of kinds the first version scheduled and no version runs any more
    ("escalation", "reminder", "ack_timeout") are cancelled, as resolving an incident cancels
    its escalations (jobs are never deleted): a scheduler would only log each as unknown."""
    db.execute(
        "UPDATE jobs SET status = 'cancelled' WHERE kind IN ('escalation', 'reminder', 'ack_timeout')"
        " AND status = 'pending'"
    )
