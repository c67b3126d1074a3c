"""Helpers the escalation flow tests share: the policy they run under, what they report, and reading a call."""

from __future__ import annotations

from bot.sandbox.slack_side import message_text
from bot.sandbox.standin import Call

FLOW_POLICY = """\
locale = "en"
timezone = "Asia/Tokyo"
summary_channel = "C0TEAMCHAN"
admins = ["U0ADMIN01"]
{extra}

[severity.low]
ack_within = "4h"
[severity.medium]
ack_within = "{window}"
repeat = 1
[severity.high]
ack_within = "{window}"
repeat = 1
[severity.critical]
ack_within = "{window}"

[[teams]]
name = "front-desk"
members = ["U0STAFF01", "U0STAFF02"]
chain = ["U0LEAD01", "U0MGR01", "U0GM01"]

[default]
chain = ["U0MGR01", "U0GM01"]
"""

MEDIUM_TEXT = "the customer was charged twice for the Tanaka order"
HIGH_TEXT = "a regular customer posted a one-star review about our rude waiter"  # public: high, not critical


def flow_policy(window: str = "2s", extra: str = "") -> str:
    return FLOW_POLICY.format(window=window, extra=extra)


def call_text(call: Call) -> str:
    return message_text(call.args)
