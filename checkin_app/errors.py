"""Errors the user can act on. Anything not derived from `CheckinError` is a bug.

The CLI prints a `CheckinError` as one line and exits 2; the GUI shows it as a message. Other
exceptions reach the crash handler with the log tail. Messages never contain secrets.
"""


class CheckinError(Exception):
    """An error caused by the environment or the input, not by a bug."""


class PayloadError(CheckinError):
    """A payload (file, webhook body, API page) that cannot be read or mapped."""


class InvalidCode(CheckinError):
    """A scanned code that cannot be a ticket code at all (empty, oversized)."""


class StoreError(CheckinError):
    """The data dir or database cannot be used (read-only, not SQLite, full disk)."""


class NotFound(CheckinError):
    """A named thing (code, event, connection) does not exist locally."""


class ConfigError(CheckinError):
    """A connection or setting is missing or unusable (no key, unknown provider)."""


class ProviderError(CheckinError):
    """A provider answered with an error.

    Args:
        message: the provider's message, shown to a supervisor.
        status: the HTTP status, or None for network-level failures.
        permanent: True when retrying cannot help (4xx except 408/429).
    """

    def __init__(self, message: str, status: int | None = None, permanent: bool = False):
        super().__init__(message)
        self.status = status
        self.permanent = permanent


class AuthError(ProviderError):
    """The provider refused the credentials (401/403)."""

    def __init__(self, message: str, status: int | None = 401):
        super().__init__(message, status=status, permanent=True)
