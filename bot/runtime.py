"""The one place that turns settings into a running Owabi: store, templates, app, workers."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler

from bot import resources
from bot.config import Policy, PolicyError, Settings, load_policy
from bot.escalations import Escalations
from bot.lifecycle_jobs import install as install_lifecycle_jobs
from bot.scheduler import Scheduler
from bot.scripts import Renderer
from bot.service import Owabi
from bot.slack.app import build_app
from bot.slack.compose import Composer
from bot.slack.sender import Dispatcher
from bot.store import Store

log = logging.getLogger(__name__)


class NotConfigured(Exception):
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

    def start_workers(self) -> None:
        self.dispatcher.start()
        self.scheduler.start()

    def stop(self) -> None:
        self.scheduler.stop()
        self.dispatcher.stop()
        self.store.close()


def load_checked_policy(path: Path) -> tuple[Policy, Renderer]:
    """The policy and its templates, refusing to start on a broken override."""
    policy = load_policy(path)
    renderer = Renderer(resources.responses_dir(), override=policy.responses)
    problems = renderer.check()
    if problems:
        raise PolicyError(path, [f"template override: {p}" for p in problems])
    return policy, renderer


def build(settings: Settings, *, clock: Callable[[], float] = time.time) -> Runtime:
    if settings.slack_bot_token is None:
        raise NotConfigured("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…)")
    if settings.slack_signing_secret is None:
        raise NotConfigured("SLACK_SIGNING_SECRET is not set (Basic Information → Signing Secret)")
    policy, renderer = load_checked_policy(settings.policy_path())
    store = Store.open(settings.owabi_db)
    client = WebClient(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url,
                       timeout=10, retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1)])
    composer = Composer(renderer, ui_locale=policy.locale)
    service = Owabi(store=store, policy=policy, composer=composer, clock=clock)
    dispatcher = Dispatcher(store, client, service, clock=clock, threads=4)
    scheduler = Scheduler(store, clock=clock, threads=2)
    scheduler.after_run = dispatcher.wake
    Escalations(service).install(scheduler)
    install_lifecycle_jobs(scheduler, service)
    service.wake = _both(dispatcher.wake, scheduler.wake)
    app = build_app(service=service, client=client,
                    signing_secret=settings.slack_signing_secret.get_secret_value(),
                    workers=settings.owabi_workers)
    return Runtime(settings, policy, store, renderer, service, client, dispatcher, app, scheduler)


def _both(*wakes: Callable[[], None]) -> Callable[[], None]:
    """New work may be a message (dispatcher) or a job (scheduler): wake both."""

    def wake() -> None:
        for w in wakes:
            w()

    return wake
