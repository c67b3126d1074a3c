"""Action and view ids: the contract between the messages we send and the handlers."""

CORRECT = "oops_correct"
ACK = "oops_ack"
TAKE = "oops_take"
ESCALATE = "oops_escalate"
APPROVE = "oops_approve_make_good"
REPORT_VIEW = "oops_report"
EDIT_VIEW = "oops_edit"
# lifecycle buttons and the resolve form
CONTACTED = "oops_contacted"
RESOLVE = "oops_resolve"
FOLLOWED_UP = "oops_followed_up"
RESOLVE_VIEW = "oops_resolve_view"
# one-tap answers to what triage was unsure about; the action id carries the question and answer
ANSWER = "oops_answer"
# after a resolve, the reporter's one-tap "did you feel supported?" (never shown to the boss)
SUPPORTED = "oops_supported"
# the message shortcut "Report with Owabi" (declared in the manifest)
REPORT_MESSAGE = "oops_report_message"
