"""Every word Owabi shows comes from `responses/<locale>/`; this renders it.

- Lookup order for each template: the policy's override folder for the locale, the
  bundled locale, then English (logged once, so a missing translation is noticed).
- Data files (`*.toml`: labels, script wording, coach reasons, practice situations) are
  merged key by key in the same order, so an override may change a single phrase.
- Every `{{ value }}` is escaped for Slack mrkdwn unless the template marks it trusted with
  `|safe`; user text is only ever passed as data, never compiled as a template.
- `check()` renders every template and every script combination with sample data, so a
  broken override is refused at start-up, never shown to a staffer.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
import jinja2.meta
from markupsafe import Markup

from bot.domain.errors import OwabiError
from bot.domain.guidance import Authority
from bot.domain.model import Category, Contact, Severity
from bot.domain.text import escape_mrkdwn, one_line
from bot.guidance_text import Guidance, GuidanceWriter, ScriptContext, WordingMissing, sama
from bot.wording.files import deep_merge as _deep_merge

log = logging.getLogger(__name__)

FALLBACK = "en"
SECTION_MAX = 3000  # Block Kit section text
SCRIPT_MAX = 6000  # card + details, so the reporter message stays far below Slack's ~12k


class TemplateProblem(OwabiError):
    """A template (bundled or override) cannot be loaded or rendered."""


@dataclass(slots=True)
class _Locale:
    env: jinja2.Environment
    data: dict[str, dict[str, Any]] = field(default_factory=dict)
    checked: set[str] = field(default_factory=set)  # templates whose translation was looked for

    @property
    def labels(self) -> dict[str, Any]:
        return self.data.get("labels", {})


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup) or value is None:
        return "" if value is None else value
    return escape_mrkdwn(str(value))


def _pick(table: Any, *keys: str) -> Any:
    """The first of `keys` present in `table`, else its "default" entry, else ""."""
    if not isinstance(table, Mapping):
        return ""
    for key in (*keys, "default"):
        if key in table:
            return table[key]
    return ""


def _shorten(value: Any, limit: int = 80) -> str:
    return one_line(str(value), limit)


def plain(mrkdwn: str) -> str:
    """mrkdwn to terminal text: drop emphasis markers and undo entity escapes."""
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", mrkdwn)
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class Renderer:
    def __init__(self, bundled: Path, *, override: Path | None = None) -> None:
        self.bundled = bundled
        self.override = override
        self._locales: dict[str, _Locale] = {}
        self._lock = threading.Lock()

    # --- where things come from --------------------------------------------------------

    def _own_dirs(self, locale: str) -> list[Path]:
        roots = [self.override, self.bundled] if self.override else [self.bundled]
        return [root / locale for root in roots if (root / locale).is_dir()]

    def _dirs(self, locale: str) -> list[Path]:
        """Highest priority first: override, bundled, then the same for English."""
        return [d for loc in dict.fromkeys([locale, FALLBACK]) for d in self._own_dirs(loc)]

    def locales(self) -> list[str]:
        roots = [self.bundled] + ([self.override] if self.override else [])
        found = {p.name for r in roots if r.is_dir() for p in r.iterdir() if p.is_dir()}
        return sorted(n for n in found if not n.startswith((".", "_")))

    def _locale(self, locale: str) -> _Locale:
        with self._lock:
            found = self._locales.get(locale)
            if found is None:
                env = jinja2.Environment(
                    loader=jinja2.FileSystemLoader([str(d) for d in self._dirs(locale)]),
                    undefined=jinja2.StrictUndefined,
                    finalize=_finalize,
                    trim_blocks=True,
                    lstrip_blocks=True,
                    keep_trailing_newline=False,
                    autoescape=False,
                    auto_reload=False,
                )
                env.globals["pick"] = _pick
                env.filters["shorten"] = _shorten
                env.filters["sama"] = sama
                found = _Locale(env, self._load_data(locale))
                self._locales[locale] = found
            return found

    def _load_data(self, locale: str) -> dict[str, dict[str, Any]]:
        merged: dict[str, dict[str, Any]] = {}
        for d in reversed(self._dirs(locale)):
            for path in sorted(d.glob("*.toml")):
                _deep_merge(merged.setdefault(path.stem, {}), _read_toml(path))
        if locale != FALLBACK:
            self._warn_untranslated(locale)
        return merged

    def _warn_untranslated(self, locale: str) -> None:
        own: dict[str, Any] = {}
        english: dict[str, Any] = {}
        for d in reversed(self._own_dirs(locale)):
            for path in d.glob("*.toml"):
                _deep_merge(own.setdefault(path.stem, {}), _read_toml(path))
        for d in reversed(self._own_dirs(FALLBACK)):
            for path in d.glob("*.toml"):
                _deep_merge(english.setdefault(path.stem, {}), _read_toml(path))
        missing = sorted(_missing_keys(english, own))
        if missing:
            log.warning(
                "locale %s lacks %d wording keys, using English: %s", locale, len(missing), ", ".join(missing[:10])
            )

    def data(self, locale: str, name: str) -> dict[str, Any]:
        """A merged data file (`labels`, `script`, `coach`, `practice`…) for a locale."""
        return self._locale(locale).data.get(name, {})

    # --- rendering ---------------------------------------------------------------------

    def _template(self, name: str, locale: str) -> jinja2.Template:
        # Wording is read once per process, templates as well as tables: jinja's own cache answers
        # (auto_reload is off, so no mtime check), and the translation is looked for once; doing
        # both on every render (a stat per directory) was a tenth of a report's CPU.
        loc = self._locale(locale)
        template = loc.env.get_template(name)
        if name not in loc.checked:
            loc.checked.add(name)
            source = Path(template.filename or "")
            if not any(source.is_relative_to(d) for d in self._own_dirs(locale)):
                log.warning("template %s missing for locale %s; using %s", name, locale, source)
        return template

    def render(self, name: str, locale: str, **ctx: Any) -> str:
        loc = self._locale(locale)
        try:
            template = self._template(name, locale)
            text = template.render(labels=loc.labels, data=loc.data, locale=locale, **ctx)
        except jinja2.TemplateError as exc:
            raise TemplateProblem(f"{_where(exc, name)}: {exc}") from exc
        return text.strip()

    def label(self, locale: str, dotted: str) -> str:
        node: Any = self._locale(locale).labels
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return dotted.rsplit(".", 1)[-1].replace("_", " ")
            node = node[part]
        return str(node)

    def guidance(self, ctx: ScriptContext) -> Guidance:
        """The reporter's card, written message and details for one situation."""
        try:
            return GuidanceWriter(lambda locale: self.data(locale, "guidance")).write(ctx)
        except WordingMissing as exc:
            raise TemplateProblem(str(exc)) from exc

    def when(self, locale: str, within: timedelta | None) -> str:
        try:
            return GuidanceWriter(lambda loc: self.data(loc, "guidance")).when(locale, within)
        except WordingMissing as exc:
            raise TemplateProblem(str(exc)) from exc

    def script_text(self, ctx: ScriptContext) -> str:
        """The whole guidance as plain text (for `owabi script` and the demo)."""
        return "\n\n".join(plain(section) for section in self.guidance(ctx).mrkdwn())

    # --- checking ----------------------------------------------------------------------

    def check(self) -> list[str]:
        """Render everything, in every locale, with sample data; return the problems.

        Each problem names the file, so `owabi check` and start-up can refuse a broken
        override folder before any staffer would have seen it.
        """
        problems: list[str] = []
        for locale in self.locales():
            try:
                self._locale(locale)
            except TemplateProblem as exc:
                problems.append(str(exc))
                continue
            problems += self._check_scripts(locale)
            problems += self._check_messages(locale)
        return list(dict.fromkeys(problems))

    def _check_scripts(self, locale: str) -> list[str]:
        problems = []
        for ctx in _script_samples(locale):
            try:
                sections = self.guidance(ctx).mrkdwn()
            except TemplateProblem as exc:
                problems.append(f"{exc} [{_combo(ctx)}]")
                break
            for text in sections:
                if len(text) > SECTION_MAX:
                    problems.append(
                        f"guidance ({locale}): {_combo(ctx)} has a section of {len(text)} "
                        f"characters; Slack allows {SECTION_MAX}"
                    )
            size = sum(len(t) for t in sections)
            if size > SCRIPT_MAX:
                problems.append(f"guidance ({locale}): {_combo(ctx)} is {size} characters; keep it under {SCRIPT_MAX}")
        return problems

    def _check_messages(self, locale: str) -> list[str]:
        env = self._locale(locale).env
        problems = []
        for name in sorted(n for n in env.list_templates() if n.startswith("messages/")):
            try:
                for ctx in self._message_samples(name):
                    self.render(name, locale, **ctx)
            except TemplateProblem as exc:
                problems.append(str(exc))
        return problems

    def _message_samples(self, name: str) -> list[dict[str, Any]]:
        stem = name.removeprefix("messages/").removesuffix(".j2")
        generic = {key: _sample(key) for key in self._variables(name)}
        return [generic | sample for sample in MESSAGE_SAMPLES.get(stem, [{}])]

    def _variables(self, name: str) -> set[str]:
        """The variables the bundled English template uses: the caller's contract."""
        path = self.bundled / FALLBACK / name
        if not path.exists():
            return set()
        env = self._locale(FALLBACK).env
        ast = env.parse(path.read_text(encoding="utf-8"))
        return jinja2.meta.find_undeclared_variables(ast) - {"labels", "data", "locale"}


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
        raise TemplateProblem(f"{path}: {exc}") from exc


def _missing_keys(reference: Mapping[str, Any], own: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    for key, value in reference.items():
        if key not in own:
            yield prefix + key
        elif isinstance(value, Mapping) and isinstance(own[key], Mapping):
            yield from _missing_keys(value, own[key], f"{prefix}{key}.")


def _where(exc: jinja2.TemplateError, name: str) -> str:
    """The file (and line) a template error comes from, for a message an admin can act on."""
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno}"
    frame: TracebackType | None = exc.__traceback__
    found = name
    while frame is not None:
        filename = frame.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = f"{filename}:{frame.tb_lineno}"
        frame = frame.tb_next
    return found


def _combo(ctx: ScriptContext) -> str:
    return f"{ctx.category}/{ctx.severity}/{ctx.contact}"


SAMPLE_FACETS: tuple[tuple[str, ...], ...] = (
    (),
    ("safety_risk", "harmed", "vulnerable_customer", "customer_angry"),
    ("personal_data", "legal_risk"),
    ("b2b", "repeat_failure", "public_exposure", "many_customers", "vip", "financial_loss"),
)


def _script_samples(locale: str) -> Iterator[ScriptContext]:
    """Every category × severity × contact, each with a spread of facets, who found it and a loss."""
    combos = itertools.product(Category, Severity, Contact)
    for n, (category, severity, contact) in enumerate(combos):
        customer = "Ms Tanaka" if contact != Contact.WRITTEN else ""
        yield ScriptContext(
            category.value,
            severity.value,
            contact.value,
            locale,
            customer=customer,
            facets=SAMPLE_FACETS[n % len(SAMPLE_FACETS)],
            found_by=("customer", "us", "public")[n % 3],
            text="It was for her wedding on Saturday. 結婚式に間に合わず",
            authority=Authority("¥", 3000, 10000) if n % 2 else Authority(),
        )


class _Sample(str):
    """A stand-in value for a template variable whose shape we don't know: text that can
    also be indexed, iterated and asked for attributes, which are themselves samples."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _sample(name)

    def __iter__(self) -> Iterator[Any]:
        return iter([_Sample("sample")])


def _sample(name: str) -> Any:
    return SAMPLE_VALUES.get(name, _Sample("sample"))


SAMPLE_VALUES: dict[str, Any] = {
    "category": "late_delivery",
    "severity": "high",
    "contact": "phone",
    "state": "reported",
    "script_locale": "ja",
    "ref": "OOPS-0042",
    "summary": "sample report",
    "customer": "Ms Tanaka",
    "reporter_name": "Aiko",
    "reporter_mention": "<@U0STAFF01>",
    "boss_mention": "<@U0LEAD01>",
    "boss": True,
    "saved": True,
    "what_happened": "",
    "what_we_did": "",
    "what_changes": "",
}

_REVIEW = {
    "locale": "en",
    "verdict": "fix",
    "present": ["regret", "repair"],
    "missing": ["prevention"],
    "avoid": [{"id": "conditional", "phrase": "sorry if", "why": "sample", "rewrite": "sample"}],
    "tips": ["sample"],
    "good": False,
    "situation": {},
}
_GOOD_REVIEW = {
    "locale": "ja",
    "verdict": "ready",
    "present": ["regret"],
    "missing": [],
    "avoid": [],
    "tips": [],
    "good": True,
    "situation": {},
}
_STRONGER_REVIEW = {**_GOOD_REVIEW, "verdict": "stronger", "good": False, "missing": ["empathy"], "tips": ["s"]}
_SITUATION = {
    "id": "sample",
    "category": "late_delivery",
    "severity": "medium",
    "contact": "phone",
    "customer": "Ms Tanaka",
    "text": "sample",
}

MESSAGE_SAMPLES: dict[str, list[dict[str, Any]]] = {
    "boss_todo": [
        {
            "severity": s.value,
            "category": c.value,
            "contact": k.value,
            "ref": "OOPS-0042",
            "summary": "sample",
            "customer": "Ms Tanaka",
        }
        for c, s, k in itertools.product(Category, Severity, Contact)
    ],
    "error": [{"saved": True, "ref": "OOPS-0042"}, {"saved": False, "ref": ""}],
    "reporter": [
        {"ref": "OOPS-0042", "category": "outage", "severity": "low", "boss": b, "boss_mention": "<@U0LEAD01>"}
        for b in (True, False)
    ],
    "mine": [
        {"incidents": []},
        {
            "incidents": [
                {"ref": "OOPS-0042", "category": "outage", "severity": "low", "state": "reported", "summary": "sample"}
            ]
        },
    ],
    "coach": [
        {"review": _REVIEW, "about": "OOPS-0042"},
        {"review": _GOOD_REVIEW, "about": ""},
        {"review": _STRONGER_REVIEW, "about": ""},
    ],
    "practice": [{"situation": _SITUATION}],
    "follow_up_customer": [
        {
            "ref": "OOPS-0042",
            "customer": "Ms Tanaka",
            "category": "wrong_item",
            "what_happened": "a",
            "what_we_did": "b",
            "what_changes": "c",
        },
        {"ref": "", "customer": "", "category": "", "what_happened": "", "what_we_did": "", "what_changes": ""},
    ],
}
