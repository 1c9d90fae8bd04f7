"""Ticketor and Ticketsolve mappers against the issue's rules, on the providers' own examples."""
import json

import pytest

from checkin_app.domain.models import TicketKind, TicketStatus
from checkin_app.errors import PayloadError
from checkin_app.providers import ticketor, ticketsolve
from tests.paths import REFERENCE


def load(name):
    return json.loads((REFERENCE / name).read_text())


@pytest.mark.parametrize("topic", ["order.created", "shows.order.created", "show.order.created", "event.order.created"])
def test_every_ticketsolve_order_topic_maps_the_order(topic):
    envelope = {**load("ticketsolve-order-created.json"), "type": topic}
    batch = ticketsolve.map_webhook(envelope)
    by_code = {t.code: t for t in batch.tickets}
    assert set(by_code) == {"UQE2BK7L1G", "53KIRV9QM4", "PR:BG3IXCQIRV"}  # booking charges skipped
    assert by_code["UQE2BK7L1G"].kind is TicketKind.ADMISSION and by_code["UQE2BK7L1G"].seat == "Stalls Left H 2"
    assert by_code["PR:BG3IXCQIRV"].kind is TicketKind.PRODUCT
    assert by_code["UQE2BK7L1G"].event_remote_id == "128395329" and batch.events[0].venue == "Royal Theatre"


def test_ticketsolve_refuses_topics_it_does_not_read():
    with pytest.raises(PayloadError, match="order.refunded"):
        ticketsolve.map_webhook({**load("ticketsolve-order-created.json"), "type": "order.refunded"})


def test_ticketor_ticket_sale_keeps_the_numeric_barcode_seat_price_level_and_event():
    batch = ticketor.map_any(load("ticketor-new-ticket-sale.json"))
    t = batch.tickets[0]
    assert (t.code, t.seat, t.ticket_type, t.status) == ("9971217295658", "a / 1 / 1", "VIP", TicketStatus.VALID)
    assert (t.event_remote_id, batch.events[0].starts_at) == ("154112", "2020-06-01T03:00:00Z")
    assert ticketor.map_any({**load("ticketor-new-ticket-sale.json"), "Barcode": 97100}).tickets[0].code == "97100"


@pytest.mark.parametrize("change, shown", [({"Status": "returned"}, "returned"), ({"Status": "refunded"}, "refunded"),
                                           ({"Status": ""}, "(empty)")])
def test_ticketor_tickets_not_sold_never_admit_and_keep_what_ticketor_said(change, shown):
    ticket = ticketor.map_any({**load("ticketor-new-ticket-sale.json"), **change}).tickets[0]
    assert (ticket.status, ticket.provider_state) == (TicketStatus.UNRECOGNISED, shown)


@pytest.mark.parametrize("change", [{"InvoiceType": "Return"}, {"ReturnStatus": "Returned"}])
def test_ticketor_returned_invoices_void_their_tickets(change):
    invoice = {**load("ticketor-new-invoice-with-details.json"), **change}
    assert [(t.status, t.void_reason[:8]) for t in ticketor.map_any(invoice).tickets] == [(TicketStatus.VOID, "returned")]
    assert ticketor.map_any(load("ticketor-new-invoice-with-details.json")).tickets[0].status is TicketStatus.VALID


def test_ticketor_partly_returned_invoice_keeps_its_sold_tickets():
    invoice = {**load("ticketor-new-invoice-with-details.json"), "ReturnStatus": "PartiallyReturned"}
    assert ticketor.map_any(invoice).tickets[0].status is TicketStatus.VALID


def test_ticketor_an_unknown_object_is_a_payload_error_not_a_crash():
    with pytest.raises(PayloadError, match="not a Ticketor payload"):
        ticketor.map_any({"Something": 1})
