"""Ticket Tailor allow-lists: every value of every field that reaches a verdict, and what it means.

Fail closed (issue 12): a value that is not listed here never admits. The ticket is kept as
`TicketStatus.UNRECOGNISED` with the raw value in `provider_state`, and the door says "Check with a
supervisor: Ticket Tailor says '<value>'". Each entry cites where the value is documented:
`tests/fixtures/provider-docs/tickettailor-api-v1.txt` (doc:LINE) or `docs/providers.md` for the
spellings real traffic uses. `tests/conformance/test_tickettailor_conformance.py` checks every
citation against the document and every value against the mapper.
"""
from __future__ import annotations

from dataclasses import dataclass

from checkin_app.domain.models import TicketStatus

DOC = "tests/fixtures/provider-docs/tickettailor-api-v1.txt"


@dataclass(frozen=True)
class Meaning:
    """What one documented value means at the door."""

    status: TicketStatus
    void_reason: str | None = None
    attention: str | None = None


VALID = Meaning(TicketStatus.VALID)

#: Issued ticket `status`. The response schema spells the void `void`; the list filter and real
#: traffic spell it `voided` (docs/providers.md): both void. `voided_at` set voids whatever this says.
ISSUED_TICKET_STATUS: dict[str, Meaning] = {
    "valid": VALID,  # doc:430, doc:1649, doc:1794, doc:1917
    "void": Meaning(TicketStatus.VOID, "voided in Ticket Tailor"),  # doc:431, doc:1650, doc:1795, doc:1918
    "voided": Meaning(TicketStatus.VOID, "voided in Ticket Tailor"),  # doc:1578 (list filter); docs/providers.md [real]
}

#: Order `status` (doc:390 "Possible states of the order"); it applies to every ticket of the order.
ORDER_STATUS: dict[str, Meaning] = {
    "completed": VALID,  # doc:445
    # Pay at the door, or an offline payment not yet confirmed: admit, and say so.
    "pending": Meaning(TicketStatus.VALID, attention="payment pending"),  # doc:446
    "cancelled": Meaning(TicketStatus.VOID, "order cancelled"),  # doc:447
}

#: Order `line_items[].type` (doc:378 says what each means; values doc:434-439). `void` "means ticket
#: was voided after the purchase": evidence of a void the tickets must account for.
LINE_ITEM_TYPES = frozenset({
    "ticket",  # doc:434
    "transaction_charge",  # doc:435
    "void",  # doc:436
    "tax",  # doc:437
    "gift_card",  # doc:438
    "donation",  # doc:439
})

#: Issued ticket `checked_in` (string booleans, doc:428-429; docs/providers.md [real]).
CHECKED_IN = {"true": True, "false": False}  # doc:428, doc:429

#: Event `status` (doc:1131-1139). None of them refuses the event's tickets; an unknown one does
#: (fail closed), and EVENT.DELETED refuses them "event cancelled".
EVENT_STATUS = frozenset({
    "draft",  # doc:1131
    "published",  # doc:1132
    "sales_closed",  # doc:1133
    "on_sale",  # doc:1134
    "sold_out",  # doc:1135
    "unavailable",  # doc:1136
    "hidden",  # doc:1137
    "admin_only",  # doc:1138
    "locked",  # doc:1139
})

#: Webhook topics (doc:3483-3498 lists Order / Issued ticket / Event with Created, Updated, Deleted;
#: the envelope spells them `ORDER.CREATED`..., docs/providers.md [real]).
WEBHOOK_TOPICS = {
    "ORDER.CREATED": "order",  # doc:3486
    "ORDER.UPDATED": "order",  # doc:3487 "This includes cancelling an order."
    "ISSUED_TICKET.CREATED": "issued_ticket",  # doc:3491
    "ISSUED_TICKET.UPDATED": "issued_ticket",  # doc:3492 "This includes voiding issued tickets."
    "EVENT.CREATED": "event",  # doc:3496
    "EVENT.UPDATED": "event",  # doc:3497
    "EVENT.DELETED": "event_deleted",  # doc:3498
}
