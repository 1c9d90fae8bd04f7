"""Hostile input that used to end in a 500 or "internal error (a bug)" (issue 14, Low): each now
gets a 4xx or one clear line, over real loopback HTTP and through the real CLI."""
import gzip
import json
import subprocess
import sys

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from checkin_app.errors import PayloadError
from checkin_app.providers import relay as relay_client
from checkin_app.providers.relay import RelayClient
from checkin_app.webhooks.receiver import MAX_PAGE_BYTES
from checkin_app.webhooks.server import BackgroundServer
from checkin_app.webhooks.signature import TT_HEADER, tickettailor_signature
from tests.helpers.webhooks import RELAY_TOKEN, TICKETOR_TOKEN, inbox_rows, make_receiver, real_tt_delivery
from tests.paths import ROOT

BODY, HEADER, SECRET, SIGNED_AT = real_tt_delivery()
JSON = {"Content-Type": "application/json"}
AUTH = {"Authorization": f"Bearer {RELAY_TOKEN}"}
TICKETOR = f"/hooks/ticketor/{TICKETOR_TOKEN}"

NESTED = b"[" * 100_000 + b"]" * 100_000
NESTED_OBJECTS = b'{"a":' * 50_000 + b"1" + b"}" * 50_000
LONG_NUMBER = b'{"Id": ' + b"9" * 5000 + b', "Barcode": "1", "Event": {"EventId": 1}}'
SURROGATE_NAME = b'{"Id": 1, "Barcode": "1", "Status": "sold", "Event": {"EventId": 1}, "Buyer": {"FirstName": "\\ud800"}}'
SURROGATE_CODE = b'{"Id": 1, "Barcode": "12\\udfff3", "Status": "sold", "Event": {"EventId": 1}}'
HOSTILE_BODIES = {"nested arrays": NESTED, "nested objects": NESTED_OBJECTS, "5000-digit number": LONG_NUMBER,
                  "lone surrogate in a name": SURROGATE_NAME, "lone surrogate in a code": SURROGATE_CODE}


@pytest.fixture
def receiver(tmp_path):
    with make_receiver(tmp_path, max_body_bytes=2 * 1024 * 1024) as r:
        yield r


@pytest.fixture
def http(receiver):
    with httpx.Client(base_url=receiver.base_url, timeout=30) as client:
        yield client


@pytest.mark.parametrize("timestamp, encoding", [
    ("9" * 5000, "ascii"), ("²", "latin-1"), ("¹²³⁴", "utf-8"),  # HTTP headers are latin-1: b"\xb2" reads as "²"
    ("١٢٣٤٥٦٧٨٩٠", "utf-8"), ("1" * 40, "ascii"), ("-5", "ascii"), ("0x10", "ascii"), (" 1", "ascii"),
])
def test_attack_an_odd_t_in_the_signature_header_is_401(http, tmp_path, timestamp, encoding):
    header = HEADER.replace(f"t={SIGNED_AT}", f"t={timestamp}")
    response = http.post("/hooks/tickettailor", content=BODY, headers={**JSON, TT_HEADER: header.encode(encoding)})
    assert response.status_code == 401
    assert inbox_rows(tmp_path) == []


@pytest.mark.parametrize("what", list(HOSTILE_BODIES))
def test_attack_json_bombs_long_numbers_and_lone_surrogates_are_400_on_every_hook(http, tmp_path, what):
    body = HOSTILE_BODIES[what]
    assert http.post(TICKETOR, content=body, headers=JSON).status_code == 400, what
    signed = tickettailor_signature(SECRET, SIGNED_AT, body)
    assert http.post("/hooks/tickettailor", content=body, headers={**JSON, TT_HEADER: signed}).status_code == 400
    assert inbox_rows(tmp_path) == []
    assert http.post("/hooks/tickettailor", content=BODY, headers={**JSON, TT_HEADER: HEADER}).status_code == 201


@pytest.mark.parametrize("after, status", [(2 ** 63, 400), (2 ** 64 + 5, 400), (-1, 400), (2 ** 63 - 1, 200)])
def test_attack_a_relay_cursor_past_sqlites_integers_is_400(http, after, status):
    response = http.get("/relay/v1/deliveries", params={"after": str(after)}, headers=AUTH)
    assert response.status_code == status


def test_attack_relay_pages_are_bounded_in_bytes_not_only_in_count(receiver, http):
    one_mb = [json.dumps({"Id": i, "Status": "sold", "Barcode": str(1000 + i), "Event": {"EventId": 1},
                          "Notes": "x" * (1024 * 1024 - 200)}).encode() for i in range(12)]
    for body in one_mb:
        assert http.post(TICKETOR, content=body, headers=JSON).status_code == 201
    page = http.get("/relay/v1/deliveries", params={"limit": 500}, headers=AUTH)
    doc = page.json()
    assert doc["has_more"] and 1 <= len(doc["deliveries"]) <= MAX_PAGE_BYTES // (1024 * 1024)
    assert len(page.content) < MAX_PAGE_BYTES + 2 * 1024 * 1024
    client = RelayClient(receiver.base_url, RELAY_TOKEN)
    try:
        seen, after = [], 0
        while True:
            got = client.deliveries(after, limit=500)
            seen += [d["id"] for d in got.deliveries]
            after = got.next_after
            if not got.has_more:
                break
    finally:
        client.close()
    assert seen == list(range(1, 13))


def hostile_relay(answer):
    async def deliveries(request):
        return answer()
    return Starlette(routes=[Route("/relay/v1/deliveries", deliveries)])


def endless():
    async def chunks():
        for _ in range(5000):
            yield b" " * 65536  # 320 MB if it were all read
    return StreamingResponse(chunks(), media_type="application/json")


@pytest.mark.parametrize("answer, message", [
    (endless, "larger than"),
    (lambda: Response(gzip.compress(b'{"deliveries": []}' + b" " * 10_000_000), media_type="application/json",
                      headers={"Content-Encoding": "gzip"}), "compressed"),
    (lambda: Response(json.dumps({"deliveries": [], "next_after": 2 ** 64}), media_type="application/json"), "cursor"),
    (lambda: Response(json.dumps({"deliveries": [], "next_after": 1e400 if False else "7"}),
                      media_type="application/json"), "cursor"),
    (lambda: Response(json.dumps({"deliveries": [{"id": 1, "body": "{}", "provider": "ticketor",
                                                  "delivery_id": {"x": 1}}]}), media_type="application/json"), "shape"),
    (lambda: Response(json.dumps({"deliveries": [{"id": 2 ** 70, "body": "{}", "provider": "ticketor"}]}),
                      media_type="application/json"), "shape"),
])
def test_attack_a_hostile_relays_answers_are_refused_before_they_are_used(monkeypatch, answer, message):
    monkeypatch.setattr(relay_client, "MAX_PAGE_BYTES", 4 * 1024 * 1024)
    with BackgroundServer(hostile_relay(answer)) as server:
        client = RelayClient(server.url, RELAY_TOKEN)
        try:
            with pytest.raises(PayloadError, match=message):
                client.deliveries(0)
        finally:
            client.close()


def cli(data_dir, *args):
    return subprocess.run([sys.executable, "-m", "checkin_app", "--data-dir", str(data_dir), *args], cwd=ROOT,
                          capture_output=True, timeout=120)


@pytest.mark.parametrize("what", list(HOSTILE_BODIES))
def test_attack_the_same_bodies_on_import_are_one_clear_line(tmp_path, what):
    bad = tmp_path / "bad.json"
    bad.write_bytes(HOSTILE_BODIES[what])
    proc = cli(tmp_path / "data", "import", str(bad))
    stderr = proc.stderr.decode()
    assert proc.returncode == 2 and "internal error" not in stderr and "Traceback" not in stderr
    assert "nothing from this file was imported" in stderr and len(stderr.strip().splitlines()) == 1


def test_attack_a_record_a_mapper_chokes_on_is_set_aside_not_an_internal_error(tmp_path):
    data = tmp_path / "data"
    assert cli(data, "connect", "ticketor", "tor").returncode == 0
    one = tmp_path / "one.json"
    one.write_text("{}")  # Ticketor's mapper raised StopIteration on it: "internal error (a bug)"
    proc = cli(data, "import", str(one), "--connection", "tor")
    stderr = proc.stderr.decode()
    assert proc.returncode == 2 and "internal error" not in stderr and "nothing from this file was imported" in stderr
    mixed = tmp_path / "mixed.ndjson"
    mixed.write_text('{"Id": 1, "Barcode": "5", "Status": "sold", "Event": {"EventId": 1}}\n{}\n')
    proc = cli(data, "import", str(mixed), "--connection", "tor")
    assert proc.returncode == 0 and "internal error" not in proc.stderr.decode()
    assert "1 records set aside" in proc.stdout.decode()  # the other record is applied (issue 12, item 13)
    assert json.loads(cli(data, "export", "--format", "json").stdout)["count"] == 1


def test_attack_undecodable_bytes_as_a_scanned_code_are_a_clear_error(tmp_path):
    cli(tmp_path, "events")
    proc = subprocess.run([sys.executable.encode(), b"-m", b"checkin_app", b"--data-dir", str(tmp_path).encode(),
                           b"scan", b"\xff\xfeA"], cwd=ROOT, capture_output=True, timeout=60)
    assert proc.returncode == 2 and b"internal error" not in proc.stderr and b"not valid UTF-8" in proc.stderr


def test_import_counts_distinct_events_and_warns_on_a_repeated_code(tmp_path):
    rows = tmp_path / "list.csv"
    rows.write_text("code,event,name\nA1,ev_1,Ada\nB2,ev_1,Bo\nA1,ev_1,Ada again\nC3,ev_2,Cy\n")
    proc = cli(tmp_path / "data", "import", str(rows))
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 0, err
    assert "3 tickets (3 new), 2 events" in out
    assert "warning: list.csv: code A1 (event ev_1) appears 2 times" in err
