"""A hostile network against the door server and client over real loopback HTTP (issue 14, item 3
and the low items): reads are bounded before authentication, a peer's clock is told apart from a
wrong key, advertised doors count only once they answer signed, and a pull worker that crashes is
restarted and reported."""
import json
import socket
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from checkin_app.services import doors as doors_service
from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store
from checkin_app.sync import door_auth, peer_sync
from checkin_app.sync.peer_server import API, MAX_BODY, DoorApp
from checkin_app.sync.peer_sync import DoorClient, DoorReplicator, PeerError
from checkin_app.webhooks.server import BackgroundServer
from tests.factories import seeded_store
from tests.helpers.poll import poll

KEY = door_auth.new_key()
FAKE_SIGNED_HEADERS = {door_auth.H_DEVICE: "stranger", door_auth.H_TIME: f"{time.time():.3f}",
                       door_auth.H_NONCE: "ab" * 16, door_auth.H_SIGNATURE: "0" * 64,
                       door_auth.H_TARGET: door_auth.ANY_DOOR}


def serve(data_dir, key=KEY, door="Door A"):
    app = DoorApp(data_dir, key, door)
    server = BackgroundServer(app.app)
    server.start()
    return app, server


@pytest.fixture
def door_a(tmp_path):
    store = seeded_store(tmp_path / "a")
    CheckinService(store, door="Door A").scan("al4R5")
    app, server = serve(tmp_path / "a")
    yield store, f"http://127.0.0.1:{server.port}", server.port
    server.stop()
    app.close()
    store.close()


def raw_request(port: int, head: str, chunks=(), chunk_timeout: float = 2.0) -> tuple[str, int]:
    """Send a request by hand; returns (the answer's status line, body bytes sent before it came)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sent = 0
    try:
        sock.sendall(head.encode("latin-1"))
        sock.settimeout(chunk_timeout)
        for chunk in chunks:
            try:
                sock.sendall(chunk)
            except (TimeoutError, BrokenPipeError, ConnectionResetError):
                break  # the server stopped reading: its answer is waiting
            sent += len(chunk)
            sock.setblocking(False)
            try:
                if sock.recv(1, socket.MSG_PEEK):
                    break
            except BlockingIOError:
                pass
            finally:
                sock.settimeout(chunk_timeout)
        sock.settimeout(10)
        answer = sock.recv(4096).decode("latin-1")
    finally:
        sock.close()
    return answer.split("\r\n", 1)[0], sent


def head_for(length_header: str, headers: dict) -> str:
    lines = [f"POST {API}/journal HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json", length_header,
             *(f"{k}: {v}" for k, v in headers.items())]
    return "\r\n".join(lines) + "\r\n\r\n"


def test_a_declared_400_mb_body_is_refused_before_a_byte_of_it_is_read(door_a):
    _, _, port = door_a
    status, _ = raw_request(port, head_for(f"Content-Length: {400 * 2**20}", FAKE_SIGNED_HEADERS))
    assert status.split()[1] == "413"


def test_a_streamed_body_is_read_only_up_to_the_limit(door_a):
    """No length declared (chunked): the server reads chunks and stops at MAX_BODY with 413."""
    _, _, port = door_a
    piece = b"x" * 65536
    chunks = (f"{len(piece):x}\r\n".encode() + piece + b"\r\n" for _ in range(400 * 16))  # 400 MB if all sent
    status, sent = raw_request(port, head_for("Transfer-Encoding: chunked", FAKE_SIGNED_HEADERS), chunks)
    assert status.split()[1] == "413"
    assert sent < 8 * 2**20, f"{sent:,} bytes sent before the door answered"


def test_a_body_without_signature_headers_is_not_read_at_all(door_a):
    _, _, port = door_a
    piece = b"x" * 65536
    status, sent = raw_request(port, head_for(f"Content-Length: {400 * 2**20}", {}), [piece] * 6400)
    assert status.split()[1] == "401"
    assert sent < 8 * 2**20


class _Flood(BaseHTTPRequestHandler):
    """A stranger posing as a door that answers with an endless body."""

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        if self.server.declare:
            self.send_header("content-length", str(400 * 2**20))
        self.end_headers()
        try:
            for _ in range(400 * 16):
                self.wfile.write(b" " * 65536)
                self.server.written += 65536
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("declare", [True, False], ids=["declared", "streamed"])
def test_the_client_stops_reading_an_unsigned_answer_at_its_limit(tmp_path, declare):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Flood)
    server.declare, server.written = declare, 0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = DoorClient(f"http://127.0.0.1:{server.server_address[1]}", KEY, "door-b", max_bytes=2_000_000)
    try:
        with pytest.raises(PeerError, match="bytes"):
            client.pull({})
    finally:
        client.close()
        server.shutdown()
        server.server_close()
    assert server.written < 50 * 2**20


def test_nan_and_inf_door_times_are_refused(door_a):
    store_a, url, _ = door_a
    for when in (float("nan"), float("inf"), float("-inf")):
        headers, body = door_auth.seal_request(KEY, "door-b", store_a.device_id, "POST", f"{API}/journal",
                                               json.dumps({"after": {}}).encode(), now=when)
        assert door_auth.RequestVerifier(KEY, store_a.device_id).verify("POST", f"{API}/journal", headers, body) is None
        import httpx
        resp = httpx.post(url + f"{API}/journal", content=body, headers=headers)
        assert resp.status_code == 401 and resp.json() == {"error": "unauthorized"}


def test_a_door_ten_minutes_off_is_told_the_clocks_differ_not_the_key(door_a, tmp_path):
    _, url, _ = door_a
    ahead = DoorClient(url, KEY, "door-b", clock=lambda: time.time() + 600)
    wrong_key = DoorClient(url, door_auth.new_key(), "door-b")
    stranger_ahead = DoorClient(url, door_auth.new_key(), "door-b", clock=lambda: time.time() + 600)
    try:
        with pytest.raises(PeerError, match="clocks differ by 10 min") as told:
            ahead.hello()
        assert "its clock is behind" in str(told.value) and "the venue key is right" in str(told.value)
        with pytest.raises(PeerError, match="refused our venue key"):
            wrong_key.hello()
        with pytest.raises(PeerError, match="clocks differ by 10 min") as told:  # from the Date header only
            stranger_ahead.hello()
        assert "the venue key differs" in str(told.value) and "key is right" not in str(told.value)
    finally:
        for c in (ahead, wrong_key, stranger_ahead):
            c.close()


class _OldDoor(BaseHTTPRequestHandler):
    """A door that refuses with a bare 401 (no hint); its Date header is 10 minutes ahead."""

    def do_GET(self):  # noqa: N802
        body = b'{"error":"unauthorized"}'
        self.send_response_only(401)
        self.send_header("date", formatdate(time.time() + 600, usegmt=True))
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET  # noqa: N815 - the same bare 401 for a hello (a POST since door protocol 2)

    def log_message(self, *args):
        pass


def test_the_date_header_tells_clock_skew_from_a_wrong_key():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OldDoor)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = DoorClient(f"http://127.0.0.1:{server.server_address[1]}", KEY, "door-b")
    try:
        with pytest.raises(PeerError, match="clocks differ by 10 min .its clock is ahead"):
            client.hello()
    finally:
        client.close()
        server.shutdown()
        server.server_close()


def test_a_crashed_pull_worker_is_restarted_and_reported(door_a, tmp_path, caplog):
    store_a, url, _ = door_a
    seeded_store(tmp_path / "b").close()
    calls = []

    def on_applied(report):
        calls.append(report)
        if len(calls) == 1:
            raise RuntimeError("a window's handler failed")

    replicator = DoorReplicator(tmp_path / "b", KEY, on_applied=on_applied, long_poll_s=0.5)
    replicator.add_peer(url)
    store_b = Store(tmp_path / "b")
    try:
        poll(lambda: doors_service.status(store_b).doors and doors_service.status(store_b).doors[0]["restarts"] >= 1)
        CheckinService(store_a, door="Door A").scan("R59xesv")  # replication goes on after the crash
        poll(lambda: store_b.conn.execute("SELECT checked_in_door FROM tickets WHERE code = 'R59xesv'").fetchone()[0])
    finally:
        replicator.stop()
    [door] = doors_service.status(store_b).doors
    assert door["restarts"] == 1 and "a window's handler failed" in door["last_crash"]
    assert any("crashed; restarting" in r.getMessage() for r in caplog.records)
    store_b.close()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # the injected end
def test_a_worker_thread_that_ends_anyway_is_restarted_by_the_watchdog(door_a, tmp_path, monkeypatch):
    """A thread ended by something no handler catches (here SystemExit, injected: no real fault
    left in the code ends a worker): the watchdog starts it again and records it."""
    store_a, url, _ = door_a
    seeded_store(tmp_path / "b").close()
    real_loop, ended = DoorReplicator._pull_loop, []

    def loop_once_dying(self, url, source):
        if not ended:
            ended.append(url)
            raise SystemExit
        return real_loop(self, url, source)

    monkeypatch.setattr(DoorReplicator, "_pull_loop", loop_once_dying)
    replicator = DoorReplicator(tmp_path / "b", KEY, long_poll_s=0.5)
    replicator.add_peer(url)
    store_b = Store(tmp_path / "b")
    try:
        poll(lambda: store_b.conn.execute("SELECT checked_in_door FROM tickets WHERE code = 'al4R5'").fetchone()[0])
    finally:
        replicator.stop()
    [door] = doors_service.status(store_b).doors
    assert door["restarts"] == 1 and "ended unexpectedly" in door["last_crash"]
    store_b.close()


class _KeyHolderFlood(BaseHTTPRequestHandler):
    """A door with the key serving a page of 400,000 tiny junk rows (each would be a quarantine row)."""

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("content-length", 0)))
        body = json.dumps({"venue": door_auth.venue_id(KEY), "device_id": "evil", "door": "Evil", "heads": {},
                           "more": True, "rows": [n for n in range(400_000)]}, separators=(",", ":")).encode()
        self.send_response(200)
        body, signature = door_auth.seal_answer(KEY, self.headers[door_auth.H_NONCE], 200, body)
        self.send_header("content-length", str(len(body)))
        self.send_header(door_auth.H_SIGNATURE, signature)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_page_with_more_rows_than_a_door_serves_is_refused_whole(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _KeyHolderFlood)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    store = seeded_store(tmp_path / "b")
    client = DoorClient(f"http://127.0.0.1:{server.server_address[1]}", KEY, store.device_id, peer_device="evil")
    try:
        with pytest.raises(PeerError, match="400,000 rows"):
            peer_sync.pull_once(store, client, door_auth.venue_id(KEY))
        assert store.conn.execute("SELECT COUNT(*) FROM replica_quarantine").fetchone()[0] == 0
    finally:
        client.close()
        server.shutdown()
        server.server_close()
        store.close()


class _Unsigned(BaseHTTPRequestHandler):
    """A fake door: answers everything, signs nothing."""

    def do_GET(self):  # noqa: N802
        self.server.hits += 1
        body = json.dumps({"venue": door_auth.venue_id(KEY), "device_id": "fake", "door": "Fake"}).encode()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


def test_advertised_doors_count_only_once_they_answer_signed(door_a, tmp_path):
    _, real_url, _ = door_a
    seeded_store(tmp_path / "b").close()
    fakes = []
    for _ in range(25):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Unsigned)
        server.hits = 0
        threading.Thread(target=server.serve_forever, daemon=True).start()
        fakes.append(server)
    replicator = DoorReplicator(tmp_path / "b", KEY, long_poll_s=0.5)
    store_b = Store(tmp_path / "b")
    try:
        for server in fakes:
            replicator.discovered(f"http://127.0.0.1:{server.server_address[1]}")
        replicator.discovered(real_url)
        poll(lambda: all(s.hits for s in fakes) and replicator.peers() == [real_url])
        ours = sorted(t.name for t in threading.enumerate() if t.name.startswith("door-"))
        assert ours == ["door-probe", f"door-pull {real_url}", "door-pull watchdog"]
        poll(lambda: [d["url"] for d in doors_service.status(store_b).doors] == [real_url])
    finally:
        replicator.stop()
        for server in fakes:
            server.shutdown()
            server.server_close()
    assert len(replicator.candidates()) == 25
    store_b.close()


def test_peers_per_venue_are_capped(door_a, tmp_path):
    _, url, _ = door_a
    seeded_store(tmp_path / "b").close()
    replicator = DoorReplicator(tmp_path / "b", KEY, max_peers=2)
    try:
        assert replicator.add_peer(url) and replicator.add_peer("http://127.0.0.1:9")
        assert replicator.add_peer("http://127.0.0.1:10") is False
        assert len(replicator.peers()) == 2
    finally:
        replicator.stop()
    for n in range(peer_sync.MAX_CANDIDATES + 10):
        replicator._stop.clear()
        replicator.discovered(f"http://127.0.0.1:{20000 + n}")
    assert len(replicator.candidates()) == peer_sync.MAX_CANDIDATES
    replicator.stop()


def test_hostile_journal_requests_get_a_clear_4xx(door_a):
    import httpx
    store_a, url, _ = door_a
    for body in (b"[1]", b"{", b"[" * 100_000 + b"]" * 100_000, b'{"after": {"d": 1e400}}', b'{"after": {"d": "1"}}',
                 b'{"after": {"d": -1}}', b'{"after": [1]}', b'{"limit": "5"}', b'{"wait": NaN}', b'{"wait": true}',
                 b'{"after": {"d": 18446744073709551616}}', b'{"limit": ' + b"9" * 5000 + b"}", b"\xff\xfe"):
        if len(body) > MAX_BODY:
            body = body[:MAX_BODY]
        headers, sealed = door_auth.seal_request(KEY, "door-b", store_a.device_id, "POST", f"{API}/journal", body)
        resp = httpx.post(url + f"{API}/journal", content=sealed, headers=headers)
        assert resp.status_code == 400, (body[:40], resp.status_code, resp.text)
        assert door_auth.open_answer(KEY, headers[door_auth.H_NONCE], 400, resp.content,
                                     resp.headers.get(door_auth.H_SIGNATURE)) is not None
