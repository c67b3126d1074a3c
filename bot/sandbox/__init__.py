"""A local stand-in for Slack, used by `owabi demo` and by the tests: no account, no network."""
