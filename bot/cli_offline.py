"""CLI verbs that need no Slack: verify, summary, export, backup, coach."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.domain.errors import OwabiError


class UsageError(OwabiError):
    """Bad input on the command line: one line for the user, exit 2."""


def existing_db(path: Path) -> Path:
    """Reading verbs never create a database: a wrong OWABI_DB must say so, not report 'empty'."""
    if not path.exists():
        raise UsageError(f"no database at {path} (set OWABI_DB to Owabi's database, or run `owabi serve` first)")
    return path


def iso_day(text: str) -> str:
    """argparse type for --since: a real calendar day."""
    from datetime import date

    try:
        date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-01") from None
    return text


def cmd_verify(args: argparse.Namespace) -> int:
    """Exit 0 only for a log that exists, is not empty, and holds (see bot.store.audit)."""
    from bot.config import Settings
    from bot.store.audit import verify_file

    settings = Settings()
    existing_db(settings.owabi_db)
    verdict = verify_file(settings.owabi_db, key=settings.audit_key(), anchor_path=settings.owabi_anchor)
    if verdict.ok:
        print(f"OK: {verdict.events} events; chain, anchor and tables agree")
    for problem in verdict.problems:
        print(f"FAILED: {problem}")
    for note in verdict.notes:
        print(f"note: {note}")
    return 0 if verdict.ok else 1


def _offline_service() -> Any:
    """The same service the Slack app uses, without Slack: for verbs that only read."""
    from bot.config import Settings
    from bot.runtime import build_offline

    settings = Settings()
    return build_offline(settings, db=existing_db(settings.owabi_db))


def cmd_summary(args: argparse.Namespace) -> int:
    from bot.summaries import Summaries

    print(Summaries(_offline_service()).text(args.period))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    import sys

    from bot.exports import TABLES, export, since_epoch

    service = _offline_service()
    tables = list(TABLES) if args.table == "all" else [args.table]
    if args.format == "csv" and len(tables) > 1 and args.out is None:
        print("CSV holds one table per file: give --out DIR, or --table incidents|events", file=sys.stderr)
        return 2
    count = export(
        service.store,
        fmt=args.format,
        tables=tables,
        out_dir=args.out,
        stdout=sys.stdout,
        since=since_epoch(args.since, service.policy.zone),
    )
    print(f"exported {count} rows", file=sys.stderr)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from bot.config import Settings
    from bot.store import Store

    settings = Settings()
    store = Store.open(existing_db(settings.owabi_db))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = args.to or settings.owabi_db.parent / "backups" / f"owabi-{stamp}.db"
    try:
        store.backup(target)
    except OSError as exc:
        raise UsageError(f"cannot write the backup to {target}: {exc.strerror or exc}") from None
    checked, broken = Store.open(target, audit_key=settings.audit_key()).events.verify()
    print(f"Backed up to {target}: {checked} events, chain {'intact' if broken is None else f'BROKEN at {broken}'}")
    return 0 if broken is None else 1


def cmd_coach(args: argparse.Namespace) -> int:
    """Without a situation, the draft is judged as for a medium, in-person slip."""
    from bot.learning.coaching import default_coach

    if not args.draft.strip():
        raise UsageError("the draft is empty: give the apology you plan to say or send")
    situation = {
        "category": args.category,
        "severity": args.severity,
        "contact": args.contact,
        "b2b": args.b2b,
        "summary": args.summary or "",
    }
    print(json.dumps(default_coach().review(args.draft, situation).as_json(), ensure_ascii=False))
    return 0


def register(verb: Callable[..., Any]) -> None:
    p = verb("coach", cmd_coach, "Review an apology draft (JSON): ready / fix these / could be stronger.")
    p.add_argument("draft", help="what the staffer plans to say or send")
    p.add_argument("--category", default="other", help="the incident's category (e.g. late_delivery)")
    p.add_argument("--severity", default="medium", choices=["low", "medium", "high", "critical"])
    p.add_argument("--contact", default="in_person", choices=["in_person", "phone", "written"])
    p.add_argument("--b2b", action="store_true", help="the customer is a business")
    p.add_argument("--summary", default="", help="what happened, as reported (to spot invented facts)")
    p = verb("backup", cmd_backup, "Copy the database safely while Owabi runs, then verify the copy.")
    p.add_argument("--to", type=Path, default=None, help="backup file (default data/backups/owabi-<UTC time>.db)")
    verb("verify", cmd_verify, "Check the event log's hash chain; exit 1 if anything was altered.")
    p = verb("summary", cmd_summary, "Print the channel summary Owabi would post (blameless).")
    p.add_argument(
        "--period",
        choices=["today", "week"],
        default="today",
        help="today (since local midnight) or week (the last seven local days)",
    )
    p = verb("export", cmd_export, "Export incidents and events as CSV or JSON Lines, as stored.")
    p.add_argument("--format", choices=["csv", "jsonl"], default="jsonl", help="csv or jsonl")
    p.add_argument("--since", default=None, type=iso_day, help="only from this date (YYYY-MM-DD, policy time zone)")
    p.add_argument(
        "--table", choices=["all", "incidents", "events"], default="all", help="which table (CSV to stdout needs one)"
    )
    p.add_argument("--out", type=Path, default=None, help="write <table>.<format> files into this folder")
