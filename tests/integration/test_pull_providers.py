"""1Ticket and Ticket Evolution: `connect` and `sync` against their simulators over loopback, then
scans (barcodes: live, void, cancelled) and guest lists admitted by name with a count."""
import json
import os
import subprocess
import sys

import pytest

from checkin_app.errors import AuthError
from checkin_app.providers.http import RetryPolicy
from checkin_app.providers.oneticket_api import OneTicketClient
from checkin_app.providers.ticketevolution_api import TicketEvolutionClient
from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store
from checkin_app.store import connections as conns
from checkin_app.sync.oneticket import OneTicketSync
from checkin_app.sync.ticketevolution import TicketEvolutionSync
from tests.paths import ROOT
from tests.simulators.oneticket import OneTicketSandbox
from tests.simulators.ticketevolution import TicketEvolutionSandbox

FAST = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05)


def cli(data_dir, *args, env=None):
    return subprocess.run([sys.executable, "-m", "checkin_app", "--data-dir", str(data_dir), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})})


def scan(data_dir, code):
    return json.loads(cli(data_dir, "scan", code, "--json").stdout)


def connections(data_dir):
    return json.loads(cli(data_dir, "connections", "--json").stdout)["connections"]


@pytest.fixture
def oneticket():
    with OneTicketSandbox(token="1t_" + "a" * 30) as sim:
        sim.rid_live = sim.add_purchase("Sugarland", "7/11/2018 7:00:00 PM", buyer="Pat Buyer", seats=[
            ("SEC H", "2", "35", "1353136914970530"), ("SEC H", "2", "36", "1353136914970531", "void"),
            ("SEC H", "2", "37", None)])  # not issued yet: nothing to scan
        sim.rid_cancelled = sim.add_purchase("Sugarland", "7/11/2018 7:00:00 PM", status="canceled",
                                             seats=[("SEC J", "1", "1", "1353136914970540")])
        sim.add_purchase("Ziggy Marley", "9/1/2018 7:00:00 PM", seats=[("REAR", "XX", "50", "777000111")])
        yield sim


def test_oneticket_connect_and_sync_then_scan(tmp_path, oneticket):
    env = {"OT": oneticket.token, "OT_BAD": "wrong-token"}
    bad = cli(tmp_path, "connect", "oneticket", "brokers", "--base-url", oneticket.base_url, "--token-env", "OT_BAD", env=env)
    assert bad.returncode == 2 and "refused the API token" in bad.stderr and connections(tmp_path) == []
    ok = cli(tmp_path, "connect", "oneticket", "brokers", "--base-url", oneticket.base_url, "--token-env", "OT",
             "--event-name", "sugar", env=env)
    assert ok.returncode == 0, ok.stderr
    synced = cli(tmp_path, "sync", "--json", env=env)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert json.loads(synced.stdout)["connections"][0]["pull"]["tickets"] == 3
    live = scan(tmp_path, "1353136914970530")
    assert live["verdict"] == "admitted" and "SEC H Row 2 Seat 35" in live["message"]
    assert scan(tmp_path, "1353136914970531")["verdict"] == "check_with_supervisor"  # seat status not "live"
    assert scan(tmp_path, "1353136914970540")["verdict"] == "void"   # cancelled purchase
    assert scan(tmp_path, "777000111")["verdict"] == "unknown"       # another event, filtered out by name
    assert all(r.query.get("eventname") == "sugar" for r in oneticket.requests_to("GET", "/v2/purchases/"))

    # Nothing changed: no seat is fetched again. One seat voided upstream: only its purchase is.
    pdfs = len(oneticket.requests_to("GET", "/v2/getpdf/"))
    assert cli(tmp_path, "sync", env=env).returncode == 0
    assert len(oneticket.requests_to("GET", "/v2/getpdf/")) == pdfs
    oneticket.set_seat(oneticket.rid_live, "1353136914970530", status="void")
    assert cli(tmp_path, "sync", env=env).returncode == 0
    assert len(oneticket.requests_to("GET", "/v2/getpdf/")) == pdfs + 1
    assert scan(tmp_path, "1353136914970530")["verdict"] == "check_with_supervisor"  # "void" is not documented


def test_oneticket_header_name_is_configurable(tmp_path):
    with OneTicketSandbox(token="key_" + "b" * 30, header_name="x-api-key") as sim:
        sim.add_purchase("Show", "1/2/2027 8:00:00 PM", seats=[("A", "1", "1", "424242")])
        env = {"OT": sim.token}
        refused = cli(tmp_path, "connect", "oneticket", "new-api", "--base-url", sim.base_url, "--token-env", "OT", env=env)
        assert refused.returncode == 2 and "refused" in refused.stderr
        ok = cli(tmp_path, "connect", "oneticket", "new-api", "--base-url", sim.base_url, "--token-env", "OT",
                 "--token-header", "x-api-key", env=env)
        assert ok.returncode == 0, ok.stderr
        assert cli(tmp_path, "sync", env=env).returncode == 0
        assert scan(tmp_path, "424242")["verdict"] == "admitted"


def test_oneticket_sync_rides_out_503s_and_resets(tmp_path, oneticket):
    oneticket.faults.fail_next = [503, 502]
    oneticket.faults.reset_next = 1
    with Store(tmp_path) as store:
        with store.transaction() as conn:
            connection = conns.add(conn, "brokers", "oneticket", oneticket.base_url, {})
        client = OneTicketClient(oneticket.base_url, oneticket.token, policy=FAST)
        report = OneTicketSync(store, connection, client).pull()
        client.close()
        assert report.tickets == 4 and report.events == 2
        assert CheckinService(store).scan("777000111").kind.value == "admitted"
    assert [r.fault for r in oneticket.request_log[:3]] == ["reset", "injected", "injected"]


@pytest.fixture
def tevo():
    with TicketEvolutionSandbox(token="tevo_tok_" + "c" * 20, secret="tevo_sec_" + "d" * 20) as sim:
        cats = (9, "Cats", "2026-12-01T19:30:00Z")
        sim.party = sim.add_order(event=cats, name="Grace Hopper", quantities=[3, 1], email="grace@example.com",
                                  state="accepted")
        sim.accepted = sim.add_order(event=cats, name="Alan Turing", quantities=[2], state="accepted")
        sim.rejected = sim.add_order(event=cats, name="Rejected Person", quantities=[1], state="rejected")
        sim.later = sim.add_order(event=cats, name="Changes Mind", quantities=[2])
        for n in range(105):  # more than one page of accepted orders
            sim.add_order(event=(10, "Dogs", "2026-12-02T19:30:00Z"), name=f"Guest {n}", quantities=[1], state="accepted")
        yield sim


def test_ticket_evolution_connect_sync_and_admit_parties_by_name(tmp_path, tevo):
    env = {"TT_TOK": tevo.token, "TT_SEC": tevo.secret, "TT_BAD": "not-the-secret"}
    bad = cli(tmp_path, "connect", "ticketevolution", "tevo", "--base-url", tevo.base_url, "--token-env", "TT_TOK",
              "--secret-env", "TT_BAD", env=env)
    assert bad.returncode == 2 and "refused the token or signature" in bad.stderr and connections(tmp_path) == []
    assert tevo.request_log[-1].status == 401
    ok = cli(tmp_path, "connect", "ticketevolution", "tevo", "--base-url", tevo.base_url, "--token-env", "TT_TOK",
             "--secret-env", "TT_SEC", "--json", env=env)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["secrets"] == {"token": "env:TT_TOK", "signing_secret": "env:TT_SEC"}
    synced = json.loads(cli(tmp_path, "sync", "--json", env=env).stdout)
    assert synced["complete"] and synced["connections"][0]["pull"]["tickets"] == 109
    assert {r.status for r in tevo.request_log[1:]} == {200}  # every signed request verified
    assert len([r for r in tevo.requests_to("GET", "/orders") if r.query.get("state") == "accepted"]) >= 2  # paged

    first = scan(tmp_path, f"TEVO-{tevo.party}")
    assert first["verdict"] == "admitted" and "1 of 4 admitted" in first["message"]
    with Store(tmp_path) as store:
        service = CheckinService(store)
        verdict = service.admit_party(first["ticket"]["id"], 2)
        assert "3 of 4 admitted" in verdict.message
    assert "4 of 4 admitted" in scan(tmp_path, f"TEVO-{tevo.party}")["message"]
    assert scan(tmp_path, f"TEVO-{tevo.party}")["verdict"] == "already_checked_in"
    assert scan(tmp_path, f"TEVO-{tevo.rejected}")["verdict"] == "void"
    found = json.loads(cli(tmp_path, "search", "hopper", "--json").stdout)["results"]
    assert found[0]["code"] == f"TEVO-{tevo.party}"

    tevo.set_state(tevo.later, "cancelled")
    assert cli(tmp_path, "sync", env=env).returncode == 0
    assert scan(tmp_path, f"TEVO-{tevo.later}")["verdict"] == "void"


def test_ticket_evolution_signature_is_checked_by_the_simulator(tmp_path, tevo):
    wrong = TicketEvolutionClient(tevo.base_url, tevo.token, "wrong-secret", policy=FAST)
    with pytest.raises(AuthError, match="refused the token or signature"):
        wrong.check()
    wrong.close()
    right = TicketEvolutionClient(tevo.base_url, tevo.token, tevo.secret, policy=FAST)
    assert right.check() == {"pending_orders": 1}
    tevo.faults.fail_next = [503]
    with Store(tmp_path) as store:
        with store.transaction() as conn:
            connection = conns.add(conn, "tevo", "ticketevolution", tevo.base_url, {"states": ["pending"]})
        report = TicketEvolutionSync(store, connection, right).pull()
        assert report.tickets == 1 and report.events == 1
    right.close()


def test_sync_of_a_webhook_only_connection_says_what_to_do(tmp_path):
    assert cli(tmp_path, "connect", "ticketsolve", "ts").returncode == 0
    proc = cli(tmp_path, "sync", "--json")
    assert proc.returncode == 2 and "webhooks serve" in json.loads(proc.stdout)["connections"][0]["error"]
