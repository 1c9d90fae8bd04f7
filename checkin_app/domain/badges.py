"""Badge templates: what a printed badge shows and where, read from a file a designer edits.

A template is JSON (`checkin_app/resources/badge.json`, or `badge.json` in a data dir to change
one venue's badges): a page size in millimetres and items placed on it, each a `text` (a line
with `{fields}`, shrunk to fit its box) or a `qr` (the QR code of a text, usually `{code}`).
Parsing is strict and fails closed: an item kind, a key or a field this build does not know is
refused with a sentence naming it, never skipped (a badge silently missing its QR code would be
printed all night). Filling a template with one ticket gives a `Badge`: plain data that the GUI's
printer paints (gui/badge_print.py); nothing here knows Qt.
"""
from __future__ import annotations

import json
import string
from dataclasses import dataclass
from typing import Any

#: The fields a template may name, and what each is.
FIELDS = {
    "name": "the holder's name",
    "ticket_type": "the ticket type",
    "event": "the event's name",
    "event_date": "the event's start date (as the provider gave it)",
    "code": "the ticket code",
    "seat": "the seat (empty when none)",
}
ALIGNS = ("left", "center", "right")
MAX_SIDE_MM = 500.0  # an A3 sheet is 420 mm: a bigger page is a typo (cm for mm), not a badge


@dataclass(frozen=True)
class Box:
    """A rectangle on the page, in millimetres from the top left corner."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class TextItem:
    text: str  # with {field} placeholders
    box: Box
    size_pt: float = 12.0  # the largest size; a longer text shrinks to fit the box
    bold: bool = False
    align: str = "left"
    wrap: bool = False  # may break onto several lines (a long name) before shrinking


@dataclass(frozen=True)
class QrItem:
    data: str  # with {field} placeholders: the text the QR code carries
    box: Box  # the code is the largest square in the box, quiet zone included


Item = TextItem | QrItem


@dataclass(frozen=True)
class BadgeTemplate:
    width_mm: float
    height_mm: float
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Badge:
    """A template filled for one ticket: every text and QR payload resolved."""

    width_mm: float
    height_mm: float
    items: tuple[Item, ...]

    def texts(self) -> list[str]:
        """The printed lines, top to bottom (what a PDF of the badge reads as)."""
        return [i.text for i in sorted(self.items, key=lambda i: (i.box.y, i.box.x)) if isinstance(i, TextItem)]

    def qr_payloads(self) -> list[str]:
        return [i.data for i in self.items if isinstance(i, QrItem)]


def _number(raw: Any, what: str, low: float = 0.0, high: float = MAX_SIDE_MM) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not low <= raw <= high:
        raise ValueError(f"{what} must be a number from {low:g} to {high:g}, not {raw!r}")
    return float(raw)


def _fields_in(text: Any, what: str) -> str:
    if not isinstance(text, str):
        raise ValueError(f"{what} must be a text, not {text!r}")
    try:
        names = [name for _lit, name, spec, conv in string.Formatter().parse(text) if name is not None]
    except ValueError as exc:
        raise ValueError(f"{what} {text!r} is not a template text ({exc}); write {{{{ for a brace") from None
    for name in names:
        if name not in FIELDS:
            raise ValueError(f"{what} names {{{name}}}, which is not a badge field; the fields are "
                             + ", ".join("{" + f + "}" for f in FIELDS))
    return text


def _box(raw: Any, what: str, width: float, height: float) -> Box:
    if not isinstance(raw, list) or len(raw) != 4:
        raise ValueError(f"{what}'s box_mm must be [x, y, width, height] in millimetres, not {raw!r}")
    x, y, w, h = (_number(v, f"{what}'s box_mm") for v in raw)
    if w <= 0 or h <= 0 or x + w > width + 0.01 or y + h > height + 0.01:
        raise ValueError(f"{what}'s box {[x, y, w, h]} does not fit on the {width:g} × {height:g} mm badge")
    return Box(x, y, w, h)


_KEYS = {"text": {"kind", "text", "box_mm", "size_pt", "bold", "align", "wrap"}, "qr": {"kind", "data", "box_mm"}}


def _item(raw: Any, n: int, width: float, height: float) -> Item:
    what = f"item {n}"
    if not isinstance(raw, dict):
        raise ValueError(f"{what} must be an object with a kind, not {raw!r}")
    kind = raw.get("kind")
    if kind not in _KEYS:
        raise ValueError(f"{what} has kind {kind!r}; a badge item is one of: " + ", ".join(_KEYS))
    unknown = sorted(set(raw) - _KEYS[kind])
    if unknown:
        raise ValueError(f"{what} ({kind}) has keys this build does not know: {', '.join(unknown)}")
    box = _box(raw.get("box_mm"), what, width, height)
    if kind == "qr":
        return QrItem(_fields_in(raw.get("data", "{code}"), f"{what}'s data"), box)
    align = raw.get("align", "left")
    if align not in ALIGNS:
        raise ValueError(f"{what}'s align is {align!r}; it is one of: {', '.join(ALIGNS)}")
    for flag in ("bold", "wrap"):
        if not isinstance(raw.get(flag, False), bool):
            raise ValueError(f"{what}'s {flag} must be true or false, not {raw[flag]!r}")
    return TextItem(_fields_in(raw.get("text"), f"{what}'s text"), box, _number(raw.get("size_pt", 12), f"{what}'s size_pt", 2, 200),
                    raw.get("bold", False), align, raw.get("wrap", False))


def parse_template(text: str) -> BadgeTemplate:
    """A template from its JSON text.

    Raises:
        ValueError: with one sentence saying what is wrong and where (for the designer).
    """
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the badge template is not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ValueError("the badge template must be a JSON object with size_mm and items")
    unknown = sorted(set(raw) - {"size_mm", "items", "comment"})
    if unknown:
        raise ValueError(f"the badge template has keys this build does not know: {', '.join(unknown)}")
    size = raw.get("size_mm")
    if not isinstance(size, list) or len(size) != 2:
        raise ValueError(f"size_mm must be [width, height] in millimetres, not {size!r}")
    width, height = (_number(v, "size_mm", 10.0) for v in size)
    items = raw.get("items")
    if not isinstance(items, list) or not items:
        raise ValueError("items must be a list of at least one text or qr item")
    return BadgeTemplate(width, height, tuple(_item(item, n, width, height) for n, item in enumerate(items, 1)))


def fill(template: BadgeTemplate, values: dict[str, str | None]) -> Badge:
    """The badge for one ticket: each placeholder replaced by its value (a missing one by nothing)."""
    full = {name: (values.get(name) or "") for name in FIELDS}
    items: list[Item] = []
    for item in template.items:
        if isinstance(item, QrItem):
            items.append(QrItem(item.data.format_map(full), item.box))
        else:
            items.append(TextItem(item.text.format_map(full).strip(), item.box, item.size_pt, item.bold, item.align,
                                  item.wrap))
    return Badge(template.width_mm, template.height_mm, tuple(items))
