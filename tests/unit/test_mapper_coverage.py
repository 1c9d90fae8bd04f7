"""Every JSON example in the providers' docs and every recorded real payload goes through the mappers
(scripts/bench/mapper_coverage.py prints the table): ticket-bearing examples map to the right tickets,
the rest are refused with a reason, never guessed at."""
from checkin_app.domain.models import TicketStatus
from checkin_app.providers import oneticket
from scripts.bench.mapper_coverage import collect, json_examples, summary
from tests.paths import PROVIDER_DOCS


def test_every_reference_example_is_classified():
    examples = collect()
    table = summary(examples)
    assert {p: c["examples"] for p, c in table.items()} == {
        "oneticket": 16, "ticketevolution": 3, "ticketor": 6, "ticketsolve": 3, "tickettailor": 33}
    # Webhook providers: every example is either mapped or recognised as carrying no tickets.
    for provider in ("ticketor", "ticketsolve"):
        assert table[provider].get("not_read", 0) == 0, provider
    assert (table["ticketor"]["mapped"], table["ticketor"]["tickets"]) == (2, 2)
    assert (table["ticketsolve"]["mapped"], table["ticketsolve"]["tickets"]) == (2, 3)
    assert table["tickettailor"]["mapped"] == 11 and table["tickettailor"]["tickets"] == 17
    assert table["oneticket"]["mapped"] == 2 and table["oneticket"]["tickets"] == 1
    real = [e for e in examples if e.source.startswith("real/")]
    assert real and all(e.outcome == "mapped" for e in real)
    assert all(e.note for e in examples if e.outcome == "not_read")  # a reason for every refusal


def test_the_oneticket_doc_examples_map_seats_and_refund_eligibility_is_not_a_void():
    docs = [d for _, d in json_examples((PROVIDER_DOCS / "1ticket-legacy-api.txt").read_text())]
    getpdf = next(d for d in docs if isinstance(d, dict) and "seats" in (d.get("output") or [{}])[0])
    page = next(d for d in docs if isinstance(d, dict) and "purchases" in (d.get("output") or [{}])[0])
    purchase = oneticket.purchases(page)[0]
    assert purchase["attributes"]["refund"] == "true"  # eligible for a refund, not refunded
    # Its disclosures [45, 22, 88] are ids the document's table (1, 2, "...") does not name: with that
    # table alone they never admit; with the account's table naming them (not NOENTRY) they do.
    ticket = oneticket.map_purchase_seats(purchase, getpdf).tickets[0]
    assert (ticket.code, ticket.status, ticket.seat) == ("1353136914970530", TicketStatus.UNRECOGNISED, "SEC H Row 2 Seat 35")
    assert ticket.provider_state == "disclosure: 45"
    table = {**oneticket.DOC_DISCLOSURES, 22: "LIMVIEW", 45: "AISLE", 88: "ALCFREE"}
    assert oneticket.map_purchase_seats(purchase, getpdf, table).tickets[0].status is TicketStatus.VALID
    cancelled = {**purchase, "receipt": {**purchase["receipt"], "status": "Canceled"}}
    assert oneticket.map_purchase_seats(cancelled, getpdf, table).tickets[0].status is TicketStatus.VOID
