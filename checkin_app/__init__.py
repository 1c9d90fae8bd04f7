"""checkin_app: door scanning and check-in for live events."""

__version__ = "0.1.0"
