"""Incidents: the current state of each report. History lives in the event log."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bot.domain.model import Contact, Incident, Report, Severity, State
from bot.store.db import Connections

# Column names go into SQL text, so they are checked; values are always bound parameters.
_COLUMN = re.compile(r"[a-z_]+")


def _to_incident(row: dict[str, Any]) -> Incident:
    return Incident(
        id=row["id"],
        ref=row["ref"],
        created_at=row["created_at"],
        reporter=row["reporter"],
        text=row["text"],
        category=row["category"],
        severity=Severity(row["severity"]),
        locale=row["locale"],
        contact=Contact(row["contact"]),
        customer=row["customer"] or "",
        chain=tuple(json.loads(row["chain"] or "[]")),
        team=row["team"],
        state=State(row["state"]),
        channel_id=row["channel_id"] or "",
        owner=row["owner"],
        acknowledged_by=row["acknowledged_by"],
        acknowledged_at=row["acknowledged_at"],
        boss_notified_at=row["boss_notified_at"],
        contacted_at=row["contacted_at"],
        resolved_at=row["resolved_at"],
        followed_up_at=row["followed_up_at"],
        practice=bool(row["practice"]),
        details=json.loads(row["details"] or "{}"),
        situation=row.get("situation") or "mistake",
        facets=json.loads(row.get("facets") or "{}"),
    )


def ref_for(incident_id: int) -> str:
    return f"OOPS-{incident_id:04d}"


# Columns a new incident does not have yet.
_LATER = (
    "owner",
    "acknowledged_by",
    "acknowledged_at",
    "boss_notified_at",
    "contacted_at",
    "resolved_at",
    "followed_up_at",
)


def _row(report: Report, *, chain: list[str], team: str | None, at: float, key: str, practice: bool) -> dict[str, Any]:
    """A new incident's columns, as `create` inserts them."""
    return {
        "created_at": at,
        "updated_at": at,
        "reporter": report.reporter,
        "team": team,
        "chain": json.dumps(chain),
        "text": report.text,
        "customer": report.customer,
        "category": report.category,
        "severity": report.severity.value,
        "contact": report.contact.value,
        "locale": report.locale,
        "state": State.REPORTED.value,
        "channel_id": report.channel_id,
        "practice": int(practice),
        "idempotency_key": key,
        "details": json.dumps(_details(report)),
        "situation": report.situation,
        "facets": json.dumps(report.facets, ensure_ascii=False),
    }


def _details(report: Report) -> dict[str, str]:
    details = {"found_by": report.found_by}
    if report.source_link:
        details["source_link"] = report.source_link
    if report.evidence:  # details hold text: the list is kept as JSON, and the export shows it as is
        details["evidence"] = json.dumps([{"name": n, "permalink": u} for n, u in report.evidence], ensure_ascii=False)
    if report.questions:
        details |= {"questions": ",".join(report.questions), "alternatives": ",".join(report.alternatives)}
    return details


class Incidents:
    def __init__(self, conns: Connections) -> None:
        self._c = conns

    def create(
        self, report: Report, *, chain: list[str], team: str | None, at: float, key: str, practice: bool = False
    ) -> Incident:
        row = _row(report, chain=chain, team=team, at=at, key=key, practice=practice)
        with self._c.write() as db:
            cur = db.execute(
                f"INSERT INTO incidents ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values())
            )
            incident_id = int(cur.lastrowid or 0)
            db.execute("UPDATE incidents SET ref = ? WHERE id = ?", (ref_for(incident_id), incident_id))
        found = self.get(incident_id)
        assert found is not None
        return found

    @staticmethod
    def preview(
        report: Report, *, chain: list[str], team: str | None, at: float, incident_id: int, practice: bool = False
    ) -> Incident:
        """The incident `create` would store, under a made-up id, without writing anything: what is
        composed from it before the write transaction needs only the id and ref put right after."""
        row = _row(report, chain=chain, team=team, at=at, key="", practice=practice)
        blank = dict.fromkeys(_LATER)
        return _to_incident({**blank, **row, "id": incident_id, "ref": ref_for(incident_id)})

    def get(self, incident_id: int) -> Incident | None:
        rows = list(self._c.db.query("SELECT * FROM incidents WHERE id = ?", [incident_id]))
        return _to_incident(rows[0]) if rows else None

    def by_key(self, key: str) -> Incident | None:
        rows = list(self._c.db.query("SELECT * FROM incidents WHERE idempotency_key = ?", [key]))
        return _to_incident(rows[0]) if rows else None

    def recent_same_text(self, reporter: str, text: str, since: float) -> Incident | None:
        rows = list(
            self._c.db.query(
                "SELECT * FROM incidents WHERE reporter = ? AND text = ? AND created_at >= ? ORDER BY id DESC LIMIT 1",
                [reporter, text, since],
            )
        )
        return _to_incident(rows[0]) if rows else None

    def by_reporter(self, reporter: str, *, limit: int = 10) -> list[Incident]:
        rows = self._c.db.query(
            "SELECT * FROM incidents WHERE reporter = ? AND practice = 0 ORDER BY id DESC LIMIT ?", [reporter, limit]
        )
        return [_to_incident(r) for r in rows]

    def update(self, incident_id: int, *, at: float, **fields: Any) -> None:
        """Set columns; callers log the matching event in the same transaction."""
        if "chain" in fields:
            fields["chain"] = json.dumps(list(fields["chain"]))
        for name in ("details", "facets"):
            if name in fields:
                fields[name] = json.dumps(fields[name], ensure_ascii=False)
        for key, value in list(fields.items()):
            if isinstance(value, Severity | State | Contact):
                fields[key] = value.value
        fields["updated_at"] = at
        cols = ", ".join(f"{k} = ?" for k in fields)
        with self._c.write() as db:
            db.execute(f"UPDATE incidents SET {cols} WHERE id = ?", [*fields.values(), incident_id])

    def set_if(self, incident_id: int, *, when: Mapping[str, object], at: float, **fields: Any) -> bool:
        """Compare-and-set: True only for the one caller whose condition still held.

        `when` maps a column to the value it must still have (None: not set yet). This is how two
        bosses clicking Acknowledge at once record one acknowledgement.
        """
        fields["updated_at"] = at
        for column in (*fields, *when):
            if not _COLUMN.fullmatch(column):
                raise ValueError(f"not a column name: {column!r}")
        cols = ", ".join(f"{k} = ?" for k in fields)
        tests = " AND ".join(f"{k} IS NULL" if v is None else f"{k} = ?" for k, v in when.items()) or "1"
        args = [*fields.values(), incident_id, *(v for v in when.values() if v is not None)]
        with self._c.write() as db:
            cur = db.execute(f"UPDATE incidents SET {cols} WHERE id = ? AND {tests}", args)
            return cur.rowcount == 1
