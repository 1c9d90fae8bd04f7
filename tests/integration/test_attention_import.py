"""Webhook-only providers' data reaches the door's attention through the real routes: the documents'
own payloads (tests/fixtures/reference, cut from the provider documents) through `import`, then
`scan --json` with the door's rules."""
import json

from tests.helpers.cli import run_cli as cli
from tests.paths import REFERENCE


def test_ticketsolve_and_ticketor_payloads_imported_then_scanned(tmp_path):
    data = tmp_path / "door"
    for name in ("ticketsolve-order-created.json", "ticketor-new-invoice-with-details.json",
                 "ticketor-new-ticket-sale.json"):
        cli(data, "import", str(REFERENCE / name), check=0)
    cli(data, "attention", "--rule", "vip: price level is VIP", "--rule", "add-on contains t shirt -> Hand over the T-shirt",
        "--rule", "metadata section starts with stalls -> Stalls: door 2", "--show-answer", "Dietary needs", check=0)
    stalls = json.loads(cli(data, "scan", "UQE2BK7L1G", "--json", check=0).stdout)  # Ticketsolve, row H Stalls Left
    assert [n["text"] for n in stalls["attention"]] == ["Stalls: door 2"] and stalls["ticket"]["seat"] == "Stalls Left H 2"
    vip = json.loads(cli(data, "scan", "9971217295658", "--json", check=0).stdout)  # Ticketor "New Ticket Sale"
    assert [(n["kind"], n["text"]) for n in vip["attention"]] == [("vip", "VIP: ticket type VIP")]
    invoice = json.loads((REFERENCE / "ticketor-new-invoice-with-details.json").read_text())
    shirt = json.loads(cli(data, "scan", invoice["Tickets"][0]["Barcode"], "--json", check=0).stdout)
    assert [(n["kind"], n["text"]) for n in shirt["attention"]] == [("add_on", "Hand over the T-shirt")]
    assert shirt["held"] and shirt["ticket"]["seat"] == "Balcony Right / A / 242"
