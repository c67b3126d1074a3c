"""Pure domain logic: no Slack, SQLite or template imports, so every rule is a table test."""
