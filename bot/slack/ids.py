"""Action and view ids: the contract between the messages we send and the handlers."""

CORRECT = "oops_correct"
ACK = "oops_ack"
TAKE = "oops_take"
ESCALATE = "oops_escalate"
REPORT_VIEW = "oops_report"
EDIT_VIEW = "oops_edit"
