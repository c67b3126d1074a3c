"""Read-only SQL for summaries, lessons, the App Home and exports.

Each query is shaped to use one index (see the lessons/report-indexes migration) so the
weekly summary stays well under a second on a year of a busy team's data.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from bot.domain.lifecycle import OPEN
from bot.domain.metrics import Lesson, OpenCase, Tally
from bot.store.db import Connections
from bot.store.migrations import OPEN_INCIDENTS

_OPEN_SQL = "state IN ({}) AND practice = 0".format(", ".join(f"'{s.value}'" for s in OPEN))
# Each stage of the summary's timings and the column that says when it was reached.
_STAGE_COLUMNS = {
    "notified": "boss_notified_at",
    "acknowledged": "acknowledged_at",
    "contacted": "contacted_at",
    "resolved": "resolved_at",
}
# Named, not left to the planner: without statistics SQLite prefers the state index and reads a
# table row for each open incident (0.6 s at a million incidents instead of 14 ms).
_OPEN_INDEX = "INDEXED BY idx_incidents_open"
# Word for word the partial index's condition, or SQLite would not use the index.
if _OPEN_SQL != OPEN_INCIDENTS:
    raise RuntimeError("the open states changed: add a migration that rebuilds idx_incidents_open")


def _teams(teams: list[str] | None, column: str = "team") -> tuple[str, list[str]]:
    """SQL limiting rows to some teams ("" = reporters in no team); None = every team."""
    if teams is None:
        return "", []
    if not teams:
        return " AND 0", []
    return f" AND coalesce({column}, '') IN ({', '.join('?' * len(teams))})", list(teams)


class Reports:
    def __init__(self, conns: Connections) -> None:
        self._c = conns

    # --- writing lessons (the one write here: lessons are a report's raw material) ------

    def add_lesson(
        self,
        *,
        incident_id: int,
        at: float,
        category: str,
        severity: str,
        lesson: str,
        what_changes: str,
        author: str,
    ) -> None:
        with self._c.write() as db:
            db.execute(
                "INSERT OR IGNORE INTO lessons (incident_id, at, category, severity, lesson, "
                "what_changes, author) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (incident_id, at, category, severity, lesson, what_changes, author),
            )

    # --- summaries ---------------------------------------------------------------------

    def version(self) -> tuple[int, int]:
        """Changes whenever anything a summary counts may have changed: every move is an event, and
        lessons have their own table. Two rowid lookups, whatever the size of the log."""
        row = self._c.db.execute("SELECT (SELECT max(id) FROM events), (SELECT max(rowid) FROM lessons)").fetchone()
        return int(row[0] or 0), int(row[1] or 0)

    # `teams` limits every read to incidents of those teams ("" = reporters in no team);
    # None means every team (admins, the policy's own summary channel).

    def tally(
        self, start: float, end: float, *, windows: Sequence[tuple[str, float, float]], teams: list[str] | None = None
    ) -> Tally:
        """The period's incidents counted in SQL (see bot.domain.metrics.Tally): a busy week is a
        hundred thousand rows, and neither they nor a Python object each ever leave the database;
        only the counts, and each stage's durations in order, do."""
        scope, args = _teams(teams)
        where = f"created_at >= ? AND created_at < ? AND practice = 0{scope}"
        day = "CASE " + " ".join("WHEN created_at < ? THEN ?" for _ in windows) + " ELSE -1 END" if windows else "-1"
        day_args = [x for k, (_, _, until) in enumerate(windows) for x in (until, k)]
        db = self._c.db
        counts = {
            (r[0], r[1], r[2], int(r[3])): int(r[4])
            for r in db.execute(
                f"SELECT situation, category, severity, {day} AS day, count(*) FROM incidents "
                f"WHERE {where} GROUP BY 1, 2, 3, 4",
                (*day_args, start, end, *args),
            )
        }
        # Every stage's time in one pass over the week's rows (clock skew -> 0, in SQL: a Python
        # call per value was most of a busy week's summary), each column sorted here.
        cur = db.execute(
            f"SELECT {', '.join(f'max(0.0, {c} - created_at)' for c in _STAGE_COLUMNS.values())} FROM incidents "
            f"WHERE {where} AND situation != 'near_miss'",
            (start, end, *args),
        )
        columns = list(zip(*cur.fetchall(), strict=True)) or [() for _ in _STAGE_COLUMNS]
        durations = {
            stage: sorted([t for t in column if t is not None])
            for stage, column in zip(_STAGE_COLUMNS, columns, strict=True)
        }
        return Tally(counts, durations)

    def open_count(self, *, teams: list[str] | None = None) -> int:
        scope, args = _teams(teams)
        return int(
            self._c.db.execute(
                f"SELECT count(*) FROM incidents {_OPEN_INDEX} WHERE {_OPEN_SQL}{scope}", args
            ).fetchone()[0]
        )

    def oldest_open(self, *, teams: list[str] | None = None) -> OpenCase | None:
        scope, args = _teams(teams)
        row = self._c.db.execute(
            f"SELECT ref, created_at, state FROM incidents {_OPEN_INDEX} WHERE {_OPEN_SQL}{scope}"
            " ORDER BY created_at LIMIT 1",
            args,
        ).fetchone()
        return OpenCase(*row) if row else None

    def escalations(self, start: float, end: float, *, teams: list[str] | None = None) -> int:
        """Incidents that needed escalating (`escalated` events in the period)."""
        if teams is None:  # every team: the events' own index answers it
            sql = "SELECT count(DISTINCT incident_id) FROM events WHERE kind = 'escalated' AND at >= ? AND at < ?"
            return int(self._c.db.execute(sql, (start, end)).fetchone()[0])
        scope, args = _teams(teams, "i.team")
        return int(
            self._c.db.execute(
                "SELECT count(DISTINCT e.incident_id) FROM events e JOIN incidents i ON i.id = e.incident_id "
                f"WHERE e.kind = 'escalated' AND e.at >= ? AND e.at < ?{scope}",
                (start, end, *args),
            ).fetchone()[0]
        )

    def felt_supported(self, start: float, end: float, *, teams: list[str] | None = None) -> tuple[int, int]:
        """(said yes, answered) among reporters whose incidents were answered for in the period."""
        scope, args = _teams(teams, "i.team")
        row = self._c.db.execute(
            "SELECT sum(json_extract(e.data, '$.answer') = 'yes'), count(*) FROM events e "
            "JOIN incidents i ON i.id = e.incident_id "
            f"WHERE e.kind = 'felt_supported' AND i.practice = 0 AND e.at >= ? AND e.at < ?{scope}",
            (start, end, *args),
        ).fetchone()
        return int(row[0] or 0), int(row[1] or 0)

    def lessons(
        self,
        *,
        start: float = 0.0,
        end: float = float("inf"),
        category: str | None = None,
        limit: int = 20,
        teams: list[str] | None = None,
    ) -> list[Lesson]:
        args: list[float | str]
        where, args = "l.at >= ? AND l.at < ?", [start, end if end != float("inf") else 1e18]
        if category:
            where += " AND l.category = ?"
            args.append(category)
        scope, team_args = _teams(teams, "i.team")
        where += scope
        args += team_args
        cur = self._c.db.execute(
            "SELECT i.ref, l.category, l.at, l.lesson, l.what_changes FROM lessons l "
            f"JOIN incidents i ON i.id = l.incident_id WHERE {where} ORDER BY l.at DESC, l.id DESC "
            "LIMIT ?",
            (*args, limit),
        )
        return [Lesson(*r) for r in cur.fetchall()]

    # --- App Home --------------------------------------------------------------------

    def open_for(
        self, *, reporter: str | None = None, bosses: list[str] | None = None, limit: int = 20
    ) -> list[dict[str, Any]]:
        """Open incidents a person reported, or whose chain includes any of `bosses`."""
        index = ""  # a reporter's own: their (reporter, created_at) index finds the few there are
        if reporter is not None:
            sql, args = "reporter = ?", [reporter]
        else:
            index = _OPEN_INDEX  # a boss's: open ones in date order until `limit` match
            names = bosses or []
            if not names:
                return []
            sql = "(" + " OR ".join("chain LIKE ?" for _ in names) + ")"
            args = [f'%"{b}"%' for b in names]
        cur = self._c.db.execute(
            f"SELECT id, ref, created_at, state, category, severity, text FROM incidents {index} "
            f"WHERE {_OPEN_SQL} AND {sql} ORDER BY created_at LIMIT ?",
            (*args, limit),
        )
        keys = ("id", "ref", "created_at", "state", "category", "severity", "text")
        return [dict(zip(keys, r, strict=True)) for r in cur.fetchall()]

    # --- export ----------------------------------------------------------------------

    def export(self, table: str, *, since: float = 0.0) -> Iterator[dict[str, Any]]:
        """Rows as stored, oldest first; `since` is creation (incidents) or time (events)."""
        column = {"incidents": "created_at", "events": "at"}[table]
        cur = self._c.db.execute(f"SELECT * FROM {table} WHERE {column} >= ? ORDER BY id", (since,))
        names = [d[0] for d in cur.description]
        for row in cur:
            yield dict(zip(names, row, strict=True))
