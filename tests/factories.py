"""Small builders for tests: a store with a couple of events and tickets, through the real code."""
from __future__ import annotations

from checkin_app.domain.models import Batch, Event, Ticket, TicketKind, TicketStatus
from checkin_app.store import Store
from checkin_app.store.tickets import apply_batch

NIGHT_ONE = Event("tickettailor", "ev_1", "Night one", starts_at="2026-11-24T19:00:00+00:00")
NIGHT_TWO = Event("tickettailor", "ev_2", "Night two", starts_at="2026-11-25T19:00:00+00:00")


def ticket(code: str, event: Event = NIGHT_ONE, remote_id: str | None = None, **kw) -> Ticket:
    return Ticket(provider=event.provider, remote_id=remote_id if remote_id is not None else f"it_{code}",
                  event_remote_id=event.remote_id, code=code, **kw)


def seeded_store(path) -> Store:
    store = Store(path)
    batch = Batch(
        events=[NIGHT_ONE, NIGHT_TWO],
        tickets=[
            ticket("al4R5", holder_name="Ada Lovelace", email="ada@example.com", ticket_type="GA"),
            ticket("AL4R5", holder_name="Upper Case", email="upper@example.com"),  # differs only by case
            ticket("R59xesv", holder_name="Joe Griffiths", email="test111@test111.com", seat="Stalls A 1"),
            ticket("VOIDED1", status=TicketStatus.VOID, voided_at="2026-11-24T18:00:00+00:00"),
            ticket("PR:BG3IXCQIRV", kind=TicketKind.PRODUCT),
            ticket("TEVO-1", holder_name="Party of four", kind=TicketKind.GUEST_LIST, party_size=4),
            ticket("n2only", NIGHT_TWO, holder_name="Second Night"),
        ],
    )
    with store.transaction() as conn:
        apply_batch(conn, batch)
    return store
