"""`owabi`: thin verbs over the same functions the Slack app uses."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot import resources
from bot.config import PolicyError, Settings
from bot.domain.durations import format_duration
from bot.domain.errors import OwabiError
from bot.domain.model import Contact, Severity
from bot.guidance_text import ScriptContext
from bot.wording import Renderer

log = logging.getLogger("owabi")

Verb = Callable[[argparse.Namespace], int]


def _settings() -> Settings:
    return Settings()


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.runtime import build
    from bot.server import HttpServer

    runtime = build(_settings(), socket=args.socket)
    if args.socket:
        return _serve_socket(runtime)
    try:
        server = HttpServer(runtime, host=args.host, port=args.port, threads=args.threads)
    except (OSError, ValueError) as exc:  # an unknown host, a port in use or not ours to take
        runtime.stop()
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        print(f"owabi: cannot listen on {args.host}:{args.port}: {reason}", file=sys.stderr)
        return 2
    server.serve_forever()
    return 0


def cmd_deliver(args: argparse.Namespace) -> int:
    """What `owabi serve` runs beside itself (bot.delivery); reads wakes on stdin until it closes."""
    from bot.delivery import ReportingHealth, run_child
    from bot.runtime import build

    runtime = build(_settings(), health=ReportingHealth(sys.stdout), reads_reports=False)
    return run_child(sys.stdin.buffer, start=runtime.start_delivery, wake=runtime.dispatcher.wake, stop=runtime.stop)


def _serve_socket(runtime: Any) -> int:
    """Socket Mode until SIGTERM or Ctrl-C, then a clean stop: the socket closes, workers finish."""
    import signal
    import threading

    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackClientError

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    handler = SocketModeHandler(runtime.app, runtime.settings.slack_app_token.get_secret_value())
    runtime.start_workers()
    failed = ""
    try:
        handler.connect()  # type: ignore[no-untyped-call]
        log.info("Socket Mode connected; SIGTERM stops it cleanly")
        stop.wait()
    except (OSError, SlackClientError) as exc:  # Slack unreachable, or the app token refused
        failed = str(exc)
    finally:
        handler.close()  # type: ignore[no-untyped-call]
        runtime.stop()
    if failed:  # said last, after the workers' own goodbye lines
        print(f"owabi: cannot open Socket Mode with Slack: {failed}", file=sys.stderr)
        return 2
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.sandbox.demo import CASTS, run_demo

    if args.locale not in CASTS:
        print(f"owabi: no demo for locale {args.locale!r}; have: {', '.join(CASTS)}", file=sys.stderr)
        return 2
    return run_demo(keep_db=args.db, out=sys.stdout, locale=args.locale)


def cmd_manifest(args: argparse.Namespace) -> int:
    from urllib.parse import urlparse

    from bot.manifest import manifest_yaml

    url = urlparse(args.url)
    if not args.socket and (url.scheme != "https" or not url.netloc or " " in args.url):
        print(
            f"owabi: --url must be the app's public https address (e.g. https://owabi.example.com); got {args.url!r}",
            file=sys.stderr,
        )
        return 2

    sys.stdout.write(manifest_yaml(base_url=args.url, socket=args.socket))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from bot.runtime import load_checked_policy

    settings = _settings()
    path = settings.policy_path()
    policy, renderer = load_checked_policy(path)
    print(f"Policy: {path}")
    print(
        f"  customer language: {policy.locale}; time zone: {policy.timezone}; "
        f"summary channel: {policy.summary_channel or '(none)'}"
    )
    print(f"  quiet hours: {policy.quiet_hours or '(none)'}; admins: {', '.join(policy.admins) or '(none)'}")
    for sev in Severity:
        print(
            f"  {sev.value:>8}: acknowledge within {format_duration(policy.ack_window(sev))}, "
            f"notify {policy.notify_levels(sev)} level(s), repeat at top {policy.repeat(sev)}x, "
            f"remind after {format_duration(policy.remind_after(sev))}, "
            f"customer hears from us again within {format_duration(policy.follow_up_within(sev))}"
        )
    a = policy.authority
    print(
        f"  make-good without asking: staff {a.amount(a.staff) or '(not set)'}; "
        f"a boss approves up to {a.amount(a.boss) or '(not set)'}; "
        f"emergency number on the card: {policy.emergency_number or '(emergency services)'}"
    )
    for team in policy.teams:
        print(f"  team {team.name}: {len(team.members)} member(s); chain {' → '.join(team.chain)}")
    print(f"  anyone else: chain {' → '.join(policy.default.chain)}")
    print(f"  categories: {', '.join(policy.all_categories)}")
    print(
        f"  templates: {', '.join(renderer.locales())}"
        + (f" (overrides from {policy.responses})" if policy.responses else "")
    )
    print(f"Database: {settings.owabi_db}")
    print(
        f"Slack API: {settings.slack_api_url}; bot token {'set' if settings.slack_bot_token else 'NOT set'}; "
        f"signing secret {'set' if settings.slack_signing_secret else 'NOT set'}"
    )
    refused = _serve_would_refuse(settings, path)
    for line in refused:
        print(f"FIX {line}")
    if not getattr(args, "online", False):
        return 1 if refused else 0
    if not settings.slack_bot_token:
        print("owabi: --online needs SLACK_BOT_TOKEN", file=sys.stderr)
        return 2
    from slack_sdk import WebClient

    from bot.slack.online_check import prove

    client = WebClient(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url, timeout=10)
    proofs = prove(client, policy)
    print("Online:")
    for proof in proofs:
        print(f"  {'ok ' if proof.ok else 'FIX'} {proof.line}")
    return 0 if all(p.ok for p in proofs) and not refused else 1


def _serve_would_refuse(settings: Any, path: Path) -> list[str]:
    """What `owabi serve` would refuse to start with, said before anyone tries."""
    from bot import resources

    lines = []
    if path == resources.example_policy() and not settings.owabi_allow_example_policy:
        lines.append(
            "policy: this is the bundled example, with placeholder people; serve refuses it. Write "
            "data/policy.toml (or set OWABI_POLICY) with your team's Slack ids"
        )
    if settings.owabi_anchor is not None and settings.audit_key() is None:
        lines.append("OWABI_ANCHOR is set but OWABI_AUDIT_KEY is not: the anchor is signed with that key")
    return lines


def cmd_triage(args: argparse.Namespace) -> int:
    from bot.cli_offline import UsageError
    from bot.config import load_policy
    from bot.learning.reader import default_triager

    if not args.text.strip():
        raise UsageError('the report is empty: give the words the staffer typed, e.g. "the order was late"')
    default = load_policy(_settings().policy_path()).locale
    print(json.dumps(default_triager().read(args.text, default_locale=default).as_json(), ensure_ascii=False))
    return 0


def cmd_script(args: argparse.Namespace) -> int:
    from bot.config import load_policy
    from bot.domain.model import Facet

    facets = tuple(f.strip() for f in (args.facets or "").split(",") if f.strip())
    unknown = sorted(set(facets) - {f.value for f in Facet})
    if unknown:
        print(f"owabi: unknown facet {', '.join(unknown)}; known: {', '.join(f.value for f in Facet)}", file=sys.stderr)
        return 2
    found_by = args.found_by
    if args.report and not args.facets:  # read the facts from the report as Owabi would
        from bot.learning.reader import default_triager

        guess = default_triager().read(args.report, default_locale=args.locale)
        facets, found_by = tuple(guess.facets), args.found_by or guess.found_by
    policy = load_policy(_settings().policy_path())
    renderer = Renderer(resources.responses_dir(), override=policy.responses)
    if args.category not in policy.all_categories:
        print(f"owabi: unknown category {args.category!r}; known: {', '.join(policy.all_categories)}", file=sys.stderr)
        return 2
    if args.locale not in renderer.locales():
        print(f"owabi: no wording for locale {args.locale!r}; have: {', '.join(renderer.locales())}", file=sys.stderr)
        return 2
    ctx = ScriptContext(
        category=args.category,
        severity=args.severity,
        contact=args.channel,
        locale=args.locale,
        customer=args.customer or "",
        facets=facets,
        found_by=found_by or "customer",
        text=args.report or "",
        authority=policy.authority,
        follow_up_within=policy.guidance_facts().follow_up_within,
        emergency=policy.emergency_number or "",
    )
    print(renderer.script_text(ctx))
    return 0


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:  # 0: any free port
        raise argparse.ArgumentTypeError(f"{port} is not a port: use 1-65535")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="owabi", description="Owabi (お詫び): own the mistake, fix it fast.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    def verb(name: str, func: Verb, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    p = verb("serve", cmd_serve, "Run the Slack app over HTTP (or Socket Mode with --socket).")
    p.add_argument("--port", type=_port, default=3000, help="port to listen on (default 3000)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--threads", type=int, default=16, help="HTTP worker threads (default 16)")
    p.add_argument("--socket", action="store_true", help="use Socket Mode (needs SLACK_APP_TOKEN)")

    verb("deliver", cmd_deliver, "Deliver queued messages and run timed jobs only (owabi serve starts this itself).")

    p = verb("demo", cmd_demo, "Play a whole incident through the real app against a local stand-in for Slack.")
    p.add_argument("--db", type=Path, default=None, help="keep the demo database at this path")
    p.add_argument("--locale", default="en", help="the team's language: en or ja")

    p = verb("manifest", cmd_manifest, "Print the Slack app manifest (YAML).")
    p.add_argument("--url", default="https://owabi.example.com", help="public base URL of `owabi serve`")
    p.add_argument("--socket", action="store_true", help="manifest for Socket Mode (no request URLs)")

    p = verb("check", cmd_check, "Validate settings and the policy file, and print what was understood.")
    p.add_argument(
        "--online",
        action="store_true",
        help="also prove with Slack: the token and its scopes, the policy's people and channels",
    )

    p = verb("triage", cmd_triage, "Print the category, severity and locale Owabi infers for a report (JSON).")
    p.add_argument("text", help="the report, as a staffer would type it")

    p = verb("script", cmd_script, "Print the guided apology script a reporter would get.")
    p.add_argument("--category", required=True, help="e.g. late_delivery, billing_error")
    p.add_argument("--severity", required=True, choices=[s.value for s in Severity])
    p.add_argument("--locale", default="en", help="customer language: en or ja")
    p.add_argument(
        "--channel",
        default=Contact.IN_PERSON.value,
        choices=[c.value for c in Contact],
        help="how the staffer is in contact with the customer",
    )
    p.add_argument("--customer", default="", help="customer name to address")
    p.add_argument("--facets", default="", help="comma-separated facets, e.g. safety_risk,b2b")
    p.add_argument(
        "--found-by", dest="found_by", default=None, choices=["us", "customer", "public"], help="who noticed it first"
    )
    p.add_argument("--report", default="", help="the report text: its facets and the customer's loss are read")

    register_more(verb)
    return parser


def register_more(verb: Callable[[str, Verb, str], argparse.ArgumentParser]) -> None:
    """Verbs contributed by feature modules (coach, summary, export, backup, verify)."""
    from bot import cli_offline

    cli_offline.register(verb)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from pydantic import ValidationError

    try:
        return int(args.func(args))
    except PolicyError as exc:
        print(exc.render(), file=sys.stderr)
    except ValidationError as exc:  # a setting from the environment (OWABI_WORKERS=abc)
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            print(f"owabi: setting {str(err['loc'][0]).upper()}: {msg}", file=sys.stderr)
    except (OwabiError, FileExistsError) as exc:  # Owabi refused and says why: one line, never a traceback
        print(f"owabi: {exc}", file=sys.stderr)
    return 2
