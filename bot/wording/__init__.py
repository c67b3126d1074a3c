"""Every word Owabi shows, and only here: responses/<locale>/ read (files), rendered and checked (render).

Templates and labels live under responses/, never in Python; a policy's `responses` folder
overrides them key by key.
"""

from __future__ import annotations

from bot.wording.files import FALLBACK, deep_merge, load
from bot.wording.render import Renderer, TemplateProblem, plain

__all__ = ["FALLBACK", "Renderer", "TemplateProblem", "deep_merge", "load", "plain"]
