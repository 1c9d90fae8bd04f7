"""Ticket Tailor signature checks on the recorded real delivery, without a server."""
import pytest

from checkin_app.errors import PayloadError
from checkin_app.webhooks.intake import parse_json_object
from checkin_app.webhooks.signature import SignatureError, parse_header, tickettailor_signature, verify_tickettailor
from tests.helpers.webhooks import real_tt_delivery

BODY, HEADER, SECRET, SIGNED_AT = real_tt_delivery()


def test_the_recorded_signature_is_reproduced_and_verifies():
    assert tickettailor_signature(SECRET, SIGNED_AT, BODY) == HEADER
    assert verify_tickettailor(SECRET, HEADER, BODY, clock=lambda: SIGNED_AT + 299) == SIGNED_AT


def test_a_rotated_secret_sends_two_signatures_and_either_verifies():
    other = tickettailor_signature("old-secret", SIGNED_AT, BODY).split(",")[1]
    assert verify_tickettailor(SECRET, f"{HEADER},{other}", BODY, clock=lambda: SIGNED_AT)
    assert verify_tickettailor(SECRET, f"t={SIGNED_AT},{other},{HEADER.split(',')[1]}", BODY, clock=lambda: SIGNED_AT)


@pytest.mark.parametrize("header", [None, "", "t=abc,v1=00", "v1=00", f"t={SIGNED_AT}", "t=1,v1="])
def test_unreadable_headers_are_refused(header):
    with pytest.raises(SignatureError):
        verify_tickettailor(SECRET, header, BODY, clock=lambda: SIGNED_AT)


def test_the_real_delivery_is_stale_today():
    with pytest.raises(SignatureError, match="tolerance"):
        verify_tickettailor(SECRET, HEADER, BODY)
    assert parse_header(HEADER)[0] == SIGNED_AT


@pytest.mark.parametrize("body", [b"", b"{", b"[]", b"\xc3\x28", b"null"])
def test_bodies_that_are_not_json_objects_are_payload_errors(body):
    with pytest.raises(PayloadError):
        parse_json_object(body)
