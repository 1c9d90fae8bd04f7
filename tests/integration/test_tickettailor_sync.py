"""Ticket Tailor end to end: the real client and sync engine against the real simulator over loopback.

The command-line tests run `checkin-app` in a subprocess, as a user would; the engine tests call
`sync_connection` in-process where they need to inspect the simulator between steps.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from checkin_app.domain.rules import VerdictKind
from checkin_app.sandbox.tickettailor import TicketTailorSandbox
from checkin_app.services.checkin import CheckinService
from checkin_app.services.supervisor import conflicts
from checkin_app.store import Store
from checkin_app.store import connections as conns
from checkin_app.sync.engine import sync_connection

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk_sandbox_e2e_1234"


def cli(data_dir, *args, env=None, check=None, timeout=120):
    proc = subprocess.run([sys.executable, "-m", "checkin_app", "--data-dir", str(data_dir), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})
    if check is not None:
        assert proc.returncode == check, proc.stdout + proc.stderr
    return proc


@pytest.fixture
def sandbox():
    with TicketTailorSandbox(KEY, seed=3) as sb:
        yield sb


@pytest.fixture
def connected(tmp_path, sandbox):
    """A data dir with a Ticket Tailor connection to the sandbox (key kept as an env var reference)."""
    data = tmp_path / "door"
    cli(data, "connect", "tickettailor", "box", "--base-url", sandbox.base_url, "--api-key-env", "TT_KEY",
        env={"TT_KEY": KEY}, check=0)
    return data


def wait_until(predicate, timeout=30.0):
    """Poll a condition (like qtbot.waitUntil) instead of sleeping a fixed time."""
    tick = threading.Event()
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        tick.wait(0.005)


def engine_sync(data, **kw):
    os.environ["TT_KEY"] = KEY
    with Store(data) as store:
        return sync_connection(store, conns.by_name(store.conn, "box"), **kw)


def codes_in(data) -> dict[str, str]:
    with Store(data) as store:
        return {r["code"]: r["status"] for r in store.conn.execute("SELECT code, status FROM tickets")}


def upstream_codes(sandbox, event_id) -> dict[str, str]:
    return {sandbox.ticket(t)["barcode"]: ("void" if sandbox.ticket(t)["status"] == "voided" else "valid")
            for t in sandbox.event_ticket_ids(event_id)}


def test_connect_refuses_a_bad_key_and_saves_nothing(tmp_path, sandbox):
    data = tmp_path / "door"
    bad = cli(data, "connect", "tickettailor", "box", "--base-url", sandbox.base_url, "--api-key-env", "TT_KEY",
              env={"TT_KEY": "sk_wrong_key_5678"}, check=2)
    assert "sk_wrong_key_5678" not in bad.stderr + bad.stdout
    assert "401" in bad.stderr or "key" in bad.stderr.lower()
    assert json.loads(cli(data, "connections", "--json", check=0).stdout)["connections"] == []
    missing = cli(data, "connect", "tickettailor", "box", "--base-url", sandbox.base_url, "--api-key-env", "NOPE_VAR", check=2)
    assert "NOPE_VAR" in missing.stderr


def test_key_is_never_written_to_the_data_dir(connected, sandbox):
    sandbox.seed_event("Gig", 30)
    cli(connected, "sync", env={"TT_KEY": KEY}, check=0)
    for path in connected.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
    doc = json.loads(cli(connected, "connections", "--json", check=0).stdout)["connections"][0]
    assert doc["secrets"] == {"secret": "env:TT_KEY"}


def test_first_sync_then_scan_void_issue_export_from_the_command_line(connected, sandbox):
    event = sandbox.seed_event("Friday", 250)
    first = json.loads(cli(connected, "sync", "--json", env={"TT_KEY": KEY}, check=0).stdout)
    assert first["complete"]
    assert codes_in(connected) == upstream_codes(sandbox, event)
    events = json.loads(cli(connected, "events", "--json", check=0).stdout)["events"]
    assert [e["remote_id"] for e in events] == [event]

    ticket_id = sandbox.event_ticket_ids(event)[0]
    code = sandbox.ticket(ticket_id)["barcode"]
    assert json.loads(cli(connected, "scan", code, "--json", check=0).stdout)["verdict"] == "admitted"
    other = sandbox.ticket(sandbox.event_ticket_ids(event)[1])["barcode"]
    cli(connected, "void", other, "--reason", "refund at the door", check=0)
    walkup = json.loads(cli(connected, "issue", "--event", event, "--name", "Walk Up", "--json", check=0).stdout)

    cli(connected, "sync", env={"TT_KEY": KEY}, check=0)  # push, then pull
    assert sandbox.ticket(ticket_id)["checked_in"] == "true"
    assert sandbox.ticket(sandbox.event_ticket_ids(event)[1])["status"] == "voided"
    created = [sandbox.ticket(t) for t in sandbox.event_ticket_ids(event) if sandbox.ticket(t)["barcode"] == walkup["code"]]
    assert len(created) == 1 and created[0]["reference"]
    exported = json.loads(cli(connected, "export", "--format", "json", check=0).stdout)
    row = next(t for t in exported["tickets"] if t["code"] == walkup["code"])
    assert row["remote_id"] == created[0]["id"]
    # Our own pushed check-in came back on the pull: it is not mistaken for another door's.
    with Store(connected) as store:
        assert conflicts(store) == []


def test_killed_first_download_resumes_without_gaps_or_duplicates(connected, sandbox):
    event = sandbox.seed_event("Big night", 3000, named_fraction=1.0)
    proc = subprocess.Popen([sys.executable, "-m", "checkin_app", "--data-dir", str(connected), "sync"], cwd=ROOT,
                            env={**os.environ, "TT_KEY": KEY}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Watch the simulator's own log until the download is well under way, then kill -9.
        wait_until(lambda: len(sandbox.requests_to("GET", "/issued_tickets")) >= 8 or proc.poll() is not None)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    halfway = len(codes_in(connected))
    assert 0 < halfway < 3000
    sandbox.clear_log()
    cli(connected, "sync", env={"TT_KEY": KEY}, check=0)
    resumed = sandbox.requests_to("GET", "/issued_tickets")
    assert resumed[0].query.get("starting_after")  # continued from the saved cursor, not from the top
    assert codes_in(connected) == upstream_codes(sandbox, event)
    with Store(connected) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 3000


def test_incremental_sync_costs_what_changed(connected, sandbox):
    event = sandbox.seed_event("Saturday", 1000, named_fraction=1.0)
    engine_sync(connected)
    ids = sandbox.event_ticket_ids(event)
    new = sandbox.add_tickets(event, 50, named_fraction=1.0)
    for t in ids[100:120]:
        sandbox.void(t)
    elsewhere = sandbox.check_in(ids[200])
    sandbox.clear_log()
    report = engine_sync(connected)
    assert report.complete
    gets = [r for r in sandbox.request_log if r.method == "GET"]
    assert len(gets) <= 8, [(r.path, r.query) for r in gets]  # events, new tickets, voids, check-ins
    assert codes_in(connected) == upstream_codes(sandbox, event)
    assert len(new) == 50 and elsewhere
    with Store(connected) as store:
        door = CheckinService(store, door="Door 3")
        assert door.scan(sandbox.ticket(ids[100])["barcode"]).kind is VerdictKind.VOID
        assert door.scan(sandbox.ticket(ids[200])["barcode"]).kind is VerdictKind.ALREADY_CHECKED_IN
        assert door.scan(sandbox.ticket(new[0])["barcode"]).kind is VerdictKind.ADMITTED


def test_lost_walkup_response_never_creates_a_second_ticket(connected, sandbox):
    event = sandbox.seed_event("Sunday", 20)
    engine_sync(connected)
    with Store(connected) as store:
        from checkin_app.services.events import resolve

        code = CheckinService(store).issue(resolve(store, event)[0], "Lost Response").code
    sandbox.faults.match = "POST /v1/issued_tickets"
    sandbox.faults.drop_response_next = 1  # the ticket is created, the answer never arrives
    engine_sync(connected)
    sandbox.faults.clear()
    assert any(r.fault for r in sandbox.requests_to("POST", "/issued_tickets"))  # the fault really fired
    with Store(connected) as store:  # if anything is still queued, retry now rather than after the backoff
        store.conn.execute("UPDATE outbox SET next_try_at = NULL")
    assert engine_sync(connected).complete
    matches = [t for t in sandbox.event_ticket_ids(event) if sandbox.ticket(t)["barcode"] == code]
    assert len(matches) == 1
    with Store(connected) as store:
        assert store.conn.execute("SELECT remote_id FROM tickets WHERE code = ?", (code,)).fetchone()[0] == matches[0]


def test_permanent_refusal_is_kept_with_the_providers_message(connected, sandbox):
    event = sandbox.seed_event("Monday", 10)
    engine_sync(connected)
    ticket_id = sandbox.event_ticket_ids(event)[0]
    with Store(connected) as store:
        CheckinService(store).scan(sandbox.ticket(ticket_id)["barcode"])
    sandbox.void(ticket_id)  # voided upstream before our check-in arrives: TT refuses it
    report = engine_sync(connected)
    assert report.push.failed == 1
    with Store(connected) as store:
        failed = [c for c in conflicts(store) if c.kind == "push_failed"]
        assert failed and failed[0].detail["error"]
        kinds = {c.kind for c in conflicts(store)}
        assert "void_after_admission" in kinds  # the pull also saw the void of an admitted ticket


def test_flaky_and_rate_limited_first_sync_gets_exactly_the_right_tickets(connected, sandbox):
    event = sandbox.seed_event("Flaky", 1500, named_fraction=1.0)
    for t in sandbox.event_ticket_ids(event)[::50]:
        sandbox.void(t)
    sandbox.faults.fail_fraction = 0.10
    sandbox.set_rate_limit(6, 0.3)
    sandbox.rate.send_headers = False  # no budget headers to pace by: the client meets 429 + Retry-After
    report = engine_sync(connected)
    assert report.complete, report.to_dict()
    statuses = [r.status for r in sandbox.request_log]
    assert 503 in statuses and 429 in statuses
    assert codes_in(connected) == upstream_codes(sandbox, event)


def test_background_loop_pushes_scans_and_status_reports_it(connected, sandbox):
    from checkin_app.services.status import door_status
    from checkin_app.sync.loop import SyncLoop

    event = sandbox.seed_event("Loop night", 40, named_fraction=1.0)
    os.environ["TT_KEY"] = KEY
    reports = []
    loop = SyncLoop(connected, interval_s=0.05, on_report=reports.append)
    loop.start()
    try:
        wait_until(lambda: any(r.complete for r in reports))
        ticket_id = sandbox.event_ticket_ids(event)[0]
        with Store(connected) as store:
            assert CheckinService(store).scan(sandbox.ticket(ticket_id)["barcode"]).passing
        wait_until(lambda: sandbox.ticket(ticket_id)["checked_in"] == "true")
        sandbox.stop()  # the venue's internet goes
        n = len(reports)
        wait_until(lambda: len(reports) > n + 1)
    finally:
        loop.stop()
    assert reports[-1].error
    with Store(connected) as store:
        status = door_status(store)
    assert status.online is False and status.unpushed == 0 and status.last_success_at
    assert [item.name for item in status.lists] == ["Loop night"] and status.lists[0].age_s is not None


def test_status_and_watch_from_the_command_line(connected, sandbox):
    sandbox.seed_event("Watch night", 10)
    cli(connected, "sync", env={"TT_KEY": KEY}, check=0)
    doc = json.loads(cli(connected, "status", "--json", check=0).stdout)
    assert doc["online"] is True and doc["unpushed"] == 0 and doc["stale"] is False
    proc = subprocess.Popen([sys.executable, "-m", "checkin_app", "--data-dir", str(connected), "sync", "--watch",
                             "--interval", "0.1", "--json"], cwd=ROOT, env={**os.environ, "TT_KEY": KEY},
                            stdout=subprocess.PIPE, text=True)
    try:
        first = json.loads(proc.stdout.readline())
        second = json.loads(proc.stdout.readline())
        assert first["complete"] and second["complete"]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
