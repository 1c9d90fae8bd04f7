"""Property-based fuzzing of door replication (hypothesis, fixed budget, derandomized for CI).

Over real loopback HTTP against a real door server: any signature headers, times, nonces, paths,
queries and bodies end in a clear 4xx (or a signed 200 for a genuine request), never a 500, a
hang or an unhandled exception, and the door still serves its paired doors afterwards. Over the
apply path on real SQLite: any page of rows ends with every row applied, quarantined or
held back as a gap/duplicate, and the well-formed rows of the page all apply.
"""
import json
import math
import socket
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkin_app.domain import hlc
from checkin_app.domain.clock import utc_now
from checkin_app.providers.registry import pushes
from checkin_app.store import replica
from checkin_app.sync import door_auth, door_crypto
from checkin_app.sync.peer_server import API, MAX_BODY, DoorApp
from checkin_app.webhooks.server import BackgroundServer
from tests.factories import seeded_store

KEY = door_auth.new_key()
BUDGET = settings(max_examples=120, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
header_bytes = st.binary(max_size=80).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"").replace(b"\0", b""))


def raw_http(port: int, method: str, target: str, headers: dict[str, bytes], body: bytes) -> tuple[int, bytes]:
    """One request written by hand (any header bytes at all), read to the end: (status, body)."""
    head = f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {len(body)}\r\n"
    data = head.encode("ascii") + b"".join(k.encode() + b": " + v + b"\r\n" for k, v in headers.items()) + b"\r\n" + body
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:  # a hang fails as a timeout
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


@pytest.fixture(scope="module")
def door(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "door"
    store = seeded_store(path)
    from checkin_app.services.checkin import CheckinService
    CheckinService(store, door="Door A").scan("al4R5")
    app = DoorApp(path, KEY, "Door A")
    server = BackgroundServer(app.app)
    server.start()
    client = httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=httpx.Timeout(15.0), trust_env=False)
    client.port = server.port
    client.device_id = store.device_id  # the door every genuine request is signed for
    yield client
    client.close()
    server.stop()
    app.close()
    store.close()


def sealed(door, plaintext: bytes, path: str = f"{API}/journal", method: str = "POST",
           device: str = "door-b") -> tuple[dict[str, str], bytes]:
    return door_auth.seal_request(KEY, device, door.device_id, method, path, plaintext)


def opened(resp: httpx.Response, headers: dict[str, str]) -> bytes | None:
    return door_auth.open_answer(KEY, headers[door_auth.H_NONCE], resp.status_code, resp.content,
                                 resp.headers.get(door_auth.H_SIGNATURE))


def still_serves(client: httpx.Client) -> None:
    headers, body = sealed(client, b'{"after":{}}')
    resp = client.post(f"{API}/journal", content=body, headers=headers)
    assert resp.status_code == 200 and json.loads(opened(resp, headers))["rows"]


@BUDGET
@given(device=header_bytes, ts=header_bytes, nonce=header_bytes, sig=header_bytes, to=header_bytes,
       body=st.binary(max_size=2000))
def test_any_signature_headers_end_in_a_clear_4xx(door, device, ts, nonce, sig, to, body):
    headers = {door_auth.H_DEVICE: device, door_auth.H_TIME: ts, door_auth.H_NONCE: nonce, door_auth.H_SIGNATURE: sig,
               door_auth.H_TARGET: to}
    status, answer = raw_http(door.port, "POST", f"{API}/journal", headers, body)
    assert status == 401 and json.loads(answer) == {"error": "unauthorized"} or status == 400, (status, answer)


@BUDGET
@given(when=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**20, 10**20)),
       device=st.from_regex(r"[A-Za-z0-9_.:-]{1,64}", fullmatch=True))
def test_any_time_outside_the_window_is_refused_even_when_signed(door, when, device):
    ts = f"{when:.3f}" if isinstance(when, float) else str(when)
    headers, body = sealed(door, b'{"after":{}}', device=device)
    headers[door_auth.H_TIME] = ts
    # Sealed and signed as a door whose clock says `ts` would (the body is sealed with the time too).
    aad = door_auth.request_aad("POST", f"{API}/journal", ts, headers[door_auth.H_NONCE], device, door.device_id)
    body = door_crypto.seal(KEY, b'{"after":{}}', aad)
    headers[door_auth.H_SIGNATURE] = door_auth.request_signature(KEY, "POST", f"{API}/journal", ts,
                                                                 headers[door_auth.H_NONCE], device, door.device_id,
                                                                 body)
    resp = door.post(f"{API}/journal", content=body, headers=headers)
    import time
    sent = door_auth.sent_at(ts)
    if sent is not None and abs(time.time() - sent) <= door_auth.WINDOW_S:
        assert resp.status_code == 200
    else:
        assert resp.status_code == 401
        said = json.loads(opened(resp, headers) or resp.content)
        assert said["error"] in ("unauthorized", "clock")
        assert not (isinstance(when, float) and not math.isfinite(when)) or resp.json() == {"error": "unauthorized"}


asks = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={
        "after": st.one_of(json_values, st.dictionaries(st.text(max_size=70), json_values, max_size=5),
                           st.dictionaries(st.text(max_size=12), st.integers(-2**70, 2**70), max_size=5),
                           st.dictionaries(st.text(max_size=12), st.sampled_from([math.inf, -math.inf, math.nan, 1e300])
                                           | st.floats(), min_size=1, max_size=3)),
        "limit": json_values | st.integers(-2**70, 2**70),
        "wait": st.one_of(json_values, st.floats(-1e9, 20.0), st.just(0)),
    }),
)


@BUDGET
@given(ask=asks, query=st.text(max_size=30), raw=st.booleans())
def test_any_signed_journal_request_gets_200_or_a_clear_400(door, ask, query, raw):
    if isinstance(ask, dict) and isinstance(ask.get("wait"), (int, float)) and not isinstance(ask.get("wait"), bool):
        ask["wait"] = 0  # a long-poll on a door with no new rows would only wait the fuzz budget away
    body = json.dumps(ask).encode("utf-8", "surrogatepass") if not raw else json.dumps(ask)[:-1].encode("utf-8", "replace")
    target = f"{API}/journal" + (f"?{httpx.QueryParams({'q': query})}" if query else "")
    headers, sealed_body = sealed(door, body, target)
    resp = door.post(target, content=sealed_body, headers=headers)
    assert resp.status_code in (200, 400), (ask, resp.status_code, resp.text[:200])
    assert opened(resp, headers) is not None


cursor_values = st.one_of(st.integers(-2**70, 2**70), st.floats(), st.sampled_from([math.inf, -math.inf, math.nan]),
                          json_values)


@BUDGET
@given(after=st.dictionaries(st.text(max_size=70), cursor_values, min_size=1, max_size=4),
       limit=cursor_values, wait=st.sampled_from([0, -1, 0.0, math.nan, math.inf, "0", None, True]))
def test_any_cursor_limit_or_wait_gets_200_or_a_clear_400(door, after, limit, wait):
    headers, body = sealed(door, json.dumps({"after": after, "limit": limit, "wait": wait}).encode("utf-8", "surrogatepass"))
    resp = door.post(f"{API}/journal", content=body, headers=headers)
    assert resp.status_code in (200, 400), (after, limit, wait, resp.status_code)


@BUDGET
@given(path=st.text(max_size=40), method=st.sampled_from(["GET", "POST"]), body=st.binary(max_size=300))
def test_any_signed_path_gets_a_clear_answer(door, path, method, body):
    target = "/" + quote(path, safe="/?=&%")
    headers, body = sealed(door, body, target, method)
    status, _ = raw_http(door.port, method, target, {k: v.encode() for k, v in headers.items()}, body)
    assert status in (200, 400, 401, 404), status


def test_an_oversized_signed_body_is_413_and_the_door_still_serves(door):
    headers, body = sealed(door, b" " * (MAX_BODY + 1))
    assert door.post(f"{API}/journal", content=body, headers=headers).status_code == 413
    still_serves(door)


# -- the apply path ----------------------------------------------------------------------------

OPS = ["scan", "force", "exit", "undo", "void", "issue", "pushed", "alarm", "unvoid"]
plausible = {
    "device_id": st.sampled_from(["dev-x", "dev-y"]),
    "seq": st.integers(-1, 4),
    "op": st.sampled_from(OPS),
    "verdict": st.sampled_from([None, "admitted", "forced", "already_checked_in"]),
    "provider": st.sampled_from([None, "tickettailor", "local"]),
    "event_remote_id": st.sampled_from([None, "ev_1", "ev_new"]),
    "ticket_remote_id": st.sampled_from([None, "it_al4R5", "it_TEVO-1", "it_new"]),
    "code": st.sampled_from([None, "al4R5", "TEVO-1", "NEW1", "VOIDED1"]),
    "door": st.sampled_from([None, "Door Z"]),
    "payload": st.one_of(
        st.fixed_dictionaries({}, optional={"undoes_nonce": json_values, "act": json_values, "reentry": json_values,
                                            "name": json_values, "kind": json_values, "device": json_values,
                                            "seq": json_values, "versions": json_values}),
        json_values),
    "at": st.sampled_from(["2026-11-24T20:00:00.000+00:00", "2026-11-24T21:00:00+00:00", "2026-11-24 20:00", "x"]),
    "nonce": st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e), min_size=1, max_size=10),
    "hlc": st.one_of(st.integers(0, hlc.MAX_STAMP), st.sampled_from([-1, hlc.MAX_STAMP + 1, True, 1.5, "1"])),
}
rows = st.one_of(
    st.fixed_dictionaries({k: st.one_of(v, json_values) if k != "device_id" else v for k, v in plausible.items()}),
    st.fixed_dictionaries({k: v for k, v in plausible.items()}),
    json_values,
)


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    store = seeded_store(tmp_path_factory.mktemp("fuzz-apply") / "door")
    yield store
    store.close()


def good_rows(n: int) -> list[dict]:
    return [{"device_id": "dev-good", "seq": i, "op": "scan", "verdict": "admitted", "provider": "tickettailor",
             "event_remote_id": "ev_1", "ticket_remote_id": "it_R59xesv", "code": "R59xesv", "door": "Door G",
             "payload": {}, "at": f"2026-11-24T20:00:0{i}.000+00:00", "nonce": f"good-{i}",
             "hlc": hlc.from_iso(f"2026-11-24T20:00:0{i}.000+00:00")} for i in range(1, n + 1)]


@settings(max_examples=250, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(page=st.lists(rows, max_size=8), good=st.integers(0, 3))
def test_any_page_of_rows_applies_or_quarantines_and_the_good_rows_apply(target, page, good):
    conn = target.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        report = replica.apply_rows(conn, page + good_rows(good), own_device=target.device_id, pushes=pushes,
                                    now=utc_now(), source="fuzz")
        accounted = report.applied + report.quarantined + report.duplicates + report.gaps
        assert accounted == len(page) + good  # every row: applied, kept aside, already held, or waiting
        assert replica.heads(conn).get("dev-good", 0) == good
        kept = conn.execute("SELECT COUNT(*) FROM replica_quarantine").fetchone()[0]
        assert kept >= min(1, report.quarantined)
        served = replica.rows_after(conn, {})
        json.dumps(served).encode("ascii")  # the door can serve on whatever it now holds
        replica.link_orphans(conn, utc_now())
    finally:
        conn.execute("ROLLBACK")


@BUDGET
@given(body=st.binary(max_size=400))
def test_a_signed_request_whose_body_is_not_sealed_gets_a_sealed_400(door, body):
    """Signed by a key holder, but the body is anything at all (not sealed for these headers)."""
    headers, _ = sealed(door, b'{"after":{}}')
    headers[door_auth.H_SIGNATURE] = door_auth.request_signature(
        KEY, "POST", f"{API}/journal", headers[door_auth.H_TIME], headers[door_auth.H_NONCE], "door-b",
        door.device_id, body)
    resp = door.post(f"{API}/journal", content=body, headers=headers)
    assert resp.status_code == 400
    assert json.loads(opened(resp, headers))["error"].startswith("the body is not sealed")
