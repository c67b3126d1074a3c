"""The command line and the policy file, as an admin meets them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import build_parser
from bot.config import PolicyError, load_policy
from bot.domain.model import Severity
from tests.conftest import MINIMAL_POLICY


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


def test_every_verb_has_help() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "verb")
    for name, p in sub.choices.items():  # type: ignore[union-attr]
        assert p.description, f"`owabi {name}` has no help text"


def test_minimal_contract_policy_loads(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(MINIMAL_POLICY)
    policy = load_policy(path)
    assert policy.chain_for("U0STAFF01") == ["U0LEAD01", "U0MGR01", "U0GM01"]
    assert policy.chain_for("U0NOBODY") == ["U0MGR01", "U0GM01"]
    assert policy.ack_window(Severity.CRITICAL).total_seconds() == 300


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ('ack_within = "soon"', "severity.high.ack_within"),
        ('ack_within = "0m"', "longer than zero"),
    ],
)
def test_bad_duration_names_key(tmp_path: Path, bad: str, expected: str) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(MINIMAL_POLICY.replace('ack_within = "15m"', bad))
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert expected in err.value.render() and str(path) in err.value.render()


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t.replace('"U0LEAD01", "U0MGR01"', '"bob", "U0MGR01"'), "teams[0].chain[0]"),
        (lambda t: t.replace('locale = "en"', 'locale = "fr"'), "no templates for locale 'fr'"),
        (lambda t: t.replace('timezone = "Asia/Tokyo"', 'timezone = "Mars/Olympus"'), "unknown time zone"),
        (lambda t: t.replace("[default]", "[defualt]"), "default"),
        (lambda t: "quiet_hours = '10pm-7am'\n" + t, "quiet hours"),
        (lambda t: t + "\nack_whitin = '5m'\n", "unknown key"),
        (lambda t: t.replace("[[teams]]", "[[teams]"), "not valid TOML"),
    ],
)
def test_policy_errors_are_precise(tmp_path: Path, edit, expected: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "policy.toml"
    path.write_text(edit(MINIMAL_POLICY))
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert expected in err.value.render()


def test_line_numbers_point_at_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(MINIMAL_POLICY.replace('ack_within = "15m"', 'ack_within = "soon"'))
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "soon" in text)
    assert f"line {line}," in err.value.render()


def test_check_refuses_a_broken_policy_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(MINIMAL_POLICY.replace('ack_within = "5m"', 'ack_within = "whenever"'))
    result = run("check", env={"OWABI_POLICY": str(path)})
    assert result.returncode == 2
    assert "severity.critical.ack_within" in result.stderr and "Traceback" not in result.stderr


def test_serve_refuses_a_broken_policy_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("locale = 'en'\n")
    result = run(
        "serve",
        "--port",
        "0",
        env={
            "OWABI_POLICY": str(path),
            "SLACK_BOT_TOKEN": "xoxb-x",
            "SLACK_SIGNING_SECRET": "s",
            "OWABI_DB": str(tmp_path / "d.db"),
        },
    )
    assert result.returncode == 2
    assert "'default': Field required" in result.stderr and "Traceback" not in result.stderr


def test_serve_without_tokens_says_what_is_missing(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve"], capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path
    )
    assert result.returncode == 2 and "SLACK_BOT_TOKEN" in result.stderr


def test_check_prints_what_it_understood(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(MINIMAL_POLICY)
    result = run("check", env={"OWABI_POLICY": str(path)})
    assert result.returncode == 0, result.stderr
    assert "team front-desk" in result.stdout and "U0LEAD01 → U0MGR01 → U0GM01" in result.stdout


@pytest.mark.parametrize(
    ("text", "category", "locale"),
    [
        ("the Tanaka order went out a day late", "late_delivery", "en"),
        ("お客様に二重に請求してしまいました", "billing_error", "ja"),
    ],
)
def test_triage_prints_json(text: str, category: str, locale: str) -> None:
    result = run("triage", text)
    out = json.loads(result.stdout)
    assert (
        out["category"] == category
        and out["locale"] == locale
        and out["severity"] in ("low", "medium", "high", "critical")
    )


def test_script_prints_plain_text() -> None:
    result = run("script", "--category", "billing_error", "--severity", "high", "--locale", "ja", "--channel", "phone")
    assert result.returncode == 0
    assert "申し訳ございません" in result.stdout and "<" not in result.stdout.replace("<!", "")


def test_manifest_is_valid_yaml_with_the_endpoint() -> None:
    import yaml

    result = run("manifest", "--url", "https://owabi.example.org")
    data = yaml.safe_load(result.stdout)
    assert data["features"]["slash_commands"][0]["command"] == "/oops"
    assert data["settings"]["interactivity"]["request_url"] == "https://owabi.example.org/slack/events"
    assert "chat:write" in data["oauth_config"]["scopes"]["bot"]


def test_demo_plays_the_whole_loop() -> None:
    result = run("demo")
    assert result.returncode == 0, result.stderr
    assert "Ken (team lead) sees" in result.stdout and "hash chain" in result.stdout
    assert "intact" in result.stdout


def test_backup_and_verify_round_trip(tmp_path: Path) -> None:
    from bot.store import Store

    db = tmp_path / "owabi.db"
    store = Store.open(db)
    store.events.append(at=1.0, kind="reported", actor="U0STAFF01", text="late")
    env = {"OWABI_DB": str(db)}
    result = run("backup", "--to", str(tmp_path / "b.db"), env=env)
    assert result.returncode == 0 and "1 events, chain intact" in result.stdout
    again = run("backup", "--to", str(tmp_path / "b.db"), env=env)
    assert again.returncode == 2 and "never overwrites" in again.stderr and "Traceback" not in again.stderr
    assert run("verify", env={"OWABI_DB": str(tmp_path / "b.db")}).stdout.startswith("OK: 1 events")


def test_coach_prints_json() -> None:
    out = json.loads(run("coach", "Sorry if you were upset, but that's our policy.").stdout)
    assert out["verdict"] == "fix" and out["good"] is False
    assert {a["id"] for a in out["avoid"]} & {"conditional", "policy_shield"}


@pytest.mark.parametrize("text", ["", "short", "a\n" * 4000, "x" * 7000, ("lesson line " * 20 + "\n") * 60])
def test_long_text_is_split_into_sections_without_loss(text: str) -> None:
    from bot.slack.blocks import sections

    blocks = sections(text, most=1000)
    texts = [b["text"]["text"] for b in blocks]
    assert all(len(t) <= 3000 for t in texts)
    assert "".join(texts).replace("\n", "") == (text.replace("\n", "") or " ")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("export", "--since", "yesterday"), "is not a date"),
        (("export", "--since", "2026-13-01"), "is not a date"),
        (("script", "--category", "nonsense", "--severity", "low"), "unknown category 'nonsense'"),
        (("script", "--category", "other", "--severity", "low", "--locale", "fr"), "no wording for locale 'fr'"),
        (("verify",), "no database at"),
        (("summary",), "no database at"),
        (("export",), "no database at"),
        (("backup",), "no database at"),
        (("serve", "--port", "99999"), "is not a port"),
    ],
)
def test_bad_input_is_one_clear_line_and_a_non_zero_exit(tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    db = tmp_path / "nowhere.db"
    result = run(*args, env={"OWABI_DB": str(db)})
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert not db.exists()  # a reading verb never creates an empty database


def test_a_bad_setting_is_named(tmp_path: Path) -> None:
    result = run("check", env={"OWABI_WORKERS": "abc", "OWABI_DB": str(tmp_path / "x.db")})
    assert result.returncode == 2 and "setting OWABI_WORKERS" in result.stderr and "Traceback" not in result.stderr


def test_serve_refuses_the_example_policy_that_would_tell_nobody(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OWABI_POLICY"}
    env |= {"SLACK_BOT_TOKEN": "xoxb-x", "SLACK_SIGNING_SECRET": "s", "OWABI_DB": str(tmp_path / "o.db")}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 2 and "no policy file" in result.stderr and "Traceback" not in result.stderr


def test_a_manifest_for_a_url_slack_would_refuse_is_refused() -> None:
    result = run("manifest", "--url", "not a url")
    assert result.returncode == 2 and "public https address" in result.stderr and not result.stdout


def test_socket_mode_asks_for_the_app_token_not_the_signing_secret(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(MINIMAL_POLICY)
    env = {k: v for k, v in os.environ.items() if k not in ("SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--socket"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "OWABI_POLICY": str(path), "SLACK_BOT_TOKEN": "xoxb-x", "OWABI_DB": str(tmp_path / "o.db")},
    )
    assert result.returncode == 2 and "SLACK_APP_TOKEN" in result.stderr and "SIGNING" not in result.stderr


def _policy_problems(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("  - ")]


@pytest.mark.parametrize(
    ("summary", "key", "expected"),
    [
        ('daily = "6pm"', "summary.daily", "'6pm' is not a 24-hour time; write it like daily = \"18:00\""),
        ('daily = "25:00"', "summary.daily", 'write it like daily = "18:00"'),
        ('daily = "MON 18:00"', "summary.daily", 'a daily summary runs every day: write daily = "18:00"'),
        ('weekly = "monday 9am"', "summary.weekly", 'write it like weekly = "MON 09:00"'),
        ('weekly = "XYZ 09:00"', "summary.weekly", "the day must be one of MON"),
        ('weekly = "09:00"', "summary.weekly", 'it would run every day: write weekly = "MON 09:00"'),
    ],
)
def test_check_refuses_a_summary_time_the_scheduler_cannot_read(
    tmp_path: Path, summary: str, key: str, expected: str
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(MINIMAL_POLICY + f"\n[summary]\n{summary}\n")
    result = run("check", env={"OWABI_POLICY": str(path)})
    assert result.returncode == 2, result.stdout
    assert "Traceback" not in result.stderr
    problems = _policy_problems(result)
    assert len(problems) == 1 and f"key '{key}'" in problems[0] and expected in problems[0], result.stderr
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if text == summary)
    assert f"line {line}," in problems[0]


@pytest.mark.parametrize(("daily", "weekly"), [("18:00", "MON 09:00"), ("7:05", "fri 17:30"), ("", "")])
def test_summary_times_the_policy_accepts_are_the_ones_the_scheduler_reads(
    tmp_path: Path, daily: str, weekly: str
) -> None:
    from bot.domain.metrics import parse_spec

    path = tmp_path / "policy.toml"
    path.write_text(MINIMAL_POLICY + f'\n[summary]\ndaily = "{daily}"\nweekly = "{weekly}"\n')
    schedule = load_policy(path).summary
    for text in (schedule.daily, schedule.weekly):
        if text:  # empty means no scheduled summary, as the scheduler reads it
            parse_spec(text)


def test_check_refuses_a_responses_folder_that_does_not_exist(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('responses = "my-wording"\n' + MINIMAL_POLICY)
    result = run("check", env={"OWABI_POLICY": str(path)})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    problems = _policy_problems(result)
    assert len(problems) == 1, result.stderr
    assert "line 1, key 'responses': no folder" in problems[0] and str(tmp_path / "my-wording") in problems[0]


def test_a_responses_folder_is_read_next_to_the_policy_file(tmp_path: Path) -> None:
    (tmp_path / "my-wording").mkdir()
    path = tmp_path / "policy.toml"
    path.write_text('responses = "my-wording"\n' + MINIMAL_POLICY)
    result = run("check", env={"OWABI_POLICY": str(path)}, cwd=Path("/"))
    assert result.returncode == 0, result.stderr
    assert f"(overrides from {tmp_path / 'my-wording'})" in result.stdout


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("OWABI_WORKERS", "-4", "greater than or equal to 1"),
        ("OWABI_WORKERS", "0", "greater than or equal to 1"),
        ("OWABI_WORKERS", "1.5", "valid integer"),
        ("OWABI_CONNECTION_LIMIT", "lots", "valid integer"),
        ("OWABI_CHANNEL_TIMEOUT", "-1", "greater than or equal to 2"),
        ("OWABI_SLACK_TIMEOUT", "nan", "finite number"),
        ("OWABI_ALLOW_EXAMPLE_POLICY", "maybe", "valid boolean"),
        ("SLACK_API_URL", "slack.com/api", "like https://slack.com/api/"),
        ("SLACK_BOT_TOKEN", "xapp-1-A0-secretvalue", "starts with xoxb-"),
        ("SLACK_APP_TOKEN", "xoxb-secretvalue", "starts with xapp-"),
    ],
)
def test_a_bad_setting_is_one_line_and_a_non_zero_exit(tmp_path: Path, name: str, value: str, expected: str) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(MINIMAL_POLICY)
    result = run("check", env={"OWABI_POLICY": str(path), "OWABI_DB": str(tmp_path / "x.db"), name: value})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"owabi: setting {name}: ") and expected in lines[0], lines
    assert "Value error" not in lines[0] and "secretvalue" not in result.stderr  # tokens are never echoed


def test_an_empty_setting_counts_as_unset(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(MINIMAL_POLICY)
    result = run(
        "check",
        env={"OWABI_POLICY": str(path), "OWABI_DB": "", "SLACK_BOT_TOKEN": "", "SLACK_API_URL": ""},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Database: data/owabi.db" in result.stdout and "bot token NOT set" in result.stdout
    assert "Slack API: https://slack.com/api/;" in result.stdout


def test_check_fails_on_what_serve_would_refuse(tmp_path: Path) -> None:
    from bot import resources

    example = run("check", env={"OWABI_POLICY": str(resources.example_policy()), "OWABI_DB": str(tmp_path / "x.db")})
    assert example.returncode == 1 and "FIX policy: this is the bundled example" in example.stdout
    allowed = run(
        "check",
        env={
            "OWABI_POLICY": str(resources.example_policy()),
            "OWABI_ALLOW_EXAMPLE_POLICY": "1",
            "OWABI_DB": str(tmp_path / "x.db"),
        },
    )
    assert allowed.returncode == 0, allowed.stdout
    path = tmp_path / "policy.toml"
    path.write_text(MINIMAL_POLICY)
    anchor = run(
        "check",
        env={
            "OWABI_POLICY": str(path),
            "OWABI_ANCHOR": str(tmp_path / "anchor"),
            "OWABI_AUDIT_KEY": "",
            "OWABI_DB": str(tmp_path / "x.db"),
        },
    )
    assert anchor.returncode == 1 and "FIX OWABI_ANCHOR is set but OWABI_AUDIT_KEY is not" in anchor.stdout
    assert "Traceback" not in example.stderr + anchor.stderr


@pytest.mark.parametrize("case", ["unknown host", "port in use", "socket mode, Slack unreachable"])
def test_serve_that_cannot_start_says_why_in_one_line(tmp_path: Path, case: str) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(MINIMAL_POLICY)
    env = {
        "OWABI_POLICY": str(path),
        "OWABI_DB": str(tmp_path / "x.db"),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "s",
    }
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        if case == "unknown host":
            result = run("serve", "--host", "nosuchhost.invalid", "--port", "3999", env=env)
        elif case == "port in use":
            result = run("serve", "--host", "127.0.0.1", "--port", str(port), env=env)
        else:  # nothing answers on the taken-then-closed port below
            env |= {"SLACK_APP_TOKEN": "xapp-test", "SLACK_API_URL": f"http://127.0.0.1:{port}/api/"}
            taken.close()
            result = run("serve", "--socket", env=env)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("owabi: cannot "), result.stderr


@pytest.mark.parametrize("verb", ["triage", "coach"])
def test_an_empty_text_is_refused_in_one_line(verb: str) -> None:
    result = run(verb, "  ")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().startswith("owabi: the ") and "empty" in result.stderr
