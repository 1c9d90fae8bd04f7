"""The relay client against a relay that answers anything (a real server on loopback): each page ends
in a DeliveryPage whose fields are safe to store, or a PayloadError; never another exception."""
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from checkin_app.errors import PayloadError
from checkin_app.providers.relay import MAX_CURSOR, RelayClient
from checkin_app.webhooks.server import BackgroundServer
from tests.fuzz.strategies import json_docs
from tests.helpers.webhooks import RELAY_TOKEN

ANSWER = {"body": b"{}"}

delivery = st.fixed_dictionaries({"id": st.one_of(st.integers(-5, 2 ** 70), json_docs), "body": st.one_of(st.text(max_size=30), json_docs)},
                                 optional={"provider": json_docs, "delivery_id": json_docs, "received_at": json_docs})
pages = st.one_of(json_docs, st.fixed_dictionaries(
    {"deliveries": st.lists(delivery, max_size=4)},
    optional={"next_after": st.one_of(st.integers(-5, 2 ** 70), json_docs), "has_more": json_docs, "relay_id": json_docs}))


@pytest.fixture(scope="module")
def client():
    async def deliveries(request):
        return Response(ANSWER["body"], media_type="application/json")

    with BackgroundServer(Starlette(routes=[Route("/relay/v1/deliveries", deliveries)])) as server:
        c = RelayClient(server.url, RELAY_TOKEN)
        yield c
        c.close()


@settings(max_examples=250, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(page=pages, after=st.integers(0, 1000))
def test_any_page_is_used_safely_or_refused(client, page, after):
    ANSWER["body"] = json.dumps(page).encode()
    try:
        got = client.deliveries(after)
    except PayloadError:
        return
    assert isinstance(got.next_after, int) and after <= got.next_after <= MAX_CURSOR
    for d in got.deliveries:
        assert isinstance(d["id"], int) and 0 <= d["id"] <= MAX_CURSOR and isinstance(d["body"], str)
        assert isinstance(d.get("provider"), str)
        assert d.get("delivery_id") is None or isinstance(d["delivery_id"], str)
