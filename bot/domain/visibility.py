"""Who sees whose incidents, lessons and figures, and where they may post a summary.

The one rule for reading, beside `bot.domain.lifecycle.may` for acting: the policy supplies
the teams, the default chain and the admins; every view (the App Home, lessons, summaries on
demand, exports) asks here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class TeamLike(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def members(self) -> Sequence[str]: ...

    @property
    def chain(self) -> Sequence[str]: ...

    @property
    def channel(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Org:
    """What visibility depends on: the teams, the chain for reporters in no team, the admins."""

    teams: Sequence[TeamLike]
    default_chain: Sequence[str]
    admins: Sequence[str]
    summary_channel: str | None = None

    def visible_teams(self, user: str) -> list[str] | None:
        """Whose incidents, lessons and figures `user` may see: None = all (admins).

        Team names, with "" for reporters in no team: a member or boss of a team sees that
        team; a boss of the default chain also sees reporters in no team; anyone else sees
        only reporters in no team.
        """
        if user in self.admins:
            return None
        seen = [t.name for t in self.teams if user in t.members or user in t.chain]
        if user in self.default_chain or not seen:
            seen.append("")
        return seen

    def is_boss(self, user: str) -> bool:
        return user in self.admins or user in self.default_chain or any(user in t.chain for t in self.teams)

    def summary_channels(self, user: str) -> set[str] | None:
        """Where `user` may post a summary on demand: None = anywhere (admins)."""
        if user in self.admins:
            return None
        if not self.is_boss(user):
            return set()
        allowed = {self.summary_channel} if self.summary_channel else set()
        allowed |= {t.channel for t in self.teams if t.channel and (user in t.chain)}
        return allowed
