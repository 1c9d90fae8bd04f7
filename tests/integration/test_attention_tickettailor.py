"""Ticket Tailor custom questions reach the door over real loopback HTTP: the sandbox box office
renders them as the API does (tickettailor-api-v1.txt:319-321 buyer, :355-357 ticket), `sync`
pulls them, and a rule on the answer holds the guest with the list's chosen answers shown."""
import json

import pytest

from checkin_app.sandbox.tickettailor import TicketTailorSandbox
from tests.helpers.cli import run_cli as cli

KEY = "sk_sandbox_attention_1"


@pytest.fixture(autouse=True)
def _tt_key(monkeypatch):
    monkeypatch.setenv("TT_KEY", KEY)


@pytest.fixture(params=[False, True], ids=["plain", "masked"])
def box(request):
    with TicketTailorSandbox(KEY, seed=5, mask_personal=request.param) as sb:
        yield sb


def test_answers_pulled_from_ticket_tailor_hold_the_guest(tmp_path, box):
    # Some tickets without a name: the pull then walks the orders, which carry the buyer's answers.
    event = box.seed_event("Gala", 3, named_fraction=0.0)
    first, second, third = box.event_ticket_ids(event)
    box.answer_question(first, "Wheelchair space?", "Yes")
    box.answer_question(second, "Dietary needs", "Vegan", buyer=True)
    data = tmp_path / "door"
    cli(data, "connect", "tickettailor", "box", "--base-url", box.base_url, "--api-key-env", "TT_KEY", check=0)
    cli(data, "sync", "--json", check=0)
    cli(data, "attention", "--rule", "accessibility: answer to Wheelchair space? is yes -> Side door",
        "--show-answer", "Dietary needs", check=0)
    held = json.loads(cli(data, "scan", box.ticket(first)["barcode"], "--json", check=0).stdout)
    plain = json.loads(cli(data, "scan", box.ticket(second)["barcode"], "--json", check=0).stdout)
    if box.box_office.mask_personal:
        # The real API masks answers as "****" (orders-1-orders.json): no answer, no hold, said so.
        assert held["attention"] == [] and not held["held"]
        assert plain["answers"] == [{"question": "Dietary needs", "answer": "(no answer)"}]
        return
    assert held["held"] and [n["text"] for n in held["attention"]] == ["Side door"]
    assert not plain["held"] and plain["answers"] == [{"question": "Dietary needs", "answer": "Vegan"}]
