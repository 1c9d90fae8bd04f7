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


def test_wrong_pins_back_off_exponentially_up_to_a_cap():
    from checkin_app.services.pin import MAX_WAIT_S, wait_after

    assert [wait_after(n) for n in range(7)] == [0, 0, 0, 5, 10, 20, 40]
    assert wait_after(11) == wait_after(50) == MAX_WAIT_S == 900


def test_the_wait_counts_from_the_last_wrong_pin_and_a_clock_turned_back_restarts_it():
    from checkin_app.services.pin import seconds_left

    assert seconds_left(2, 1000.0, 1000.0) == 0  # still free attempts
    assert seconds_left(4, 1000.0, 1003.0) == 7
    assert seconds_left(4, 1000.0, 1010.0) == 0
    assert seconds_left(4, 1000.0, 400.0) == 10  # the clock went back: the full wait, not none
    assert seconds_left(4, None, 1000.0) == 0
