"""Per-connection retry tuning shared by the pull adapters."""
from __future__ import annotations

from checkin_app.providers.http import RetryPolicy
from checkin_app.store.connections import Connection


def retry_policy(connection: Connection) -> RetryPolicy | None:
    """The connection's `retry` setting (e.g. {"base_delay": 0.2, "max_attempts": 8}), or None for the default."""
    settings = connection.settings.get("retry")
    return RetryPolicy(**settings) if settings else None
