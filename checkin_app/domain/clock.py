"""Timestamps as stored everywhere: ISO-8601, UTC, millisecond precision (sortable as text)."""
from __future__ import annotations

from datetime import datetime, timezone


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def from_unix(seconds: float | int | str | None) -> str | None:
    """A provider's unix timestamp as our ISO form; None, and anything that is not a time, is None."""
    if seconds in (None, "") or isinstance(seconds, bool):
        return None
    try:
        return datetime.fromtimestamp(float(seconds), timezone.utc).isoformat(timespec="milliseconds")
    except (TypeError, ValueError, OverflowError, OSError):  # "abc", [1], 1e300, year 10000: not a time
        return None
