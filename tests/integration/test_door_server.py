"""The door server over real loopback HTTP: only paired doors read; strangers learn and change nothing."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from checkin_app.domain.rules import VerdictKind
from checkin_app.services.checkin import CheckinService
from checkin_app.store import replica
from checkin_app.sync import door_auth
from checkin_app.sync.peer_server import API, DoorApp
from checkin_app.webhooks.server import BackgroundServer
from checkin_app.sync.peer_sync import DoorClient, PeerError, pull_once
from tests.factories import seeded_store

KEY = door_auth.new_key()


@pytest.fixture
def door_a(tmp_path):
    store = seeded_store(tmp_path / "a")
    CheckinService(store, door="Door A").scan("al4R5")
    app = DoorApp(tmp_path / "a", KEY, "Door A")
    server = BackgroundServer(app.app)
    server.start()
    yield store, f"http://127.0.0.1:{server.port}"
    server.stop()
    app.close()
    store.close()


@pytest.fixture
def door_b(tmp_path):
    store = seeded_store(tmp_path / "b")
    yield store
    store.close()


def journal_count(store) -> int:
    return store.conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0]


def test_a_paired_door_pulls_and_then_refuses_the_second_use(door_a, door_b):
    store_a, url = door_a
    client = DoorClient(url, KEY, door_b.device_id)
    try:
        report = pull_once(door_b, client, door_auth.venue_id(KEY))
    finally:
        client.close()
    assert report.applied == 1
    assert CheckinService(door_b, door="Door B").scan("al4R5").kind is VerdictKind.ALREADY_CHECKED_IN
    peer = door_b.conn.execute("SELECT device_id, door, behind, last_contact_at FROM peers").fetchone()
    assert (peer["device_id"], peer["door"], peer["behind"]) == (store_a.device_id, "Door A", 0)


@pytest.mark.parametrize("method, path", [("GET", f"{API}/hello"), ("POST", f"{API}/journal"), ("GET", "/"),
                                          ("GET", "/anything")])
def test_a_stranger_gets_401_and_nothing_about_the_venue(door_a, method, path):
    store_a, url = door_a
    body = json.dumps({"after": {}}).encode()
    stranger = door_auth.seal_request(door_auth.new_key(), "stranger", door_auth.ANY_DOOR, method, path, body)
    for headers, content in (({}, body), stranger):
        resp = httpx.request(method, url + path, content=content, headers=headers)
        assert resp.status_code == 401
        assert resp.json() == {"error": "unauthorized"}
        assert door_auth.venue_id(KEY) not in resp.text and store_a.device_id not in resp.text
        assert door_auth.H_SIGNATURE not in resp.headers


def test_a_stranger_cannot_write(door_a):
    store_a, url = door_a
    before = journal_count(store_a), store_a.conn.execute("SELECT checked_in_at FROM tickets WHERE code = 'R59xesv'").fetchone()[0]
    forged = {"rows": [{"device_id": "evil", "seq": 1, "op": "scan", "verdict": "admitted", "code": "R59xesv"}]}
    for method in ("POST", "PUT", "DELETE"):
        for path in (f"{API}/journal", f"{API}/rows", "/"):
            resp = httpx.request(method, url + path, json=forged)
            assert resp.status_code in (401, 405)
    assert (journal_count(store_a), store_a.conn.execute(
        "SELECT checked_in_at FROM tickets WHERE code = 'R59xesv'").fetchone()[0]) == before


def test_a_captured_request_cannot_be_replayed(door_a):
    store_a, url = door_a
    headers, body = door_auth.seal_request(KEY, "door-b", store_a.device_id, "POST", f"{API}/journal",
                                           json.dumps({"after": {}}).encode())
    first = httpx.post(url + f"{API}/journal", content=body, headers=headers)
    opened = door_auth.open_answer(KEY, headers[door_auth.H_NONCE], 200, first.content,
                                   first.headers.get(door_auth.H_SIGNATURE))
    assert first.status_code == 200 and json.loads(opened)["rows"]
    replay = httpx.post(url + f"{API}/journal", content=body, headers=headers)
    assert replay.status_code == 401 and "rows" not in replay.json()


def test_a_door_of_another_venue_is_refused(door_a, door_b):
    _, url = door_a
    other = door_auth.new_key()
    client = DoorClient(url, other, door_b.device_id)
    try:
        with pytest.raises(PeerError, match="refused our venue key"):
            pull_once(door_b, client, door_auth.venue_id(other))
    finally:
        client.close()
    assert journal_count(door_b) == 0


class _Impostor(BaseHTTPRequestHandler):
    """A stranger posing as a door of the venue: answers with rows, but cannot sign them."""

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("content-length", 0)))
        body = json.dumps({"venue": self.server.venue, "device_id": "evil", "door": "Evil", "heads": {"evil": 1},
                           "more": False, "rows": [{"device_id": "evil", "seq": 1, "op": "void", "verdict": None,
                                                    "provider": "tickettailor", "event_remote_id": "ev_1",
                                                    "ticket_remote_id": "it_al4R5", "code": "al4R5", "door": "Evil",
                                                    "payload": {}, "at": "2026-11-24T20:00:00.000+00:00", "nonce": "x1",
                                                    "hlc": 1 << 56}]}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.send_header(door_auth.H_SIGNATURE, "0" * 64)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_stranger_posing_as_a_door_changes_nothing(door_b):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Impostor)
    server.venue = door_auth.venue_id(KEY)  # the venue id is public (advertised): knowing it is not enough
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = DoorClient(f"http://127.0.0.1:{server.server_address[1]}", KEY, door_b.device_id)
    try:
        with pytest.raises(PeerError, match="signature"):
            pull_once(door_b, client, door_auth.venue_id(KEY))
    finally:
        client.close()
        server.shutdown()
        server.server_close()
    assert journal_count(door_b) == 0
    assert door_b.conn.execute("SELECT status FROM tickets WHERE code = 'al4R5'").fetchone()[0] == "valid"


def test_long_poll_answers_as_soon_as_a_row_is_written(door_a, door_b):
    store_a, url = door_a
    client = DoorClient(url, KEY, door_b.device_id)
    got = {}
    heads = replica.heads(store_a.conn)

    def wait_for_row():
        start = time.monotonic()
        got["doc"] = client.pull(heads, wait=8.0)
        got["s"] = time.monotonic() - start

    thread = threading.Thread(target=wait_for_row)
    thread.start()
    CheckinService(store_a, door="Door A").scan("R59xesv")
    thread.join(10)
    client.close()
    assert [r["code"] for r in got["doc"]["rows"]] == ["R59xesv"]
    assert got["s"] < 7.0  # answered by the new row, not by the end of the wait
