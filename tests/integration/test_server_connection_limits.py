"""Idle and slow connections against the shared server (webhook receiver, relay, doors), with real
sockets on loopback (issue 14 item 4): 200 idle TCP connections used to lock every route out (503)."""
import time

import httpx
import pytest

from checkin_app.services.checkin import CheckinService
from checkin_app.sync import door_auth
from checkin_app.sync.peer_server import DoorApp
from checkin_app.sync.peer_sync import DoorClient, pull_once
from checkin_app.webhooks.guard import ConnectionLimits
from checkin_app.webhooks.server import BackgroundServer
from checkin_app.webhooks.signature import TT_HEADER
from tests.factories import seeded_store
from tests.helpers.idle_flood import IdleFlood, loopback_sources, trickle
from tests.helpers.webhooks import RELAY_TOKEN, TICKETOR_TOKEN, inbox_rows, make_receiver, real_tt_delivery

BODY, HEADER, SECRET, SIGNED_AT = real_tt_delivery()
AUTH = {"Authorization": f"Bearer {RELAY_TOKEN}"}
HEAD = (b"POST /hooks/tickettailor HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 2\r\nX-Padding: " + b"p" * 200 + b"\r\n\r\n{}")


def receiver_with(tmp_path, **limits):
    return make_receiver(tmp_path, limits=ConnectionLimits(**limits))


def wait_until_accepted(server: BackgroundServer, flood: IdleFlood, timeout: float = 10.0) -> None:
    """The server has taken in (or turned away) every attacking connection."""
    deadline = time.monotonic() + timeout
    while len(server.guard.open) + server.guard.refused + server.guard.cut < flood.count:
        assert time.monotonic() < deadline, "the server did not take the connections in"
        time.sleep(0.02)


def serves_deliveries_and_relay(receiver) -> None:
    with httpx.Client(base_url=receiver.base_url, timeout=5) as http:
        assert http.post("/hooks/tickettailor", content=BODY,
                         headers={"Content-Type": "application/json", TT_HEADER: HEADER}).status_code in (200, 201)
        assert http.get("/relay/v1/deliveries", headers=AUTH).status_code == 200
        assert http.get("/health").status_code == 200


def test_attack_210_idle_connections_from_one_address_leave_deliveries_and_relay_served(tmp_path):
    with receiver_with(tmp_path) as receiver, IdleFlood(receiver.port, 210, ["127.0.0.2"]) as flood:
        wait_until_accepted(receiver._server, flood)
        serves_deliveries_and_relay(receiver)
        assert flood.still_open() == ConnectionLimits().per_client  # the rest were answered 503 and closed
    assert len(inbox_rows(tmp_path)) == 1


def test_attack_210_idle_connections_from_210_addresses_leave_deliveries_and_relay_served(tmp_path):
    with receiver_with(tmp_path) as receiver, IdleFlood(receiver.port, 210, loopback_sources(210)) as flood:
        wait_until_accepted(receiver._server, flood)
        assert flood.still_open() == 210  # under the total cap: held, yet they block nobody
        serves_deliveries_and_relay(receiver)


def test_attack_idle_connections_beyond_the_total_cap_make_room_for_real_requests(tmp_path):
    with receiver_with(tmp_path, total=50) as receiver, IdleFlood(receiver.port, 210, loopback_sources(210)) as flood:
        wait_until_accepted(receiver._server, flood)
        serves_deliveries_and_relay(receiver)
        assert flood.still_open() <= 50  # the oldest idle ones were closed to make room


def test_attack_210_idle_connections_leave_door_pulls_served(tmp_path):
    key = door_auth.new_key()
    store_a, store_b = seeded_store(tmp_path / "a"), seeded_store(tmp_path / "b")
    CheckinService(store_a, door="Door A").scan("al4R5")
    app = DoorApp(tmp_path / "a", key, "Door A")
    server = BackgroundServer(app.app)
    server.start()
    client = DoorClient(f"http://127.0.0.1:{server.port}", key, store_b.device_id)
    try:
        with IdleFlood(server.port, 210, loopback_sources(210)) as flood:
            wait_until_accepted(server, flood)
            assert pull_once(store_b, client, door_auth.venue_id(key)).applied == 1
    finally:
        client.close()
        server.stop()
        app.close()
        store_a.close()
        store_b.close()


def test_attack_a_request_head_sent_byte_by_byte_is_cut_with_408(tmp_path):
    with receiver_with(tmp_path, header_timeout=1.0) as receiver:
        cut_after, answer = trickle(receiver.port, HEAD, interval=0.05, give_up_after=8)
    assert cut_after is not None and cut_after < 3, "a slowloris head was allowed to go on"
    assert answer.startswith(b"HTTP/1.1 408")
    assert inbox_rows(tmp_path) == []


def test_attack_a_head_trickled_after_a_kept_alive_request_is_cut(tmp_path):
    legit = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    # idle_timeout is long here, so only the header timeout can cut the trickle.
    with receiver_with(tmp_path, header_timeout=1.0, idle_timeout=30) as receiver:
        cut_after, answer = trickle(receiver.port, HEAD, interval=0.05, give_up_after=8, before=legit)
    assert cut_after is not None and cut_after < 3
    assert answer.startswith(b"HTTP/1.1 408")


def test_attack_a_body_sent_byte_by_byte_is_cut(tmp_path):
    head = (f"POST /hooks/ticketor/{TICKETOR_TOKEN} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: 400\r\n\r\n").encode()
    with receiver_with(tmp_path, body_timeout=1.0) as receiver:
        cut_after, answer = trickle(receiver.port, b"{}" + b" " * 398, interval=0.05, give_up_after=8, prelude=head)
    assert cut_after is not None and cut_after < 3, "a slowloris body was allowed to go on"
    assert b" 201 " not in answer and b" 202 " not in answer
    assert inbox_rows(tmp_path) == []
