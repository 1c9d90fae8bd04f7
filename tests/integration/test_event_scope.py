"""Issue 12, item 15: what a door admits. A door that chose its events does not admit one it has
never seen; a door that never chose admits every cached event and says so."""
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from checkin_app.sandbox.tickettailor import TicketTailorSandbox
from checkin_app.services import events
from checkin_app.store import Store
from checkin_app.webhooks.receiver import Receiver, ReceiverConfig

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk_sandbox_scope_1"
SECRET = "whsec_" + "e" * 30


def cli(data_dir, *args, check=None):
    proc = subprocess.run([sys.executable, "-m", "checkin_app", "--data-dir", str(data_dir), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=90, env={**os.environ, "TT_KEY": KEY})
    if check is not None:
        assert proc.returncode == check, proc.stdout + proc.stderr
    return proc


def scan(data_dir, code) -> dict:
    return json.loads(cli(data_dir, "scan", code, "--json").stdout)


def test_a_new_event_waits_to_be_chosen_and_the_cli_chooses(tmp_path):
    with TicketTailorSandbox(KEY, seed=15) as box:
        tonight = box.seed_event("Tonight", 3)
        tomorrow = box.seed_event("Tomorrow", 3)
        door = tmp_path / "door"
        cli(door, "connect", "tickettailor", "box", "--base-url", box.base_url, "--api-key-env", "TT_KEY", check=0)
        cli(door, "sync", check=0)
        tonight_code = box.ticket(box.event_ticket_ids(tonight)[0])["barcode"]
        tomorrow_code = box.ticket(box.event_ticket_ids(tomorrow)[0])["barcode"]

        never_chose = scan(door, tonight_code)
        assert never_chose["scope"] == "all" and never_chose["verdict"] == "admitted"
        assert never_chose["message"].startswith("[Tonight ")  # two events admitted: the verdict names it

        listed = json.loads(cli(door, "events", "--admit", tonight, "--json", check=0).stdout)
        assert listed["scope"] == "chosen"
        assert {e["remote_id"]: e["admitted"] for e in listed["events"]} == {tonight: True, tomorrow: False}
        assert scan(door, tomorrow_code)["verdict"] == "wrong_event"

        # An event first seen now (its order arrives by webhook): not admitted until someone chooses it.
        later = box.seed_event("Added later", 2)
        ticket = box.ticket(box.event_ticket_ids(later)[0])
        body, headers = box.webhook("ORDER.CREATED", box.order(ticket["order_id"]), SECRET)
        with Receiver(door, ReceiverConfig(tickettailor_secret=SECRET)) as receiver, \
                httpx.Client(base_url=receiver.base_url) as http:
            assert http.post("/hooks/tickettailor", content=body, headers=headers).status_code == 201
        late = scan(door, ticket["barcode"])
        assert late["verdict"] == "wrong_event" and late["scope"] == "chosen"
        again = scan(door, box.ticket(box.event_ticket_ids(tonight)[1])["barcode"])
        assert again["verdict"] == "admitted" and not again["message"].startswith("[")  # one event: not named

        assert "no cached event 'ev_nope'" in cli(door, "events", "--admit", "ev_nope", check=2).stderr
        cli(door, "events", "--admit-all", check=0)
        assert scan(door, ticket["barcode"])["verdict"] == "admitted"
        with Store(door) as store:
            scope = events.door_scope(store)
        assert scope["scope"] == "all" and {e["name"] for e in scope["events"]} == {"Tonight", "Tomorrow", "Added later"}
