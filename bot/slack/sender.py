"""Delivers the outbox to Slack, patiently, and exactly once as far as Slack lets us know.

- 429 waits for Retry-After and never counts against a message.
- 5xx, timeouts and broken connections back off and retry, up to `MAX_ATTEMPTS`; past that
  the message is undeliverable (see below) rather than retried forever.
- Errors about the token itself (revoked, invalid, app removed) stop delivery for everyone:
  messages stay queued, `/healthz` turns degraded and one ERROR line says what to do. A
  recipient-level error that uses the same words (`account_inactive` for a deactivated
  user) is told apart by asking `auth.test`.
- A message Block Kit refuses (`invalid_blocks`, `msg_too_long`…) goes again as plain text.
- Anything still undeliverable goes to the hooks, which make sure a person hears of it.

Effectively-once: Slack's `chat.postMessage` has no idempotency key, so every message
carries its outbox key in `metadata`. A send whose outcome is unknown (a timeout after the
request left, a process killed mid-send) is looked for in the channel's recent history
before it is sent again. Claims are leases in the database, so several threads or processes
can run dispatchers on one file; a dead process's claims on this host are released at
start instead of waiting for the lease.
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

from bot.domain.errors import OwabiError
from bot.health import ACTIONS, Health
from bot.ports import Outgoing, Store
from bot.slack.blocks_text import SHORTENED_NOTE, fit_blocks
from bot.slack.transport import PooledWebApi, WebApi
from bot.worker import PollingWorker, backoff

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # about ten minutes of backoff before a person is told instead
RETRYABLE_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
TOKEN_ERRORS = frozenset(ACTIONS)
SIMPLER_ERRORS = {
    "invalid_blocks",
    "invalid_blocks_format",
    "msg_too_long",
    "msg_blocks_too_long",
    "invalid_attachments",
    "too_many_attachments",
    "invalid_metadata_format",
}
METADATA_EVENT = "owabi_message"
TOKEN_PAUSE = 60.0  # how long queued messages wait while the token is refused
PLAIN_TEXT_LIMIT = 3_900


class DeliveryHooks(Protocol):
    def delivered(
        self,
        *,
        incident_id: int | None,
        purpose: str,
        recipient: str,
        method: str,
        channel: str,
        ts: str,
        outbox_id: int,
    ) -> None: ...

    def undeliverable(
        self, *, incident_id: int | None, purpose: str, recipient: str, error: str, outbox_id: int
    ) -> None: ...


class Retry(OwabiError):
    def __init__(self, reason: str, after: float, *, counts: bool = True, maybe_sent: bool = False) -> None:
        super().__init__(reason)
        self.after = after
        self.counts = counts
        self.maybe_sent = maybe_sent


class Permanent(OwabiError):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class TokenRefused(OwabiError):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class Dispatcher(PollingWorker):
    name = "dispatcher"

    def __init__(
        self,
        store: Store,
        client: WebClient,
        hooks: DeliveryHooks,
        *,
        clock: Callable[[], float] = time.time,
        lease: float = 30.0,
        batch: int = 1,
        idle_poll: float = 1.0,
        threads: int = 1,
        health: Health | None = None,
        api: WebApi | None = None,
    ) -> None:
        super().__init__(clock=clock, idle_poll=idle_poll, threads=threads)
        self.store = store
        self.client = client
        self.api = api or PooledWebApi(client, connections=threads)
        self.hooks = hooks
        self.lease = lease
        self.batch = batch
        self.health = health or Health()

    def start(self) -> None:
        released = self.store.outbox.release_dead_claims(self.clock())
        if released:
            log.info("released %d message(s) claimed by a process that is gone", released)
        super().start()

    def stop(self, timeout: float = 10.0) -> None:
        super().stop(timeout)
        self.api.close()

    def next_due(self) -> float | None:
        return self.store.outbox.next_due(self.clock())

    # --- one pass ---------------------------------------------------------------------

    def _claim(self, now: float) -> list[Outgoing]:
        return self.store.outbox.claim(worker=self.worker, now=now, lease=self.lease, limit=self.batch)

    def run_once(self) -> int:
        claimed_at = self.clock()
        claimed = self._claim(claimed_at)
        handled = 0
        while claimed:
            item, claimed = claimed[0], claimed[1:]
            handled += 1
            # Under a burst the commit that marks a message sent also claims this thread's next
            # one: one write transaction a message instead of two, shared with other senders'.
            following = self._deliver(item, claimed_at, claim_next=not claimed and not self.stopping)
            if following:
                claimed, claimed_at = following, self.clock()
        return handled

    def _deliver(self, item: Outgoing, claimed_at: float, *, claim_next: bool = False) -> list[Outgoing]:
        """Send one message and record the outcome; when `claim_next`, also claim what is due next
        (in the same transaction as a success) and return it."""
        # A send after a slow one renews the claim first: a message whose lease ran out while
        # earlier ones were slow belongs to whoever holds it now, and is not sent from here.
        fresh = self.clock() - claimed_at < self.lease / 2
        if not fresh and not self.store.outbox.renew(item.id, worker=self.worker, until=self.clock() + self.lease):
            return []
        try:
            channel, ts = self._send_once(item)
        except Retry as exc:
            if exc.counts and item.attempts + 1 >= MAX_ATTEMPTS:
                self._give_up(item, f"still failing after {item.attempts + 1} attempts: {exc}")
                return []
            self.store.outbox.mark_retry(
                item.id,
                worker=self.worker,
                at=self.clock() + exc.after,
                error=str(exc),
                counts=exc.counts,
                maybe_sent=exc.maybe_sent,
            )
            log.warning("message %s delayed %.1fs: %s", item.id, exc.after, exc)
            return []
        except TokenRefused as exc:
            self.store.outbox.mark_retry(
                item.id,
                worker=self.worker,
                at=self.clock() + TOKEN_PAUSE,
                error=exc.error,
                counts=False,
                maybe_sent=False,
            )
            if self.health.delivery_blocked(exc.error):
                log.error(
                    "Slack refuses the bot token (%s): nothing can be delivered until an admin acts; "
                    "messages stay queued. What to do: %s",
                    exc.error,
                    ACTIONS[exc.error],
                )
            return []
        except Permanent as exc:
            self._give_up(item, exc.error)
            return []
        self.health.delivery_ok()

        def record() -> list[Outgoing]:  # sent and logged in one commit
            if self.store.outbox.mark_sent(item.id, worker=self.worker, at=self.clock(), channel=channel, ts=ts):
                self.hooks.delivered(
                    incident_id=item.incident_id,
                    purpose=item.purpose,
                    recipient=item.recipient,
                    method=item.method,
                    channel=channel,
                    ts=ts,
                    outbox_id=item.id,
                )
            if not claim_next:
                return []
            return self._claim(self.clock())

        # Senders finishing at the same moment (a burst: every send takes one API round trip)
        # share one commit, and one fsync.
        return self.store.together(record)

    def _give_up(self, item: Outgoing, error: str) -> None:
        """Failed and handed to a person in one transaction: never failed with nobody told."""
        with self.store.transaction():
            if self.store.outbox.mark_failed(item.id, worker=self.worker, error=error):
                self.hooks.undeliverable(
                    incident_id=item.incident_id,
                    purpose=item.purpose,
                    recipient=item.recipient,
                    error=error,
                    outbox_id=item.id,
                )

    def _send_once(self, item: Outgoing) -> tuple[str, str]:
        try:
            return self._attempt(item)
        except (Retry, TokenRefused, Permanent):
            raise
        except Exception as exc:  # an answer we did not expect (ok:true without a field): counted, never a wedge
            raise Retry(
                f"unexpected answer from Slack: {type(exc).__name__}", backoff(item.attempts), maybe_sent=True
            ) from exc

    def _attempt(self, item: Outgoing) -> tuple[str, str]:
        payload = self._payload(item)
        if item.maybe_sent and item.method == "chat.postMessage" and _is_dm(payload):
            found = self._already_posted(item, payload)
            if found is not None:
                log.info("message %s had reached Slack before; not sending it again", item.id)
                return found
        try:
            return self._send(item, payload)
        except Permanent as exc:
            if exc.error not in SIMPLER_ERRORS or not payload.get("blocks"):
                raise
            log.warning("message %s refused as %s; sending it again as plain text", item.id, exc.error)
            return self._send(item, plain_text(payload))

    def _payload(self, item: Outgoing) -> dict[str, Any]:
        """Fill in the channel and ts of the message this one updates, once that one is sent."""
        payload = dict(item.payload)
        if item.depends_on is not None:
            found = self.store.outbox.result(item.depends_on)
            if found is None:
                raise Permanent("the message to update was never delivered")
            payload.setdefault("channel", found[0])
            payload.setdefault("ts", found[1])
        if item.method == "chat.postMessage":
            payload["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"key": item.key}}
            # Messages carry staff's own words; a photo link in a report must never unfurl into a DM.
            payload.setdefault("unfurl_links", False)
            payload.setdefault("unfurl_media", False)
        if item.method in ("chat.postMessage", "chat.update", "response_url") and payload.get("blocks"):
            payload["blocks"] = fit_blocks(payload["blocks"], SHORTENED_NOTE)
        return payload

    def _already_posted(self, item: Outgoing, payload: dict[str, Any]) -> tuple[str, str] | None:
        """Look for this message's key in the channel's recent history (a send whose fate is unknown)."""
        try:
            channel = str(payload.get("channel") or "")
            if channel[:1] in ("U", "W"):
                opened: Any = self.client.conversations_open(users=channel)
                channel = str(opened["channel"]["id"])
            history: Any = self.client.conversations_history(
                channel=channel, oldest=f"{item.created_at - 5:.6f}", limit=100, include_all_metadata=True
            )
        except SlackApiError as exc:
            data = exc.response.data if isinstance(exc.response.data, dict) else {}
            if str(data.get("error", "")) in ("missing_scope", "not_in_channel", "channel_not_found"):
                return None  # cannot look: send (a rare double beats a lost message)
            raise self._classify(exc, item, maybe_sent=True) from exc
        except (URLError, OSError, TimeoutError) as exc:
            raise Retry(f"connection: {type(exc).__name__}", backoff(item.attempts), maybe_sent=True) from exc
        for message in history.get("messages") or []:
            meta = message.get("metadata") or {}
            if meta.get("event_type") == METADATA_EVENT and (meta.get("event_payload") or {}).get("key") == item.key:
                return channel, str(message.get("ts") or "")
        return None

    def _send(self, item: Outgoing, payload: dict[str, Any]) -> tuple[str, str]:
        payload = dict(payload)
        try:
            if item.method == "response_url":
                return self._respond(item, payload)
            if item.method == "files.upload_v2":  # a multi-call upload flow, not one Web API method
                from bot.slack.chart import upload

                return upload(self.client, payload)
            result = self.api.call(item.method, payload)
            return str(result.get("channel") or ""), str(result.get("ts") or "")
        except SlackApiError as exc:
            raise self._classify(exc, item, maybe_sent=False) from exc
        except (Retry, Permanent, TokenRefused):
            raise
        except Exception as exc:  # a broken connection, a truncated answer (IncompleteRead), anything else
            # The request may have reached Slack before it broke: look before resending; it counts.
            raise Retry(f"connection: {type(exc).__name__}", backoff(item.attempts), maybe_sent=True) from exc

    def _respond(self, item: Outgoing, payload: dict[str, Any]) -> tuple[str, str]:
        url = payload.pop("response_url")
        payload.pop("metadata", None)
        resp = WebhookClient(url, timeout=10).send_dict(payload)
        if resp.status_code == 429:
            raise Retry("rate limited", _seconds(resp.headers.get("Retry-After")), counts=False)
        if resp.status_code >= 500:
            raise Retry(f"HTTP {resp.status_code}", backoff(item.attempts))
        if resp.status_code >= 400:
            raise Permanent(f"HTTP {resp.status_code}: {resp.body[:200]}")
        return "", ""

    def _classify(self, exc: SlackApiError, item: Outgoing, *, maybe_sent: bool) -> Exception:
        status = exc.response.status_code
        error = str(exc.response.get("error", "")) if isinstance(exc.response.data, dict) else ""
        if status == 429 or error == "ratelimited":
            after = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
            return Retry("rate limited", _seconds(after), counts=False)
        if error.startswith("Received a response in a non-JSON format"):
            # A proxy's or load balancer's HTML page: not Slack's answer, so maybe transient.
            return Retry(f"HTTP {status}: not a Slack answer", min(backoff(item.attempts), 5.0), maybe_sent=maybe_sent)
        if status >= 500 or error in RETRYABLE_ERRORS:
            return Retry(f"HTTP {status} {error}".strip(), backoff(item.attempts), maybe_sent=maybe_sent)
        if error in TOKEN_ERRORS and self._token_refused():
            return TokenRefused(error)
        return Permanent(error or f"HTTP {status}")

    def _token_refused(self) -> bool:
        """Is the token itself refused, or only this recipient? auth.test tells them apart."""
        try:
            self.client.auth_test()
        except SlackApiError as exc:
            data = exc.response.data if isinstance(exc.response.data, dict) else {}
            return str(data.get("error", "")) in TOKEN_ERRORS
        except (URLError, OSError, TimeoutError):
            return True  # cannot tell: keep the message queued rather than give up on it
        return False


def _seconds(header: object) -> float:
    """A Retry-After header (a string, or a list of them) as seconds; 1 s when unreadable."""
    value = header[0] if isinstance(header, list) and header else header
    try:
        return max(float(str(value)), 0.1)
    except ValueError:
        return 1.0


def _is_dm(payload: dict[str, Any]) -> bool:
    """DMs (to a user, or a D… channel) can be looked up with im:history; channel posts cannot."""
    return str(payload.get("channel") or "")[:1] in ("U", "W", "D")


def plain_text(payload: dict[str, Any]) -> dict[str, Any]:
    """The same message without blocks: what every Slack client can show."""
    from bot.slack.blocks_text import blocks_to_text

    text = blocks_to_text(payload.get("blocks") or []) or str(payload.get("text") or "")
    if len(text) > PLAIN_TEXT_LIMIT:
        text = text[: PLAIN_TEXT_LIMIT - 1].rstrip() + "…"
    simple = {k: v for k, v in payload.items() if k not in ("blocks", "attachments")}
    simple["text"] = text
    return simple
