"""The venue key's text form and the request/answer signatures between doors."""
import pytest

from checkin_app.errors import ConfigError
from checkin_app.sync import door_auth

KEY = bytes(range(32))


def test_key_text_round_trips_and_forgives_case_spacing_and_lookalikes():
    text = door_auth.key_text(KEY)
    assert text.startswith("CV1-") and len(text.split("-")) == 15
    assert door_auth.parse_key(text) == KEY
    assert door_auth.parse_key(text.lower().replace("-", " ")) == KEY
    assert door_auth.parse_key(door_auth.qr_payload(KEY)) == KEY
    assert door_auth.parse_key(text.replace("O", "0").replace("I", "1")) == KEY


@pytest.mark.parametrize("position", [4, 20, 40, 70])
def test_a_typo_anywhere_is_caught_by_the_checksum(position):
    text = door_auth.key_text(KEY)
    while text[position] == "-":
        position += 1
    typo = text[:position] + ("A" if text[position] != "A" else "B") + text[position + 1:]
    with pytest.raises(ConfigError, match="typo"):
        door_auth.parse_key(typo)


def test_a_short_key_says_how_long_it_should_be():
    with pytest.raises(ConfigError, match="56 letters"):
        door_auth.parse_key("CV1-ABCD-EFGH")


def test_venue_id_is_stable_and_differs_per_key():
    assert door_auth.venue_id(KEY) == door_auth.venue_id(KEY)
    assert door_auth.venue_id(KEY) != door_auth.venue_id(bytes(32))
    assert door_auth.key_text(KEY) not in door_auth.venue_id(KEY)


def test_signed_request_verifies_once_and_only_unchanged():
    body = b'{"after":{}}'
    headers = door_auth.sign_request(KEY, "dev1", "POST", "/door/v1/journal", body, now=1000.0)
    verifier = door_auth.RequestVerifier(KEY)
    assert verifier.verify("POST", "/door/v1/journal", headers, body, now=1001.0).device_id == "dev1"
    # The same request again is a replay.
    assert verifier.verify("POST", "/door/v1/journal", headers, body, now=1001.0) is None
    fresh = door_auth.RequestVerifier(KEY)
    assert fresh.verify("POST", "/door/v1/journal", headers, b'{"after":{"x":1}}', now=1001.0) is None
    assert fresh.verify("GET", "/door/v1/journal", headers, body, now=1001.0) is None
    assert fresh.verify("POST", "/door/v1/hello", headers, body, now=1001.0) is None
    assert fresh.verify("POST", "/door/v1/journal", {**headers, "x-door-device": "dev2"}, body, now=1001.0) is None
    assert door_auth.RequestVerifier(bytes(32)).verify("POST", "/door/v1/journal", headers, body, now=1001.0) is None
    # Outside the clock window (a captured request replayed later, after its nonce was forgotten).
    assert fresh.verify("POST", "/door/v1/journal", headers, body, now=1000.0 + door_auth.WINDOW_S + 1) is None
    assert fresh.verify("POST", "/door/v1/journal", headers, body, now=1000.5) is not None


def test_answers_are_signed_for_one_request():
    sig = door_auth.sign_response(KEY, "nonce1", 200, b"{}")
    assert door_auth.response_ok(KEY, "nonce1", 200, b"{}", sig)
    assert not door_auth.response_ok(KEY, "nonce2", 200, b"{}", sig)
    assert not door_auth.response_ok(KEY, "nonce1", 200, b"{ }", sig)
    assert not door_auth.response_ok(bytes(32), "nonce1", 200, b"{}", sig)
    assert not door_auth.response_ok(KEY, "nonce1", 200, b"{}", None)
