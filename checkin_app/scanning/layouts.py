"""Keyboard layouts that turn a scanner's digits into symbols, and how to undo it.

A USB/Bluetooth scanner in keyboard mode sends key positions as if the computer had a US keyboard.
On a French AZERTY system the unshifted digit row types `&é"'(-è_çà` instead of `1234567890`, and
a/q, z/w and m/; swap places, so `al4R5` arrives as `ql'R(`. Every layout here is a bijection of key
positions, so once the layout is known the text translates back exactly; what can be ambiguous is
deciding that a burst was mangled at all (see `detect`).
"""
from __future__ import annotations

from dataclasses import dataclass

_DIGITS = "1234567890"


@dataclass(frozen=True)
class Layout:
    """A layout the parser recognises.

    Args:
        name: shown to the user ("French AZERTY").
        digit_row: what the unshifted digit keys type, for 1..0.
        swaps: (US character, what this layout types on that key) for letters and punctuation.
    """

    name: str
    digit_row: str
    swaps: tuple[tuple[str, str], ...]

    def back_to_us(self) -> dict[str, str]:
        """Map from what this layout typed to what a US keyboard would have typed."""
        table = {typed: us for us, typed in zip(_DIGITS, self.digit_row)}
        table.update({typed: us for us, typed in self.swaps})
        return table

    def strong_marks(self) -> frozenset[str]:
        """Digit-row characters no ticket code contains (non-ASCII letters): proof on their own."""
        return frozenset(c for c in self.digit_row if not c.isascii())


_AZERTY_SWAPS = (("a", "q"), ("q", "a"), ("z", "w"), ("w", "z"), ("A", "Q"), ("Q", "A"), ("Z", "W"), ("W", "Z"),
                 (";", "m"), ("m", ","), (":", "M"), ("M", "?"), (",", ";"))

LAYOUTS: tuple[Layout, ...] = (
    Layout("French AZERTY", "&é\"'(-è_çà", _AZERTY_SWAPS),
    Layout("Belgian AZERTY", "&é\"'(§è!çà", _AZERTY_SWAPS),
    Layout("Czech QWERTZ", "+ěščřžýáíé", (("y", "z"), ("z", "y"), ("Y", "Z"), ("Z", "Y"))),
)


def detect(text: str) -> Layout | None:
    """The layout that most plausibly mangled `text`, or None when it reads as typed.

    Evidence, on a burst with no ASCII digit at all (a mangling layout cannot type one unshifted):
    a non-ASCII digit-row character (é, è, ç, à, ě, ...) is proof by itself; otherwise two or more
    different digit-row symbols are needed, so a real code such as `AB-CD` is left alone.
    """
    if any(c in _DIGITS for c in text):
        return None
    best, best_score = None, 0
    for layout in LAYOUTS:
        row = set(layout.digit_row)
        if not all(c in row or c.isascii() for c in text):
            continue  # a character this layout's digit row cannot explain
        strong = any(c in layout.strong_marks() for c in text)
        distinct = len(set(text) & row)
        if not strong and distinct < 2:
            continue
        # Prefer the layout whose digit row explains the most characters (French vs Belgian).
        score = sum(c in row for c in text) * 2 + strong
        if score > best_score:
            best, best_score = layout, score
    return best


def translate(text: str, layout: Layout) -> str:
    """What a US keyboard would have typed for the same keys."""
    table = layout.back_to_us()
    return "".join(table.get(c, c) for c in text)
