"""What `/healthz` reports: the database answers, and Slack accepts what Owabi sends.

The dispatcher records here when Slack refuses the token itself (revoked, invalid, app
removed): nothing can be delivered until an admin acts, so the process is degraded even
though it still stores every report.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

# What an operator does about each reason, in one line.
ACTIONS = {
    "invalid_auth": "SLACK_BOT_TOKEN is not accepted: copy the Bot User OAuth Token again and restart",
    "not_authed": "no token reached Slack: set SLACK_BOT_TOKEN and restart",
    "token_revoked": "the bot token was revoked: reinstall the app to the workspace, set the new token, restart",
    "account_inactive": "the app was removed or its workspace deactivated: reinstall the app, set the token, restart",
    "token_expired": "the bot token expired: reinstall the app or turn off token rotation, then restart",
    "team_access_not_granted": "the token has no access to this workspace: reinstall the app there",
}


@dataclass(frozen=True, slots=True)
class Status:
    ok: bool
    reason: str = ""
    action: str = ""


class Health:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._delivery_problem = ""

    def delivery_blocked(self, reason: str) -> bool:
        """Record that Slack refuses the token; True the first time (so it is logged once)."""
        with self._lock:
            first = self._delivery_problem != reason
            self._delivery_problem = reason
            return first

    def delivery_ok(self) -> None:
        with self._lock:
            self._delivery_problem = ""

    @property
    def delivery_problem(self) -> str:
        with self._lock:
            return self._delivery_problem

    def status(self, *, database_ok: bool) -> Status:
        if not database_ok:
            return Status(False, "database_unavailable", "check OWABI_DB: the file must be readable and writable")
        problem = self.delivery_problem
        if problem:
            return Status(False, problem, ACTIONS.get(problem, "check the bot token and restart"))
        return Status(True)
