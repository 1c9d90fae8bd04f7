"""Replication is private (issue 18, point 4), over real loopback servers and a real TCP proxy
between the doors that records (or alters) every byte on the wire.

Names, emails and codes never cross the wire readable; a captured pull works neither again at
the same door nor at another door of the venue; a body altered in flight is refused; a door of
another venue is refused and cannot read what it captured; an older door is named as such.
"""
import hashlib
import hmac
import json
import re
import secrets
import socket
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from checkin_app.services import doors as doors_service
from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store
from checkin_app.sync import door_auth
from checkin_app.sync.peer_server import DoorApp
from checkin_app.sync.peer_sync import DoorClient, DoorReplicator, OtherVersion, PeerError, pull_once
from checkin_app.webhooks.server import BackgroundServer
from tests.factories import seeded_store
from tests.helpers.doors import DoorCluster
from tests.helpers.poll import poll
from tests.helpers.tcp_proxy import TcpProxy

KEY = door_auth.new_key()


class Door:
    """A real door server on loopback with its own walk-up and scan, and what it must not leak."""

    def __init__(self, path, key: bytes, name: str, walk_up: tuple[str, str]):
        self.store = seeded_store(path)
        service = CheckinService(self.store, door=name)
        service.scan("al4R5")
        event_id = self.store.conn.execute("SELECT id FROM events WHERE remote_id = 'ev_1'").fetchone()[0]
        self.walk_up_code = service.issue(event_id, *walk_up).code
        self.app = DoorApp(path, key, name)
        self.server = BackgroundServer(self.app.app)
        self.server.start()
        self.port = self.server.port
        self.url = f"http://127.0.0.1:{self.port}"
        self.device_id = self.store.device_id
        # Every name, email and code this door holds: none may be readable on the wire.
        self.secrets = {self.walk_up_code, *walk_up} | {
            value for row in self.store.conn.execute("SELECT code, holder_name, email FROM tickets")
            for value in row if value and len(value) >= 5}

    def close(self):
        self.server.stop()
        self.app.close()
        self.store.close()


@pytest.fixture
def doors(tmp_path):
    made = {"a": Door(tmp_path / "a", KEY, "Door A", ("Grace Hopper", "grace@example.com")),
            "c": Door(tmp_path / "c", KEY, "Door C", ("Katherine Johnson", "katherine@example.com"))}
    yield made
    for door in made.values():
        door.close()


@pytest.fixture
def door_b(tmp_path):
    store = seeded_store(tmp_path / "b")
    yield store
    store.close()


class Wire:
    """A TCP proxy in front of a door that records both directions (and may alter them)."""

    def __init__(self, port: int, alter=None):
        self.up, self.down = bytearray(), bytearray()
        self.alter = alter or (lambda up, data: data)
        self.proxy = TcpProxy(("127.0.0.1", port), tap=self._tap)
        self.url = self.proxy.url

    def _tap(self, up: bool, data: bytes) -> bytes:
        (self.up if up else self.down).extend(data)
        return self.alter(up, data)

    def requests(self) -> list[bytes]:
        """The client's requests as sent, each whole (head and body)."""
        found, raw = [], bytes(self.up)
        while raw:
            head, _, rest = raw.partition(b"\r\n\r\n")
            length = int(re.search(rb"(?im)^content-length:\s*(\d+)", head).group(1))
            found.append(head + b"\r\n\r\n" + rest[:length])
            raw = rest[length:]
        return found

    def close(self):
        self.proxy.close()


def send_raw(port: int, request: bytes) -> tuple[int, bytes, bytes]:
    """Send captured bytes as they are: (status, head, body) of the answer."""
    request = re.sub(rb"(?im)^connection:[^\r]*\r\n", b"", request).replace(b"\r\n", b"\r\nConnection: close\r\n", 1)
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), head, body


def readable(traffic: bytes, secrets_: set[str]) -> set[str]:
    """Which of the secrets can be read in the traffic (as sent, or JSON-escaped)."""
    low = traffic.lower()
    return {s for s in secrets_ if s.lower().encode() in low or json.dumps(s)[1:-1].lower().encode() in low}


def journal_pull(wire: Wire) -> bytes:
    [pull] = [r for r in wire.requests() if b"/journal " in r.split(b"\r\n", 1)[0]][:1]
    return pull


def test_a_passive_capture_of_a_pull_holds_no_name_email_or_code(doors, door_b):
    a = doors["a"]
    wire = Wire(a.port)
    client = DoorClient(wire.url, KEY, door_b.device_id)
    try:
        report = pull_once(door_b, client, door_auth.venue_id(KEY))
        client.hello()  # a worker's hello after a failure: signed for the door it knows is there
    finally:
        client.close()
        wire.close()
    # The pull carried the walk-up (name, email, code) and the scan: what a capture must not show.
    assert report.applied == 2
    walk_up = door_b.conn.execute("SELECT holder_name, email FROM tickets WHERE code = ?", (a.walk_up_code,)).fetchone()
    assert tuple(walk_up) == ("Grace Hopper", "grace@example.com")
    assert len(wire.up) > 200 and len(wire.down) > 500
    assert readable(bytes(wire.up) + bytes(wire.down), a.secrets) == set()
    assert b"Door A" not in wire.down  # nor the door's name, nor the venue id (only in mDNS, by design)
    # Only the first hello, before the door at the address is known, is signed for any door.
    targets = re.findall(rb"(?im)^x-door-target:\s*(\S+)", bytes(wire.up))
    assert targets == [b"*", a.device_id.encode(), a.device_id.encode()]
    assert door_auth.venue_id(KEY).encode() not in bytes(wire.up) + bytes(wire.down)


def test_a_captured_pull_replayed_to_another_door_of_the_venue_is_refused(doors, door_b):
    a, c = doors["a"], doors["c"]
    wire = Wire(a.port)
    client = DoorClient(wire.url, KEY, door_b.device_id)
    try:
        pull_once(door_b, client, door_auth.venue_id(KEY))
    finally:
        client.close()
        wire.close()
    captured = journal_pull(wire)
    status, head, body = send_raw(c.port, captured)
    assert status in (401, 421), (status, head)
    assert readable(head + body, c.secrets) == set() and b'"rows"' not in body
    # Its target rewritten to door C, the signature no longer holds: a stranger's 401.
    retargeted = captured.replace(f"x-door-target: {a.device_id}".encode(), f"x-door-target: {c.device_id}".encode())
    assert retargeted != captured
    status, head, body = send_raw(c.port, retargeted)
    assert (status, body) == (401, b'{"error":"unauthorized"}')
    # And again at door A itself: a replay.
    status, head, body = send_raw(a.port, captured)
    assert (status, body) == (401, b'{"error":"unauthorized"}')


def _flip_last_byte_of_bodies(direction: bool):
    """Alter one byte of every body going one way (a message's last byte is its body's last byte)."""
    def alter(up: bool, data: bytes) -> bytes:
        if up is direction and not data.endswith(b"\r\n\r\n"):
            return data[:-1] + bytes([data[-1] ^ 0x01])
        return data
    return alter


@pytest.mark.parametrize("up", [True, False], ids=["request", "answer"])
def test_a_body_altered_in_flight_is_refused_and_nothing_applies(doors, door_b, up):
    a = doors["a"]
    wire = Wire(a.port, alter=_flip_last_byte_of_bodies(up))
    client = DoorClient(wire.url, KEY, door_b.device_id)
    try:
        with pytest.raises(PeerError, match="refused our venue key" if up else "without the venue's signature"):
            pull_once(door_b, client, door_auth.venue_id(KEY))
    finally:
        client.close()
        wire.close()
    assert door_b.conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0] == 0
    assert readable(bytes(wire.up) + bytes(wire.down), a.secrets) == set()


def test_a_door_of_another_venue_is_refused_and_cannot_read_a_capture(doors, door_b, tmp_path):
    a = doors["a"]
    other_key = door_auth.new_key()
    other = Door(tmp_path / "other", other_key, "Door X", ("Hedy Lamarr", "hedy@example.com"))
    wire = Wire(a.port)
    ours, theirs = DoorClient(wire.url, KEY, door_b.device_id), DoorClient(a.url, other_key, other.device_id)
    try:
        pull_once(door_b, ours, door_auth.venue_id(KEY))
        # The other venue's door asks ours: refused as a stranger (not as an older or newer door).
        with pytest.raises(PeerError, match="refused our venue key"):
            pull_once(other.store, theirs, door_auth.venue_id(other_key))
        # Our captured pull, replayed to the other venue's door: refused, nothing served.
        status, head, body = send_raw(other.port, journal_pull(wire))
        assert (status, body) == (401, b'{"error":"unauthorized"}')
        assert f"{door_auth.H_PROTOCOL}: {door_auth.PROTOCOL}".encode() in head.lower()
    finally:
        ours.close()
        theirs.close()
        wire.close()
        other.close()
    with Store(tmp_path / "other") as store:
        assert store.conn.execute("SELECT COUNT(*) FROM journal WHERE device_id = ?", (a.device_id,)).fetchone()[0] == 0
    # Holding another venue's key opens nothing of ours: the answers it captured stay sealed.
    assert readable(bytes(wire.down), a.secrets) == set()


# -- a door of protocol 1, written from the v1 document (not from door_auth) --------------------------------

def _v1_mac(key: bytes, *parts) -> str:
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        mac.update(len(data).to_bytes(4, "big") + data)
    return mac.hexdigest()


class _ProtocolOneDoor(BaseHTTPRequestHandler):
    """An older door of this venue: verifies v1 signatures (HMAC with the venue key itself), answers
    signed 404 to any path it does not serve, a bare 401 to anything not signed its way."""

    def _answer(self):
        body_in = self.rfile.read(int(self.headers.get("content-length") or 0))
        h = {k.lower(): v for k, v in self.headers.items()}
        want = _v1_mac(self.server.key, "req", self.command, self.path, h.get("x-door-time", ""), h.get("x-door-nonce", ""),
                       h.get("x-door-device", ""), hashlib.sha256(body_in).digest())
        if not hmac.compare_digest(want, h.get("x-door-signature", "")):
            status, body, sig = 401, b'{"error":"unauthorized"}', None
        else:
            status, body = 404, b'{"error":"not found"}'
            sig = _v1_mac(self.server.key, "resp", h["x-door-nonce"], str(status), hashlib.sha256(body).digest())
        self.send_response(status)
        self.send_header("content-length", str(len(body)))
        if sig:
            self.send_header("x-door-signature", sig)
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer  # noqa: N815

    def log_message(self, *args):
        pass


@contextmanager
def fake_door(handler, key: bytes = KEY):
    """A hand-written door (`handler`) on loopback: its URL while the block runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.key = key
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def client_of(url: str, key: bytes = KEY):
    client = DoorClient(url, key, "door-b")
    try:
        yield client
    finally:
        client.close()


def test_an_older_door_is_named_as_such_in_doors_status(tmp_path):
    seeded_store(tmp_path / "b").close()
    replicator = DoorReplicator(tmp_path / "b", KEY, long_poll_s=0.5)
    store_b = Store(tmp_path / "b")
    with fake_door(_ProtocolOneDoor) as url:
        try:
            replicator.add_peer(url)
            poll(lambda: any("older version" in (d["last_error"] or "") for d in doors_service.status(store_b).doors))
        finally:
            replicator.stop()
    [door] = doors_service.status(store_b).doors
    assert "this door runs an older version of checkin-app" in door["last_error"]
    assert "update checkin-app on that door" in door["last_error"]
    store_b.close()


def test_an_advertised_older_door_is_listed_in_doors_status_and_not_pulled(tmp_path):
    """Found by multicast DNS: it never answers a protocol 2 hello, but it signs the old way, so it is
    one of ours: listed under the device id it advertised, with the reason, never pulled from."""
    seeded_store(tmp_path / "b").close()
    replicator = DoorReplicator(tmp_path / "b", KEY, long_poll_s=0.5)
    store_b = Store(tmp_path / "b")
    with fake_door(_ProtocolOneDoor) as url:
        try:
            replicator.discovered(url, "old-laptop-1")
            poll(lambda: [d["device_id"] for d in doors_service.status(store_b).doors] == ["old-laptop-1"])
            assert replicator.peers() == []
        finally:
            replicator.stop()
    [door] = doors_service.status(store_b).doors
    assert "this door runs an older version of checkin-app" in door["last_error"] and not door["connected"]
    store_b.close()


def test_an_older_door_of_another_venue_is_not_mistaken_for_one_of_ours():
    with fake_door(_ProtocolOneDoor, door_auth.new_key()) as url, client_of(url) as client:
        with pytest.raises(PeerError, match="refused our venue key"):
            client.hello()


def test_an_older_door_asking_this_one_gets_a_signed_refusal_it_can_read(doors):
    a = doors["a"]
    nonce, ts = secrets.token_hex(16), f"{time.time():.3f}"
    headers = {"x-door-device": "old-door", "x-door-time": ts, "x-door-nonce": nonce,
               "x-door-signature": _v1_mac(KEY, "req", "GET", "/door/v1/hello", ts, nonce, "old-door",
                                           hashlib.sha256(b"").digest())}
    request = ("GET /door/v1/hello HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
               + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode()
    status, head, body = send_raw(a.port, request)
    assert status == 426 and b"update checkin-app" in body and b"protocol 2" in body
    sig = re.search(rb"(?im)^x-door-signature:\s*([0-9a-f]+)", head).group(1).decode()
    assert sig == _v1_mac(KEY, "resp", nonce, "426", hashlib.sha256(body).digest())
    assert readable(head + body, a.secrets) == set()
    # Not signed the old way (a stranger): the stranger's 401.
    status, _, body = send_raw(a.port, request.replace(nonce.encode(), b"ab" * 16))
    assert (status, body) == (401, b'{"error":"unauthorized"}')


class _NewerDoor(BaseHTTPRequestHandler):
    """A door of a protocol after ours: refuses our path with the stranger's 401, naming its protocol."""

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("content-length") or 0))
        body = b'{"error":"unauthorized"}'
        self.send_response(401)
        self.send_header("content-length", str(len(body)))
        self.send_header(door_auth.H_PROTOCOL, str(door_auth.PROTOCOL + 1))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_newer_door_is_named_as_such():
    with fake_door(_NewerDoor) as url, client_of(url) as client:
        with pytest.raises(OtherVersion, match="this door runs a newer version of checkin-app"):
            client.hello()


@pytest.mark.parametrize("version", [1, 3, 99])
def test_a_request_for_another_protocol_version_is_refused(doors, version):
    """Fail closed: a genuine protocol 2 request sent to another version's path is not served."""
    a = doors["a"]
    path = f"/door/v{version}/journal"
    headers, body = door_auth.seal_request(KEY, "door-b", a.device_id, "POST", path, b'{"after":{}}')
    request = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
               + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode() + body
    status, head, answer = send_raw(a.port, request)
    assert (status, answer) == (401, b'{"error":"unauthorized"}')
    assert f"{door_auth.H_PROTOCOL}: {door_auth.PROTOCOL}".encode() in head.lower()


def test_a_pull_signed_for_the_door_that_used_to_answer_there_is_refused_then_recovers(doors, door_b):
    """Another door now answers at the address (a laptop swapped): it refuses the request signed for
    the old one, and the client asks who is there before its next pull."""
    a, c = doors["a"], doors["c"]
    client = DoorClient(a.url, KEY, door_b.device_id, peer_device=c.device_id)
    try:
        with pytest.raises(PeerError, match="no longer the door this request was for"):
            client.pull({})
        assert client.peer_device is None
        assert [r["code"] for r in client.pull({})["rows"]] == ["al4R5", a.walk_up_code]
        assert client.peer_device == a.device_id
    finally:
        client.close()


def test_two_real_door_processes_replicate_and_the_wire_shows_nothing_personal(tmp_path):
    """`checkin-app doors serve` processes pulling each other through proxies that record every byte."""
    codes = [f"W{n:03d}pv" for n in range(20)]
    venue = DoorCluster(tmp_path, n=2, codes=codes)
    traffic = bytearray()
    lock = threading.Lock()

    def record(up: bool, data: bytes) -> bytes:
        with lock:
            traffic.extend(data)
        return data
    for proxy in venue.proxies.values():
        proxy.tap = record
    try:
        venue.start_all()
        service = CheckinService(venue.store(0), door=venue.names[0])
        for code in codes[:5]:
            service.scan(code)
        event_id = venue.store(0).conn.execute("SELECT id FROM events").fetchone()[0]
        walk_up = service.issue(event_id, "Margaret Hamilton", "margaret@example.com").code
        poll(lambda: venue.store(1).conn.execute("SELECT holder_name FROM tickets WHERE code = ?",
                                                 (walk_up,)).fetchone() is not None)
        poll(lambda: all(venue.ticket(1, c)["checked_in_at"] for c in codes[:5]))
    finally:
        venue.stop()
    secrets_ = {*codes, *(f"Guest {c}" for c in codes), walk_up, "Margaret Hamilton", "margaret@example.com"}
    assert len(traffic) > 2000
    assert readable(bytes(traffic), secrets_) == set()
