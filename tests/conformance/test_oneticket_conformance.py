"""1Ticket conformance: every documented value of every field that decides admission, with the door's
verdict, plus one undocumented value per field.

Fields that reach a verdict: the seat's `status` (getpdf), the purchase's `receipt.status`,
`disclosures` (ids named by `/v2/disclosures`) and `rotating_barcodes`. `attributes.refund` is
refund eligibility and decides nothing (its documented values are here to prove it). Payloads are
the document's own purchase and getpdf examples with one value changed.
"""
import copy

import pytest

from checkin_app.providers import oneticket
from scripts.bench.mapper_coverage import json_examples
from tests.conformance.facts import ABSENT, UNDOCUMENTED, Fact, check_cited, door_verdict
from tests.paths import PROVIDER_DOCS

DOC = "1ticket-legacy-api.txt"
_EXAMPLES = [d for _, d in json_examples((PROVIDER_DOCS / DOC).read_text(encoding="utf-8"))]
GETPDF = next(d for d in _EXAMPLES if isinstance(d, dict) and "seats" in (d.get("output") or [{}])[0])
PURCHASES = oneticket.purchases(next(d for d in _EXAMPLES if isinstance(d, dict) and "purchases" in (d.get("output") or [{}])[0]))
# The disclosures answer (:616-645) elides its list with "...": its two entries parse on their own.
DISCLOSURES = oneticket.disclosure_table({"output": [{"disclosures": [
    d for d in _EXAMPLES if isinstance(d, dict) and "description_short" in d]}]})
CODE = "1353136914970530"  # the getpdf example's barcode (1ticket-legacy-api.txt:60)


FACTS = [
    Fact("seat.status", "live", f"{DOC}:50", "admitted"),
    Fact("seat.status", UNDOCUMENTED, "", "check_with_supervisor"),
    Fact("receipt.status", "active", f"{DOC}:187", "admitted"),
    Fact("receipt.status", ABSENT, f"{DOC}:136-149", "admitted", "the first documented purchase has none"),
    Fact("receipt.status", "Canceled", f"{DOC}:252", "void", "the status filter: Active or Canceled"),
    Fact("receipt.status", UNDOCUMENTED, "", "check_with_supervisor"),
    Fact("disclosures", [1], f"{DOC}:626-629", "void", "NOENTRY, Not Valid for Entry"),
    Fact("disclosures", [2], f"{DOC}:634-637", "admitted", "SIDEVIEW"),
    Fact("disclosures", ABSENT, f"{DOC}:167-217", "admitted", "the second documented purchase has none"),
    Fact("disclosures", [45, 22, 88], f"{DOC}:131", "check_with_supervisor",
         "ids the document's disclosure table does not name"),
    Fact("disclosures", [999], "", "check_with_supervisor", "undocumented"),
    Fact("rotating_barcodes", True, f"{DOC}:215", "rotating_code"),
    Fact("rotating_barcodes", ABSENT, f"{DOC}:103-166", "admitted", "the first documented purchase has none"),
    Fact("rotating_barcodes", UNDOCUMENTED, "", "check_with_supervisor"),
    Fact("attributes.refund", "true", f"{DOC}:151", "admitted", "refund eligibility, not a refund (:250)"),
    Fact("attributes.refund", "unknown", f"{DOC}:202", "admitted", "refund eligibility, not a refund (:250)"),
]
SPELLED = {"receipt.status": {ABSENT: '"receipt"'}, "disclosures": {ABSENT: '"rid": 17190790', (1,): "NOENTRY",
                                                                   (2,): "SIDEVIEW", (45, 22, 88): "[45, 22, 88]"},
           "rotating_barcodes": {True: '"rotating_barcodes": true', ABSENT: '"rid": 17016286'}}


def _spelled(fact: Fact) -> str | None:
    key = tuple(fact.value) if isinstance(fact.value, list) else fact.value
    return SPELLED.get(fact.field, {}).get(key)


def build(fact: Fact) -> tuple[dict, dict]:
    purchase = copy.deepcopy(PURCHASES[0])
    purchase.pop("disclosures")  # each fact sets the one field it is about
    getpdf = copy.deepcopy(GETPDF)
    section, _, key = fact.field.partition(".")
    target = {"seat": getpdf["output"][0]["seats"][0], "receipt": purchase["receipt"],
              "attributes": purchase["attributes"]}.get(section, purchase)
    key = key or fact.field
    if fact.value is ABSENT:
        target.pop(key, None)
    else:
        target[key] = fact.value
    return purchase, getpdf


@pytest.mark.parametrize("fact", FACTS, ids=str)
def test_every_documented_value_and_one_undocumented(tmp_path, fact):
    check_cited(fact, _spelled(fact))
    purchase, getpdf = build(fact)
    verdict = door_verdict(tmp_path, oneticket.map_purchase_seats(purchase, getpdf, DISCLOSURES), CODE)
    assert verdict["verdict"] == fact.verdict, verdict["message"]
    if fact.verdict == "check_with_supervisor":
        assert "Check with a supervisor: 1Ticket says '" in verdict["message"]
    if fact.value == [1]:
        assert "NOENTRY" in verdict["message"] or verdict["ticket"]["void_reason"] == "not valid for entry (NOENTRY)"


def test_the_documents_disclosure_table_is_what_the_mapper_reads():
    assert DISCLOSURES == {1: "NOENTRY", 2: "SIDEVIEW"} == dict(oneticket.DOC_DISCLOSURES)


def test_a_seat_going_back_to_live_admits_again(tmp_path):
    """Issue 12 item 14, provider side: whatever a seat said before, `live` maps to an admitting ticket."""
    for before in ("pending", "void"):
        purchase, getpdf = build(Fact("seat.status", before, "", ""))
        assert oneticket.map_purchase_seats(purchase, getpdf, DISCLOSURES).tickets[0].status.value == "unrecognised"
        getpdf["output"][0]["seats"][0]["status"] = "live"
        assert oneticket.map_purchase_seats(purchase, getpdf, DISCLOSURES).tickets[0].status.value == "valid"
