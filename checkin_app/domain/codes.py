"""Normalise what a scanner or camera delivered into the code as issued.

Scanners add things around a code: a CR/LF/Tab terminator, an AIM symbology identifier (`]Q1`,
`]C0`, ...), ECI escapes, stray control characters. We strip those and nothing else: ticket
codes are case-sensitive (Ticket Tailor `al4R5`), so case is never changed. Provider-specific
variants (a leading zero from an EAN reader, say) live with the provider's module.
"""
from __future__ import annotations

import re

from checkin_app.errors import InvalidCode

MAX_CODE_LENGTH = 512

# AIM symbology identifier: "]" + symbology letter + modifier character, at the very start.
_AIM_PREFIX = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
# ECI escape emitted by some scanners in "transmit ECI" mode: backslash + 6 digits.
_ECI_ESCAPE = re.compile(r"^\\\d{6}")
# C0 controls, DEL and C1 controls; GS (0x1d) included: GS1 separators are not part of ticket codes.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def normalise(raw: str) -> str:
    """Return the ticket code inside a raw scan.

    Args:
        raw: what the scanner typed or the decoder read.

    Returns:
        The code with terminators, AIM/ECI prefixes and control characters removed, case kept.

    Raises:
        InvalidCode: when nothing is left, or the code is longer than any ticket code.
    """
    if not isinstance(raw, str):
        raise InvalidCode("a code must be text")
    code = raw.strip()
    code = _AIM_PREFIX.sub("", code, count=1)
    code = _ECI_ESCAPE.sub("", code, count=1)
    code = _CONTROL.sub("", code).strip()
    if _SURROGATE.search(code):  # undecodable bytes (argv, a file) arrive as lone surrogates; SQLite refuses them
        raise InvalidCode("the code is not valid text (it holds bytes that are not UTF-8)")
    if not code:
        raise InvalidCode("empty code: the scan carried no characters")
    if len(code) > MAX_CODE_LENGTH:
        raise InvalidCode(f"code too long ({len(code)} characters; a ticket code has at most {MAX_CODE_LENGTH})")
    return code


def display(code: str, limit: int = 40) -> str:
    """A code shortened for one-line messages (hostile 10 kB codes must not flood a terminal)."""
    return code if len(code) <= limit else code[: limit - 1] + "…"
