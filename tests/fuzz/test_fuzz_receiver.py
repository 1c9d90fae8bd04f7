"""Every receiver route over real loopback HTTP: any body and headers end in a 2xx or 4xx answer,
never a 500 and never a hang (httpx's timeout would raise)."""
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkin_app.webhooks.receiver import Receiver, ReceiverConfig
from checkin_app.webhooks.signature import TT_HEADER, tickettailor_signature
from tests.fuzz.strategies import almost_json, header_text, json_docs, shaped_objects
from tests.helpers.webhooks import RELAY_TOKEN, TICKETOR_TOKEN, TICKETSOLVE_TOKEN

SECRET = "whsec_fuzz_" + "s" * 20
NOW = 1_767_000_000
FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def http(tmp_path_factory):
    config = ReceiverConfig(tickettailor_secret=SECRET, path_tokens={"ticketor": TICKETOR_TOKEN,
                                                                     "ticketsolve": TICKETSOLVE_TOKEN},
                            relay_token=RELAY_TOKEN, clock=lambda: NOW)
    with Receiver(tmp_path_factory.mktemp("fuzz-receiver"), config) as receiver:
        with httpx.Client(base_url=receiver.base_url, timeout=10) as client:
            yield client


def answered(response: httpx.Response) -> None:
    assert 200 <= response.status_code < 500, (response.status_code, response.text[:300])


bodies = st.one_of(almost_json, json_docs.map(lambda d: __import__("json").dumps(d).encode()),
                   shaped_objects.map(lambda d: __import__("json").dumps(d).encode()))
content_types = st.one_of(st.just("application/json"), st.just("application/vnd.x+json"), header_text)


@FUZZ
@given(provider=st.sampled_from(["ticketor", "ticketsolve"]), body=bodies, content_type=content_types)
def test_token_hooks_answer_any_body(http, provider, body, content_type):
    token = {"ticketor": TICKETOR_TOKEN, "ticketsolve": TICKETSOLVE_TOKEN}[provider]
    answered(http.post(f"/hooks/{provider}/{token}", content=body, headers={"Content-Type": content_type}))


@FUZZ
@given(body=bodies, signed=st.booleans(), header=header_text, offset=st.integers(-1000, 1000))
def test_the_signed_hook_answers_any_body_and_header(http, body, signed, header, offset):
    value = tickettailor_signature(SECRET, NOW + offset, body) if signed else header
    answered(http.post("/hooks/tickettailor", content=body,
                       headers={"Content-Type": "application/json", TT_HEADER: value}))


@FUZZ
@given(path=st.text(st.characters(min_codepoint=33, max_codepoint=0x2FF, exclude_characters="?#%",
                                   exclude_categories=["Cc"]), max_size=60),
       method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]), body=st.binary(max_size=64))
def test_any_path_and_method_is_answered(http, path, method, body):
    answered(http.request(method, "/" + path, content=body or None))


@FUZZ
@given(after=st.one_of(st.integers(min_value=-(2 ** 80), max_value=2 ** 80).map(str), header_text),
       limit=st.one_of(st.integers(min_value=-10, max_value=10 ** 6).map(str), header_text),
       auth=st.one_of(st.just(f"Bearer {RELAY_TOKEN}"), header_text))
def test_relay_routes_answer_any_cursor_limit_and_token(http, after, limit, auth):
    answered(http.get("/relay/v1/deliveries", params={"after": after, "limit": limit}, headers={"Authorization": auth}))
    answered(http.get("/relay/v1/ping", headers={"Authorization": auth}))
    answered(http.get("/health"))
