"""The Slack edge: Bolt wiring, Block Kit, and the outbound sender. Nothing else imports slack_*."""
