"""Owabi (お詫び): guided apology-and-recovery for frontline staff, as a Slack app."""

__version__ = "0.1.0"
