"""Delivers the outbox to Slack, patiently.

429 waits for Retry-After; 5xx, timeouts and broken connections back off and retry; only
errors that retrying cannot fix (a bad channel, an invalid payload) mark a message failed,
and that is logged as an event. Claims are leases in the database, so several threads or
processes can run dispatchers on one file without sending anything twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Protocol
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.store import Store
from bot.store.outbox import Outgoing
from bot.worker import PollingWorker, backoff

log = logging.getLogger(__name__)

RETRYABLE_ERRORS = {
    "ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout",
    "invalid_auth", "not_authed", "account_inactive", "token_revoked", "team_access_not_granted",
}


class DeliveryHooks(Protocol):
    def delivered(self, *, incident_id: int | None, purpose: str, recipient: str, method: str,
                  channel: str, ts: str, outbox_id: int) -> None: ...

    def undeliverable(self, *, incident_id: int | None, purpose: str, recipient: str, error: str,
                      outbox_id: int) -> None: ...


class Retry(Exception):
    def __init__(self, reason: str, after: float) -> None:
        super().__init__(reason)
        self.after = after


class Permanent(Exception):
    pass



class Dispatcher(PollingWorker):
    name = "dispatcher"

    def __init__(self, store: Store, client: WebClient, hooks: DeliveryHooks, *,
                 clock: Callable[[], float] = time.time, lease: float = 60.0, batch: int = 20,
                 idle_poll: float = 1.0, threads: int = 1) -> None:
        super().__init__(clock=clock, idle_poll=idle_poll, threads=threads)
        self.store = store
        self.client = client
        self.hooks = hooks
        self.lease = lease
        self.batch = batch

    def next_due(self) -> float | None:
        return self.store.outbox.next_due()

    # --- one pass ---------------------------------------------------------------------

    def run_once(self) -> int:
        claimed = self.store.outbox.claim(worker=self.worker, now=self.clock(), lease=self.lease, limit=self.batch)
        for item in claimed:
            self._deliver(item)
        return len(claimed)

    def _deliver(self, item: Outgoing) -> None:
        try:
            channel, ts = self._send(item)
        except Retry as exc:
            self.store.outbox.mark_retry(item.id, worker=self.worker, at=self.clock() + exc.after, error=str(exc))
            log.warning("message %s delayed %.1fs: %s", item.id, exc.after, exc)
            return
        except Permanent as exc:
            self.store.outbox.mark_failed(item.id, worker=self.worker, error=str(exc))
            self.hooks.undeliverable(incident_id=item.incident_id, purpose=item.purpose, recipient=item.recipient,
                                     error=str(exc), outbox_id=item.id)
            return
        if self.store.outbox.mark_sent(item.id, worker=self.worker, at=self.clock(), channel=channel, ts=ts):
            self.hooks.delivered(incident_id=item.incident_id, purpose=item.purpose, recipient=item.recipient,
                                 method=item.method, channel=channel, ts=ts, outbox_id=item.id)

    def _payload(self, item: Outgoing) -> dict[str, Any]:
        """Fill in the channel and ts of the message this one updates, once that one is sent."""
        payload = dict(item.payload)
        if item.depends_on is not None:
            found = self.store.outbox.result(item.depends_on)
            if found is None:
                raise Permanent("the message to update was never delivered")
            payload.setdefault("channel", found[0])
            payload.setdefault("ts", found[1])
        return payload

    def _send(self, item: Outgoing) -> tuple[str, str]:
        payload = self._payload(item)
        try:
            if item.method == "response_url":
                url = payload.pop("response_url")
                hook = WebhookClient(url, timeout=10)
                resp = hook.send_dict(payload)
                if resp.status_code == 429:
                    raise Retry("rate limited", float(resp.headers.get("Retry-After", ["1"])[0] or 1))
                if resp.status_code >= 500:
                    raise Retry(f"HTTP {resp.status_code}", backoff(item.attempts))
                if resp.status_code >= 400:
                    raise Permanent(f"HTTP {resp.status_code}: {resp.body[:200]}")
                return "", ""
            if item.method == "files.upload_v2":  # a multi-call upload flow, not one Web API method
                from bot.slack.chart import upload

                return upload(self.client, payload)
            result = self.client.api_call(item.method, json=payload)
            return str(result.get("channel") or ""), str(result.get("ts") or "")
        except SlackApiError as exc:
            raise self._classify(exc, item) from exc
        except (URLError, OSError, TimeoutError) as exc:
            raise Retry(f"connection: {exc}", backoff(item.attempts)) from exc

    @staticmethod
    def _classify(exc: SlackApiError, item: Outgoing) -> Exception:
        status = exc.response.status_code
        error = str(exc.response.get("error", "")) if isinstance(exc.response.data, dict) else ""
        if status == 429 or error == "ratelimited":
            after = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after") or "1"
            value = after[0] if isinstance(after, list) else after
            return Retry("rate limited", max(float(value), 0.1))
        if status >= 500 or error in RETRYABLE_ERRORS:
            return Retry(f"HTTP {status} {error}".strip(), backoff(item.attempts))
        return Permanent(error or f"HTTP {status}")
