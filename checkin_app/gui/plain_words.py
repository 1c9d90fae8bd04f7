"""Door-staff wording for machine facts: network errors, list age, an unknown code on an old list.

One place turns "tickettailor: cannot reach the server (ConnectError: [Errno -2] Name or service
not known)" into "No internet. Scanning continues from the list downloaded at 19:02.", so no
errno, exception class or library name reaches the status strip, the door or a message box.
Pure functions (no Qt): the status strip, the door view and the task lanes call them.
"""
from __future__ import annotations

import re
from datetime import datetime

from checkin_app.services.status import DoorStatus

# What the provider client says when the network itself failed (providers/http.py wraps httpx's
# transport errors as "cannot reach the server (ConnectError: ...)"), and the OS errors under them.
_NO_NETWORK = re.compile(r"cannot reach the server|Name or service not known|Temporary failure in name resolution|"
                         r"nodename nor servname|getaddrinfo failed|Network is unreachable|No route to host|"
                         r"ConnectError|ConnectTimeout|\[Errno -?\d+\]", re.IGNORECASE)
_NO_ANSWER = re.compile(r"ReadTimeout|WriteTimeout|PoolTimeout|timed out|no answer to", re.IGNORECASE)
_REFUSED = re.compile(r"Connection refused", re.IGNORECASE)
# Leftovers that mean nothing to door staff: "(ConnectError: [Errno -2] ...)", "[SSL: ...]".
_JARGON = re.compile(r"\s*\((?:\w+(?:Error|Timeout|Exception)):[^)]*\)|\s*\[(?:Errno -?\d+|SSL[^\]]*)\][^;)]*")


def clock(iso: str | None) -> str | None:
    """"19:02" in this laptop's time for an ISO time; None when there is none (or it is unreadable)."""
    if not iso:
        return None
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%H:%M")
    except ValueError:
        return None


def list_downloaded_at(status: DoorStatus | None) -> str | None:
    """When the oldest admitted list was last downloaded ("19:02")."""
    if not status or not status.lists:
        return None
    times = [item.refreshed_at for item in status.lists]
    if any(t is None for t in times):
        return None
    return clock(min(t for t in times if t is not None))


def continues_from(status: DoorStatus | None) -> str:
    at = list_downloaded_at(status)
    return f"Scanning continues from the list downloaded at {at}." if at else \
        "Scanning continues from the lists on this laptop."


def plain_error(text: str, status: DoorStatus | None = None) -> str:
    """A provider or network error in words door staff can act on.

    Args:
        text: the error as the client or sync wrote it.
        status: the door's status, for the time of the list in use.
    """
    if _REFUSED.search(text):
        return f"The box office's server is not answering (connection refused). {continues_from(status)}"
    if _NO_ANSWER.search(text) and not re.search(r"ConnectError|Errno", text):
        return f"The box office did not answer in time. {continues_from(status)}"
    if _NO_NETWORK.search(text):
        return f"No internet. {continues_from(status)}"
    return _JARGON.sub("", text).strip()


def unknown_reason(status: DoorStatus | None) -> str | None:
    """The reason for an unknown code when the list may be behind (offline or stale); None when it is fresh."""
    if not status or not (status.stale or status.online is False):
        return None
    at = list_downloaded_at(status)
    where = f"the list downloaded at {at}" if at else "the list on this laptop"
    return f"Not on {where}: may be a new purchase"
