"""Domain records shared by every layer: what providers deliver and what the door decides.

Standard library only. Providers map their payloads to `Event` and `Ticket`; the store persists
them; the rules turn a `TicketState` into a `Verdict`.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Provider(str, enum.Enum):
    TICKETTAILOR = "tickettailor"
    TICKETOR = "ticketor"
    TICKETSOLVE = "ticketsolve"
    ONETICKET = "oneticket"
    TICKETEVOLUTION = "ticketevolution"
    LOCAL = "local"


#: How people call each provider (messages at the door say "via Ticket Tailor", not "tickettailor").
PROVIDER_NAMES = {
    "tickettailor": "Ticket Tailor", "ticketor": "Ticketor", "ticketsolve": "Ticketsolve",
    "oneticket": "1Ticket", "ticketevolution": "Ticket Evolution", "local": "this door",
}

#: The device recorded for a check-in made outside this app (the provider's own scanner or API),
#: seen on a pull; its door is the provider's name.
UPSTREAM_DEVICE = "upstream"


class TicketStatus(str, enum.Enum):
    VALID = "valid"
    VOID = "void"


class TicketKind(str, enum.Enum):
    ADMISSION = "admission"
    PRODUCT = "product"  # merchandise, donations, Ticketsolve `PR:` codes: never admits
    GUEST_LIST = "guest_list"  # admitted by name, `party_size` people


class TicketSource(str, enum.Enum):
    REMOTE = "remote"
    LOCAL = "local"  # walk-up issued at this door, not yet known upstream


@dataclass(frozen=True)
class Event:
    """One provider event, its id kept verbatim.

    Times are ISO-8601 strings as the provider gives them (with offset where known).
    """

    provider: str
    remote_id: str
    name: str
    starts_at: str | None = None
    ends_at: str | None = None
    venue: str | None = None
    timezone: str | None = None
    raw: dict[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Ticket:
    """One admission code (or product / guest-list entry) as the provider issued it.

    `code` is exactly as issued: case is significant and never changed. `event_remote_id`
    refers to `Event.remote_id` of the same provider.
    """

    provider: str
    remote_id: str | None
    event_remote_id: str
    code: str
    holder_name: str | None = None
    email: str | None = None
    ticket_type: str | None = None
    order_ref: str | None = None
    seat: str | None = None
    status: TicketStatus = TicketStatus.VALID
    voided_at: str | None = None
    kind: TicketKind = TicketKind.ADMISSION
    party_size: int = 1
    # Checked in upstream (the provider's flag or last-scan time); None when not, or unknown.
    checked_in_at: str | None = None
    raw: dict[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class RemoteCheckin:
    """A check-in made elsewhere (another app, the provider's own scanner), seen on a pull."""

    provider: str
    remote_id: str
    ticket_remote_id: str
    at: str  # ISO-8601 UTC
    quantity: int = 1


@dataclass
class Batch:
    """What one payload or one pulled page maps to. Applying a batch twice changes nothing."""

    events: list[Event] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)
    checkins: list[RemoteCheckin] = field(default_factory=list)

    def extend(self, other: "Batch") -> None:
        self.events.extend(other.events)
        self.tickets.extend(other.tickets)
        self.checkins.extend(other.checkins)

    def __len__(self) -> int:
        return len(self.events) + len(self.tickets) + len(self.checkins)
