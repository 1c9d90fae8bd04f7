"""The supervisor PIN is kept as a salted PBKDF2 hash and checked in constant time."""
import pytest

from checkin_app.errors import ConfigError
from checkin_app.services.pin import hash_pin, verify_pin


def test_hash_verifies_only_the_right_pin_and_is_salted():
    stored = hash_pin("2468", iterations=1000)
    assert stored.startswith("pbkdf2_sha256$1000$") and "2468" not in stored
    assert verify_pin("2468", stored) and verify_pin(" 2468 ", stored)
    assert not verify_pin("2469", stored) and not verify_pin("", stored)
    assert hash_pin("2468", iterations=1000) != stored


@pytest.mark.parametrize("bad", ["", "123", "12a4", "1234567890123"])
def test_pins_must_be_four_to_twelve_digits(bad):
    with pytest.raises(ConfigError, match="4 to 12 digits"):
        hash_pin(bad)


@pytest.mark.parametrize("stored", [None, "", "plain-text", "md5$1$aa$bb", "pbkdf2_sha256$x$zz$00"])
def test_garbage_in_the_settings_never_unlocks(stored):
    assert not verify_pin("1234", stored)
