"""The lifecycle over signed HTTP: lifecycle buttons, the resolve form, refusals, follow-up, lessons."""

from __future__ import annotations

import json
from collections.abc import Callable

from bot.domain.model import State
from bot.slack import ids
from tests.conftest import ADMIN, LEAD, MANAGER, STAFF, STRANGER, Harness
from tests.lifecycle_helpers import (
    FAST_FOLLOW_UP_POLICY,
    action_ids,
    press,
    resolve,
)

RESOLUTION = {
    "what_happened": "the courier slot was booked for the wrong day",
    "what_we_did": "re-sent by express and refunded shipping",
    "what_changes": "second person checks the courier date before dispatch",
    "lesson": "check courier dates against the order before dispatch",
}


def state(h: Harness, incident_id: int = 1) -> State:
    found = h.store.incidents.get(incident_id)
    assert found is not None
    return found.state


def test_reporter_contacts_then_resolves_with_a_lesson(owabi: Harness) -> None:
    reply = owabi.slack.command(STAFF, "the Tanaka order went out a day late")
    assert {ids.CONTACTED, ids.RESOLVE} <= set(action_ids(reply))

    seen = press(owabi, STAFF, ids.CONTACTED)
    assert any("Customer contacted" in t for t in seen)
    assert state(owabi) is State.CONTACTED

    owabi.slack.click(LEAD, ids.ACK, "1")  # a reporter closes only what a boss has seen
    assert owabi.wait_event("acknowledged")  # applied after the click is answered
    done = resolve(owabi, STAFF, 1, **RESOLUTION)
    assert done.status == 200 and done.json().get("response_action") is None
    assert state(owabi) is State.RESOLVED
    incident = owabi.store.incidents.get(1)
    assert incident is not None and incident.details["lesson"] == RESOLUTION["lesson"]
    assert incident.contacted_at is not None and incident.resolved_at is not None
    kinds = [e.kind for e in owabi.store.events.for_incident(1)]
    assert "contacted" in kinds and "resolved" in kinds
    resolved = next(e for e in owabi.store.events.for_incident(1) if e.kind == "resolved")
    assert resolved.actor == STAFF and resolved.data["what_changes"] == RESOLUTION["what_changes"]
    assert owabi.store.events.verify()[1] is None

    lessons = owabi.slack.command(STAFF, "lessons late_delivery")
    assert RESOLUTION["lesson"] in lessons.text and "OOPS-0001" in lessons.text
    assert "No lessons" in owabi.slack.command(STAFF, "lessons billing_error").text


def test_lessons_are_newest_first(owabi: Harness) -> None:
    for n, text in enumerate(["order one was late", "order two was late"], 1):
        owabi.slack.command(STAFF, text)
        resolve(owabi, LEAD, n, what_happened="x", lesson=f"lesson number {n}")
        assert owabi.wait_for(lambda k=n: state(owabi, k) is State.RESOLVED)  # type: ignore[misc]
    listed = owabi.slack.command(STAFF, "lessons").text
    assert listed.index("lesson number 2") < listed.index("lesson number 1")


def test_refusals_are_polite_private_and_logged(owabi: Harness) -> None:
    owabi.slack.command(STAFF, "wrong item sent to Mr Sato")
    # a stranger may do nothing
    seen = press(owabi, STRANGER, ids.CONTACTED)
    assert any("Sorry" in t for t in seen) and state(owabi) is State.REPORTED
    # the reporter may not close what no boss has looked at
    seen = press(owabi, STAFF, ids.RESOLVE)
    assert any("needs a manager" in t for t in seen)
    assert not owabi.standin.calls("views.open")
    # follow-up before resolution is the wrong moment
    seen = press(owabi, LEAD, ids.FOLLOWED_UP)
    assert any("can't be recorded" in t for t in seen)
    refused = [e for e in owabi.store.events.for_incident(1) if e.kind == "refused"]
    assert [(e.actor, e.data["reason"]) for e in refused] == [
        (STRANGER, "not_allowed"),
        (STAFF, "needs_boss"),
        (LEAD, "wrong_state"),
    ]
    for call in owabi.standin.calls("response_url"):
        assert call.args.get("response_type") == "ephemeral"
    # a boss may resolve straight from reported; pressing "contacted" afterwards is refused
    resolve(owabi, MANAGER, what_happened="picked from the wrong shelf", lesson="label shelves")
    assert owabi.wait_for(lambda: state(owabi) is State.RESOLVED)
    assert any("can't be recorded" in t for t in press(owabi, STAFF, ids.CONTACTED))


def test_resolution_by_a_stranger_is_refused_even_by_a_forged_submission(owabi: Harness) -> None:
    owabi.slack.command(STAFF, "billing error on invoice 12")
    incident = owabi.store.incidents.get(1)
    assert incident is not None
    view = json.loads(json.dumps(owabi.runtime.service.compose.reporter(incident)))
    assert view  # the app built it
    from bot.slack.compose import composer_of

    form = composer_of(owabi.runtime.service).lifecycle.resolve_form(incident)
    reply = owabi.slack.submit(STRANGER, form, {"what_happened": "x"})
    assert reply.json().get("response_action") == "errors"
    assert state(owabi) is State.REPORTED


def test_follow_up_reminder_reaches_whoever_the_card_named(
    harness: Callable[..., Harness],
) -> None:
    """A medium slip: the card told the staffer to contact the customer again; the reminder
    goes to the staffer, with the customer message filled from the resolution."""
    h = harness(FAST_FOLLOW_UP_POLICY)
    h.slack.command(STAFF, "the Tanaka order went out a day late")
    resolve(h, ADMIN, 1, **RESOLUTION)
    assert h.wait_for(
        lambda: any("contact the customer again" in json.dumps(c.args).lower() for c in h.standin.dms_to(STAFF)),
        timeout=8,
    )
    dm = next(c for c in h.standin.dms_to(STAFF) if "contact the customer again" in json.dumps(c.args).lower())
    assert RESOLUTION["what_changes"] in json.dumps(dm.args, ensure_ascii=False)
    assert ids.FOLLOWED_UP in json.dumps(dm.args)
    assert not any("contact the customer again" in json.dumps(c.args).lower() for c in h.standin.dms_to(LEAD))
    press(h, STAFF, ids.FOLLOWED_UP)
    assert state(h) is State.FOLLOWED_UP
    assert h.store.events.count("followed_up") == 1


def test_app_home_shows_open_incidents_and_the_next_button(owabi: Harness) -> None:
    owabi.slack.command(STAFF, "the Tanaka order went out a day late")
    assert owabi.slack.event({"type": "app_home_opened", "user": STAFF, "tab": "home"}).status == 200
    assert owabi.wait_for(lambda: owabi.standin.calls("views.publish"))
    view = owabi.standin.calls("views.publish")[-1].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    text = json.dumps(view, ensure_ascii=False)
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    assert "OOPS-0001" in text and "Customer contacted" in text and ids.CONTACTED in text
    owabi.slack.event({"type": "app_home_opened", "user": LEAD, "tab": "home"})

    def lead_homes() -> list[str]:
        return [
            json.dumps(c.args["view"], ensure_ascii=False)
            for c in owabi.standin.calls("views.publish")
            if c.args.get("user_id") == LEAD
        ]

    assert owabi.wait_for(lead_homes)
    boss_view = lead_homes()[-1]
    assert "team" in boss_view.lower() and "OOPS-0001" in boss_view


def test_reporter_cannot_close_what_no_boss_has_acknowledged(owabi) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import STAFF

    owabi.slack.command(STAFF, "customer got the wrong size shoes")
    owabi.slack.click(STAFF, "oops_contacted", "1")
    assert owabi.wait_for(lambda: (i := owabi.store.incidents.get(1)) is not None and i.state.value == "contacted")
    owabi.slack.click(STAFF, "oops_resolve", "1")
    assert owabi.wait_event("refused")  # the click's effect, not a guess at how long it takes
    incident = owabi.store.incidents.get(1)
    assert incident is not None and incident.state.value == "contacted"
    assert not owabi.standin.calls("views.open")
    assert owabi.store.jobs.rows(kind="escalate")


def test_resolve_form_shows_report_text_defused(owabi: Harness) -> None:
    import json

    owabi.slack.command(STAFF, "late order <https://evil.example|refund form> <!channel>")
    owabi.slack.click(LEAD, ids.RESOLVE, "1")
    opened = owabi.wait_for(lambda: owabi.standin.calls("views.open"))
    assert opened
    shown = json.dumps(owabi.standin.calls("views.open")[-1].args)
    assert "<!channel>" not in shown and "<https://evil.example|" not in shown
