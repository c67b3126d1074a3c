"""Who the bot is, learnt from `auth.test` off the request path.

Bolt's single-workspace mode calls `auth.test` on the first request; when Slack's Web API is
down or slow, that request (a staffer's report) fails or hangs. Owabi authorizes every request
from its settings instead: the bot token is known, and the bot's own ids, which only matter
for ignoring the bot's own events, are filled in once `auth.test` has answered in the
background.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


class BotIdentity:
    def __init__(self, client: WebClient, token: str) -> None:
        self._client = client
        self._token = token
        self._lock = threading.Lock()
        self.bot_user_id: str | None = None
        self.bot_id: str | None = None
        self.team_id: str | None = None

    def authorizer(self) -> Callable[..., AuthorizeResult]:
        """Bolt's `authorize` (a plain function: Bolt passes arguments by their names)."""

        def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
            with self._lock:
                return AuthorizeResult(
                    enterprise_id=enterprise_id,
                    team_id=team_id or self.team_id,
                    user_id=user_id,
                    bot_token=self._token,
                    bot_user_id=self.bot_user_id,
                    bot_id=self.bot_id,
                )

        return authorize

    def refresh(self) -> str | None:
        """Ask Slack who we are; returns the Slack error, or None once known."""
        try:
            result: Any = self._client.auth_test()
        except SlackApiError as exc:
            data = exc.response.data if isinstance(exc.response.data, dict) else {}
            return str(data.get("error") or f"HTTP {exc.response.status_code}")
        except Exception as exc:  # connection refused, timeout, a proxy's HTML page
            return type(exc).__name__
        with self._lock:
            self.bot_user_id = result.get("user_id")
            self.bot_id = result.get("bot_id")
            self.team_id = result.get("team_id")
        return None

    @property
    def known(self) -> bool:
        with self._lock:
            return self.bot_user_id is not None
