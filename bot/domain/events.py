"""What the log records: every kind of event, by the name stored in `events.kind`.

One list, so a new kind is added here and a misspelt one is a type error, not a silent miss in
a summary. Values are the stored strings (a StrEnum compares equal to them).
"""

from __future__ import annotations

import hashlib
from enum import StrEnum


class Event(StrEnum):
    ACKNOWLEDGED = "acknowledged"
    ADMIN_ALERTED = "admin_alerted"
    ALREADY_ACKNOWLEDGED = "already_acknowledged"
    ANSWERED = "answered"
    BOSS_DM_QUEUED = "boss_dm_queued"
    COACH_REVIEW = "coach_review"
    CONTACTED = "contacted"
    DUPLICATE_REPORT = "duplicate_report"
    EDITED = "edited"
    ESCALATE_REQUESTED = "escalate_requested"
    ESCALATED = "escalated"
    FELT_SUPPORTED = "felt_supported"
    FOLLOW_UP_REMINDER_QUEUED = "follow_up_reminder_queued"
    FOLLOWED_UP = "followed_up"
    HOME_ANSWER_QUEUED = "home_answer_queued"
    MAKE_GOOD_APPROVED = "make_good_approved"
    MESSAGE_FAILED = "message_failed"
    MESSAGE_QUEUED = "message_queued"  # any other message, with its purpose
    MESSAGE_SENT = "message_sent"
    PRACTICE_STARTED = "practice_started"
    REFUSED = "refused"
    REMINDER_QUEUED = "reminder_queued"
    REPLANNED = "replanned"
    REPORTED = "reported"
    REPORTER_TOLD_REROUTED = "reporter_told_rerouted"
    REPORTER_TOLD_UNACKNOWLEDGED = "reporter_told_unacknowledged"
    REROUTED = "rerouted"
    RESOLVED = "resolved"
    SCRIPT_DM_QUEUED = "script_dm_queued"
    SUMMARY_QUEUED = "summary_queued"
    SUPPORTED_ASKED = "supported_asked"
    TAKEN = "taken"


def payload_sha(payload_json: str) -> str:
    """The digest an event keeps of the message it queued, so the audit can match the two."""
    return hashlib.sha256(payload_json.encode("utf-8")).hexdigest()
