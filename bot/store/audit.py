"""Proving the log: a keyed hash chain, an anchor outside the database, and a replay check.

What `owabi verify` detects, and what it cannot:

- **Edits and deletions inside the log.** Every event's hash covers the previous hash and
  its own content. With `OWABI_AUDIT_KEY` set the hash is an HMAC under that key, so someone
  with write access to the file but not the key cannot edit an event and re-hash the rest,
  nor forge a new event ("acknowledged by …"). Ids must run without gaps, so a deleted event
  shows even when the rows around it were re-linked. Without a key the chain is plain
  SHA-256: accidental damage shows, a deliberate re-hash does not (verify says so).
- **A downgrade**: an unkeyed event after a keyed one is refused.
- **Cutting off the end, or swapping in an older copy.** The chain alone cannot see that the
  last events were removed. The anchor can: `OWABI_ANCHOR` names a file *outside* the
  database's folder that Owabi rewrites (count, head hash, MAC) whenever the log has grown;
  verify demands that the log still reaches that count with that head. Events written after
  the last anchor (at most one anchor interval) are covered by the chain only.
- **Edits to the tables the app reads** (incidents, lessons, outbox): the current values must
  equal what the log says — each incident's reporter, text, category, severity, contact,
  locale, state and acknowledgement; each lesson's text; each logged message's payload
  (its SHA-256 is in the event that queued it).
- **A missing or empty database** is an error, never "OK: 0 events"; verify opens the file
  read-only and never creates one.

It cannot detect: changes by someone who holds the audit key *and* the anchor file; the
loss of events written after the last anchor together with the anchor itself; tampering
with columns the log does not describe (timestamps such as `updated_at`, claim leases).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.domain.events import Event, payload_sha

GENESIS = "0" * 64


def digest(
    key: bytes | None, prev: str, at: float, incident_id: int | None, kind: str, actor: str | None, data: str
) -> str:
    material = json.dumps([prev, repr(at), incident_id, kind, actor, data], ensure_ascii=False).encode("utf-8")
    if key is None:
        return hashlib.sha256(material).hexdigest()
    return hmac.new(key, material, hashlib.sha256).hexdigest()


@dataclass
class Anchor:
    count: int
    head: str
    mac: str = ""

    @staticmethod
    def mac_for(key: bytes, count: int, head: str) -> str:
        return hmac.new(key, f"owabi-anchor:{count}:{head}".encode(), hashlib.sha256).hexdigest()

    def write(self, path: Path, key: bytes) -> None:
        """Atomically replace the anchor file (fsynced): a crash leaves the old or the new one."""
        self.mac = self.mac_for(key, self.count, self.head)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"count": self.count, "head": self.head, "mac": self.mac}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    @classmethod
    def read(cls, path: Path) -> Anchor:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(int(data["count"]), str(data["head"]), str(data.get("mac", "")))


@dataclass
class Verdict:
    events: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_file(db_path: Path, *, key: bytes | None, anchor_path: Path | None) -> Verdict:
    """Check a database file without changing it (opened read-only; never created)."""
    verdict = Verdict()
    if not db_path.is_file():
        verdict.problems.append(f"there is no database at {db_path}")
        return verdict
    if db_path.stat().st_size == 0:
        verdict.problems.append(f"{db_path} is empty (0 bytes): the log is gone")
        return verdict
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        verdict.problems.append(f"{db_path} is not an Owabi database ({exc})")
        return verdict
    try:
        if "events" not in tables:
            verdict.problems.append(f"{db_path} has no event log")
            return verdict
        _check_chain(conn, key, verdict)
        if verdict.events == 0:
            verdict.problems.append("the event log is empty")
        _check_anchor(conn, key, anchor_path, verdict)
        if verdict.ok:
            _check_state(conn, verdict)
    finally:
        conn.close()
    return verdict


def _check_chain(conn: sqlite3.Connection, key: bytes | None, verdict: Verdict) -> None:
    prev, expected_id, keyed_seen = GENESIS, None, False
    cols = {r[1] for r in conn.execute("PRAGMA table_info(events)")}
    for row in conn.execute("SELECT * FROM events ORDER BY id"):
        if expected_id is not None and row["id"] != expected_id:
            verdict.problems.append(f"events {expected_id}–{row['id'] - 1} are missing (deleted)")
            return
        keyed = bool(row["keyed"]) if "keyed" in cols else False
        if keyed_seen and not keyed:
            verdict.problems.append(f"event {row['id']} is not keyed although earlier ones are (forged or downgraded)")
            return
        if keyed and key is None:
            verdict.problems.append("the log is keyed: set OWABI_AUDIT_KEY to verify it")
            return
        want = digest(
            key if keyed else None, prev, row["at"], row["incident_id"], row["kind"], row["actor"], row["data"]
        )
        if row["prev_hash"] != prev or not hmac.compare_digest(row["hash"], want):
            verdict.problems.append(f"the chain breaks at event {row['id']} (edited, forged or re-hashed)")
            return
        keyed_seen = keyed_seen or keyed
        prev, expected_id = row["hash"], row["id"] + 1
        verdict.events += 1
    if verdict.events and not keyed_seen:
        if key is not None:
            # A keyed log re-hashed without the key and marked unkeyed would otherwise pass.
            verdict.problems.append(
                "OWABI_AUDIT_KEY is set but no event is keyed: the log was re-hashed "
                "without the key, or written before the key was set"
            )
        else:
            verdict.notes.append(
                "the chain is not keyed (no OWABI_AUDIT_KEY when it was written): a deliberate re-hash would not show"
            )


def _check_anchor(conn: sqlite3.Connection, key: bytes | None, anchor_path: Path | None, verdict: Verdict) -> None:
    if anchor_path is None:
        verdict.notes.append("no anchor configured (OWABI_ANCHOR): removal of the newest events would not show")
        return
    if key is None:
        verdict.problems.append("an anchor needs OWABI_AUDIT_KEY to be checked")
        return
    if not anchor_path.is_file():
        verdict.problems.append(f"the anchor file {anchor_path} is missing")
        return
    try:
        anchor = Anchor.read(anchor_path)
    except (OSError, ValueError, KeyError) as exc:
        verdict.problems.append(f"the anchor file {anchor_path} cannot be read ({type(exc).__name__})")
        return
    if not hmac.compare_digest(anchor.mac, Anchor.mac_for(key, anchor.count, anchor.head)):
        verdict.problems.append("the anchor file was altered (its MAC does not match)")
        return
    row = conn.execute("SELECT hash FROM events ORDER BY id LIMIT 1 OFFSET ?", [anchor.count - 1]).fetchone()
    if anchor.count > 0 and row is None:
        verdict.problems.append(f"the log ends before the anchored {anchor.count} events (events were removed)")
    elif anchor.count > 0 and row["hash"] != anchor.head:
        verdict.problems.append(f"event {anchor.count} is not the anchored one (the log was replaced or rewritten)")


def _check_state(conn: sqlite3.Connection, verdict: Verdict) -> None:
    """The tables the app reads must say what the log says."""
    expected: dict[int, dict[str, Any]] = {}
    lessons: dict[int, str] = {}
    payloads: dict[int, str] = {}
    for row in conn.execute("SELECT incident_id, kind, actor, data FROM events ORDER BY id"):
        data = json.loads(row["data"])
        iid = row["incident_id"]
        if isinstance(data.get("payload_sha256"), str) and data.get("outbox_id"):
            payloads[int(data["outbox_id"])] = data["payload_sha256"]
        if iid is None:
            continue
        kind = row["kind"]
        if kind == Event.REPORTED:
            expected[iid] = {k: data.get(k) for k in ("text", "category", "severity", "contact", "locale")}
            expected[iid].update(reporter=row["actor"], state="reported", acknowledged_by=None)
        elif iid not in expected:
            continue
        elif kind == Event.EDITED:
            expected[iid].update(data.get("after") or {})
        elif kind == Event.ACKNOWLEDGED:
            expected[iid]["acknowledged_by"] = row["actor"]
            if expected[iid]["state"] == "reported":
                expected[iid]["state"] = "acknowledged"
        elif kind in (Event.CONTACTED, Event.RESOLVED, Event.FOLLOWED_UP):
            expected[iid]["state"] = kind
            if kind == Event.RESOLVED and data.get("lesson"):
                lessons[iid] = data["lesson"]
    rows = {row["id"]: row for row in conn.execute("SELECT * FROM incidents")}
    for incident_id in expected:
        if incident_id not in rows:
            verdict.problems.append(f"incident {incident_id} is in the log but not in the table (deleted)")
        elif rows[incident_id]["practice"]:
            verdict.problems.append(f"incident {rows[incident_id]['ref']} was marked practice after it was reported")
    for row in (r for r in rows.values() if not r["practice"]):
        want = expected.get(row["id"])
        if want is None:
            verdict.problems.append(f"incident {row['ref']} has no 'reported' event (inserted outside Owabi)")
            continue
        for name, value in want.items():
            if value is not None and str(row[name]) != str(value):
                verdict.problems.append(f"incident {row['ref']}: {name} differs from the log")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "lessons" in tables:
        for row in conn.execute("SELECT incident_id, lesson FROM lessons"):
            if row["incident_id"] in lessons and row["lesson"] != lessons[row["incident_id"]]:
                verdict.problems.append(f"the lesson of incident {row['incident_id']} differs from the log")
    if "outbox" in tables:
        for row in conn.execute("SELECT id, payload FROM outbox"):
            want_sha = payloads.get(row["id"])
            if want_sha is not None and payload_sha(row["payload"]) != want_sha:
                verdict.problems.append(f"queued message {row['id']} differs from what the log recorded")
