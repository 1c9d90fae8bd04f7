"""Attacks on the webhook receiver and relay over real HTTP on loopback (issue 14): each test is one
attack that used to hang, crash or leak, and now gets an answer a sender can act on (2xx/4xx)."""
import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from checkin_app.webhooks import intake
from tests.helpers.webhooks import RELAY_TOKEN, TICKETOR_TOKEN, inbox_rows
from tests.integration.test_webhook_receiver import http, post_tt, receiver  # noqa: F401 (fixtures)

JSON = {"Content-Type": "application/json"}
AUTH = {"Authorization": f"Bearer {RELAY_TOKEN}"}
TICKETOR = f"/hooks/ticketor/{TICKETOR_TOKEN}"


def unknown_shapes(n: int) -> list[bytes]:
    """`{}` and other objects the Ticketor mapper does not recognise, each distinct (so none is a duplicate)."""
    shapes = [b"{}"]
    for i in range(1, n):
        shapes.append(json.dumps([{"n": i}, {"Event": {"EventId": i}}, {"Status": "sold", "Id": i},
                                  {"Tickets": i, "Id": i}, {"": None, "i": i}][i % 5]).encode())
    return shapes

def still_serves_everyone(http) -> None:
    assert post_tt(http).status_code == 201
    assert http.get("/relay/v1/ping", headers=AUTH).status_code == 200
    assert http.get("/relay/v1/deliveries", params={"after": 0, "limit": 5}, headers=AUTH).status_code == 200
    assert http.get("/health").json() == {"ok": True}

def test_attack_250_unrecognised_ticketor_deliveries_are_each_answered_and_kept(receiver, tmp_path):
    """Issue 14 item 1: `{}` raised StopIteration on the writer thread; the request hung and after
    ~200 every route answered 503 until restart."""
    bodies = unknown_shapes(250)
    url = receiver.base_url + TICKETOR
    with httpx.Client(timeout=15, limits=httpx.Limits(max_connections=16)) as client, ThreadPoolExecutor(16) as pool:
        responses = list(pool.map(lambda b: client.post(url, content=b, headers=JSON), bodies))
    assert [r.status_code for r in responses] == [202] * 250
    assert all(r.json()["error"] for r in responses)
    rows = inbox_rows(tmp_path)
    assert len(rows) == 250
    assert all(r["applied_at"] is None and r["error"] for r in rows)
    assert {bytes(r["body"]) for r in rows} == set(bodies)
    with httpx.Client(base_url=receiver.base_url, timeout=10) as http:
        still_serves_everyone(http)

@pytest.mark.parametrize("failure", [StopIteration(), KeyError("Barcode"), RecursionError("deep"), ZeroDivisionError(),
                                     UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")])
def test_attack_any_mapper_exception_is_kept_with_its_reason_and_answered_202(receiver, http, tmp_path, monkeypatch,
                                                                             failure):
    """Whatever a mapper raises, the receiver answers and keeps the delivery. The mapper is replaced
    because its bugs are being fixed (i12-providers): no real payload would reach these otherwise."""
    def broken_mapper(provider, doc):
        raise failure

    monkeypatch.setattr(intake, "map_delivery", broken_mapper)
    response = http.post(TICKETOR, content=b'{"Barcode": "1", "Event": {"EventId": 1}}', headers=JSON)
    assert response.status_code == 202
    assert type(failure).__name__ in response.json()["error"]
    [row] = inbox_rows(tmp_path)
    assert row["applied_at"] is None and type(failure).__name__ in row["error"]
    monkeypatch.undo()
    still_serves_everyone(http)

def test_attack_a_failure_half_way_through_applying_undoes_the_half_and_keeps_the_delivery(receiver, http, tmp_path,
                                                                                          monkeypatch):
    """apply_batch writes the event, then fails: the savepoint undoes the event, the delivery stays."""
    real_apply = intake.apply_batch

    def apply_then_fail(conn, batch, connection_id):
        real_apply(conn, batch, connection_id)
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    monkeypatch.setattr(intake, "apply_batch", apply_then_fail)
    sale = json.dumps({"Id": 1, "Status": "sold", "Barcode": "777", "Event": {"EventId": 9, "EventName": "X"}}).encode()
    assert http.post(TICKETOR, content=sale, headers=JSON).status_code == 202
    import sqlite3
    conn = sqlite3.connect(tmp_path / "checkin.sqlite3")
    try:
        assert conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0
    finally:
        conn.close()
    [row] = inbox_rows(tmp_path)
    assert "OverflowError" in row["error"]
