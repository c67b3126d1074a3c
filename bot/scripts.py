"""Every word Owabi shows comes from templates in `responses/<locale>/`; this renders them.

- Lookup order for each template: the policy's override folder for the locale, the
  bundled locale, then English (logged, so a missing translation is noticed).
- Every `{{ value }}` is escaped for Slack mrkdwn unless the template marks it trusted with
  `|safe`; user text is only ever passed as data, never compiled as a template.
- Labels (category names, buttons, field names) live in `labels.toml` beside the templates.
"""

from __future__ import annotations

import logging
import re
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from bot.domain.text import escape_mrkdwn

log = logging.getLogger(__name__)

STEPS = ("own_it", "apologize", "explain", "fix_now", "make_whole", "prevent", "follow_up")
FALLBACK = "en"


class TemplateProblem(Exception):
    """A template (bundled or override) cannot be loaded or rendered."""


@dataclass(frozen=True, slots=True)
class ScriptContext:
    category: str
    severity: str
    contact: str
    locale: str
    customer: str = ""
    summary: str = ""
    ref: str = ""
    channel: str = ""


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    title: str
    body: str


@dataclass(slots=True)
class _Locale:
    env: jinja2.Environment
    labels: dict[str, Any] = field(default_factory=dict)


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup) or value is None:
        return "" if value is None else value
    return escape_mrkdwn(str(value))


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

    # --- environment -----------------------------------------------------------------

    def _dirs(self, locale: str) -> list[Path]:
        dirs = []
        for loc in dict.fromkeys([locale, FALLBACK]):
            if self.override is not None:
                dirs.append(self.override / loc)
            dirs.append(self.bundled / loc)
        return [d for d in dirs if d.is_dir()]

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
                )
                found = _Locale(env, self._load_labels(locale))
                self._locales[locale] = found
            return found

    def _load_labels(self, locale: str) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for d in reversed(self._dirs(locale)):
            path = d / "labels.toml"
            if path.exists():
                try:
                    _deep_merge(merged, tomllib.loads(path.read_text(encoding="utf-8")))
                except (tomllib.TOMLDecodeError, OSError) as exc:
                    raise TemplateProblem(f"{path}: {exc}") from exc
        return merged

    def locales(self) -> list[str]:
        roots = [self.bundled] + ([self.override] if self.override else [])
        return sorted({p.name for r in roots if r.is_dir() for p in r.iterdir() if p.is_dir()})

    # --- rendering -------------------------------------------------------------------

    def render(self, name: str, locale: str, **ctx: Any) -> str:
        loc = self._locale(locale)
        try:
            template = loc.env.get_template(name)
            if template.filename and f"/{locale}/" not in template.filename.replace("\\", "/"):
                log.warning("template %s missing for locale %s; using %s", name, locale, template.filename)
            text = template.render(labels=loc.labels, locale=locale, **ctx)
        except jinja2.TemplateError as exc:
            raise TemplateProblem(f"{name} ({locale}): {exc}") from exc
        return text.strip()

    def label(self, locale: str, dotted: str) -> str:
        node: Any = self._locale(locale).labels
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return dotted.rsplit(".", 1)[-1].replace("_", " ")
            node = node[part]
        return str(node)

    def script(self, ctx: ScriptContext) -> list[Step]:
        steps = []
        for key in STEPS:
            text = self.render(f"script/{key}.j2", ctx.locale, ctx=ctx, step=key)
            title, _, body = text.partition("\n")
            steps.append(Step(key, title.strip().strip("*"), body.strip()))
        return steps

    def script_text(self, ctx: ScriptContext) -> str:
        """The whole script as plain text (for `owabi script` and the demo)."""
        out = [plain(self.render("script/_intro.j2", ctx.locale, ctx=ctx))]
        for n, step in enumerate(self.script(ctx), 1):
            out.append(f"{n}. {step.title}\n{plain(step.body)}")
        return "\n\n".join(out)

    def check(self) -> list[str]:
        """Render every template in every locale with sample data; return the problems."""
        problems = []
        for locale in self.locales():
            try:
                self._locale(locale)
                ctx = ScriptContext("late_delivery", "high", "phone", locale, "Ms Tanaka", "sample", "OOPS-0001")
                self.script(ctx)
            except TemplateProblem as exc:
                problems.append(str(exc))
        return problems


def _deep_merge(into: dict[str, Any], new: dict[str, Any]) -> None:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _deep_merge(into[key], value)
        else:
            into[key] = value
