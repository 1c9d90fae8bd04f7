"""Ticketor conformance: every documented value of every field that decides admission, with the door's
verdict, plus one undocumented value per field (refused "Check with a supervisor").

Fields that reach a verdict: the ticket's `Status`, and on "New Invoice (Sales) with Details" the
invoice's `InvoiceType` and `ReturnStatus`. Payloads are the document's own examples with one value
changed, mapped by the webhook mapper, applied to a real store and scanned.
"""
import copy
import json

import pytest

from checkin_app.providers import ticketor
from tests.conformance.facts import UNDOCUMENTED, Fact, check_cited, door_verdict
from tests.paths import REFERENCE

DOC = "ticketor-api-and-webhooks.txt"

FACTS = [
    # The ticket's own Status ("New Ticket Sale" and each of an invoice's Tickets[]).
    Fact("Status", "sold", f"{DOC}:316", "admitted", "New Ticket Sale"),
    Fact("Status", "sold", f"{DOC}:254", "admitted", "an invoice's Tickets[]"),
    Fact("Status", UNDOCUMENTED, "", "check_with_supervisor"),
    Fact("Status", None, "", "check_with_supervisor", "no Status at all"),
    # The invoice's type: a sale admits its sold tickets, a return voids the tickets it lists.
    Fact("InvoiceType", "Sale", f"{DOC}:147", "admitted"),
    Fact("InvoiceType", "Sale", f"{DOC}:79", "admitted", "New Invoice (Sales), without details"),
    Fact("InvoiceType", "Return", "docs/providers.md#Ticketor", "void"),
    Fact("InvoiceType", UNDOCUMENTED, "", "check_with_supervisor"),
    # The invoice's return status: only a whole return voids a ticket whose own Status is "sold".
    Fact("ReturnStatus", "NotReturned", f"{DOC}:149", "admitted"),
    Fact("ReturnStatus", "NotReturned", f"{DOC}:81", "admitted", "New Invoice (Sales), without details"),
    Fact("ReturnStatus", "PartiallyReturned", "docs/providers.md#Ticketor", "admitted", "its sold tickets still admit"),
    Fact("ReturnStatus", "Returned", "docs/providers.md#Ticketor", "void"),
    Fact("ReturnStatus", UNDOCUMENTED, "", "check_with_supervisor"),
]


def load(name):
    return json.loads((REFERENCE / name).read_text())


def payload(fact: Fact) -> dict:
    if fact.field == "Status" and fact.cite.endswith(":316"):
        sale = load("ticketor-new-ticket-sale.json")
        sale["Status"] = fact.value
        return sale
    invoice = copy.deepcopy(load("ticketor-new-invoice-with-details.json"))
    if fact.field == "Status":
        invoice["Tickets"][0]["Status"] = fact.value
    else:
        invoice[fact.field] = fact.value
    return invoice


@pytest.mark.parametrize("fact", FACTS, ids=str)
def test_every_documented_value_and_one_undocumented(tmp_path, fact):
    check_cited(fact)
    body = payload(fact)
    if fact.value is None:
        del (body if "Barcode" in body else body["Tickets"][0])["Status"]
    batch = ticketor.map_any(body)
    code = batch.tickets[0].code
    verdict = door_verdict(tmp_path, batch, code)
    assert verdict["verdict"] == fact.verdict, verdict["message"]
    if fact.verdict == "check_with_supervisor":
        raw = "no status" if fact.value is None else fact.value
        assert f"Ticketor says '{'' if fact.field == 'Status' else fact.field + ': '}{raw}'" in verdict["message"]


def test_a_partly_returned_invoice_voids_only_the_tickets_it_returns(tmp_path):
    """Defect 6: the ticket's own Status decides; the invoice-level flag does not void its sold tickets."""
    invoice = copy.deepcopy(load("ticketor-new-invoice-with-details.json"))
    kept = invoice["Tickets"][0]
    returned = {**copy.deepcopy(kept), "Id": kept["Id"] + 1, "Barcode": "278592012", "Status": "returned"}
    invoice.update(ReturnStatus="PartiallyReturned", Tickets=[kept, returned])
    batch = ticketor.map_any(invoice)
    assert door_verdict(tmp_path, batch, "278592011")["verdict"] == "admitted"
    refused = door_verdict(tmp_path, batch, "278592012")
    assert refused["verdict"] == "check_with_supervisor" and "Ticketor says 'returned'" in refused["message"]
