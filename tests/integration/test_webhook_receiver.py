"""The webhook receiver over real HTTP on loopback (uvicorn + Starlette, embedded `Receiver`):
signatures (the real recorded Ticket Tailor delivery), path tokens, dedupe, refusals that store
nothing, a bounded flood that loses nothing, and secrets that never reach the database or log."""
import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store
from checkin_app.webhooks.signature import TT_HEADER, tickettailor_signature
from tests.helpers.webhooks import RELAY_TOKEN, TICKETOR_TOKEN, TICKETSOLVE_TOKEN, inbox_rows, make_receiver, real_tt_delivery
from tests.paths import REFERENCE

BODY, HEADER, SECRET, SIGNED_AT = real_tt_delivery()
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def receiver(tmp_path):
    with make_receiver(tmp_path) as r:
        yield r


@pytest.fixture
def http(receiver):
    with httpx.Client(base_url=receiver.base_url, timeout=10) as client:
        yield client


def post_tt(http, body=BODY, header=HEADER, content_type="application/json"):
    return http.post("/hooks/tickettailor", content=body, headers={"Content-Type": content_type, TT_HEADER: header})


def scan(data_dir, code):
    with Store(data_dir) as store:
        return CheckinService(store).scan(code).kind.value


def test_the_real_delivery_verifies_is_stored_and_admits(receiver, http, tmp_path):
    response = post_tt(http)
    assert response.status_code == 201, response.text
    assert response.json() == {"id": 1, "duplicate": False, "tickets": 1, "error": None}
    rows = inbox_rows(tmp_path)
    assert len(rows) == 1 and bytes(rows[0]["body"]) == BODY and rows[0]["delivery_id"] == "wh_1072228"
    assert rows[0]["applied_at"] is not None
    assert scan(tmp_path, "R59xesv") == "admitted"


@pytest.mark.parametrize("what, body, header", [
    ("one byte of the body changed", BODY.replace(b"R59xesv", b"R59xesw"), HEADER),
    ("the signature changed", BODY, HEADER[:-1] + ("0" if HEADER[-1] != "0" else "1")),
    ("the timestamp changed", BODY, HEADER.replace(f"t={SIGNED_AT}", f"t={SIGNED_AT + 1}")),
    ("no v1", BODY, f"t={SIGNED_AT}"),
    ("garbage header", BODY, "nonsense"),
    ("signed with another secret", BODY, tickettailor_signature("another-secret", SIGNED_AT, BODY)),
])
def test_tampered_deliveries_are_refused_401_and_store_nothing(receiver, http, tmp_path, what, body, header):
    response = post_tt(http, body, header)
    assert response.status_code == 401, what
    assert inbox_rows(tmp_path) == []


def test_missing_signature_header_is_401(receiver, http, tmp_path):
    assert http.post("/hooks/tickettailor", content=BODY, headers=JSON).status_code == 401
    assert inbox_rows(tmp_path) == []


@pytest.mark.parametrize("offset", [301, -301, 86400 * 365])
def test_stale_or_future_timestamps_are_refused(tmp_path, offset):
    with make_receiver(tmp_path, now=SIGNED_AT + offset) as r, httpx.Client(base_url=r.base_url) as http:
        response = post_tt(http)
        assert response.status_code == 401 and "tolerance" in response.json()["error"]
    assert inbox_rows(tmp_path) == []


def test_the_tolerance_edge_is_accepted(tmp_path):
    with make_receiver(tmp_path, now=SIGNED_AT + 300) as r, httpx.Client(base_url=r.base_url) as http:
        assert post_tt(http).status_code == 201


def test_token_routes_accept_the_right_token_only(receiver, http, tmp_path):
    order = (REFERENCE / "ticketsolve-order-created.json").read_bytes()
    sale = (REFERENCE / "ticketor-new-ticket-sale.json").read_bytes()
    for path in (f"/hooks/ticketsolve/{TICKETSOLVE_TOKEN[:-1]}x", f"/hooks/ticketsolve/{TICKETOR_TOKEN}",
                 "/hooks/ticketsolve", "/hooks/ticketsolve/", f"/hooks/eventbrite/{TICKETSOLVE_TOKEN}"):
        assert http.post(path, content=order, headers=JSON).status_code in (404, 405), path
    assert inbox_rows(tmp_path) == []
    assert http.post(f"/hooks/ticketsolve/{TICKETSOLVE_TOKEN}", content=order, headers=JSON).status_code == 201
    assert http.post(f"/hooks/ticketor/{TICKETOR_TOKEN}", content=sale, headers=JSON).status_code == 201
    assert [r["provider"] for r in inbox_rows(tmp_path)] == ["ticketsolve", "ticketor"]
    assert scan(tmp_path, "UQE2BK7L1G") == "admitted"
    assert scan(tmp_path, "PR:BG3IXCQIRV") == "not_admission"
    assert scan(tmp_path, "9971217295658") == "admitted"


def test_duplicates_by_content_and_by_delivery_id_are_stored_once(receiver, http, tmp_path):
    order = (REFERENCE / "ticketsolve-order-created.json").read_bytes()
    url = f"/hooks/ticketsolve/{TICKETSOLVE_TOKEN}"
    assert http.post(url, content=order, headers=JSON).status_code == 201
    again = http.post(url, content=order, headers=JSON)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert post_tt(http).status_code == 201
    # Ticket Tailor re-sends the same delivery id; here with different bytes (pretty-printed) and a fresh signature.
    resent = json.dumps(json.loads(BODY), indent=2).encode()
    response = post_tt(http, resent, tickettailor_signature(SECRET, SIGNED_AT + 5, resent))
    assert response.status_code == 200 and response.json()["duplicate"] is True
    assert len(inbox_rows(tmp_path)) == 2


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "", "application/xml"])
def test_wrong_content_types_get_415(receiver, http, tmp_path, content_type):
    sale = (REFERENCE / "ticketor-new-ticket-sale.json").read_bytes()
    headers = {"Content-Type": content_type} if content_type else {}
    response = http.post(f"/hooks/ticketor/{TICKETOR_TOKEN}", content=sale, headers=headers)
    assert response.status_code == 415
    assert post_tt(http, content_type="text/plain").status_code == 415
    assert inbox_rows(tmp_path) == []


@pytest.mark.parametrize("body", [b"{not json", b"", b"[1, 2]", b'"text"', b"\xff\xfe{}", b'{"a": 1} trailing'])
def test_malformed_json_gets_400(receiver, http, tmp_path, body):
    response = http.post(f"/hooks/ticketor/{TICKETOR_TOKEN}", content=body, headers=JSON)
    assert response.status_code == 400, response.text
    signed = post_tt(http, body, tickettailor_signature(SECRET, SIGNED_AT, body))
    assert signed.status_code == 400
    assert inbox_rows(tmp_path) == []


def test_oversized_bodies_get_413_by_length_and_while_streaming(tmp_path):
    with make_receiver(tmp_path, max_body_bytes=4096) as r, httpx.Client(base_url=r.base_url) as http:
        big = json.dumps({"Barcode": "1" * 5000}).encode()
        assert http.post(f"/hooks/ticketor/{TICKETOR_TOKEN}", content=big, headers=JSON).status_code == 413

        def chunks():  # no Content-Length: the limit must hold while reading
            for _ in range(10):
                yield b" " * 1000

        response = http.post(f"/hooks/ticketor/{TICKETOR_TOKEN}", content=chunks(), headers=JSON)
        assert response.status_code == 413
        assert post_tt(http).status_code == 201  # the real delivery (2.3 kB) still fits
    assert len(inbox_rows(tmp_path)) == 1


def test_a_payload_no_mapper_reads_is_kept_with_the_reason(receiver, http, tmp_path):
    customer = (REFERENCE / "ticketor-new-customer.json").read_bytes()
    response = http.post(f"/hooks/ticketor/{TICKETOR_TOKEN}", content=customer, headers=JSON)
    assert response.status_code == 202 and "new customer" in response.json()["error"]
    row = inbox_rows(tmp_path)[0]
    assert row["applied_at"] is None and "carries no tickets" in row["error"]


def ticket_sale(n: int) -> bytes:
    return json.dumps({"Id": 100000 + n, "InvoiceId": 5000 + n, "Status": "sold", "Section": "A", "Row": "1", "Seat": n,
                       "PriceLevelName": "GA", "Barcode": str(900000000 + n),
                       "Event": {"EventId": 42, "EventName": "Flood night", "EventDate": "2026-12-01T19:00:00Z"},
                       "Buyer": {"FirstName": "Guest", "LastName": str(n), "Email": f"g{n}@example.com"}}).encode()


def test_a_bounded_flood_loses_nothing_and_duplicates_nothing(receiver, tmp_path):
    unique, repeats = 400, 100
    bodies = [ticket_sale(n) for n in range(unique)] + [ticket_sale(n) for n in range(0, unique, unique // repeats)]
    url = f"{receiver.base_url}/hooks/ticketor/{TICKETOR_TOKEN}"
    with httpx.Client(timeout=30, limits=httpx.Limits(max_connections=16)) as client:
        with ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(lambda b: client.post(url, content=b, headers=JSON).status_code, bodies))
    assert statuses.count(201) == unique and statuses.count(200) == repeats
    rows = inbox_rows(tmp_path)
    assert len(rows) == unique and len({r["content_hash"] for r in rows}) == unique
    assert scan(tmp_path, "900000399") == "admitted"


def test_relay_routes_need_the_bearer_token_and_page_by_cursor(receiver, http, tmp_path):
    for n in range(5):
        assert http.post(f"/hooks/ticketor/{TICKETOR_TOKEN}", content=ticket_sale(n), headers=JSON).status_code == 201
    assert http.get("/relay/v1/deliveries").status_code == 401
    assert http.get("/relay/v1/ping", headers={"Authorization": "Bearer " + RELAY_TOKEN[:-1]}).status_code == 401
    auth = {"Authorization": f"Bearer {RELAY_TOKEN}"}
    assert http.get("/relay/v1/ping", headers=auth).json()["deliveries"] == {"ticketor": 5}
    first = http.get("/relay/v1/deliveries", params={"after": 0, "limit": 2}, headers=auth).json()
    assert [d["id"] for d in first["deliveries"]] == [1, 2] and first["has_more"] and first["next_after"] == 2
    rest = http.get("/relay/v1/deliveries", params={"after": 2, "limit": 10}, headers=auth).json()
    assert [d["id"] for d in rest["deliveries"]] == [3, 4, 5] and not rest["has_more"]
    assert json.loads(rest["deliveries"][0]["body"])["Barcode"] == "900000002"
    assert http.get("/relay/v1/deliveries", params={"limit": 0}, headers=auth).status_code == 400


def test_secrets_never_reach_the_database_or_the_log(tmp_path):
    from checkin_app import log

    log_file = log.setup(tmp_path / "logs")
    with make_receiver(tmp_path) as r, httpx.Client(base_url=r.base_url) as http:
        post_tt(http)
        http.post(f"/hooks/ticketor/{TICKETOR_TOKEN}", content=b"{bad", headers=JSON)
        http.post(f"/hooks/ticketor/{TICKETOR_TOKEN}", content=(REFERENCE / "ticketor-new-customer.json").read_bytes(),
                  headers=JSON)
        http.get("/relay/v1/ping", headers={"Authorization": f"Bearer {RELAY_TOKEN}"})
    log.setup(None)
    stored = (tmp_path / "checkin.sqlite3").read_bytes() + (tmp_path / "checkin.sqlite3-wal").read_bytes() \
        if (tmp_path / "checkin.sqlite3-wal").exists() else (tmp_path / "checkin.sqlite3").read_bytes()
    written = log_file.read_text()
    assert "stored but not applied" in written  # the log did receive lines
    for secret in (SECRET, TICKETOR_TOKEN, TICKETSOLVE_TOKEN, RELAY_TOKEN):
        assert secret.encode() not in stored and secret not in written
