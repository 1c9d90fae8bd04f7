import pytest

from checkin_app.domain.codes import MAX_CODE_LENGTH, display, normalise
from checkin_app.errors import InvalidCode


@pytest.mark.parametrize(
    "raw, code",
    [
        ("al4R5", "al4R5"),  # case is never changed
        ("al4R5\r\n", "al4R5"),
        ("al4R5\t", "al4R5"),
        ("\nR59xesv\r", "R59xesv"),
        ("]Q1R59xesv", "R59xesv"),  # AIM prefix for QR
        ("]C0278592011\r", "278592011"),  # AIM prefix for Code128
        ("\\000026UQE2BK7L1G", "UQE2BK7L1G"),  # ECI escape
        ("UQE2\x1dBK7L1G", "UQE2BK7L1G"),  # stray GS
        ("\x02aH5YpPP\x03", "aH5YpPP"),  # STX/ETX framing
        ("PR:BG3IXCQIRV", "PR:BG3IXCQIRV"),
    ],
)
def test_normalise_strips_scanner_noise_and_keeps_case(raw, code):
    assert normalise(raw) == code


@pytest.mark.parametrize("raw", ["", "   ", "\r\n", "\t\x00\x1b", "]Q1"])
def test_empty_codes_are_refused(raw):
    with pytest.raises(InvalidCode, match="empty"):
        normalise(raw)


def test_oversized_code_is_refused_with_its_length():
    with pytest.raises(InvalidCode, match=str(10_000)):
        normalise("A" * 10_000)
    assert normalise("A" * MAX_CODE_LENGTH) == "A" * MAX_CODE_LENGTH


def test_display_shortens_long_codes():
    assert display("x" * 100).endswith("…") and len(display("x" * 100)) == 40
    assert display("short") == "short"
