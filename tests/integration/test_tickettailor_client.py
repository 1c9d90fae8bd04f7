"""The real Ticket Tailor client against the real simulator over loopback, plus recorded real pages.

Waits are kept short by giving the simulator short rate windows and the client a small backoff
base; nothing here sleeps to wait for something.
"""
from __future__ import annotations

import base64
import json
import logging
import math
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qsl, urlsplit

import pytest

from checkin_app.errors import AuthError, CheckinError, ProviderError
from checkin_app.providers.http import OutcomeUnknown, RequestCancelled, RetryPolicy
from checkin_app.providers.tickettailor_api import TicketTailorClient
from checkin_app.sandbox.tickettailor import TicketTailorSandbox
from tests.paths import REAL_TT

KEY = "sk_1000_1000_TopSecretSandboxKey"
FAST = RetryPolicy(base_delay=0.01, max_delay=0.05)
REAL = REAL_TT


@pytest.fixture
def sandbox():
    with TicketTailorSandbox(api_key=KEY, seed=11) as sb:
        yield sb


@pytest.fixture
def client(sandbox):
    with TicketTailorClient(sandbox.base_url, KEY, timeout=5.0, policy=FAST) as c:
        yield c


def walk_down(client, event_id, **filters):
    """Every ticket of a list, the way a first download pages: starting_after the last id."""
    seen, after = [], None
    while True:
        page = client.issued_tickets_page(event_id, starting_after=after, **filters)
        seen.extend(page.data)
        if not page.has_more:
            return seen
        after = page.data[-1]["id"]


def ticket_type_of(client, event_id):
    return client.get_event(event_id)["ticket_types"][0]["id"]


# -- auth -------------------------------------------------------------------------------------

def test_wrong_key_is_an_auth_error_with_a_clear_message(sandbox):
    with TicketTailorClient(sandbox.base_url, "sk_wrong_key_12345", policy=FAST) as bad:
        with pytest.raises(AuthError) as caught:
            bad.ping()
    assert caught.value.status == 401 and caught.value.permanent
    assert "API key was refused" in str(caught.value)
    assert "sk_wrong_key_12345" not in str(caught.value)
    assert [r.status for r in sandbox.request_log] == [401]  # refused once, never retried


def test_right_key_pings(client, sandbox):
    assert client.ping() == {"version": "pong"}
    assert [(r.method, r.path, r.status) for r in sandbox.request_log] == [("GET", "/v1/ping", 200)]


# -- pagination -------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1234, 1200, 7])
def test_full_download_has_no_duplicates_and_no_gaps(sandbox, client, n):
    event_id = sandbox.seed_event("Paged", n)
    sandbox.clear_log()
    tickets = walk_down(client, event_id)
    ids = [t["id"] for t in tickets]
    assert len(ids) == len(set(ids)) == n
    assert set(ids) == set(sandbox.event_ticket_ids(event_id))
    assert ids == sorted(ids, key=lambda i: int(i[3:]), reverse=True)  # newest first, in order
    assert client.stats.requests == math.ceil(n / 100)  # no extra empty page at the end
    # every request carried our own filters and cursor, at the documented maximum page size
    for request in sandbox.request_log:
        assert request.query["event_id"] == event_id and request.query["limit"] == "100"


def test_ending_before_fetches_only_the_new_tickets(sandbox, client):
    event_id = sandbox.seed_event("Growing", 500)
    newest = client.issued_tickets_page(event_id, limit=1).data[0]["id"]
    new_ids = sandbox.add_tickets(event_id, 150)
    requests_before = client.stats.requests
    got, cursor = [], newest
    while True:
        page = client.issued_tickets_page(event_id, ending_before=cursor)
        got.extend(t["id"] for t in page.data)
        if not page.has_more:
            break
        cursor = page.data[0]["id"]  # the newest of this page: the next page is newer still
    assert sorted(got) == sorted(new_ids)
    assert client.stats.requests - requests_before == 2  # 150 new tickets: two pages, whatever the event's size


def test_voided_listing_returns_exactly_the_voids(sandbox, client):
    event_id = sandbox.seed_event("Voids", 800)
    ids = sandbox.event_ticket_ids(event_id)
    voided = ids[3::97]
    for ticket_id in voided:
        sandbox.void(ticket_id)
    sandbox.clear_log()
    listed = walk_down(client, event_id, status="voided")
    assert sorted(t["id"] for t in listed) == sorted(voided)
    assert all(t["status"] == "voided" and t["voided_at"] for t in listed)
    assert len(sandbox.request_log) == 1  # the cost follows the voids, not the event


def test_check_ins_from_other_doors_are_listed(sandbox, client):
    event_id = sandbox.seed_event("Doors", 50)
    ids = sandbox.event_ticket_ids(event_id)
    made = [sandbox.check_in(t) for t in ids[:5]]
    page = client.check_ins_page(event_id)
    assert [c["id"] for c in page.data] == made[::-1]
    assert {c["issued_ticket_id"] for c in page.data} == set(ids[:5])
    assert not page.has_more
    assert client.get_issued_ticket(ids[0])["checked_in"] == "true"  # a string, as on the real API


def test_orders_carry_buyer_names_and_their_tickets(sandbox, client):
    event_id = sandbox.seed_event("Orders", 40, named_fraction=0.0)
    page = client.orders_page(event_id)
    ticket_ids = [t["id"] for o in page.data for t in o["issued_tickets"]]
    assert sorted(ticket_ids) == sorted(sandbox.event_ticket_ids(event_id))
    assert all(o["buyer_details"]["name"] for o in page.data)
    assert all(t["full_name"] is None for o in page.data for t in o["issued_tickets"])
    one = client.get_order(page.data[0]["id"])
    assert one["id"] == page.data[0]["id"]


def test_masked_personal_data_arrives_as_stars():
    with TicketTailorSandbox(api_key=KEY, mask_personal=True) as sb:
        event_id = sb.seed_event("Masked", 10, named_fraction=1.0)
        with TicketTailorClient(sb.base_url, KEY, policy=FAST) as c:
            order = c.orders_page(event_id).data[0]
            ticket = c.issued_tickets_page(event_id).data[0]
    assert order["buyer_details"]["name"] == "****" and ticket["email"] == "****" and ticket["full_name"] == "****"


# -- faults -----------------------------------------------------------------------------------

def test_a_fraction_of_503s_still_completes_with_the_exact_set(sandbox, client):
    event_id = sandbox.seed_event("Flaky", 2345)
    sandbox.faults.fail_fraction = 0.3
    tickets = walk_down(client, event_id)
    assert sorted(t["id"] for t in tickets) == sorted(sandbox.event_ticket_ids(event_id))
    injected = [r for r in sandbox.request_log if r.status == 503]
    assert injected and client.stats.retries == len(injected)


def test_429_waits_retry_after_then_succeeds(sandbox, client):
    event_id = sandbox.seed_event("Throttled", 1000)
    sandbox.set_rate_limit(4, 0.3)
    sandbox.rate.send_headers = False  # the client cannot pace itself: it must meet 429s and obey them
    started = time.monotonic()
    tickets = walk_down(client, event_id)
    assert len(tickets) == 1000
    statuses = [r.status for r in sandbox.request_log]
    assert 429 in statuses and client.stats.throttled_waits == statuses.count(429)
    # each 429 was followed by a wait long enough for the window to reset: never two in a row
    assert all(not (a == b == 429) for a, b in zip(statuses, statuses[1:]))
    assert time.monotonic() - started >= 0.3 * (math.ceil(len(statuses) / 5) - 1)


def test_rate_headers_slow_the_client_down_before_the_budget_runs_out(sandbox):
    event_id = sandbox.seed_event("Paced", 50)
    sandbox.set_rate_limit(10, 0.4)
    policy = RetryPolicy(base_delay=0.01, max_delay=0.05, low_water=0.5)
    with TicketTailorClient(sandbox.base_url, KEY, policy=policy) as c:
        for _ in range(25):
            c.issued_tickets_page(event_id, limit=5)
        assert c.stats.paced_waits > 0
    assert [r.status for r in sandbox.request_log] == [200] * 25  # paced: not a single 429


def test_a_hung_server_times_out_and_the_error_is_transient(sandbox):
    sandbox.faults.delay = 30.0
    policy = RetryPolicy(base_delay=0.01, max_delay=0.02, max_attempts=2)
    started = time.monotonic()
    with TicketTailorClient(sandbox.base_url, KEY, timeout=0.2, policy=policy) as c:
        with pytest.raises(ProviderError) as caught:
            c.ping()
    assert time.monotonic() - started < 3.0
    assert caught.value.permanent is False and "Timeout" in str(caught.value)
    sandbox.faults.clear()


def test_a_connection_reset_is_retried(sandbox, client):
    sandbox.faults.reset_next = 1
    assert client.ping() == {"version": "pong"}
    assert [r.status for r in sandbox.request_log] == [None, 200]
    assert client.stats.retries == 1


def test_an_unreachable_server_gives_up_with_a_transient_error():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with TicketTailorClient(f"http://127.0.0.1:{port}/v1", KEY, policy=RetryPolicy(base_delay=0.01, max_attempts=3)) as c:
        with pytest.raises(ProviderError) as caught:
            c.ping()
    assert not caught.value.permanent and c.stats.requests == 3


def test_cancel_interrupts_a_rate_limit_wait_promptly(sandbox):
    sandbox.set_rate_limit(1, 60.0)
    sandbox.rate.send_headers = False
    cancel = threading.Event()
    with TicketTailorClient(sandbox.base_url, KEY, policy=FAST, cancel=cancel) as c:
        c.ping()
        timer = threading.Timer(0.2, cancel.set)
        timer.start()
        started = time.monotonic()
        with pytest.raises(RequestCancelled):
            c.ping()  # 429, Retry-After 60: waits until cancelled
        timer.cancel()
    assert time.monotonic() - started < 2.0
    assert [r.status for r in sandbox.request_log] == [200, 429]  # it waited, it did not hammer
    assert c.stats.throttled_waits == 1


# -- writes -----------------------------------------------------------------------------------

def test_permanent_refusal_carries_the_providers_message(sandbox, client):
    event_id = sandbox.seed_event("Refusals", 5)
    ticket_id = sandbox.event_ticket_ids(event_id)[0]
    client.create_check_in(ticket_id)
    with pytest.raises(ProviderError) as caught:
        client.create_check_in(ticket_id)
    assert caught.value.permanent and caught.value.status == 422
    assert "already been checked in" in str(caught.value)
    with pytest.raises(ProviderError) as caught:
        client.create_issued_ticket(event_id=event_id, ticket_type_id="tt_1", barcode="ZZ9", reference="n-1")
    assert caught.value.permanent and caught.value.status == 422
    assert "ticket type 'tt_1' is not part of" in str(caught.value)
    assert len([r for r in sandbox.request_log if r.status == 422]) == 2  # permanent: never retried


def test_void_then_check_in_is_refused(sandbox, client):
    event_id = sandbox.seed_event("Void", 3)
    ticket_id = sandbox.event_ticket_ids(event_id)[0]
    assert client.void_issued_ticket(ticket_id)["voided"] is True
    assert client.get_issued_ticket(ticket_id)["status"] == "voided"
    with pytest.raises(ProviderError, match="voided"):
        client.create_check_in(ticket_id)


def test_create_then_find_by_barcode_case_sensitively(sandbox, client):
    event_id = sandbox.seed_event("Walk-ups", 3)
    created = client.create_issued_ticket(event_id=event_id, ticket_type_id=ticket_type_of(client, event_id),
                                          barcode="WkUp7aB", reference="nonce-123", full_name="Ada Lovelace",
                                          email="ada@example.com")
    assert created["barcode"] == "WkUp7aB" and created["reference"] == "nonce-123" and created["source"] == "api"
    assert client.find_issued_ticket(event_id, "WkUp7aB")["id"] == created["id"]
    assert client.find_issued_ticket(event_id, "wkup7ab") is None
    posts = sandbox.requests_to("POST", "/issued_tickets")
    assert len(posts) == 1


def test_a_lost_create_answer_never_makes_a_second_ticket(sandbox, client):
    event_id = sandbox.seed_event("Lost answers", 3)
    type_id = ticket_type_of(client, event_id)
    sandbox.faults.match = "POST /v1/issued_tickets"
    sandbox.faults.drop_response_next = 1  # created upstream, answer lost on the way back
    created = client.create_issued_ticket(event_id=event_id, ticket_type_id=type_id, barcode="LOST42x",
                                          reference="nonce-lost", full_name="Grace Hopper")
    assert created["barcode"] == "LOST42x"
    matching = [t for t in walk_down(client, event_id) if t["barcode"] == "LOST42x"]
    assert [t["id"] for t in matching] == [created["id"]]
    assert len(sandbox.requests_to("POST", "/issued_tickets")) == 1  # looked up, not re-sent


def test_a_create_that_never_arrived_is_sent_again(sandbox, client):
    event_id = sandbox.seed_event("Dropped before", 3)
    sandbox.faults.match = "POST /v1/issued_tickets"
    sandbox.faults.reset_next = 1  # reset before the server did anything
    created = client.create_issued_ticket(event_id=event_id, ticket_type_id=ticket_type_of(client, event_id),
                                          barcode="AGAIN1", reference="n-2", full_name="Alan Turing")
    assert client.find_issued_ticket(event_id, "AGAIN1")["id"] == created["id"]
    assert [r.status for r in sandbox.requests_to("POST", "/issued_tickets")] == [None, 201]


def test_a_lost_check_in_answer_is_reported_as_unknown_not_resent(sandbox, client):
    event_id = sandbox.seed_event("Unknown", 3)
    ticket_id = sandbox.event_ticket_ids(event_id)[0]
    sandbox.faults.match = "POST /v1/check_ins"
    sandbox.faults.drop_response_next = 1
    with pytest.raises(OutcomeUnknown) as caught:
        client.create_check_in(ticket_id)
    assert not caught.value.permanent
    assert client.get_issued_ticket(ticket_id)["checked_in"] == "true"  # it did go through
    assert len(sandbox.requests_to("POST", "/check_ins")) == 1


def test_posts_are_form_encoded(sandbox, client):
    event_id = sandbox.seed_event("Form", 1)
    ticket_id = sandbox.event_ticket_ids(event_id)[0]
    client.create_check_in(ticket_id)  # the simulator refuses any body that is not a form
    assert sandbox.requests_to("POST", "/check_ins")[0].status == 201


# -- secrets ----------------------------------------------------------------------------------

def test_the_key_never_appears_in_errors_reprs_or_logs(sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    event_id = sandbox.seed_event("Secrets", 2)
    b64 = base64.b64encode(f"{KEY}:".encode()).decode()
    texts = []
    with TicketTailorClient(sandbox.base_url, KEY, timeout=0.2,
                            policy=RetryPolicy(base_delay=0.01, max_delay=0.02, max_attempts=2)) as c:
        texts += [repr(c), repr(c._http), repr(c.stats)]
        ticket_id = sandbox.event_ticket_ids(event_id)[0]
        c.create_check_in(ticket_id)
        sandbox.faults.fail_fraction = 1.0
        for call in (lambda: c.create_check_in(ticket_id), c.ping):
            with pytest.raises(CheckinError) as caught:
                call()
            texts += [str(caught.value), repr(caught.value)]
        sandbox.faults.clear()
        with pytest.raises(CheckinError) as caught:
            c.create_check_in(ticket_id)  # a permanent 422
        texts += [str(caught.value), repr(caught.value)]
        sandbox.faults.delay = 5.0
        with pytest.raises(CheckinError) as caught:
            c.ping()
        texts += [str(caught.value), repr(caught.value)]
        sandbox.faults.clear()
    with TicketTailorClient(sandbox.base_url, KEY + "x", policy=FAST) as wrong:
        with pytest.raises(AuthError) as caught:
            wrong.ping()
        texts += [str(caught.value), repr(caught.value), repr(wrong)]
    texts += [r.getMessage() for r in caplog.records]
    blob = "\n".join(texts)
    assert len(texts) > 10
    assert KEY not in blob and b64 not in blob and KEY[8:] not in blob


# -- against recorded real pages ----------------------------------------------------------------

def real(name):
    return json.loads((REAL / name).read_text(encoding="utf-8"))


def test_simulator_objects_have_the_real_field_names(sandbox, client):
    event_id = sandbox.seed_event("Shape", 3)
    real_order = real("orders-1-orders.json")["body"]["data"][0]
    real_event = real("events-0-events.json")["body"]["data"][0]
    order = client.orders_page(event_id).data[0]
    ticket = order["issued_tickets"][0]
    assert set(ticket) == set(real_order["issued_tickets"][0])
    assert set(order) == set(real_order)
    assert set(order["buyer_details"]) == set(real_order["buyer_details"])
    assert set(order["event_summary"]) == set(real_order["event_summary"])
    event = client.get_event(event_id)
    assert set(event) <= set(real_event) | {"ticket_groups"}
    assert set(event["ticket_types"][0]) == set(real_event["ticket_types"][0])
    for flag in ("hidden", "private", "online_event"):
        assert event[flag] in ("true", "false") and real_event[flag] in ("true", "false")
    assert ticket["checked_in"] in ("true", "false")
    assert "/barcode/qr/" in ticket["qr_code_url"] and "/barcode/st/" in ticket["barcode_url"]


def test_simulator_links_look_like_the_real_ones(sandbox, client):
    event_id = sandbox.seed_event("Links", 30)
    real_links = real("orders-1-orders.json")["body"]["links"]
    page = client._http.get("/issued_tickets", {"event_id": event_id, "created_at.gte": 0, "limit": 5})
    ours = page["links"]["next"]
    assert real_links["next"].startswith("/orders?starting_after=") and not real_links["next"].startswith("/v1")
    assert ours.startswith("/issued_tickets?starting_after=" + page["data"][-1]["id"])
    assert "created_at_gte=0" in ours and "created_at.gte" not in ours  # the rewrite that breaks filters


class _Replay(BaseHTTPRequestHandler):
    """Serves one recorded real response (body and rate-limit headers) for any GET."""

    protocol_version = "HTTP/1.1"
    recorded: ClassVar[dict] = {}  # each test makes a subclass with its own
    seen: ClassVar[list] = []

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        self.seen.append(self.path)
        data = json.dumps(self.recorded["body"]).encode()
        self.send_response(self.recorded["status"])
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in self.recorded["rate_limit_headers"].items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def test_client_reads_a_real_orders_page_and_builds_its_own_next_query():
    recorded = real("orders-1-orders.json")
    handler = type("Replay", (_Replay,), {"recorded": recorded, "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        with TicketTailorClient(f"http://127.0.0.1:{server.server_address[1]}/v1", KEY, policy=FAST) as c:
            page = c.orders_page("ev_5943073", limit=5)
            assert len(page.data) == 5 and page.has_more  # links.next present on the real page
            assert page.data[0]["buyer_details"]["name"] == "****"
            assert (c._http.budget.limit, c._http.budget.remaining) == (10000, 9992)
            c.orders_page("ev_5943073", starting_after=page.data[-1]["id"], limit=5)
    finally:
        server.shutdown()
        server.server_close()
    second = dict(parse_qsl(urlsplit(handler.seen[1]).query))
    assert urlsplit(handler.seen[1]).path == "/v1/orders"  # not the link's path without /v1
    assert second == {"event_id": "ev_5943073", "starting_after": "or_56727603", "limit": "5"}
