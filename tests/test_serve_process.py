"""`owabi serve` as deployed: a separate process, configured only by the environment."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bot.sandbox.slack_side import SlackSide
from bot.sandbox.standin import StandIn
from tests.conftest import LEAD, MINIMAL_POLICY, SECRET, STAFF, eventually


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[str], timeout: float = 20) -> None:
    def healthy() -> bool:
        assert proc.poll() is None, proc.communicate()[1]
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as resp:
                return bool(resp.status == 200)
        except OSError:
            return False

    assert eventually(healthy, timeout, interval=0.1), "owabi serve never became healthy"


def start_serve(
    standin: StandIn, policy: Path, db: Path, *, cwd: Path, quiet: bool = False, session: bool = False
) -> tuple[subprocess.Popen[str], int]:
    """`owabi serve` as deployed, on a free port, configured only by the environment."""
    port = free_port()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-serve",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": standin.api_url,
        "OWABI_DB": str(db),
        "OWABI_POLICY": str(policy),
    }
    env.pop("OWABI_DELIVERY", None)
    out = subprocess.DEVNULL if quiet else subprocess.PIPE
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(port)],
        env=env,
        stdout=out,
        stderr=out,
        text=True,
        cwd=cwd,
        start_new_session=session,
    )
    return proc, port


def test_serve_answers_signed_oops_and_stops_on_sigterm(standin: StandIn, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(MINIMAL_POLICY)
    db = tmp_path / "prod.db"
    proc, port = start_serve(standin, policy, db, cwd=tmp_path)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, proc)
        slack = SlackSide(url, SECRET, standin)
        sent = time.monotonic()
        reply = slack.command(STAFF, "the Tanaka order went out a day late")
        assert reply.status == 200 and reply.seconds < 3
        assert "OOPS-0001" in reply.text
        assert standin.wait_for(lambda: standin.dms_to(LEAD), timeout=5)
        assert time.monotonic() - sent < 5
        rows = sqlite3.connect(db).execute("SELECT reporter, category FROM incidents").fetchall()
        assert rows == [(STAFF, "late_delivery")]
        assert slack.command(STAFF, "late", signature="v0=bad").status == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    # The one warning is the forged request's: nothing an operator cannot act on, at start or after.
    warnings = [line for line in err.splitlines() if " WARNING " in line or " ERROR " in line]
    assert len(warnings) == 1 and "signature" in warnings[0], warnings


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_delivery_runs_beside_serve_and_serve_takes_over_if_it_dies(standin: StandIn, tmp_path: Path) -> None:
    """The boss DM comes from the delivery process; killed, its work falls to serve; SIGTERM ends both."""
    policy = tmp_path / "policy.toml"
    policy.write_text(MINIMAL_POLICY)
    proc, port = start_serve(standin, policy, tmp_path / "prod.db", cwd=tmp_path)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, proc)
        (child,) = _children(proc.pid)
        slack = SlackSide(url, SECRET, standin)
        slack.command(STAFF, "the Tanaka order went out a day late")
        assert standin.wait_for(lambda: len(standin.dms_to(LEAD)) == 1, timeout=10)

        os.kill(child, signal.SIGKILL)
        assert eventually(lambda: not _children(proc.pid), 10, interval=0.05)
        slack.command(STAFF, "the Sato order went out a day late too")
        assert standin.wait_for(lambda: len(standin.dms_to(LEAD)) == 2, timeout=10)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "the delivery process stopped unexpectedly" in err and "Traceback" not in err


def test_sigterm_stops_the_delivery_process_too(standin: StandIn, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(MINIMAL_POLICY)
    proc, port = start_serve(standin, policy, tmp_path / "prod.db", cwd=tmp_path)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc)
        (child,) = _children(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert not Path(f"/proc/{child}").exists() or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]
    assert "stopped unexpectedly" not in err and "Traceback" not in err


def test_a_sigterm_to_the_whole_group_still_stops_cleanly(standin: StandIn, tmp_path: Path) -> None:
    """A supervisor that signals every process: the delivery process waits for serve to stop it."""
    policy = tmp_path / "policy.toml"
    policy.write_text(MINIMAL_POLICY)
    proc, port = start_serve(standin, policy, tmp_path / "prod.db", cwd=tmp_path, session=True)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc)
        (child,) = _children(proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # as a supervisor stopping the service's process group
        _, err = proc.communicate(timeout=30)
    assert not Path(f"/proc/{child}").exists() or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]
    assert proc.returncode == 0, err
    assert "stopped unexpectedly" not in err and "Traceback" not in err


def test_starting_the_server_imports_neither_numpy_nor_the_model(tmp_path: Path) -> None:
    """What `owabi serve` imports and builds before it listens: numpy and scikit-learn come later,
    in the model's loading thread (numpy alone was a third of the start-up, via sqlite-utils)."""
    code = (
        "import sys, bot.runtime, bot.server, bot.cli\n"
        "from bot.config import Settings\n"
        "bot.runtime.build(Settings())\n"
        "early = sorted(m for m in ('numpy', 'pandas', 'sklearn', 'matplotlib', 'bot.domain.coach_engine')"
        " if m in sys.modules)\n"
        "import numpy, sqlite_utils\n"
        "print(early, numpy.__name__, sqlite_utils.Database.__name__)\n"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OWABI_"))},
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": "http://127.0.0.1:9/api/",  # never called: build() talks to nobody
        "OWABI_DB": str(tmp_path / "owabi.db"),
        "OWABI_ALLOW_EXAMPLE_POLICY": "1",
    }
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True, env=env)
    assert done.stdout.strip() == "[] numpy Database"
