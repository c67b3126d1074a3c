"""The one place that turns settings into a running Owabi: store, templates, app, workers."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from slack_bolt import App
from slack_sdk import WebClient

from bot import resources
from bot.anchoring import AnchorWriter
from bot.config import Policy, PolicyError, Settings, load_policy
from bot.delivery import DeliveryProcess, child_argv
from bot.domain.errors import OwabiError
from bot.escalations import Escalations
from bot.health import Health
from bot.learning.reader import WarmingTriager
from bot.lifecycle import Lifecycle
from bot.scheduler import Scheduler
from bot.service import Owabi
from bot.slack.app import UseCases, build_app
from bot.slack.compose import Composer
from bot.slack.identity import BotIdentity
from bot.slack.sender import Dispatcher
from bot.spooling import SpoolDrain
from bot.store import Store
from bot.summaries import Summaries
from bot.wording import Renderer

log = logging.getLogger(__name__)


class NotConfigured(OwabiError):
    """A required setting is missing; the message says which and how to set it."""


@dataclass
class Runtime:
    settings: Settings
    policy: Policy
    store: Store
    renderer: Renderer
    service: Owabi
    client: WebClient
    dispatcher: Dispatcher
    app: App
    scheduler: Scheduler
    identity: BotIdentity
    health: Health
    signing_secret: str
    spool_drain: SpoolDrain
    anchor: AnchorWriter | None = None
    delivery: DeliveryProcess | None = None
    triager: WarmingTriager | None = None
    summaries: Summaries | None = None

    def start_workers(self, *, delivery_process: bool = False) -> None:
        """Every background worker; delivery and timed jobs in a child process (bot.delivery) when
        `delivery_process`, so they never compete with the requests for this one's interpreter."""
        self.spool_drain.start()  # reports spooled before a crash are stored first
        if self.triager is not None:
            self.triager.start()  # now, not in build(): its imports would slow the start-up down
        if delivery_process:
            self.delivery = DeliveryProcess(child_argv(), self.health, take_over=self._deliver_here)
            self.service.wake = self.delivery.wake
        else:
            self.start_delivery()
        if self.anchor is not None:
            self.anchor.start()
        if self.summaries is not None:  # the App Home's figures, ready before anyone opens it
            self.summaries.warm(home_scopes(self.policy))
        threading.Thread(target=self._learn_identity, name="owabi-identity", daemon=True).start()

    def start_delivery(self) -> None:
        self.dispatcher.start()
        self.scheduler.start()

    def _deliver_here(self) -> None:
        """The delivery process died: this process delivers (and runs the jobs) from now on."""
        self.service.wake = self.dispatcher.wake
        self.start_delivery()
        self.dispatcher.wake(self.settings.owabi_senders)

    def _learn_identity(self) -> None:
        """auth.test in the background, retried gently; requests never wait for it."""
        delay = 1.0
        while not self.dispatcher.stopping:
            error = self.identity.refresh()
            if error is None:
                return
            log.warning("Slack's auth.test did not answer (%s); retrying in %.0fs", error, delay)
            if self.dispatcher.wait_stop(delay):
                return
            delay = min(delay * 2, 300.0)

    def stop(self) -> None:
        self.spool_drain.stop()
        if self.delivery is not None:
            self.delivery.stop()
        self.scheduler.stop()
        self.dispatcher.stop()
        if self.anchor is not None:  # last: it anchors every event the workers wrote
            self.anchor.stop()
        if self.summaries is not None:
            self.summaries.settle(5.0)
        self.store.close()


def home_scopes(policy: Policy) -> list[list[str] | None]:
    """Every scope of figures an App Home can show: one per distinct view among the policy's people,
    and the view of someone it does not name."""
    people = {u for t in policy.teams for u in (*t.members, *t.chain)} | set(policy.default.chain) | set(policy.admins)
    return [policy.visible_teams(u) for u in sorted(people)] + [[""]]


def load_checked_policy(path: Path, *, bundled_too: bool = True) -> tuple[Policy, Renderer]:
    """The policy and its templates, refusing to start on a broken override.

    `owabi check` renders every template; `serve` (bundled_too=False) only when the policy
    brings overrides: the bundled wording is the one the test suite renders in every locale, and
    rendering all of it again costs most of a second of start-up."""
    policy = load_policy(path)
    renderer = Renderer(resources.responses_dir(), override=policy.responses)
    problems = renderer.check() if bundled_too or policy.responses else []
    if problems:
        raise PolicyError(path, [f"template override: {p}" for p in problems])
    return policy, renderer


def build_offline(settings: Settings, *, db: Path) -> Owabi:
    """The service the Slack app uses, without Slack: for the CLI verbs that read the store."""
    policy, renderer = load_checked_policy(settings.policy_path())
    composer = Composer(renderer, ui_locale=policy.locale, policy=policy.guidance_facts(), zone=policy.zone)
    return Owabi(store=Store.open(db), policy=policy, composer=composer)


def build(
    settings: Settings,
    *,
    clock: Callable[[], float] = time.time,
    socket: bool = False,
    health: Health | None = None,
    reads_reports: bool = True,
) -> Runtime:
    """Socket Mode receives over the app-level token's WebSocket: no signed HTTP, no signing secret.

    The delivery process (`owabi deliver`) passes the health it reports through and
    `reads_reports=False`: it never triages, so it does not load the model."""
    if settings.slack_bot_token is None:
        raise NotConfigured("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…)")
    if socket and settings.slack_app_token is None:
        raise NotConfigured("--socket needs SLACK_APP_TOKEN (an xapp-… app-level token with connections:write)")
    if settings.slack_signing_secret is None and not socket:
        raise NotConfigured("SLACK_SIGNING_SECRET is not set (Basic Information → Signing Secret)")
    path = settings.policy_path()
    if path == resources.example_policy() and not settings.owabi_allow_example_policy:
        raise NotConfigured(
            "no policy file: the bundled example names placeholder people, so nobody would be told. Copy "
            "data/policy.example.toml to data/policy.toml (or set OWABI_POLICY) and put your team's Slack ids in it; "
            "OWABI_ALLOW_EXAMPLE_POLICY=1 runs with the example anyway"
        )
    policy, renderer = load_checked_policy(path, bundled_too=False)
    log.info("policy %s: %d team(s), default chain %s", path, len(policy.teams), " → ".join(policy.default.chain))
    if settings.owabi_anchor is not None and settings.audit_key() is None:
        raise NotConfigured("OWABI_ANCHOR is set but OWABI_AUDIT_KEY is not: the anchor is signed with that key")
    store = Store.open(settings.owabi_db, audit_key=settings.audit_key())
    # No automatic retries here: the dispatcher retries itself, after looking whether the
    # first attempt got through, so a reset connection never doubles a DM.
    client = WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=max(1, round(settings.owabi_slack_timeout)),
        retry_handlers=[],
    )
    composer = Composer(renderer, ui_locale=policy.locale, policy=policy.guidance_facts(), zone=policy.zone)
    triager = WarmingTriager() if reads_reports else None
    service = Owabi(store=store, policy=policy, composer=composer, clock=clock, triager=triager)
    health = health or Health()
    dispatcher = Dispatcher(store, client, service, clock=clock, threads=settings.owabi_senders, health=health)
    scheduler = Scheduler(store, clock=clock, threads=2, idle_poll=0.5)
    scheduler.after_run = dispatcher.wake
    summaries = Summaries(service)
    cases = UseCases(service, Escalations(service), Lifecycle(service), summaries)
    for case in (cases.escalations, cases.lifecycle, cases.summaries):
        case.install(scheduler)
    # A report queues messages now and jobs for minutes or hours later: it wakes a sender, and the
    # scheduler finds the new jobs on its next look (at most `idle_poll` away).
    service.wake = dispatcher.wake
    identity = BotIdentity(client, settings.slack_bot_token.get_secret_value())
    # Socket Mode never checks a signature; an unguessable secret keeps the HTTP edge closed all the same.
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else secrets.token_hex(32)
    )
    app = build_app(
        cases=cases, client=client, identity=identity, signing_secret=secret, workers=settings.owabi_workers
    )
    spool_drain = SpoolDrain(service, clock=clock)
    anchor_key = settings.audit_key()
    anchor = (
        AnchorWriter(store, settings.owabi_anchor, anchor_key, clock=clock)
        if settings.owabi_anchor is not None and anchor_key is not None
        else None
    )
    service.wake_spool = spool_drain.wake
    return Runtime(
        settings,
        policy,
        store,
        renderer,
        service,
        client,
        dispatcher,
        app,
        scheduler,
        identity,
        health,
        secret,
        spool_drain,
        anchor,
        triager=triager,
        summaries=summaries,
    )
