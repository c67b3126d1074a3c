"""Settings from the environment and the policy file, validated before anything starts.

A bad policy must stop start-up with one readable line per problem (file, key, line,
what is wrong) and no traceback: the admin fixing it at 7am is not a Python developer.
"""

from __future__ import annotations

import re
import tomllib
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot import resources
from bot.domain.durations import parse_duration
from bot.domain.errors import OwabiError
from bot.domain.guidance import NEXT_CONTACT, Authority
from bot.domain.metrics import ScheduleError, Spec, parse_spec
from bot.domain.model import Category, Severity
from bot.domain.visibility import Org
from bot.guidance_text import PolicyFacts

Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def _user_id(value: object) -> object:
    if isinstance(value, str) and not re.fullmatch(r"[UW][A-Z0-9]{2,}", value):
        raise ValueError(f"{value!r} is not a Slack user ID (they look like U0123ABCD)")
    return value


def _locale(value: object) -> object:
    if isinstance(value, str) and not (resources.responses_dir() / value).is_dir():
        known = ", ".join(resources.locales())
        raise ValueError(f"no templates for locale {value!r}; known: {known}")
    return value


UserId = Annotated[str, BeforeValidator(_user_id)]
LocaleId = Annotated[str, BeforeValidator(_locale)]

DEFAULT_ACK = {"low": "4h", "medium": "1h", "high": "15m", "critical": "5m"}
DEFAULT_NOTIFY_LEVELS = {"low": 1, "medium": 1, "high": 2, "critical": 3}
DEFAULT_REMIND = {"low": "24h", "medium": "24h", "high": "2h", "critical": "2h"}


class Settings(BaseSettings):
    """Process settings. Only the entry point builds this; everything else gets values."""

    # An empty variable (`OWABI_DB=` in a unit file) means "not set", as in the shell: it must not
    # become Path("."), a blank token that reads as "set", or an empty API URL.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True, env_ignore_empty=True)

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    owabi_db: Path = Path("data/owabi.db")
    owabi_policy: Path | None = None
    owabi_workers: int = Field(default=16, ge=1, le=256)
    # Messages in flight to Slack at once: each waits a whole API round trip (0.1–0.3 s), so a
    # burst of reports needs many; Slack's per-channel limit is honoured through Retry-After.
    owabi_senders: int = Field(default=48, ge=1, le=128)
    # `owabi serve` delivers and runs timed jobs in a second process ("process"), so they never
    # compete with requests for one interpreter; "thread" keeps everything in one process.
    owabi_delivery: Literal["process", "thread"] = "process"
    owabi_connection_limit: int = Field(default=1000, ge=10, le=10_000)
    owabi_allow_example_policy: bool = False  # serve with the bundled example policy (demos only)
    owabi_channel_timeout: int = Field(default=20, ge=2, le=600)
    owabi_slack_timeout: float = Field(default=10.0, gt=0, le=120, allow_inf_nan=False)
    owabi_audit_key: SecretStr | None = None  # HMAC key of the event log; keep it apart from Slack's secrets
    owabi_anchor: Path | None = None  # anchor file outside the database's folder (count + head hash + MAC)

    def audit_key(self) -> bytes | None:
        return self.owabi_audit_key.get_secret_value().encode() if self.owabi_audit_key else None

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        # Every Web API call is joined to this base; anything but an http(s) address fails only
        # later, on the first report, as an opaque connection error.
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            raise ValueError("must be the Web API's base URL, like https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    # The values themselves are never echoed: they are secrets. Pasting one token into the other's
    # variable is the usual mistake, and Slack would only answer invalid_auth once serving.
    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be the Bot User OAuth Token, which starts with xoxb- (OAuth & Permissions)")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError(
                "must be an app-level token, which starts with xapp- (Basic Information → App-Level Tokens)"
            )
        return value

    def policy_path(self) -> Path:
        if self.owabi_policy is not None:
            return self.owabi_policy
        local = Path("data/policy.toml")
        return local if local.exists() else resources.example_policy()


MAX_CATEGORIES = 90  # a Slack static select holds 100 options; the forms list every category


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeverityPolicy(_Strict):
    ack_within: Duration
    repeat: int = Field(default=3, ge=0, le=50)
    notify_levels: int | None = Field(default=None, ge=1, le=10)
    remind_after: Duration | None = None
    follow_up_within: Duration | None = None  # when the customer hears from us next (the card promises it)


class MakeGood(_Strict):
    """What may be offered for the trouble without asking; amounts in whole units of `currency`."""

    currency: str = Field(default="", max_length=4)
    staff: int | None = Field(default=None, ge=0)
    boss: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> MakeGood:
        if self.staff is not None and self.boss is not None and self.boss < self.staff:
            raise ValueError("make_good.boss must be at least make_good.staff")
        return self


class Team(_Strict):
    name: str = Field(min_length=1)
    members: list[UserId] = Field(default_factory=list)
    chain: list[UserId] = Field(min_length=1)
    channel: str | None = None


class DefaultChain(_Strict):
    chain: list[UserId] = Field(min_length=1)


class SummarySchedule(_Strict):
    """When summaries post; read by the scheduler's own parser, so what passes here runs there."""

    daily: str | None = None
    weekly: str | None = None

    @field_validator("daily")
    @classmethod
    def _daily(cls, value: str | None) -> str | None:
        spec = _schedule(value, 'daily = "18:00"')
        if spec is not None and spec.weekday is not None:  # would post once a week, not daily
            raise ValueError(f'{value!r} names a day, but a daily summary runs every day: write daily = "18:00"')
        return value

    @field_validator("weekly")
    @classmethod
    def _weekly(cls, value: str | None) -> str | None:
        spec = _schedule(value, 'weekly = "MON 09:00"')
        if spec is not None and spec.weekday is None:  # would post every day, not weekly
            raise ValueError(f'{value!r} has no day, so it would run every day: write weekly = "MON 09:00"')
        return value


def _schedule(value: str | None, example: str) -> Spec | None:
    """The scheduler's reading of a `[summary]` time; an empty one means no summary, as there."""
    if not value:
        return None
    try:
        return parse_spec(value)
    except ScheduleError as exc:
        # Keep the parser's reason when it names the part at fault (an unknown day); its general
        # hint covers both keys, so say the form for this one.
        _, _, reason = str(exc).partition(": ")
        said = f"{value!r}: {reason}" if reason.startswith("the day") else f"{value!r} is not a 24-hour time"
        raise ValueError(f"{said}; write it like {example}") from None


class Policy(_Strict):
    locale: LocaleId = "en"
    timezone: str = "UTC"
    summary_channel: str | None = None
    severity: dict[Severity, SeverityPolicy] = Field(default_factory=dict)
    teams: list[Team] = Field(default_factory=list)
    default: DefaultChain
    admins: list[UserId] = Field(default_factory=list)
    quiet_hours: str | None = None
    categories: list[str] = Field(default_factory=list)
    responses: Path | None = None
    follow_up_after: Duration | None = None  # older policies: one follow-up time for every severity
    make_good: MakeGood = Field(default_factory=MakeGood)
    emergency_number: str | None = Field(default=None, max_length=20)
    summary: SummarySchedule = Field(default_factory=SummarySchedule)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use a name like 'Asia/Tokyo'") from None
        return value

    @field_validator("responses")
    @classmethod
    def _responses_folder(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        """A relative folder is read next to the policy file; a missing one would silently override nothing."""
        if value is None:
            return None
        base = (info.context or {}).get("policy_dir")
        folder = (Path(base) / value).resolve() if base is not None and not value.is_absolute() else value
        if not folder.is_dir():
            raise ValueError(
                f'no folder {folder} (template overrides, e.g. responses = "responses-local", '
                f"a folder next to the policy file with one subfolder per locale)"
            )
        return folder

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError('write quiet hours like "22:00-07:00"')
        return value

    @field_validator("categories")
    @classmethod
    def _category_ids(cls, value: list[str]) -> list[str]:
        for name in value:
            if not re.fullmatch(r"[a-z][a-z0-9_]{1,39}", name):
                raise ValueError(f"category {name!r} must be lower_snake_case")
        extra = [c for c in dict.fromkeys(value) if c not in set(Category)]
        if len(Category) + len(extra) > MAX_CATEGORIES:
            raise ValueError(
                f"{len(Category) + len(extra)} categories in all; the report form's menu holds "
                f"{MAX_CATEGORIES} (Slack allows 100 options in a select): merge some"
            )
        return value

    @model_validator(mode="after")
    def _fill_severities(self) -> Policy:
        filled = dict(self.severity)
        for sev in Severity:
            if sev not in filled:
                filled[sev] = SeverityPolicy(ack_within=parse_duration(DEFAULT_ACK[sev.value]))
        object.__setattr__(self, "severity", filled)
        names = [t.name for t in self.teams]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"team names must be unique; repeated: {', '.join(sorted(dupes))}")
        return self

    # --- questions the rest of the app asks -------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def all_categories(self) -> list[str]:
        return [c.value for c in Category] + [c for c in self.categories if c not in set(Category)]

    def team_of(self, user: str) -> Team | None:
        return self._team_by_member.get(user)

    @cached_property
    def _team_by_member(self) -> dict[str, Team]:
        """Each member's first team: asked several times per report, of a policy read once."""
        found: dict[str, Team] = {}
        for team in reversed(self.teams):
            found.update(dict.fromkeys(team.members, team))
        return found

    def chain_for(self, user: str) -> list[str]:
        """Who hears about `user`'s report, nearest boss first.

        A boss reporting their own mistake starts one step above themselves; nobody is
        ever asked to acknowledge their own report.
        """
        team = self.team_of(user)
        chain = team.chain if team else self.default.chain
        if user in chain:
            chain = chain[chain.index(user) + 1 :]
        return list(chain)

    def ack_window(self, severity: Severity) -> timedelta:
        return self.severity[severity].ack_within

    def repeat(self, severity: Severity) -> int:
        return self.severity[severity].repeat

    def notify_levels(self, severity: Severity) -> int:
        levels = self.severity[severity].notify_levels
        return levels if levels is not None else DEFAULT_NOTIFY_LEVELS[severity.value]

    def remind_after(self, severity: Severity) -> timedelta:
        value = self.severity[severity].remind_after
        return value if value is not None else parse_duration(DEFAULT_REMIND[severity.value])

    def follow_up_within(self, severity: Severity) -> timedelta:
        """When the customer hears from us next: the card promises it, the reminder keeps it."""
        value = self.severity[severity].follow_up_within or self.follow_up_after
        return value if value is not None else NEXT_CONTACT[severity]

    @property
    def authority(self) -> Authority:
        return Authority(self.make_good.currency, self.make_good.staff, self.make_good.boss)

    def guidance_facts(self) -> PolicyFacts:
        """What the reporter's guidance needs from the policy."""
        return PolicyFacts(self.authority, {s: self.follow_up_within(s) for s in Severity}, self.emergency_number or "")

    @property
    def org(self) -> Org:
        """The teams, chains and admins, as the visibility rules read them (bot.domain.visibility)."""
        return Org(self.teams, self.default.chain, self.admins, self.summary_channel)

    def visible_teams(self, user: str) -> list[str] | None:
        return self.org.visible_teams(user)

    def is_boss(self, user: str) -> bool:
        return self.org.is_boss(user)

    def summary_channels(self, user: str) -> set[str] | None:
        return self.org.summary_channels(user)


class PolicyError(OwabiError):
    """The policy file cannot be used; `problems` are ready-to-print lines."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))

    def render(self) -> str:
        lines = [f"Owabi cannot use the policy file {self.path}:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


def _key_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _line_of(source: str, loc: tuple[int | str, ...]) -> int | None:
    """Best-effort line number for a key path, so the admin knows where to look."""
    lines = source.splitlines()
    start = 0
    for i, part in enumerate(loc):
        if isinstance(part, int):
            prev = str(loc[i - 1]) if i else ""
            headers = [n for n, ln in enumerate(lines) if ln.strip() == f"[[{prev}]]"]
            if part < len(headers):
                start = headers[part]
            continue
        pattern = re.compile(rf"^\s*(\[+\s*)?([\w.]*\.)?{re.escape(str(part))}\s*(=|\]|\.)")
        for n in range(start, len(lines)):
            if pattern.match(lines[n]):
                start = n
                break
    return start + 1 if loc else None


def load_policy(path: Path) -> Policy:
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(path, ["the file does not exist"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(path, [f"cannot be read: {exc}"]) from None
    try:
        data: dict[str, Any] = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(path, [f"is not valid TOML: {exc}"]) from None
    try:
        policy = Policy.model_validate(data, context={"policy_dir": path.parent})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            line = None if err["type"] == "missing" else _line_of(source, loc)
            where = f"line {line}, " if line else ""
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key; check the spelling (see data/policy.example.toml)"
            problems.append(f"{where}key '{_key_path(loc)}': {msg}")
        raise PolicyError(path, problems) from None
    return policy
