"""Provider data that attention rules read, checked against the providers' documents (cited by file
and line, the cited text read back) and the real recordings, through the mappers, a real store and
the verdict engine."""
import copy
import json

import pytest

from checkin_app.domain.attention import AttentionSetting, TicketDetails
from checkin_app.domain.models import Batch
from checkin_app.domain.rules import ScanContext, decide
from checkin_app.providers import ticketor, ticketsolve, tickettailor
from checkin_app.store import Store
from checkin_app.store.tickets import apply_batch, candidates
from tests.conformance.facts import cited_text
from tests.paths import REAL_TT, REFERENCE


def reference(name):
    return json.loads((REFERENCE / name).read_text(encoding="utf-8"))


def recorded(name):
    return json.loads((REAL_TT / name).read_text(encoding="utf-8"))["body"]


def stored(tmp_path, batch: Batch, code: str):
    """The ticket as the door reads it back from a real store."""
    with Store(tmp_path / "door") as store:
        with store.transaction() as conn:
            apply_batch(conn, batch)
        (state,) = candidates(store.conn, code)
    return state


def verdict(state, *rules, show=()):
    return decide([state], state.code, ScanContext(attention=AttentionSetting.from_texts(rules, show)))


# -- Ticket Tailor: custom questions and ticket types -------------------------------------------

def test_tickettailor_documents_custom_questions_on_the_buyer_and_on_each_issued_ticket():
    # The order's buyer_details (tickettailor-api-v1.txt:319-321) and each issued ticket (:355-357).
    for cite in ("tickettailor-api-v1.txt:319-321", "tickettailor-api-v1.txt:355-357"):
        text = cited_text(cite)
        assert "custom_questions" in text and "question | string" in text and "answer | string¦null" in text


def test_tickettailor_real_order_masked_answers_are_no_answers(tmp_path):
    # The real recording masks the buyer's answer as "****" (orders-1-orders.json, buyer_details).
    page = recorded("orders-1-orders.json")
    order = page["data"][0]
    assert order["buyer_details"]["custom_questions"] == [{"answer": "****", "question": "NIF (optional)"}]
    state = stored(tmp_path, tickettailor.map_order(order), "aH5YpPP")
    assert state.details == TicketDetails()
    # Its ticket type (the issued ticket's description, the ticket type's name in events-0) reaches the rules.
    assert state.ticket_type == "Deckchair Delight"
    v = verdict(state, "vip: ticket type contains deckchair", "id: answer to NIF (optional) is given")
    assert [n.text for n in v.attention] == ["VIP: ticket type Deckchair Delight"] and v.held


def test_tickettailor_answers_reach_the_store_ticket_first_then_buyer(tmp_path):
    order = copy.deepcopy(recorded("orders-1-orders.json")["data"][0])
    order["buyer_details"]["custom_questions"] = [{"answer": "PT123", "question": "NIF (optional)"},
                                                  {"answer": "No", "question": "Wheelchair space?"},
                                                  {"answer": None, "question": "Dietary needs"}]
    order["issued_tickets"][0]["custom_questions"] = [{"answer": "Yes", "question": "Wheelchair space?"}]
    state = stored(tmp_path, tickettailor.map_order(order), "aH5YpPP")
    assert state.details.answers == (("Wheelchair space?", "Yes"), ("NIF (optional)", "PT123"))
    v = verdict(state, "accessibility: answer to Wheelchair space? is yes -> Seat near the ramp",
                "answer to Dietary needs is given", show=["NIF (optional)", "Dietary needs"])
    assert [(n.kind.value, n.text) for n in v.attention] == [("accessibility", "Seat near the ramp")]
    assert v.answers == (("NIF (optional)", "PT123"), ("Dietary needs", "(no answer)"))
    other = candidates_of(tmp_path, "Ve2KC4D")  # same order, no answer of its own: the buyer's
    assert other.details.answers == (("NIF (optional)", "PT123"), ("Wheelchair space?", "No"))


def candidates_of(tmp_path, code):
    with Store(tmp_path / "door") as store:
        return candidates(store.conn, code)[0]


def test_tickettailor_a_later_page_without_answers_clears_them(tmp_path):
    order = copy.deepcopy(recorded("orders-1-orders.json")["data"][0])
    order["issued_tickets"][0]["custom_questions"] = [{"answer": "Yes", "question": "Wheelchair space?"}]
    stored(tmp_path, tickettailor.map_order(order), "aH5YpPP")
    order["issued_tickets"][0]["custom_questions"] = []
    assert stored(tmp_path, tickettailor.map_order(order), "aH5YpPP").details == TicketDetails()


# -- Ticketsolve: line item metadata -------------------------------------------------------------

def test_ticketsolve_metadata_fields_are_documented_where_cited():
    text = cited_text("ticketsolve-webhooks.txt:74-86")
    for field in ('"tags"', '"comment"', '"price_type": "Full"', '"row": "H"', '"section": "Stalls Left"'):
        assert field in text


def test_ticketsolve_metadata_reaches_the_rules(tmp_path):
    payload = reference("ticketsolve-order-created.json")
    state = stored(tmp_path, ticketsolve.map_webhook(payload), "UQE2BK7L1G")
    meta = dict(state.details.metadata)
    assert meta["price_type"] == "Full" and meta["row"] == "H" and meta["section"] == "Stalls Left"
    assert "comment" not in meta  # "" is no comment (ticketsolve-webhooks.txt:79)
    assert state.ticket_type == "Full"  # price_type is the ticket type
    v = verdict(state, "metadata section starts with stalls -> Stalls: door 2", "metadata comment is given")
    assert [n.text for n in v.attention] == ["Stalls: door 2"]


def test_ticketsolve_product_comment_is_kept_for_the_door(tmp_path):
    # The donation line's comment (ticketsolve-webhooks.txt:133) and tags "giftaid" (:128).
    assert "We need a new loop system" in cited_text("ticketsolve-webhooks.txt:133")
    assert '"tags": "giftaid"' in cited_text("ticketsolve-webhooks.txt:128")
    state = stored(tmp_path, ticketsolve.map_webhook(reference("ticketsolve-order-created.json")), "PR:BG3IXCQIRV")
    meta = dict(state.details.metadata)
    assert meta["comment"].startswith("Thank you for your donation") and meta["tags"] == "giftaid"


# -- Ticketor: price levels ----------------------------------------------------------------------

def test_ticketor_price_levels_are_documented_where_cited():
    assert '"PriceLevelName": "VIP"' in cited_text("ticketor-api-and-webhooks.txt:323")
    assert '"PriceLevelName": ""' in cited_text("ticketor-api-and-webhooks.txt:261")
    assert '"DeliveryMethod": "Will-Call (Venue pickup)"' in cited_text("ticketor-api-and-webhooks.txt:265")


def test_ticketor_price_level_and_delivery_method_reach_the_rules(tmp_path):
    state = stored(tmp_path, ticketor.map_any(reference("ticketor-new-ticket-sale.json")), "9971217295658")
    assert state.ticket_type == "VIP" and dict(state.details.metadata) == {"price level": "VIP",
                                                                          "delivery method": "Direct"}
    v = verdict(state, "vip: price level is VIP", "add-on: metadata delivery method starts with will-call")
    assert [n.kind.value for n in v.attention] == ["vip"]


def test_ticketor_will_call_is_a_ticket_to_hand_over(tmp_path):
    batch = ticketor.map_any(reference("ticketor-new-invoice-with-details.json"))
    code = batch.tickets[0].code
    state = stored(tmp_path, batch, code)
    assert state.ticket_type is None  # "PriceLevelName": "" is no price level
    v = verdict(state, "add-on: metadata delivery method starts with will-call -> Hand over the printed ticket")
    assert [n.text for n in v.attention] == ["Hand over the printed ticket"]


@pytest.mark.parametrize("name", ["ticketor-new-ticket-sale.json", "ticketor-new-invoice-with-details.json"])
def test_reference_payloads_are_the_documents_examples(name):
    # The reference files are cut from the documents (tests/fixtures/reference/README.md).
    assert "Barcode" in json.dumps(reference(name))


def test_tickettailor_a_ticket_read_on_its_own_keeps_its_buyers_answers(tmp_path):
    # An issued-tickets page or ISSUED_TICKET webhook has no buyer_details: what the order said stays.
    order = copy.deepcopy(recorded("orders-1-orders.json")["data"][0])
    order["buyer_details"]["custom_questions"] = [{"answer": "PT123", "question": "NIF (optional)"}]
    stored(tmp_path, tickettailor.map_order(order), "aH5YpPP")
    alone = tickettailor.map_issued_ticket(order["issued_tickets"][0])
    assert alone.order_details is None
    assert stored(tmp_path, Batch(tickets=[alone]), "aH5YpPP").details.answers == (("NIF (optional)", "PT123"),)
    # The order again, its buyer's answer now masked: no answer any more.
    order["buyer_details"]["custom_questions"] = [{"answer": "****", "question": "NIF (optional)"}]
    assert stored(tmp_path, tickettailor.map_order(order), "aH5YpPP").details.answers == ()


# -- add-ons to hand over: what else the order bought --------------------------------------------

def test_ticketor_invoice_products_are_add_ons_of_its_tickets(tmp_path):
    text = cited_text("ticketor-api-and-webhooks.txt:280-289")
    assert '"ProductName": "T Shirt"' in text and '"Amount": 1' in text and '"ReturnedAmount": 0' in text
    batch = ticketor.map_any(reference("ticketor-new-invoice-with-details.json"))
    state = stored(tmp_path, batch, batch.tickets[0].code)
    assert state.details.add_ons == ("T Shirt ×1",)
    v = verdict(state, "add-on contains t shirt -> Hand over the T-shirt")
    assert [(n.kind.value, n.text) for n in v.attention] == [("add_on", "Hand over the T-shirt")]
    # A single "New Ticket Sale" says nothing of its invoice: nothing to hand over from it.
    single = stored(tmp_path, ticketor.map_any(reference("ticketor-new-ticket-sale.json")), "9971217295658")
    assert single.details.add_ons == ()


def test_ticketor_returned_products_are_not_handed_over(tmp_path):
    invoice = copy.deepcopy(reference("ticketor-new-invoice-with-details.json"))
    invoice["Products"][0]["ReturnedAmount"] = 1
    batch = ticketor.map_any(invoice)
    assert stored(tmp_path, batch, batch.tickets[0].code).details.add_ons == ()


def test_ticketsolve_product_lines_are_add_ons_of_the_orders_tickets(tmp_path):
    text = cited_text("ticketsolve-webhooks.txt:120-124")
    assert '"type": "product"' in text and '"name": "Support Us"' in text and '"quantity": 1' in text
    state = stored(tmp_path, ticketsolve.map_webhook(reference("ticketsolve-order-created.json")), "UQE2BK7L1G")
    assert state.details.add_ons == ("Support Us ×1",)
    v = verdict(state, "add-on: add-on is given")
    assert [n.text for n in v.attention] == ["Hand over: add-ons Support Us ×1"]


def test_tickettailor_add_on_tickets_are_add_ons_of_the_orders_admissions(tmp_path):
    order = copy.deepcopy(recorded("orders-1-orders.json")["data"][0])
    assert [t["add_on_id"] for t in order["issued_tickets"]] == [None, None]  # the recording: none
    assert stored(tmp_path, tickettailor.map_order(order), "aH5YpPP").details.add_ons == ()
    order["issued_tickets"][1].update(add_on_id="ao_1", description="Programme")
    batch = tickettailor.map_order(order)
    state = stored(tmp_path, batch, "aH5YpPP")
    assert state.details.add_ons == ("Programme ×1",)
    assert [n.kind.value for n in verdict(state, "add-on contains programme").attention] == ["add_on"]
