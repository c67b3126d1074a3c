"""`owabi manifest` against the rules of Slack's published app-manifest schema.

The rules are those of slackapi/manifest-schema, schemas/manifest.schema.1.0.0.json (the version
Slack reads a manifest without `_metadata` against), plus what Slack's manifest reference adds in
prose (the bot user's characters, https request URLs, which scopes and events exist). They are
written out here as a small validator so the check runs offline with no schema library; the
negative tests prove each rule can fail.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.manifest import manifest

BOT_DIR = Path(__file__).resolve().parent.parent / "bot"

# Bot-token scopes from Slack's scope reference; a typo here is an app Slack refuses to create.
KNOWN_BOT_SCOPES = frozenset(
    {
        "app_mentions:read",
        "assistant:write",
        "bookmarks:read",
        "bookmarks:write",
        "calls:read",
        "calls:write",
        "canvases:read",
        "canvases:write",
        "channels:history",
        "channels:join",
        "channels:manage",
        "channels:read",
        "channels:write.invites",
        "channels:write.topic",
        "chat:write",
        "chat:write.customize",
        "chat:write.public",
        "commands",
        "conversations.connect:manage",
        "conversations.connect:read",
        "conversations.connect:write",
        "datastore:read",
        "datastore:write",
        "dnd:read",
        "emoji:read",
        "files:read",
        "files:write",
        "groups:history",
        "groups:read",
        "groups:write",
        "groups:write.invites",
        "groups:write.topic",
        "im:history",
        "im:read",
        "im:write",
        "im:write.topic",
        "incoming-webhook",
        "links.embed:write",
        "links:read",
        "links:write",
        "lists:read",
        "lists:write",
        "metadata.message:read",
        "mpim:history",
        "mpim:read",
        "mpim:write",
        "mpim:write.topic",
        "pins:read",
        "pins:write",
        "reactions:read",
        "reactions:write",
        "reminders:read",
        "reminders:write",
        "remote_files:read",
        "remote_files:share",
        "remote_files:write",
        "search:read.files",
        "search:read.im",
        "search:read.mpim",
        "search:read.private",
        "search:read.public",
        "search:read.users",
        "team.billing:read",
        "team.preferences:read",
        "team:read",
        "triggers:read",
        "triggers:write",
        "usergroups:read",
        "usergroups:write",
        "users.profile:read",
        "users:read",
        "users:read.email",
        "users:write",
        "workflow.steps:execute",
    }
)

# Events API types a bot can subscribe to, from Slack's event reference.
KNOWN_BOT_EVENTS = frozenset(
    {
        "app_home_opened",
        "app_mention",
        "app_rate_limited",
        "app_uninstalled",
        "assistant_thread_context_changed",
        "assistant_thread_started",
        "call_rejected",
        "channel_archive",
        "channel_created",
        "channel_deleted",
        "channel_history_changed",
        "channel_id_changed",
        "channel_left",
        "channel_rename",
        "channel_shared",
        "channel_unarchive",
        "channel_unshared",
        "dnd_updated_user",
        "email_domain_changed",
        "emoji_changed",
        "file_change",
        "file_created",
        "file_deleted",
        "file_public",
        "file_shared",
        "file_unshared",
        "function_executed",
        "grid_migration_finished",
        "grid_migration_started",
        "group_archive",
        "group_close",
        "group_deleted",
        "group_history_changed",
        "group_left",
        "group_open",
        "group_rename",
        "group_unarchive",
        "im_close",
        "im_created",
        "im_history_changed",
        "im_open",
        "invite_requested",
        "link_shared",
        "member_joined_channel",
        "member_left_channel",
        "message",
        "message.app_home",
        "message.channels",
        "message.groups",
        "message.im",
        "message.mpim",
        "message_metadata_deleted",
        "message_metadata_posted",
        "message_metadata_updated",
        "pin_added",
        "pin_removed",
        "reaction_added",
        "reaction_removed",
        "shared_channel_invite_accepted",
        "shared_channel_invite_approved",
        "shared_channel_invite_declined",
        "shared_channel_invite_received",
        "subteam_created",
        "subteam_members_changed",
        "subteam_self_added",
        "subteam_self_removed",
        "subteam_updated",
        "team_domain_change",
        "team_join",
        "team_rename",
        "tokens_revoked",
        "user_change",
        "user_huddle_changed",
        "user_profile_changed",
        "user_status_changed",
        "workflow_step_execute",
    }
)

# additionalProperties is false at every level of the schema: these are the keys each object may hold.
TOP_KEYS = {
    "$schema",
    "_metadata",
    "app_directory",
    "display_information",
    "features",
    "oauth_config",
    "settings",
    "functions",
    "workflows",
    "datastores",
    "outgoing_domains",
    "types",
    "external_auth_providers",
    "mcp_servers",
}
DISPLAY_KEYS = {"name", "description", "background_color", "long_description"}
FEATURE_KEYS = {
    "app_home",
    "bot_user",
    "functions",
    "shortcuts",
    "slash_commands",
    "workflow_steps",
    "unfurl_domains",
    "assistant_view",
    "agent_view",
}
APP_HOME_KEYS = {"home_tab_enabled", "messages_tab_enabled", "messages_tab_read_only_enabled"}
BOT_USER_KEYS = {"display_name", "always_online"}
SHORTCUT_KEYS = {"name", "type", "callback_id", "description"}
COMMAND_KEYS = {"command", "url", "description", "usage_hint", "should_escape"}
OAUTH_KEYS = {"redirect_urls", "scopes", "token_management_enabled", "pkce_enabled"}
SCOPE_KEYS = {"user", "bot", "user_optional", "bot_optional"}
SETTINGS_KEYS = {
    "allowed_ip_address_ranges",
    "event_subscriptions",
    "incoming_webhooks",
    "interactivity",
    "org_deploy_enabled",
    "socket_mode_enabled",
    "is_hosted",
    "token_rotation_enabled",
    "siws_links",
    "hermes_app_type",
    "function_runtime",
    "is_mcp_enabled",
}
SETTINGS_FLAGS = ("org_deploy_enabled", "socket_mode_enabled", "is_hosted", "token_rotation_enabled", "is_mcp_enabled")
EVENT_KEYS = {"request_url", "user_events", "bot_events", "metadata_subscriptions"}
INTERACTIVITY_KEYS = {"is_enabled", "request_url", "message_menu_options_url"}


class _Check:
    """Collects one line per broken rule, each naming the manifest path."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")

    def obj(self, value: Any, where: str, allowed: set[str], required: Iterable[str] = ()) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(where, "must be an object")
            return {}
        for key in sorted(set(value) - allowed):
            self.fail(f"{where}.{key}", "is not a key the schema allows here")
        for key in required:
            if key not in value:
                self.fail(f"{where}.{key}", "is required")
        return value

    def text(
        self, value: Any, where: str, *, most: int, least: int = 1, pattern: str | None = None, why: str = ""
    ) -> None:
        if value is None:
            return
        if not isinstance(value, str):
            self.fail(where, "must be a string")
        elif not least <= len(value) <= most:
            self.fail(where, f"must be {least}-{most} characters, not {len(value)}")
        elif pattern is not None and not re.fullmatch(pattern, value):
            self.fail(where, why or f"must match {pattern}")

    def flag(self, value: Any, where: str) -> None:
        if value is not None and not isinstance(value, bool):
            self.fail(where, "must be true or false")

    def url(self, value: Any, where: str, *, most: int) -> None:
        # The schema allows http://; Slack's app settings take only https request URLs.
        self.text(value, where, most=most, pattern=r"https://[^\s/]+(/\S*)?", why="must be an https:// URL")

    def array(self, value: Any, where: str, *, most: int, least: int = 0, unique: bool = False) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(where, "must be a list")
            return []
        if not least <= len(value) <= most:
            self.fail(where, f"must hold {least}-{most} items, not {len(value)}")
        if unique and len({repr(v) for v in value}) != len(value):
            self.fail(where, "must not repeat an item")
        return value


def manifest_problems(data: Any) -> list[str]:
    """Every rule the manifest breaks, one line each; [] when Slack would accept it."""
    c = _Check()
    if not isinstance(data, dict):
        return ["manifest: must be an object (a YAML mapping)"]
    top = c.obj(data, "manifest", TOP_KEYS, required=["display_information"])

    info = c.obj(top.get("display_information", {}), "display_information", DISPLAY_KEYS, required=["name"])
    c.text(info.get("name"), "display_information.name", most=35)
    c.text(info.get("description"), "display_information.description", most=140)
    c.text(info.get("long_description"), "display_information.long_description", least=175, most=4000)
    c.text(
        info.get("background_color"),
        "display_information.background_color",
        least=4,
        most=7,
        pattern=r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?",
        why="must be a hex colour like #2c2d30",
    )

    features = c.obj(top.get("features", {}), "features", FEATURE_KEYS)
    if "app_home" in features:
        home = c.obj(features["app_home"], "features.app_home", APP_HOME_KEYS)
        for key in APP_HOME_KEYS:
            c.flag(home.get(key), f"features.app_home.{key}")
    if "bot_user" in features:
        bot = c.obj(features["bot_user"], "features.bot_user", BOT_USER_KEYS, required=["display_name"])
        c.text(
            bot.get("display_name"),
            "features.bot_user.display_name",
            most=80,
            pattern=r"[a-z0-9._-]+",
            why="may hold only a-z, 0-9, '-', '_' and '.'",
        )
        c.flag(bot.get("always_online"), "features.bot_user.always_online")
    for i, item in enumerate(c.array(features.get("shortcuts"), "features.shortcuts", least=1, most=10)):
        where = f"features.shortcuts[{i}]"
        shortcut = c.obj(item, where, SHORTCUT_KEYS, required=sorted(SHORTCUT_KEYS))
        c.text(shortcut.get("name"), f"{where}.name", most=24)
        c.text(shortcut.get("callback_id"), f"{where}.callback_id", most=255)
        c.text(shortcut.get("description"), f"{where}.description", most=150)
        if "type" in shortcut and shortcut["type"] not in ("message", "global"):
            c.fail(f"{where}.type", "must be message or global")
    commands = c.array(features.get("slash_commands"), "features.slash_commands", least=1, most=50)
    for i, item in enumerate(commands):
        where = f"features.slash_commands[{i}]"
        command = c.obj(item, where, COMMAND_KEYS, required=["command", "description"])
        c.text(
            command.get("command"),
            f"{where}.command",
            least=2,
            most=32,
            pattern=r"/\S+",
            why="must start with / and hold no spaces",
        )
        c.url(command.get("url"), f"{where}.url", most=3000)
        c.text(command.get("description"), f"{where}.description", most=2000)
        c.text(command.get("usage_hint"), f"{where}.usage_hint", most=1000)
        c.flag(command.get("should_escape"), f"{where}.should_escape")

    oauth = c.obj(top.get("oauth_config", {}), "oauth_config", OAUTH_KEYS)
    scopes = c.obj(oauth.get("scopes", {}), "oauth_config.scopes", SCOPE_KEYS)
    for kind in sorted(SCOPE_KEYS):
        for i, scope in enumerate(c.array(scopes.get(kind), f"oauth_config.scopes.{kind}", most=255, unique=True)):
            c.text(scope, f"oauth_config.scopes.{kind}[{i}]", most=50)
            if kind.startswith("bot") and scope not in KNOWN_BOT_SCOPES:
                c.fail(f"oauth_config.scopes.{kind}[{i}]", f"{scope!r} is not a Slack bot scope")

    settings = c.obj(top.get("settings", {}), "settings", SETTINGS_KEYS)
    for key in SETTINGS_FLAGS:
        c.flag(settings.get(key), f"settings.{key}")
    events = c.obj(settings.get("event_subscriptions", {}), "settings.event_subscriptions", EVENT_KEYS)
    c.url(events.get("request_url"), "settings.event_subscriptions.request_url", most=3500)
    bot_events = c.array(events.get("bot_events"), "settings.event_subscriptions.bot_events", most=100, unique=True)
    for i, event in enumerate(bot_events):
        c.text(event, f"settings.event_subscriptions.bot_events[{i}]", most=50)
        if event not in KNOWN_BOT_EVENTS:
            c.fail(f"settings.event_subscriptions.bot_events[{i}]", f"{event!r} is not a Slack event a bot receives")
    interactivity: dict[str, Any] = {}
    if "interactivity" in settings:
        interactivity = c.obj(
            settings["interactivity"], "settings.interactivity", INTERACTIVITY_KEYS, required=["is_enabled"]
        )
        c.flag(interactivity.get("is_enabled"), "settings.interactivity.is_enabled")
        c.url(interactivity.get("request_url"), "settings.interactivity.request_url", most=3500)
        c.url(
            interactivity.get("message_menu_options_url"), "settings.interactivity.message_menu_options_url", most=3500
        )

    # Delivery: in Socket Mode everything comes over the socket and request URLs are not used;
    # over HTTP, a feature without its URL is one Slack has nowhere to send.
    urls = {
        f"features.slash_commands[{i}].url": cmd.get("url") for i, cmd in enumerate(commands) if isinstance(cmd, dict)
    }
    urls["settings.event_subscriptions.request_url"] = events.get("request_url")
    urls["settings.interactivity.request_url"] = interactivity.get("request_url")
    if settings.get("socket_mode_enabled") is True:
        for where, value in urls.items():
            if value is not None:
                c.fail(where, "is set, but Socket Mode receives over the socket: leave request URLs out")
    else:
        needed = [w for w in urls if w.startswith("features.slash_commands")]
        if bot_events:
            needed.append("settings.event_subscriptions.request_url")
        if interactivity.get("is_enabled") is True:
            needed.append("settings.interactivity.request_url")
        for where in needed:
            if urls[where] is None:
                c.fail(where, "is required over HTTP (socket_mode_enabled is false)")
    return c.problems


def owabi_manifest(*args: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "manifest", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load(result.stdout)
    assert isinstance(data, dict)
    return data


# --- the real manifest --------------------------------------------------------------------


@pytest.mark.parametrize("args", [(), ("--url", "https://owabi.example.org/base/"), ("--socket",)])
def test_owabi_manifest_follows_slacks_schema(args: tuple[str, ...]) -> None:
    data = owabi_manifest(*args)
    assert manifest_problems(data) == []
    socket = "--socket" in args
    assert data["settings"]["socket_mode_enabled"] is socket
    if not socket:
        base = args[1].rstrip("/") if args else "https://owabi.example.com"
        assert data["settings"]["event_subscriptions"]["request_url"] == base + "/slack/events"


def test_slacks_own_reference_example_passes() -> None:
    """The validator is no stricter than Slack: the manifest reference's own example is accepted."""
    example = {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": "Zork",
            "long_description": "A very long description. " * 8,
            "description": "A shorter description.",
            "background_color": "#0000AA",
        },
        "settings": {
            "socket_mode_enabled": False,
            "interactivity": {"is_enabled": True, "request_url": "https://example.com/slack/message_action"},
            "event_subscriptions": {
                "request_url": "https://example.com/slack/events",
                "bot_events": ["app_home_opened"],
            },
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": "zork"},
            "slash_commands": [
                {
                    "command": "/zork",
                    "description": "You see a mailbox in the field.",
                    "usage_hint": "/zork open mailbox",
                    "url": "https://example.com/slack/slash/please",
                }
            ],
        },
        "oauth_config": {
            "scopes": {"bot": ["commands", "chat:write", "chat:write.public"]},
            "redirect_urls": ["https://example.com/slack/auth"],
        },
    }
    assert manifest_problems(example) == []


# --- the validator refuses what Slack refuses -----------------------------------------------

Edit = Callable[[dict[str, Any]], object]


def _set(path: str, value: Any) -> Edit:
    def edit(m: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = m
        for part in parents:
            node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
        node[int(last) if last.isdigit() else last] = value

    return edit


def _drop(path: str) -> Edit:
    def edit(m: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = m
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        del node[last]

    return edit


SHORTCUT = {"name": "Report this", "type": "message", "callback_id": "report", "description": "Report a mistake"}

BROKEN: list[tuple[str, Edit, str]] = [
    ("no name", _drop("display_information.name"), "display_information.name: is required"),
    ("name too long", _set("display_information.name", "O" * 36), "display_information.name: must be 1-35"),
    ("empty name", _set("display_information.name", ""), "display_information.name: must be 1-35"),
    ("description too long", _set("display_information.description", "d" * 141), "description: must be 1-140"),
    ("long description too short", _set("display_information.long_description", "short"), "must be 175-4000"),
    ("long description too long", _set("display_information.long_description", "x" * 4001), "must be 175-4000"),
    ("colour by name", _set("display_information.background_color", "red"), "background_color"),
    ("colour without #", _set("display_information.background_color", "2c2d30"), "background_color"),
    ("bot name with a capital", _set("features.bot_user.display_name", "Owabi"), "bot_user.display_name: may hold"),
    ("bot name with a space", _set("features.bot_user.display_name", "owabi bot"), "bot_user.display_name"),
    ("bot name too long", _set("features.bot_user.display_name", "o" * 81), "must be 1-80"),
    ("bot user without a name", _drop("features.bot_user.display_name"), "bot_user.display_name: is required"),
    ("command without slash", _set("features.slash_commands.0.command", "oops"), "must start with /"),
    ("command too long", _set("features.slash_commands.0.command", "/" + "o" * 32), "command: must be 2-32"),
    ("command description too long", _set("features.slash_commands.0.description", "d" * 2001), "must be 1-2000"),
    ("usage hint too long", _set("features.slash_commands.0.usage_hint", "u" * 1001), "must be 1-1000"),
    ("command over http", _set("features.slash_commands.0.url", "http://owabi.example.com/slack/events"), "https"),
    ("should_escape as text", _set("features.slash_commands.0.should_escape", "no"), "must be true or false"),
    ("no command at all", _set("features.slash_commands", []), "must hold 1-50"),
    ("unknown scope", lambda m: m["oauth_config"]["scopes"]["bot"].append("chat:writ"), "not a Slack bot scope"),
    ("repeated scope", lambda m: m["oauth_config"]["scopes"]["bot"].append("commands"), "must not repeat"),
    ("unknown event", _set("settings.event_subscriptions.bot_events", ["app_home_open"]), "not a Slack event"),
    ("repeated event", _set("settings.event_subscriptions.bot_events", ["app_home_opened"] * 2), "must not repeat"),
    ("events over http", _set("settings.event_subscriptions.request_url", "http://x.example/slack/events"), "https"),
    ("interactivity over http", _set("settings.interactivity.request_url", "ftp://x.example/e"), "https"),
    ("interactivity without is_enabled", _drop("settings.interactivity.is_enabled"), "is_enabled: is required"),
    ("socket mode as text", _set("settings.socket_mode_enabled", "yes"), "socket_mode_enabled: must be true or false"),
    ("unknown top-level key", _set("feature", {}), "manifest.feature: is not a key"),
    ("unknown bot_user key", _set("features.bot_user.avatar", "x"), "features.bot_user.avatar: is not a key"),
    ("unknown settings key", _set("settings.socket_mode", True), "settings.socket_mode: is not a key"),
    ("shortcut name too long", _set("features.shortcuts", [{**SHORTCUT, "name": "n" * 25}]), "name: must be 1-24"),
    ("shortcut callback too long", _set("features.shortcuts", [{**SHORTCUT, "callback_id": "c" * 256}]), "1-255"),
    (
        "shortcut description too long",
        _set("features.shortcuts", [{**SHORTCUT, "description": "d" * 151}]),
        "description: must be 1-150",
    ),
    ("shortcut of no type", _set("features.shortcuts", [{**SHORTCUT, "type": "button"}]), "message or global"),
    (
        "shortcut without callback",
        _set("features.shortcuts", [{k: v for k, v in SHORTCUT.items() if k != "callback_id"}]),
        "callback_id: is required",
    ),
    ("http mode without interactivity url", _drop("settings.interactivity.request_url"), "required over HTTP"),
    ("http mode without command url", _drop("features.slash_commands.0.url"), "required over HTTP"),
    ("socket mode with a url", _set("settings.socket_mode_enabled", True), "leave request URLs out"),
]


@pytest.mark.parametrize(("edit", "expected"), [(e, x) for _, e, x in BROKEN], ids=[n for n, _, _ in BROKEN])
def test_the_validator_refuses_a_broken_manifest(edit: Edit, expected: str) -> None:
    broken = copy.deepcopy(manifest())
    edit(broken)
    problems = manifest_problems(broken)
    assert any(expected in p for p in problems), problems


def test_the_validator_refuses_what_is_not_a_manifest() -> None:
    assert manifest_problems(["display_information"]) == ["manifest: must be an object (a YAML mapping)"]
    assert manifest_problems({}) == [
        "manifest.display_information: is required",
        "display_information.name: is required",
    ]


# --- scopes: exactly what the code calls ------------------------------------------------------

# Scopes each Web API method the app calls needs (Slack's method reference). chat:write.public
# rides on chat.postMessage: summaries go to a public channel nobody invited the bot to.
# conversations.info is asked about public and private channels alike (`owabi check --online`).
# conversations.history is read only in DMs, to find a message whose send timed out.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "chat.postMessage": ("chat:write", "chat:write.public"),
    "chat.update": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.getPermalink": (),  # Slack: no scope required
    "conversations.open": ("im:write",),
    "conversations.history": ("im:history",),
    "conversations.info": ("channels:read", "groups:read"),
    "users.info": ("users:read",),
    "views.open": (),
    "views.publish": (),
    "views.update": (),
    "files.upload_v2": ("files:write",),
}


def web_api_methods_called() -> set[str]:
    """Methods the app's own code calls: slack_sdk client methods and the outbox's method names.

    bot/sandbox is the local stand-in for Slack (it answers calls, it does not make them).
    """
    found: set[str] = set()
    for path in BOT_DIR.rglob("*.py"):
        if "sandbox" in path.relative_to(BOT_DIR).parts:
            continue
        source = path.read_text(encoding="utf-8")
        for family, name in re.findall(r"\bclient\.([a-z]+)_([A-Za-z0-9_]+)\(", source):
            if (family, name) != ("api", "call"):
                found.add(f"{family}.{name}")
        found |= set(re.findall(r"\bmethod(?:: str)?\s?=\s?\"([a-z]+\.[A-Za-z0-9_]+)\"", source))  # and defaults
        found |= set(re.findall(r"^METHOD = \"([a-z]+\.[A-Za-z0-9_]+)\"", source, re.MULTILINE))
    return found


def test_the_scan_sees_the_calls_we_know_of() -> None:
    called = web_api_methods_called()
    assert {"chat.postMessage", "chat.update", "conversations.open", "files.upload_v2", "users.info"} <= called


def test_the_manifest_asks_for_exactly_the_scopes_the_code_uses() -> None:
    called = web_api_methods_called()
    unmapped = sorted(called - set(METHOD_SCOPES))
    assert not unmapped, f"add the scopes these methods need to METHOD_SCOPES: {unmapped}"
    needed = {scope for method in called for scope in METHOD_SCOPES[method]}
    data = manifest()
    if data["features"].get("slash_commands"):
        needed.add("commands")
    if '"file_input"' in _report_form_json():  # Slack: a file_input element needs files:read
        needed.add("files:read")
    requested = set(data["oauth_config"]["scopes"]["bot"])
    assert requested - needed == set(), "requested but never used"
    assert needed - requested == set(), "used but not requested"


def _report_form_json() -> str:
    from bot.config import load_policy
    from bot.resources import example_policy, responses_dir
    from bot.slack.compose import Composer
    from bot.wording import Renderer

    policy = load_policy(example_policy())
    composer = Composer(Renderer(responses_dir()), ui_locale="en", policy=policy.guidance_facts())
    form = composer.report_form(
        categories=policy.all_categories, locales=["en", "ja"], channel_id="C0X", default_locale="en"
    )
    return json.dumps(form)
