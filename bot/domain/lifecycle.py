"""Who may do what to an incident, and which lifecycle moves are allowed from which state.

Pure rules, so that every surface (buttons, the modal, the CLI, the demo) refuses the
same things for the same reasons, and a change of rule is one table edit here: `role_of`
says who someone is to an incident, `may` what that role may do, `check` which moves the
state allows.
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain.errors import OwabiError
from bot.domain.model import Incident, State


class Move(StrEnum):
    CONTACT = "contact"
    RESOLVE = "resolve"
    FOLLOW_UP = "follow_up"


class Role(StrEnum):
    REPORTER = "reporter"
    BOSS = "boss"  # anyone in the incident's chain, or its owner
    ADMIN = "admin"
    OTHER = "other"


class Act(StrEnum):
    """What someone may ask of an incident besides a lifecycle move."""

    ACKNOWLEDGE = "acknowledge"
    TAKE = "take"
    ESCALATE = "escalate"
    APPROVE_MAKE_GOOD = "approve_make_good"
    EDIT = "edit"  # correct what the report says (category, severity, contact, language)
    ANSWER = "answer"  # answer the one-tap questions triage asked
    FELT_SUPPORTED = "felt_supported"  # say whether the boss's response felt supportive


# Acknowledging, taking, escalating and approving are the chain's (or an admin's); the reporter
# may also correct their own report and answer its questions.
_MAY: dict[Act, frozenset[Role]] = {
    Act.ACKNOWLEDGE: frozenset({Role.BOSS, Role.ADMIN}),
    Act.TAKE: frozenset({Role.BOSS, Role.ADMIN}),
    Act.ESCALATE: frozenset({Role.BOSS, Role.ADMIN}),
    Act.APPROVE_MAKE_GOOD: frozenset({Role.BOSS, Role.ADMIN}),
    Act.EDIT: frozenset({Role.REPORTER, Role.BOSS, Role.ADMIN}),
    Act.ANSWER: frozenset({Role.REPORTER, Role.BOSS, Role.ADMIN}),
}  # Act.FELT_SUPPORTED goes by the person, not the role: see `may`

OPEN = (State.REPORTED, State.ACKNOWLEDGED, State.CONTACTED)

# (move, from-state) -> roles allowed. Staff often apologise before any boss has
# acknowledged, so "contacted" is allowed straight from "reported". Closing an incident
# nobody above the reporter has looked at is for a boss or admin only.
_RULES: dict[tuple[Move, State], frozenset[Role]] = {
    (Move.CONTACT, State.REPORTED): frozenset({Role.REPORTER, Role.BOSS, Role.ADMIN}),
    (Move.CONTACT, State.ACKNOWLEDGED): frozenset({Role.REPORTER, Role.BOSS, Role.ADMIN}),
    (Move.RESOLVE, State.REPORTED): frozenset({Role.BOSS, Role.ADMIN}),
    (Move.RESOLVE, State.ACKNOWLEDGED): frozenset({Role.REPORTER, Role.BOSS, Role.ADMIN}),
    (Move.RESOLVE, State.CONTACTED): frozenset({Role.REPORTER, Role.BOSS, Role.ADMIN}),
    (Move.FOLLOW_UP, State.RESOLVED): frozenset({Role.REPORTER, Role.BOSS, Role.ADMIN}),
}

TARGET = {
    Move.CONTACT: State.CONTACTED,
    Move.RESOLVE: State.RESOLVED,
    Move.FOLLOW_UP: State.FOLLOWED_UP,
}


class Refused(OwabiError):
    """A move that cannot be made; `reason` is a label key the person is shown."""

    def __init__(self, move: Move, state: State, role: Role, reason: str) -> None:
        self.move, self.state, self.role, self.reason = move, state, role, reason
        super().__init__(f"{move.value} from {state.value} by {role.value}: {reason}")


def role_of(user: str, incident: Incident, *, admins: list[str]) -> Role:
    """Boss beats reporter: a lead who reports their own slip still acts as a lead."""
    if user in incident.chain or (incident.owner is not None and user == incident.owner):
        return Role.BOSS
    if user in admins:
        return Role.ADMIN
    if user == incident.reporter:
        return Role.REPORTER
    return Role.OTHER


def may(user: str, incident: Incident, act: Act, *, admins: list[str]) -> bool:
    if act is Act.FELT_SUPPORTED:
        # Whether they felt supported is the reporter's own answer, even when the reporter is
        # also in the chain (a lead reporting their own slip): nobody may answer for them.
        return user == incident.reporter
    return role_of(user, incident, admins=admins) in _MAY[act]


def check(move: Move, state: State, role: Role, *, acknowledged: bool = True) -> State:
    """The state after `move`, or Refused saying why (wrong person, or wrong moment).

    A reporter may close an incident only once someone above them has acknowledged it:
    otherwise resolving would silence the escalation before any boss has seen it.
    """
    allowed = _RULES.get((move, state))
    if allowed is None:
        raise Refused(move, state, role, "wrong_state")
    if role not in allowed:
        raise Refused(move, state, role, "not_allowed" if role is Role.OTHER else "needs_boss")
    if move is Move.RESOLVE and role is Role.REPORTER and not acknowledged:
        raise Refused(move, state, role, "needs_boss")
    return TARGET[move]


def next_moves(state: State, role: Role = Role.REPORTER) -> list[Move]:
    """The buttons worth showing: moves this person could make from this state."""
    return [m for m in Move if role in _RULES.get((m, state), frozenset())]
