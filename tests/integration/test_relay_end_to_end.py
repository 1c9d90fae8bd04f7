"""Done-when for webhooks: deliveries from Ticket Tailor, Ticketor and Ticketsolve posted to a relay
(`checkin-app webhooks serve`, a real subprocess), a laptop (`connect relay`, `sync`) pulls them and
`scan` gives the right verdicts. Plus: a refused relay token saves nothing, syncs resume from their
cursor, and an interrupted pull loses and duplicates nothing."""
import json
import threading
import time

import httpx
import pytest

from checkin_app.providers.relay import RelayClient
from checkin_app.store import Store
from checkin_app.store import connections as conns
from checkin_app.sync.relay import RelaySync
from checkin_app.webhooks.receiver import Receiver, ReceiverConfig
from checkin_app.webhooks.signature import TT_HEADER, tickettailor_signature
from tests.helpers.cli import run_cli as cli
from tests.helpers.relay_process import RelayProcess
from tests.helpers.webhooks import RELAY_TOKEN, TICKETOR_TOKEN, inbox_rows, real_tt_delivery
from tests.paths import REFERENCE

JSON = {"Content-Type": "application/json"}


def verdict(data_dir, code):
    return json.loads(cli(data_dir, "scan", code, "--json").stdout)["verdict"]


def returned_invoice() -> bytes:
    """Ticketor's return of ticket 5997121 (the "New Ticket Sale" example): the same ticket, status returned."""
    sale = json.loads((REFERENCE / "ticketor-new-ticket-sale.json").read_text())
    invoice = json.loads((REFERENCE / "ticketor-new-invoice-with-details.json").read_text())
    invoice.update(Id=26700, InvoiceType="Return", RelatedInvoiceId=26657, ReturnStatus="Returned",
                   Tickets=[{**sale, "Status": "returned"}], Products=[])
    return json.dumps(invoice).encode()


def test_deliveries_to_the_relay_reach_the_laptop_and_scan_right(tmp_path):
    relay_dir, laptop = tmp_path / "relay", tmp_path / "laptop"
    body, _header, secret, _ = real_tt_delivery()
    with RelayProcess(relay_dir, tt_secret=secret) as relay:
        routes = relay.info["routes"]
        assert TICKETOR_TOKEN in routes["ticketor"] and routes["ticketsolve"].startswith(relay.info["base_url"])
        with httpx.Client(timeout=10) as http:
            signed = tickettailor_signature(secret, int(time.time()), body)
            assert http.post(routes["tickettailor"], content=body, headers={**JSON, TT_HEADER: signed}).status_code == 201
            for name in ("ticketsolve-order-created.json", "ticketor-new-ticket-sale.json",
                         "ticketor-new-invoice-with-details.json"):
                url = routes["ticketsolve" if name.startswith("ticketsolve") else "ticketor"]
                assert http.post(url, content=(REFERENCE / name).read_bytes(), headers=JSON).status_code == 201
            assert http.post(routes["ticketor"], content=returned_invoice(), headers=JSON).status_code == 201

        # The relay applied them to its own data dir too.
        assert verdict(relay_dir, "278592011") == "admitted"

        # A wrong token: a clear message, exit 2, nothing saved.
        bad = cli(laptop, "connect", "relay", "venue", "--base-url", relay.info["base_url"], "--token-env", "RT",
                  env={"RT": RELAY_TOKEN[:-1] + "x"})
        assert bad.returncode == 2 and "refused the token" in bad.stderr and RELAY_TOKEN[:-1] not in bad.stderr
        assert json.loads(cli(laptop, "connections", "--json").stdout)["connections"] == []

        ok = cli(laptop, "connect", "relay", "venue", "--base-url", relay.info["base_url"], "--token-env", "RT",
                 "--json", env={"RT": RELAY_TOKEN})
        assert ok.returncode == 0, ok.stderr
        assert json.loads(ok.stdout)["secrets"] == {"token": "env:RT"}
        synced = cli(laptop, "sync", "--json", env={"RT": RELAY_TOKEN})
        assert synced.returncode == 0, synced.stderr + synced.stdout
        assert json.loads(synced.stdout)["connections"][0]["pull"]["tickets"] == 1 + 3 + 1 + 1 + 1

        assert verdict(laptop, "R59xesv") == "admitted"            # Ticket Tailor (signed)
        assert verdict(laptop, "UQE2BK7L1G") == "admitted"         # Ticketsolve ticket
        assert verdict(laptop, "PR:BG3IXCQIRV") == "not_admission"  # Ticketsolve product
        assert verdict(laptop, "278592011") == "admitted"          # Ticketor invoice with details
        assert verdict(laptop, "9971217295658") == "void"          # Ticketor sale, then returned
        assert verdict(laptop, "UQE2BK7L1G") == "already_checked_in"
        sources = {r["source"] for r in inbox_rows(laptop)}
        assert sources == {"relay:venue"} and len(inbox_rows(laptop)) == 5

        # Later deliveries: the next sync pulls only them.
        second = json.loads((REFERENCE / "ticketsolve-order-created.json").read_text())
        second["data"]["object"]["id"] = "142280999"
        second["data"]["object"]["line_items"]["data"][0]["object"].update(id="409132723", checkin_code="ZZZ2BK7L1G")
        with httpx.Client(timeout=10) as http:
            assert http.post(routes["ticketsolve"], content=json.dumps(second).encode(), headers=JSON).status_code == 201
        again = json.loads(cli(laptop, "sync", "--json", env={"RT": RELAY_TOKEN}).stdout)
        assert again["connections"][0]["pull"]["tickets"] == 3 and again["complete"]
        assert verdict(laptop, "ZZZ2BK7L1G") == "admitted"
        assert len(inbox_rows(laptop)) == 6
        assert relay.stop() == 0


def test_an_interrupted_relay_pull_resumes_without_gaps_or_duplicates(tmp_path):
    relay_dir, laptop = tmp_path / "relay", tmp_path / "laptop"
    config = ReceiverConfig(path_tokens={"ticketor": TICKETOR_TOKEN}, relay_token=RELAY_TOKEN)
    with Receiver(relay_dir, config) as receiver, httpx.Client(base_url=receiver.base_url) as http:
        for n in range(25):
            sale = {"Id": 700 + n, "InvoiceId": 1, "Status": "sold", "Barcode": str(55500 + n),
                    "Event": {"EventId": 3, "EventName": "Resume night"}}
            assert http.post(f"/hooks/ticketor/{TICKETOR_TOKEN}", json=sale).status_code == 201
        store = Store(laptop)
        with store.transaction() as conn:
            connection = conns.add(conn, "venue", "relay", receiver.base_url, {"token": {"env": "UNUSED"}})
        cancel = threading.Event()

        class SmallPages(RelayClient):
            def deliveries(self, after, limit=10):
                return super().deliveries(after, 10)

        client = SmallPages(receiver.base_url, RELAY_TOKEN)
        stop_after_first = RelaySync(store, connection, client, progress=lambda *_: cancel.set(), cancel=cancel)
        first = stop_after_first.pull()
        assert first.pages == 1 and len(inbox_rows(laptop)) == 10
        rest = RelaySync(store, connection, client).pull()
        assert rest.pages == 2 and rest.tickets == 15
        assert len(inbox_rows(laptop)) == 25
        assert RelaySync(store, connection, client).pull().tickets == 0  # nothing new, nothing applied twice
        assert store.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 25
        client.close()
        store.close()


def test_sync_reports_a_relay_that_is_down(tmp_path):
    laptop = tmp_path / "laptop"
    with Store(laptop) as store, store.transaction() as conn:
        conns.add(conn, "venue", "relay", "http://127.0.0.1:9",
                  {"token": {"env": "RT"}, "retry": {"max_attempts": 2, "base_delay": 0.05}})
    proc = cli(laptop, "sync", "--json", env={"RT": RELAY_TOKEN})
    assert proc.returncode == 2
    error = json.loads(proc.stdout)["connections"][0]["error"]
    assert "cannot reach" in error and RELAY_TOKEN not in proc.stdout + proc.stderr


@pytest.mark.parametrize("args, message", [
    (["connect", "relay", "r1", "--token-env", "RT"], "--base-url"),
    (["connect", "relay", "r1", "--base-url", "http://127.0.0.1:9"], "--token-env"),
    (["connect", "relay", "r1", "--base-url", "http://127.0.0.1:9", "--token-env", "NOT_SET_ANYWHERE"], "NOT_SET_ANYWHERE"),
])
def test_relay_connect_refuses_bad_input_with_one_line(tmp_path, args, message):
    proc = cli(tmp_path, *args, env={"RT": RELAY_TOKEN})
    assert proc.returncode == 2 and message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_a_rebuilt_relay_is_read_from_the_start(tmp_path):
    laptop = tmp_path / "laptop"
    config = ReceiverConfig(path_tokens={"ticketor": TICKETOR_TOKEN}, relay_token=RELAY_TOKEN)

    def post_sales(receiver, numbers):
        with httpx.Client(base_url=receiver.base_url) as http:
            for n in numbers:
                sale = {"Id": 900 + n, "InvoiceId": 1, "Status": "sold", "Barcode": str(66600 + n),
                        "Event": {"EventId": 4, "EventName": "Rebuilt"}}
                assert http.post(f"/hooks/ticketor/{TICKETOR_TOKEN}", json=sale).status_code == 201

    def pull(receiver, store, connection):
        client = RelayClient(receiver.base_url, RELAY_TOKEN)
        try:
            return RelaySync(store, connection, client).pull()
        finally:
            client.close()

    with Store(laptop) as store:
        with store.transaction() as conn:
            connection = conns.add(conn, "venue", "relay", "http://relay.invalid", {})
        with Receiver(tmp_path / "old-relay", config) as old:
            post_sales(old, range(5))
            assert pull(old, store, connection).tickets == 5
        with Receiver(tmp_path / "new-relay", config) as new:  # inbox ids start at 1 again
            post_sales(new, range(3, 8))  # two old sales re-sent, three new ones
            assert pull(new, store, connection).tickets == 3
        assert store.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 8
        assert len(inbox_rows(laptop)) == 8
