"""The venue key's text form and the request/answer signatures between doors."""
import pytest

from checkin_app.errors import ConfigError
from checkin_app.sync import door_auth, door_crypto

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
    plain = b'{"after":{}}'
    headers, body = door_auth.seal_request(KEY, "dev1", "dev-a", "POST", "/door/v2/journal", plain, now=1000.0)
    verifier = door_auth.RequestVerifier(KEY, "dev-a")
    assert verifier.verify("POST", "/door/v2/journal", headers, body, now=1001.0).device_id == "dev1"
    # The same request again is a replay.
    assert verifier.verify("POST", "/door/v2/journal", headers, body, now=1001.0) is None
    fresh = door_auth.RequestVerifier(KEY, "dev-a")
    other_body = door_auth.seal_request(KEY, "dev1", "dev-a", "POST", "/door/v2/journal", plain, now=1000.0)[1]
    assert fresh.verify("POST", "/door/v2/journal", headers, other_body, now=1001.0) is None
    assert fresh.verify("GET", "/door/v2/journal", headers, body, now=1001.0) is None
    assert fresh.verify("POST", "/door/v2/hello", headers, body, now=1001.0) is None
    assert fresh.verify("POST", "/door/v2/journal", {**headers, "x-door-device": "dev2"}, body, now=1001.0) is None
    assert door_auth.RequestVerifier(bytes(32), "dev-a").verify("POST", "/door/v2/journal", headers, body,
                                                                now=1001.0) is None
    # Outside the clock window (a captured request replayed later, after its nonce was forgotten).
    assert fresh.verify("POST", "/door/v2/journal", headers, body, now=1000.0 + door_auth.WINDOW_S + 1) is None
    assert fresh.verify("POST", "/door/v2/journal", headers, body, now=1000.5) is not None


def test_a_request_is_taken_only_by_the_door_it_was_signed_for():
    headers, body = door_auth.seal_request(KEY, "dev1", "dev-a", "POST", "/door/v2/journal", b"{}", now=1000.0)
    door_b = door_auth.RequestVerifier(KEY, "dev-b")
    refused = door_b.check("POST", "/door/v2/journal", headers, body, now=1000.0)
    assert isinstance(refused, door_auth.Refused) and refused.misdirected
    # Renaming the target in the headers breaks the signature: a stranger's 401, not a door's 421.
    refused = door_b.check("POST", "/door/v2/journal", {**headers, door_auth.H_TARGET: "dev-b"}, body, now=1000.0)
    assert isinstance(refused, door_auth.Refused) and not refused.misdirected
    # A request for any door is taken only where the caller allows it (a hello).
    headers, body = door_auth.seal_request(KEY, "dev1", door_auth.ANY_DOOR, "POST", "/door/v2/hello", b"{}",
                                           now=1000.0)
    assert door_b.verify("POST", "/door/v2/hello", headers, body, now=1000.0) is None
    assert door_b.verify("POST", "/door/v2/hello", headers, body, now=1000.0, any_door=True).device_id == "dev1"


def test_a_request_body_opens_only_under_its_own_headers():
    headers, body = door_auth.seal_request(KEY, "dev1", "dev-a", "POST", "/door/v2/journal", b"secret", now=1000.0)
    assert b"secret" not in body
    who = door_auth.RequestVerifier(KEY, "dev-a").verify("POST", "/door/v2/journal", headers, body, now=1000.0)
    assert door_crypto.unseal(KEY, body, who.aad) == b"secret"
    other = door_auth.request_aad("POST", "/door/v2/journal", headers[door_auth.H_TIME], headers[door_auth.H_NONCE],
                                  "dev1", "dev-b")
    with pytest.raises(door_crypto.Unsealable):
        door_crypto.unseal(KEY, body, other)


def test_answers_are_sealed_and_signed_for_one_request():
    body, sig = door_auth.seal_answer(KEY, "nonce1", 200, b"{}")
    assert door_auth.open_answer(KEY, "nonce1", 200, body, sig) == b"{}"
    assert door_auth.open_answer(KEY, "nonce2", 200, body, sig) is None
    assert door_auth.open_answer(KEY, "nonce1", 400, body, sig) is None
    assert door_auth.open_answer(KEY, "nonce1", 200, body[:-1] + bytes([body[-1] ^ 1]), sig) is None
    assert door_auth.open_answer(bytes(32), "nonce1", 200, body, sig) is None
    assert door_auth.open_answer(KEY, "nonce1", 200, body, None) is None


def test_the_venue_key_itself_signs_nothing_in_protocol_2():
    headers, body = door_auth.seal_request(KEY, "dev1", "dev-a", "POST", "/door/v2/journal", b"{}", now=1000.0)
    assert not door_auth.v1_request_signed(KEY, "POST", "/door/v2/journal", headers, body)
    assert door_auth.protocol_of("/door/v2/journal") == 2 and door_auth.protocol_of("/door/v1/hello") == 1
    assert door_auth.protocol_of("/door/v10") == 10 and door_auth.protocol_of("/doors/v1") is None
