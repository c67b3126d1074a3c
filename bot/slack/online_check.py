"""`owabi check --online`: prove with Slack what a first run needs, before anyone reports.

Each proof is one line a new admin can act on: the token works and has the scopes the app
calls; every person in the policy exists and is active (a boss who left would never get a
DM); every channel the policy names can take the bot's posts (a private channel needs the
bot invited). Nothing is posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Policy
from bot.manifest import SCOPES


@dataclass(frozen=True, slots=True)
class Proof:
    ok: bool
    line: str


def prove(client: WebClient, policy: Policy) -> list[Proof]:
    try:
        auth: Any = client.auth_test()
    except SlackApiError as exc:
        error = _error(exc)
        return [Proof(False, f"token: Slack refused it ({error}); reinstall the app and copy the new xoxb- token")]
    except OSError as exc:
        return [Proof(False, f"Slack API unreachable ({type(exc).__name__}); check SLACK_API_URL and the network")]
    proofs = [Proof(True, f"token: works for {auth.get('team')} as bot user {auth.get('user_id')}")]
    granted = {s.strip() for s in str((auth.headers or {}).get("x-oauth-scopes", "")).split(",") if s.strip()}
    missing = [s for s in SCOPES if s not in granted]
    proofs.append(
        Proof(
            not missing,
            "scopes: all granted"
            if not missing
            else f"scopes: missing {', '.join(missing)}; add them under OAuth & Permissions and reinstall",
        )
    )
    for user in _people(policy):
        proofs.append(_user(client, user))
    for channel in _channels(policy):
        proofs.append(_channel(client, channel))
    return proofs


def _people(policy: Policy) -> list[str]:
    people = [*policy.admins, *policy.default.chain]
    for team in policy.teams:
        people += [*team.chain, *team.members]
    return list(dict.fromkeys(people))


def _channels(policy: Policy) -> list[str]:
    channels = [policy.summary_channel] if policy.summary_channel else []
    channels += [t.channel for t in policy.teams if t.channel]
    return list(dict.fromkeys(channels))


def _user(client: WebClient, user: str) -> Proof:
    try:
        found: Any = client.users_info(user=user)
    except SlackApiError as exc:
        return Proof(
            False, f"user {user}: {_error(exc)}; fix the id in the policy (a member's profile → Copy member ID)"
        )
    person = found.get("user") or {}
    if person.get("deleted"):
        return Proof(False, f"user {user}: deactivated; take them out of the policy, or nobody above them is told")
    if person.get("is_bot"):
        return Proof(False, f"user {user}: is a bot, not a person; use a person's member ID")
    return Proof(True, f"user {user}: active ({person.get('name', '')})")


def _channel(client: WebClient, channel: str) -> Proof:
    try:
        found: Any = client.conversations_info(channel=channel)
    except SlackApiError as exc:
        error = _error(exc)
        if error == "channel_not_found":
            return Proof(
                False,
                f"channel {channel}: not found, or private without the bot; "
                f"invite it there with /invite @Owabi, or fix the id",
            )
        return Proof(False, f"channel {channel}: {error}")
    info = found.get("channel") or {}
    if info.get("is_archived"):
        return Proof(False, f"channel {channel}: archived; summaries cannot be posted there")
    if info.get("is_private") and not info.get("is_member"):
        return Proof(False, f"channel {channel}: private and the bot is not in it; /invite @Owabi there")
    how = "a member" if info.get("is_member") else "public (posts with chat:write.public)"
    return Proof(True, f"channel {channel}: the bot can post ({how})")


def _error(exc: SlackApiError) -> str:
    data = exc.response.data if isinstance(exc.response.data, dict) else {}
    return str(data.get("error") or f"HTTP {exc.response.status_code}")
