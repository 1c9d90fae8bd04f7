"""Sealing door messages: derived keys, AES-GCM, associated data, fail-closed format."""
import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from checkin_app.sync import door_crypto
from checkin_app.sync.door_crypto import Unsealable

KEY = bytes(range(32))
OTHER = bytes(32)


def test_a_sealed_message_opens_only_with_the_same_key_purpose_and_associated_data():
    sealed = door_crypto.seal(KEY, b"Ada Lovelace ada@example.com", b"headers")
    assert b"Ada" not in sealed and b"example" not in sealed
    assert len(sealed) == len(b"Ada Lovelace ada@example.com") + door_crypto.OVERHEAD
    assert door_crypto.unseal(KEY, sealed, b"headers") == b"Ada Lovelace ada@example.com"
    for key, aad, purpose in ((OTHER, b"headers", "door"), (KEY, b"headerz", "door"), (KEY, b"", "door"),
                              (KEY, b"headers", "hub")):
        with pytest.raises(Unsealable):
            door_crypto.unseal(key, sealed, aad, purpose=purpose)


@pytest.mark.parametrize("where", [0, 1, 12, 13, -1])
def test_any_altered_byte_or_a_cut_message_is_refused(where):
    sealed = bytearray(door_crypto.seal(KEY, b"payload", b"aad"))
    sealed[where] ^= 0x01
    with pytest.raises(Unsealable):
        door_crypto.unseal(KEY, bytes(sealed), b"aad")
    with pytest.raises(Unsealable):
        door_crypto.unseal(KEY, door_crypto.seal(KEY, b"payload", b"aad")[:door_crypto.OVERHEAD - 1], b"aad")


def test_an_unknown_format_is_refused_and_named():
    sealed = door_crypto.seal(KEY, b"x")
    with pytest.raises(Unsealable, match="format 3"):
        door_crypto.unseal(KEY, bytes([3]) + sealed[1:])


def test_nonces_are_fresh_for_every_message():
    sealed = [door_crypto.seal(KEY, b"same") for _ in range(5000)]
    nonces = {s[1:1 + door_crypto.NONCE_BYTES] for s in sealed}
    assert len(nonces) == 5000 and len(set(sealed)) == 5000


def test_keys_are_hkdf_of_the_venue_key_with_distinct_labels():
    """Against the HKDF and AES-GCM of `cryptography` directly: the format is what the docs say."""
    def hkdf(info: bytes) -> bytes:
        return HKDF(hashes.SHA256(), 32, b"checkin-app venue key, protocol 2", info).derive(KEY)

    enc, sign = hkdf(b"checkin-app door encrypt"), hkdf(b"checkin-app door sign")
    assert len({enc, sign, KEY, hkdf(b"checkin-app hub encrypt")}) == 4
    assert door_crypto.signing_key(KEY) == sign
    sealed = door_crypto.seal(KEY, b"hello", b"aad")
    assert sealed[0] == 2
    assert AESGCM(enc).decrypt(sealed[1:13], sealed[13:], b"\x02aad") == b"hello"
    assert door_crypto.mac(KEY, "a", b"b", 3) == hmac.new(
        sign, b"\0\0\0\x01a\0\0\0\x01b\0\0\0\x013", hashlib.sha256).hexdigest()


def test_an_unknown_purpose_has_no_key():
    with pytest.raises(ValueError):
        door_crypto.derive(KEY, "Door Sign", "encrypt")
    with pytest.raises(ValueError):
        door_crypto.derive(KEY, "door", "decrypt")
