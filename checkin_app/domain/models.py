"""Domain records shared by every layer: what providers deliver and what the door decides.

Standard library only. Providers map their payloads to `Event` and `Ticket`; the store persists
them; the rules turn a `TicketState` into a `Verdict`.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from checkin_app.domain.attention import TicketDetails
from checkin_app.domain.provider_facts import NAMES


#: How people call each provider (messages at the door say "via Ticket Tailor", not "tickettailor"):
#: read from each provider's facts (`domain/provider_facts.py`, part of its registry entry).
PROVIDER_NAMES = NAMES

#: The device recorded for a check-in made outside this app (the provider's own scanner or API),
#: seen on a pull; its door is the provider's name.
UPSTREAM_DEVICE = "upstream"


class TicketStatus(str, enum.Enum):
    VALID = "valid"
    VOID = "void"
    # The provider gave a value that is not on our allow-list for it (docs/providers.md): we do not
    # know what it means, so it never admits; `Ticket.provider_state` keeps the value for a supervisor.
    UNRECOGNISED = "unrecognised"


class TicketKind(str, enum.Enum):
    ADMISSION = "admission"
    PRODUCT = "product"  # merchandise, donations, Ticketsolve `PR:` codes: never admits
    GUEST_LIST = "guest_list"  # admitted by name, `party_size` people


class ConflictKind(str, enum.Enum):
    """What a supervisor's conflicts list holds (stored conflicts, then what the providers said)."""

    DOUBLE_ADMISSION = "double_admission"  # one ticket admitted at two doors (or a door and the provider)
    VOID_AFTER_ADMISSION = "void_after_admission"  # voided (box office or a door) after a door admitted it
    ADMISSION_AFTER_VOID = "admission_after_void"  # a door admitted it after another door voided it
    FORGED_ROW = "forged_row"  # two versions of one door's (device_id, seq) row
    PUSH_FAILED = "push_failed"  # the provider refused an act for good (from the outbox)
    UNRECOGNISED = "unrecognised"  # a provider value not on its allow-list (from the tickets)
    SET_ASIDE = "set_aside"  # a provider record that could not be mapped
    UNAPPLIED_DELIVERY = "unapplied_delivery"  # a webhook delivery kept but not applied
    # A stored kind this build does not know (a newer build wrote it): shown with its raw kind and
    # detail, never hidden.
    OTHER = "other"

    @classmethod
    def parse(cls, raw: str) -> "ConflictKind":
        try:
            return cls(raw)
        except ValueError:
            return cls.OTHER


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
    # The provider deleted or cancelled the event (Ticket Tailor EVENT.DELETED): its tickets are
    # refused "event cancelled" whatever their own status says.
    cancelled: bool = False
    # An event state the provider gave that we do not recognise (verbatim, e.g. "status: postponed"):
    # its tickets are refused "check with a supervisor" until the provider says something we know.
    unrecognised_state: str | None = None
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
    # The raw provider value that decided `status`, verbatim ("refunded"; for a field other than a
    # status, "<field>: <value>", e.g. "type: addon"). Kept in the store and shown to supervisors.
    provider_state: str | None = None
    # Why the ticket is void, in words ("event cancelled", "order cancelled", "returned").
    void_reason: str | None = None
    # A note shown with an admission ("payment pending").
    attention: str | None = None
    # The static code is not what the guest shows (1Ticket rotating barcodes): check by name and ID.
    rotating_code: bool = False
    # Answers to custom questions and provider metadata, read by attention rules (domain/attention.py).
    details: TicketDetails = field(default_factory=TicketDetails)
    # What its order says for attention (the buyer's answers at checkout, the order's add-ons), or
    # None when this record does not say (a ticket read without its order): the stored ones stay.
    order_details: TicketDetails | None = None
    raw: dict[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class RemoteCheckin:
    """A check-in made elsewhere (another app, the provider's own scanner), seen on a pull."""

    provider: str
    remote_id: str
    ticket_remote_id: str
    at: str  # ISO-8601 UTC
    quantity: int = 1


@dataclass(frozen=True)
class OrderState:
    """What the provider says about a whole order; it applies to every ticket of the order.

    A ticket whose own status is valid is still void when its order is cancelled (Ticket Tailor
    lists such tickets as `valid`), and admits with `attention` when its order is pending. Kept
    apart from the ticket's own status so that neither undoes the other.
    """

    provider: str
    remote_id: str  # the order id, as tickets carry it in `order_ref`
    status: TicketStatus
    provider_state: str | None = None  # e.g. "order status: cancelled"
    void_reason: str | None = None
    voided_at: str | None = None
    attention: str | None = None


@dataclass(frozen=True)
class SetAside:
    """A provider record a mapper could not map: kept with its reason instead of stopping the page.

    One bad record (an order without an event, an unparseable ticket) must not poison the page or
    the sync it came in: the mapper puts it here, the store keeps it (`set_aside_records`) and a
    supervisor sees it; everything else in the batch is applied.
    """

    provider: str
    record_kind: str  # "order", "issued_ticket", "purchase", ...
    remote_id: str | None
    reason: str
    raw: Any = field(default=None, compare=False)


@dataclass
class Batch:
    """What one payload or one pulled page maps to. Applying a batch twice changes nothing."""

    events: list[Event] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)
    checkins: list[RemoteCheckin] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)
    orders: list[OrderState] = field(default_factory=list)

    def extend(self, other: "Batch") -> None:
        self.events.extend(other.events)
        self.tickets.extend(other.tickets)
        self.checkins.extend(other.checkins)
        self.set_aside.extend(other.set_aside)
        self.orders.extend(other.orders)

    def __len__(self) -> int:
        # Set-aside records count: a page of nothing but unmappable records is not an empty page.
        return len(self.events) + len(self.tickets) + len(self.checkins) + len(self.set_aside) + len(self.orders)
