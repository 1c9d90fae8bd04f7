"""The badge template (domain/badges.py): the shipped file parses, and a file a designer got wrong
is refused with a sentence naming what is wrong, never half-used (fail closed)."""
import json

import pytest

from checkin_app.domain.badges import FIELDS, QrItem, TextItem, fill, parse_template
from tests.paths import ROOT

SHIPPED = (ROOT / "checkin_app" / "resources" / "badge.json").read_text(encoding="utf-8")


def _with(**changes):
    raw = json.loads(SHIPPED)
    raw.update(changes)
    return json.dumps(raw)


def test_the_shipped_template_shows_name_type_event_and_a_qr_of_the_code():
    t = parse_template(SHIPPED)
    texts = " ".join(i.text for i in t.items if isinstance(i, TextItem))
    for field in ("{name}", "{ticket_type}", "{event}"):
        assert field in texts
    assert [i.data for i in t.items if isinstance(i, QrItem)] == ["{code}"]


def test_fill_resolves_every_field_and_keeps_braces_in_values_as_text():
    badge = fill(parse_template(SHIPPED), {"name": "Ada {code} Lovelace", "ticket_type": "VIP", "event": "Gala",
                                           "code": "AB12", "seat": None})
    assert "Ada {code} Lovelace" in badge.texts()  # a value is never read as a template
    assert badge.qr_payloads() == ["AB12"]
    assert "" in badge.texts()  # no seat: an empty line, not "None"


@pytest.mark.parametrize("raw, words", [
    (_with(items=[{"kind": "barcode", "box_mm": [0, 0, 10, 10]}]), "kind 'barcode'"),
    (_with(items=[{"kind": "text", "text": "{email}", "box_mm": [0, 0, 10, 10]}]), "{email}, which is not a badge field"),
    (_with(items=[{"kind": "text", "text": "{name.__class__}", "box_mm": [0, 0, 10, 10]}]), "not a badge field"),
    (_with(items=[{"kind": "text", "text": "{name", "box_mm": [0, 0, 10, 10]}]), "is not a template text"),
    (_with(items=[{"kind": "text", "text": "x", "box_mm": [90, 60, 20, 20]}]), "does not fit"),
    (_with(items=[{"kind": "text", "text": "x", "box_mm": [0, 0, 10, 10], "colour": "red"}]), "does not know: colour"),
    (_with(items=[{"kind": "text", "text": "x", "box_mm": [0, 0, 10, 10], "align": "middle"}]), "align is 'middle'"),
    (_with(size_mm=[1000, 70]), "size_mm must be a number"),
    (_with(items=[]), "at least one"),
    (_with(printer="zebra"), "does not know: printer"),
    ("{not json", "not JSON"),
])
def test_a_wrong_template_is_refused_with_what_is_wrong(raw, words):
    with pytest.raises(ValueError) as info:
        parse_template(raw)
    assert words in str(info.value)


def test_every_field_the_service_fills_is_a_template_field():
    # services/badges.py fills exactly these: a field added to one and not the other shows here.
    assert set(FIELDS) == {"name", "ticket_type", "event", "event_date", "code", "seat"}
