"""`owabi export`: incidents and events out as CSV or JSON Lines, exactly as stored.

Values are written as the database holds them (JSON columns stay JSON text), so an
export parsed back gives the same rows: that is what makes it usable for audits.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from bot.ports import Store

TABLES = ("incidents", "events")


def since_epoch(day: str | None, zone: ZoneInfo) -> float:
    """`--since 2026-11-01` means local midnight of that day in the policy's time zone."""
    if not day:
        return 0.0
    return datetime.combine(date.fromisoformat(day), time(0), tzinfo=zone).timestamp()


def write_jsonl(store: Store, tables: Iterable[str], out: IO[str], *, since: float) -> int:
    n = 0
    for table in tables:
        for row in store.reports.export(table, since=since):
            out.write(json.dumps({"table": table, "row": row}, ensure_ascii=False) + "\n")
            n += 1
    return n


def write_csv(store: Store, table: str, out: IO[str], *, since: float) -> int:
    writer: Any = None
    n = 0
    for row in store.reports.export(table, since=since):
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=list(row), lineterminator="\n")
            writer.writeheader()
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
        n += 1
    return n


def export(
    store: Store,
    *,
    fmt: str,
    tables: list[str],
    out_dir: Path | None,
    stdout: IO[str],
    since: float,
) -> int:
    """Write the export; to files in `out_dir` (one per table for CSV) or to stdout."""
    if out_dir is None:
        if fmt == "jsonl":
            return write_jsonl(store, tables, stdout, since=since)
        return sum(write_csv(store, t, stdout, since=since) for t in tables[:1])
    out_dir.mkdir(parents=True, exist_ok=True)
    total = 0
    for table in tables:
        with (out_dir / f"{table}.{fmt}").open("w", encoding="utf-8", newline="") as fh:
            total += (
                write_jsonl(store, [table], fh, since=since)
                if fmt == "jsonl"
                else write_csv(store, table, fh, since=since)
            )
    return total
