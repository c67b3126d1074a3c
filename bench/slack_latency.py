"""How fast a report is acknowledged and its team lead DMed when Slack answers slowly, next to the floor.

Three kinds of process, so that none of them steals the others' interpreter:

- this one runs the Slack stand-in, which answers every Web API call (and response_url post)
  `--latency` seconds late (Slack's own take 0.1–0.3 s) and records each call when it answers;
- the server: a real `owabi serve` (temporary database, a policy with one team of the load's
  staffers and a chain of three bosses), or for the floor a bare Bolt app that only acks `/oops`,
  on the same waitress settings and the same signing secret (`--bare-server PORT`);
- the load generator (`--load URL`): `--senders` threads, one staffer each, sending `--reports`
  signed slash commands in all, each text carrying a unique tag; per request it writes the wall
  clock send time, the HTTP round trip (the ack) and the status as JSON for this process.

Measured:

- ack: the slash command's HTTP round trip seen by the sender, Owabi against the bare app;
- report → DM: when the stand-in answered the first `chat.postMessage` to the team lead that
  carries the report's tag, minus the report's send time. Its floor is one API round trip (the
  latency): a DM is posted once Slack has answered. Missing DMs are waited for up to `--timeout`;
- server CPU per report: utime+stime of the server process and its delivery process
  (/proc/<pid>/stat) from just before the load until the outbox has gone quiet, divided by the
  reports; the same for the bare app;
- start-up: the median of `--starts` spawns of each server, each alone on the machine, until
  GET /healthz answers 200; and, for the server the load then meets, until /healthz says the
  learnt triage model reads reports. The load starts only then: it measures the steady state,
  not the model's loading (a few seconds of scikit-learn import in the background, while the
  lexicon reads reports).

One warm-up request goes to each server before the load and is reported on its own, not counted.
All three processes share this machine's cores, as a small deployment would share them with the
load it serves; the floor pays the same.

    .venv/bin/python bench/slack_latency.py [--latency 0.1] [--senders 40] [--reports 300] [--timeout 120]
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.core_latency import pct
from bot.sandbox.slack_side import SlackSide
from bot.sandbox.standin import StandIn

SECRET = "bench-secret"
LEAD, MANAGER, GM = "U0LEAD01", "U0MGR01", "U0GM01"
WARM = "U0WARM01"
POLICY = """
locale = "en"
timezone = "Asia/Tokyo"
[default]
chain = ["{manager}", "{gm}"]
[[teams]]
name = "floor"
members = [{members}]
chain = ["{lead}", "{manager}", "{gm}"]
"""
# Different categories and severities, so triage and the DMs do their usual amount of work.
TEXTS = (
    "order went out a day late, customer upset",
    "charged the customer twice for table 4, they noticed on their statement",
    "gave the wrong size shoes, customer came back and was angry",
    "we missed the callback we promised yesterday",
    "a guest slipped on the wet floor by the entrance and hurt their wrist",
    "sent the invoice to the wrong company",
)
DEADLINE = 3.0  # Slack shows the user an error when the ack takes longer
QUIET = 1.0  # the outbox counts as drained once the stand-in has heard nothing for this long
WARM_WAIT = 20.0  # seconds the warm-up report's DM is waited for
IDLE = 2.0  # seconds over which the idle server's CPU is read (the clock ticks are 10 ms)
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


def staffer(i: int) -> str:
    return f"U0S{i:05d}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """utime+stime of every thread of the process and of its child processes (Owabi's delivery
    process: `owabi serve` starts `owabi deliver` beside itself) so far."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    fields = raw.rsplit(")", 1)[1].split()  # the command name may hold spaces; it ends at the last ")"
    own = (int(fields[11]) + int(fields[12])) / CLOCK_TICK
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = [int(c) for c in children.read_text().split()] if children.exists() else []
    return own + sum(cpu_seconds(kid) for kid in kids if Path(f"/proc/{kid}/stat").exists())


# --- the floor: Bolt acking /oops and nothing else, on Owabi's waitress settings -------------


def bare_server(port: int) -> int:
    import logging
    from concurrent.futures import ThreadPoolExecutor

    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_bolt.authorization import AuthorizeResult
    from slack_sdk import WebClient
    from waitress.server import create_server

    def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
        # Like Owabi, authorized from settings: no auth.test on the request path.
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            bot_token="xoxb-bench",
            bot_user_id="U0BAREBOT",
            bot_id="B0BARE",
        )

    app = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        token_verification_enabled=False,
        authorize=authorize,
        raise_error_for_unhandled_request=False,
        client=WebClient(base_url=os.environ.get("SLACK_API_URL", "https://slack.com/api/")),
        listener_executor=ThreadPoolExecutor(max_workers=16, thread_name_prefix="bare-listener"),
    )

    @app.command("/oops")
    def oops(ack: Any) -> None:
        ack()

    # Logging as `owabi serve` sets it up: the floor pays for waitress's and Bolt's log lines too.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    bolt = SlackRequestHandler(app)

    def application(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "16")])
            return [b'{"status":"ok"}\n']
        return bolt(environ, start_response)

    # The settings bot/server.py gives waitress, at Owabi's defaults.
    server: Any = create_server(
        application,
        host="127.0.0.1",
        port=port,
        threads=16,
        ident="bare",
        clear_untrusted_proxy_headers=True,
        max_request_body_size=1_000_000,
        connection_limit=1000,
        channel_timeout=20,
        cleanup_interval=10,
        asyncore_use_poll=True,
    )

    def on_term(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_term)
    server.run()  # returns, closed, after SystemExit
    return 0


# --- the load generator ---------------------------------------------------------------------


class _Hooks:
    """What SlackSide needs of the stand-in (response URLs) when the stand-in is another process."""

    def __init__(self, base: str) -> None:
        self.base = base

    def response_url(self, name: str) -> str:
        return f"{self.base}hooks/{name}"


def load(url: str, hooks: str, senders: int, reports: int, tag: str, out: Path) -> int:
    slack = SlackSide(url, SECRET, _Hooks(hooks))  # type: ignore[arg-type]
    records: list[dict[str, Any]] = [{} for _ in range(reports)]
    start = threading.Barrier(senders + 1)

    def sender(i: int) -> None:
        user = staffer(i)
        start.wait()
        for n in range(i, reports, senders):
            text = f"{tag}{n:05d}: {TEXTS[n % len(TEXTS)]}"
            sent = time.time()
            began = time.perf_counter()
            try:
                reply = slack.command(user, text)
                ref = re.search(r"OOPS-\d+", reply.body)
                records[n] = {
                    "n": n,
                    "user": user,
                    "sent": sent,
                    "ack": reply.seconds,
                    "status": reply.status,
                    "ref": ref.group(0) if ref else "",
                }
            except OSError as exc:  # refused, reset, or no answer within SlackSide's 10 s
                records[n] = {
                    "n": n,
                    "user": user,
                    "sent": sent,
                    "ack": time.perf_counter() - began,
                    "status": 0,
                    "ref": "",
                    "error": type(exc).__name__,
                }

    threads = [threading.Thread(target=sender, args=(i,), daemon=True) for i in range(senders)]
    for t in threads:
        t.start()
    # The parent reads the server's CPU between "ready" and "go": our own start-up is not the server's.
    print("ready", flush=True)
    sys.stdin.readline()
    start.wait()
    for t in threads:
        t.join()
    out.write_text(json.dumps(records))
    return 0


def run_load(
    server: Server, standin: StandIn, senders: int, reports: int, tag: str, folder: Path
) -> tuple[list[dict[str, Any]], float, float, float]:
    """Runs the load generator against `server`; returns its records, the server's CPU just before
    the load, when (wall clock) that was read, and when the last reply had come back."""
    out = folder / f"load-{server.name}.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--load",
            server.url,
            "--hooks",
            standin.url,
            "--senders",
            str(senders),
            "--reports",
            str(reports),
            "--tag",
            tag,
            "--out",
            str(out),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdin is not None and proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the load generator did not start")
        before, started = cpu_seconds(server.proc.pid), time.time()
        proc.stdin.write("go\n")
        proc.stdin.flush()
        if proc.wait() != 0:
            raise RuntimeError(f"the load generator failed (exit {proc.returncode})")
    finally:
        if proc.poll() is None:  # only when something above failed
            proc.kill()
        proc.wait()
    done = time.time()
    records = json.loads(out.read_text())
    return records, before, started, done


# --- servers --------------------------------------------------------------------------------


class Server:
    """One server process on a free port, up once /healthz answers 200; its output goes to a log file."""

    def __init__(self, name: str, argv: list[str], port: int, env: dict[str, str], folder: Path) -> None:
        self.name = name
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = folder / f"{name}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - open for the life of the process
        began = self.began = time.monotonic()
        self.proc = subprocess.Popen(argv, cwd=folder, env=env, stdout=self._log, stderr=self._log)
        deadline = began + 60
        while True:
            if self.proc.poll() is not None:
                self._log.close()
                raise RuntimeError(f"{name} exited ({self.proc.returncode}) before answering:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as resp:
                    if resp.status == 200:
                        break
            except (OSError, urllib.error.HTTPError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{name} never answered /healthz 200:\n{self.log_tail()}")
            time.sleep(0.01)
        self.startup = time.monotonic() - began

    def wait_model(self, timeout: float = 60.0) -> float:
        """Seconds from spawning until /healthz says reports are read by the learnt model (the
        steady state; until then the lexicon reads them and the model loads in the background)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError, ValueError, urllib.error.HTTPError),
                urllib.request.urlopen(self.url + "/healthz", timeout=1) as resp,
            ):
                if json.loads(resp.read()).get("triage", "model") == "model":
                    return time.monotonic() - self.began
            time.sleep(0.02)
        raise RuntimeError(f"{self.name}'s triage model was not ready within {timeout:.0f} s:\n{self.log_tail()}")

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def problems(self) -> list[str]:
        """Log lines at WARNING or above, and tracebacks."""
        text = self.log_path.read_text(errors="replace")
        return [ln for ln in text.splitlines() if re.search(r" (WARNING|ERROR|CRITICAL) |Traceback", ln)]

    def first_error(self, lines: int = 16) -> str:
        """The first ERROR line with what follows it up to the next log line (its frames)."""
        text = self.log_path.read_text(errors="replace").splitlines()
        for i, line in enumerate(text):
            if re.search(r" (ERROR|CRITICAL) ", line):
                block = [line]
                for more in text[i + 1 : i + lines]:
                    if re.match(r"\d{4}-\d\d-\d\d ", more):
                        break
                    block.append(more)
                return "\n".join("    " + b for b in block)
        return ""

    def stop(self) -> str:
        """SIGTERM and wait, as a service manager would; says how it ended."""
        how = f"had already exited ({self.proc.returncode})"
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
                how = f"exit {self.proc.returncode} after SIGTERM"
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                how = "did not stop within 30 s of SIGTERM: killed"
        self._log.close()
        return how


def server_env(standin: StandIn, folder: Path, senders: int | None = None) -> dict[str, str]:
    # Nothing from the caller's shell may change what is measured; --owabi-senders is the one knob.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OWABI_"))}
    extra = {"OWABI_SENDERS": str(senders)} if senders else {}
    return {
        **env,
        "SLACK_API_URL": standin.api_url,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "OWABI_DB": str(folder / "owabi.db"),
        "OWABI_POLICY": str(folder / "policy.toml"),
        **extra,
    }


def bare_argv(port: int) -> list[str]:
    return [sys.executable, __file__, "--bare-server", str(port)]


def owabi_argv(port: int) -> list[str]:
    script = Path(sys.executable).with_name("owabi")
    head = [str(script)] if script.exists() else [sys.executable, "-m", "bot"]
    return [*head, "serve", "--host", "127.0.0.1", "--port", str(port)]


# --- matching DMs to reports ----------------------------------------------------------------


class LeadInbox:
    """The team lead's DMs as the stand-in recorded them, indexed by report tag (read incrementally)."""

    def __init__(self, standin: StandIn, tag: str) -> None:
        self.standin = standin
        self.pattern = re.compile(re.escape(tag) + r"\d{5}")
        self.channels = {LEAD, standin.dm_channel(LEAD)}
        self.first: dict[str, float] = {}
        self.count: dict[str, int] = {}
        self._seen = 0

    def refresh(self) -> None:
        calls = self.standin.calls("chat.postMessage")  # successful ones only, in the order answered
        for call in calls[self._seen :]:
            if call.args.get("channel") not in self.channels:
                continue
            # Text and blocks: either may carry the report's words, and one message counts once.
            for found in set(
                self.pattern.findall(json.dumps([call.args.get("text"), call.args.get("blocks")], ensure_ascii=False))
            ):
                self.first.setdefault(found, call.at)
                self.count[found] = self.count.get(found, 0) + 1
        self._seen = len(calls)


def wait_quiet(standin: StandIn, timeout: float) -> None:
    """Until the stand-in has heard nothing for QUIET seconds (or `timeout`): the outbox has drained."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        calls = standin.calls(attempts=True)
        last = calls[-1].at if calls else 0.0
        if time.time() - last >= QUIET:
            return
        time.sleep(0.1)


# --- the run --------------------------------------------------------------------------------


def ms(values: list[float]) -> tuple[float, float, float]:
    if not values:
        return (float("nan"),) * 3
    return statistics.median(values) * 1000, pct(values, 99) * 1000, max(values) * 1000


def ratio(a: float, b: float) -> str:
    return f"{a / b:5.1f}x" if b > 0 and a == a else "   n/a"  # a == a: not NaN


def in_flight(calls: list[Any], latency: float) -> int:
    """Most Web API calls waiting on the stand-in at one moment: how many the server sends in parallel."""
    edges = sorted([(c.at - latency, 1) for c in calls] + [(c.at, -1) for c in calls])
    peak = now = 0
    for _, step in edges:
        now += step
        peak = max(peak, now)
    return peak


def summarize(lines: list[str]) -> list[tuple[str, int]]:
    """Log lines without their time stamps, numbers folded, most frequent first."""
    counts: dict[str, int] = {}
    for line in lines:
        text = re.sub(r"\d+", "N", re.sub(r"^\S+ \S+ ", "", line))
        counts[text] = counts.get(text, 0) + 1
    return sorted(counts.items(), key=lambda kv: -kv[1])[:10]


def startups(name: str, argv: Callable[[int], list[str]], env: dict[str, str], folder: Path, times: int) -> list[float]:
    """Seconds to a healthy /healthz over `times` starts and stops (one start is too noisy to quote)."""
    found = []
    for _ in range(times):
        port = free_port()
        server = Server(name, argv(port), port, env, folder)
        found.append(server.startup)
        server.stop()
    return found


def run(
    latency: float, senders: int, reports: int, timeout: float, owabi_senders: int | None = None, starts: int = 7
) -> int:
    # Stopped from outside, the servers are stopped too: no process outlives the run.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    # Byte-compiled first, as `pip install` does for the image: with PYTHONDONTWRITEBYTECODE set
    # (as in the image) a checkout would otherwise compile every module of ours at each start.
    compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "bot"), quiet=1)
    tag = "BX" + secrets.token_hex(3).upper()
    users = [staffer(i) for i in range(senders)]
    with (
        tempfile.TemporaryDirectory(prefix="owabi-slack-latency-") as tmp,
        StandIn(latency=latency) as standin,
        contextlib.ExitStack() as servers,
    ):
        folder = Path(tmp)
        (folder / "policy.toml").write_text(
            POLICY.format(members=", ".join(f'"{u}"' for u in [*users, WARM]), lead=LEAD, manager=MANAGER, gm=GM)
        )
        env = server_env(standin, folder, owabi_senders)

        # Start-up, each server alone on the machine: the floor first, then Owabi.
        bare_starts = startups("bare", bare_argv, env, folder, starts)
        owabi_starts = startups("owabi", owabi_argv, env, folder, starts)

        # The floor first: Bolt acking and nothing else.
        port = free_port()
        bare = Server("bare", bare_argv(port), port, env, folder)
        servers.callback(bare.stop)  # whatever fails below, no server outlives the run
        bare_warm = SlackSide(bare.url, SECRET, standin).command(WARM, "warm-up").seconds
        bare_records, bare_before, bare_started, bare_done = run_load(
            bare, standin, senders, reports, tag + "F", folder
        )
        bare_cpu = bare.cpu() - bare_before
        bare_problems = bare.problems()
        bare_stop = bare.stop()

        # Owabi.
        port = free_port()
        owabi = Server("owabi", owabi_argv(port), port, env, folder)
        servers.callback(owabi.stop)
        model_ready = owabi.wait_model()
        warm = SlackSide(owabi.url, SECRET, standin).command(WARM, f"{tag}W0000: warm-up, order went out late")
        # Bounded: a server that cannot store a report must not hold the run up twice over.
        warm_dm = bool(standin.wait_for(lambda: standin.dms_to(LEAD), timeout=min(timeout, WARM_WAIT)))
        wait_quiet(standin, min(timeout, WARM_WAIT))
        idle_before = owabi.cpu()
        time.sleep(IDLE)
        idle = (owabi.cpu() - idle_before) / IDLE
        records, before, load_started, load_done = run_load(owabi, standin, senders, reports, tag, folder)
        inbox = LeadInbox(standin, tag)
        wanted = {f"{tag}{r['n']:05d}" for r in records}
        deadline = time.monotonic() + timeout
        while True:
            inbox.refresh()
            if wanted <= inbox.first.keys() or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        wait_quiet(standin, max(QUIET * 2, deadline - time.monotonic()))
        owabi_cpu = owabi.cpu() - before
        cpu_window = time.time() - load_started
        inbox.refresh()
        problems = owabi.problems()
        owabi_stop = owabi.stop()

        # Figures.
        acks = [r["ack"] for r in records]
        bare_acks = [r["ack"] for r in bare_records]
        a, f = ms(acks), ms(bare_acks)
        to_dm = [inbox.first[t] - r["sent"] for r in records if (t := f"{tag}{r['n']:05d}") in inbox.first]
        d = ms(to_dm)
        trip = latency * 1000
        missing = len(wanted - inbox.first.keys())
        doubled = sum(1 for t in wanted if inbox.count.get(t, 0) > 1)
        last_dm = (
            f"last lead DM {max(inbox.first.values()) - load_done:.1f} s after the last ack"
            if inbox.first
            else "no lead DM arrived"
        )
        calls = standin.calls(attempts=True)
        failed_calls = sum(1 for c in calls if not c.ok)
        per, bare_per = owabi_cpu / reports * 1000, bare_cpu / reports * 1000
        slow, bare_slow = sum(1 for x in acks if x >= DEADLINE), sum(1 for x in bare_acks if x >= DEADLINE)
        bad = [r for r in records if r["status"] != 200]
        bare_bad = [r for r in bare_records if r["status"] != 200]

        print(
            f"Slack latency {trip:.0f} ms per API call; {senders} concurrent senders, {reports} reports; "
            f"{os.cpu_count()} CPUs shared by the stand-in, the server and the load generator"
        )
        print(f"{'':<26}{'Owabi':^30}  {'floor':^30}  {'Owabi / floor':^24}")
        print(
            f"{'':<26}{'p50':>10}{'p99':>10}{'max':>10}  {'p50':>10}{'p99':>10}{'max':>10}  "
            f"{'p50':>8}{'p99':>8}{'max':>8}"
        )
        print(
            f"{'ack, ms':<26}{a[0]:>10.1f}{a[1]:>10.1f}{a[2]:>10.1f}  {f[0]:>10.1f}{f[1]:>10.1f}{f[2]:>10.1f}  "
            f"{ratio(a[0], f[0]):>8}{ratio(a[1], f[1]):>8}{ratio(a[2], f[2]):>8}   floor: bare Bolt ack"
        )
        print(
            f"{'report -> lead DM, ms':<26}{d[0]:>10.1f}{d[1]:>10.1f}{d[2]:>10.1f}  "
            f"{trip:>10.1f}{trip:>10.1f}{trip:>10.1f}  "
            f"{ratio(d[0], trip):>8}{ratio(d[1], trip):>8}{ratio(d[2], trip):>8}   floor: one API round trip"
        )
        print(
            f"{'server CPU per report, ms':<26}{per:>10.2f}{'':>20}  {bare_per:>10.2f}{'':>20}  "
            f"{ratio(per, bare_per):>8}{'':>16}   floor: bare Bolt"
        )
        print(
            f"{'lead DMs missing':<26}{missing:>10}{'':>20}  {'':>30}  {'':>24}   "
            f"of {reports}; waited up to {timeout:.0f} s"
        )
        up, bare_up = statistics.median(owabi_starts), statistics.median(bare_starts)
        print(
            f"{'start-up to /healthz, s':<26}{up:>10.2f}{'':>20}  {bare_up:>10.2f}{'':>20}  {ratio(up, bare_up):>8}"
            f"{'':>16}   median of {starts} starts (max: Owabi {max(owabi_starts):.2f}, bare {max(bare_starts):.2f})"
        )
        print(f"{'start-up to model ready, s':<26}{model_ready:>10.2f}")
        print()
        print(
            f"first request (not counted): Owabi ack {warm.seconds * 1000:.0f} ms"
            f"{'' if warm_dm else ' (its lead DM never came)'}, bare {bare_warm * 1000:.0f} ms"
        )
        took, bare_took = load_done - load_started, bare_done - bare_started
        print(
            f"the load took {took:.1f} s against Owabi ({reports / took:.0f} reports/s), {bare_took:.1f} s against "
            f"the bare app ({reports / bare_took:.0f}/s)"
        )
        print(f"{last_dm}; Owabi CPU read over {cpu_window:.1f} s (idle it uses {idle * 1000:.0f} ms/s)")
        print(
            f"acks at or over {DEADLINE:.0f} s: Owabi {slow}, bare {bare_slow}; not HTTP 200: Owabi {len(bad)}, "
            f"bare {len(bare_bad)}; Owabi acks without an OOPS ref: {sum(1 for r in records if not r['ref'])}"
        )
        print(
            f"lead DMs doubled: {doubled}; the stand-in answered {len(calls)} calls, {failed_calls} of them failed"
            + (f"; at most {in_flight(calls, latency)} were in flight at once" if latency > 0 else "")
        )
        print(f"shutdown: Owabi {owabi_stop}, bare {bare_stop}")
        for name, found, server in (("Owabi", problems, owabi), ("bare", bare_problems, bare)):
            print(f"{name} log lines at WARNING or above: {len(found)}")
            for text, count in summarize(found):
                print(f"  {count:>5} x {text}")
            first = server.first_error()
            if first:
                print(f"  the first error in full:\n{first}")
        for err in sorted({r.get("error", f"HTTP {r['status']}") for r in bad + bare_bad}):
            print(f"  the load generator saw: {err}")
    return 1 if missing or bad or bare_bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds before each Web API answer (0.1)")
    parser.add_argument("--senders", type=int, default=40, help="concurrent senders, one staffer each (40)")
    parser.add_argument("--reports", type=int, default=300, help="slash commands in all (300)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the DMs (120)")
    parser.add_argument("--starts", type=int, default=7, help="start-ups timed for each server (7)")
    parser.add_argument(
        "--owabi-senders", type=int, default=None, help="OWABI_SENDERS for the server (default: the app's own default)"
    )
    # The child processes' roles.
    parser.add_argument("--bare-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--load", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--hooks", help=argparse.SUPPRESS)
    parser.add_argument("--tag", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.senders < 1 or args.reports < 1 or args.latency < 0:
        parser.error("--senders and --reports must be at least 1, --latency at least 0")
    if args.bare_server:
        return bare_server(args.bare_server)
    if args.load:
        return load(args.load, args.hooks, args.senders, args.reports, args.tag, args.out)
    return run(args.latency, args.senders, args.reports, args.timeout, args.owabi_senders, max(1, args.starts))


if __name__ == "__main__":
    raise SystemExit(main())
