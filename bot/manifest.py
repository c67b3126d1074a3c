"""The Slack app manifest, so creating the app is one paste in api.slack.com/apps."""

from __future__ import annotations

from typing import Any

import yaml

# im:history lets the dispatcher look in a DM for a message whose send timed out before it
# posts it again (Slack has no idempotency key); im:write opens that DM; chat:write.public posts
# summaries to a public channel nobody invited the bot to; users:read, channels:read and
# groups:read are what `owabi check --online` uses to prove the policy's people and channels.
# files:read is for the report form's file input (photos, receipts), which Slack allows only with it.
SCOPES = [
    "commands",
    "chat:write",
    "chat:write.public",
    "im:write",
    "im:history",
    "users:read",
    "channels:read",
    "groups:read",
    "files:write",
    "files:read",
]


REPORT_MESSAGE = "oops_report_message"  # bot.slack.ids.REPORT_MESSAGE


def manifest(*, base_url: str = "https://owabi.example.com", socket: bool = False) -> dict[str, Any]:
    url = base_url.rstrip("/") + "/slack/events"
    command: dict[str, Any] = {
        "command": "/oops",
        "description": "Report a mistake that affected a customer, and get a recovery script",
        "usage_hint": "[what happened] | help | mine | check <draft> | summary [today|week]",
        "should_escape": False,
    }
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": ["app_home_opened"]},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": socket,
        "token_rotation_enabled": False,
    }
    if not socket:
        command["url"] = url
        settings["event_subscriptions"]["request_url"] = url
        settings["interactivity"]["request_url"] = url
    return {
        "display_information": {
            "name": "Owabi",
            "description": "お詫び — own the mistake, fix it fast, tell the boss early, learn.",
            "background_color": "#2c2d30",
        },
        "features": {
            # Slack's manifest reference allows only a-z, 0-9, '-', '_' and '.' here; the app's
            # name above is what carries the capital.
            "bot_user": {"display_name": "owabi", "always_online": True},
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": True,
            },
            "slash_commands": [command],
            # A complaint already in Slack (pasted in a channel, a colleague's heads-up) is
            # reported from the message itself: the form opens with its text and its link.
            "shortcuts": [
                {
                    "name": "Report with Owabi",
                    "type": "message",
                    "callback_id": REPORT_MESSAGE,
                    "description": "Report this message as a mistake, near miss or abusive customer",
                }
            ],
        },
        "oauth_config": {"scopes": {"bot": SCOPES}},
        "settings": settings,
    }


def manifest_yaml(**kw: Any) -> str:
    return yaml.safe_dump(manifest(**kw), sort_keys=False, allow_unicode=True)
