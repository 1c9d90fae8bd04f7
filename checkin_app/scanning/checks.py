"""Each symbology's own check, for reads that only an image fix (the second pass) produced.

The plain library read is the baseline the door trusts. A rescue step (sharpening, rescaling,
a quarter turn) works on an image the library's own search never saw, so a read it returns must
also pass what the symbology itself guarantees before it is believed:

- QR, Aztec, DataMatrix, PDF417: Reed-Solomon error correction, verified by the decoder itself;
- Code128: a mandatory modulo-103 check character, verified by the decoder;
- EAN/UPC: the GS1 modulo-10 check digit, checked again here;
- ITF: no mandatory check, but ITF-14 and GS1 ITF carry the GS1 check digit: checked here;
- Code39: no check at all (its modulo-43 character is optional).

A read that fails (or, for Code39, cannot be checked) is dropped from a still image, and on a
stream only kept for symbologies whose scans already need two agreeing frames (`Confirmer`).
"""
from __future__ import annotations

from checkin_app.scanning import formats as fmt

#: Symbologies whose decoder verifies error correction or a mandatory check character.
DECODER_VERIFIED: frozenset[str] = frozenset({fmt.QR, fmt.AZTEC, fmt.DATAMATRIX, fmt.PDF417, fmt.CODE128})


def gs1_check_digit_ok(digits: str) -> bool:
    """True when the last digit is the GS1 modulo-10 check digit of the others (EAN, UPC-A, ITF-14)."""
    if len(digits) < 2 or not digits.isdigit():
        return False
    body, check = digits[:-1], int(digits[-1])
    # Weights 3, 1, 3, ... from the digit next to the check digit leftwards.
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def upc_e_to_upc_a(digits: str) -> str | None:
    """The UPC-A number an 8-digit UPC-E (number system, 6 digits, check) stands for, or None."""
    if len(digits) != 8 or not digits.isdigit() or digits[0] not in "01":
        return None
    ns, d, check = digits[0], digits[1:7], digits[7]
    last = d[5]
    if last in "012":
        middle = d[0:2] + last + "0000" + d[2:5]
    elif last == "3":
        middle = d[0:3] + "00000" + d[3:5]
    elif last == "4":
        middle = d[0:4] + "00000" + d[4]
    else:
        middle = d[0:5] + "0000" + last
    return ns + middle + check


def passes_own_check(symbology: str, text: str, variant: str = "") -> bool:
    """True when `text`, read as `symbology`, passes that symbology's own check (see module doc).

    Args:
        variant: the decoder's format name; "UPC-E" (zxing-cpp) or "UPCE" (zbar) makes an 8-digit
            EAN/UPC read a UPC-E, checked through the UPC-A number it stands for.
    """
    if symbology in DECODER_VERIFIED:
        return True
    if symbology == fmt.EAN_UPC:
        if len(text) == 8 and variant.replace("-", "").upper() == "UPCE":
            upc_a = upc_e_to_upc_a(text)
            return upc_a is not None and gs1_check_digit_ok(upc_a)
        return len(text) in (8, 12, 13) and gs1_check_digit_ok(text)  # EAN-8, UPC-A, EAN-13
    if symbology == fmt.ITF:
        return len(text) % 2 == 0 and gs1_check_digit_ok(text)
    return False  # Code39, or a symbology we do not know: nothing to check it by
