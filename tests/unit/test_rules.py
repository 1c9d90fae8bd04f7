from dataclasses import replace

from checkin_app.domain.models import TicketKind, TicketStatus
from checkin_app.domain.rules import Mode, ScanContext, TicketState, VerdictKind, decide

T = TicketState(ticket_id=1, event_id=10, event_name="Asteroid City", code="aH5YpPP", holder_name="Ada Lovelace",
                ticket_type="Deckchair Delight")


def test_valid_ticket_is_admitted_with_name_and_type():
    v = decide([T], "aH5YpPP")
    assert v.kind is VerdictKind.ADMITTED and v.passing
    assert "Ada Lovelace" in v.message and "Deckchair Delight" in v.message


def test_unknown_code():
    v = decide([], "nope")
    assert v.kind is VerdictKind.UNKNOWN and not v.passing and v.ticket is None


def test_already_checked_in_reports_first_time_door_and_device():
    t = replace(T, checked_in_at="2026-11-24T19:42:00+00:00", checked_in_device="dev123", checked_in_door="Door 2",
                inside=True, admitted_count=1)
    v = decide([t], t.code)
    assert v.kind is VerdictKind.ALREADY_CHECKED_IN
    assert "Door 2" in v.message and "dev123" in v.message
    assert v.to_dict()["ticket"]["checked_in_at"] == "2026-11-24T19:42:00+00:00"


def test_a_check_in_made_in_the_providers_own_app_names_the_provider():
    t = replace(T, checked_in_at="2026-11-24T19:42:00+00:00", checked_in_device="upstream", checked_in_door="tickettailor",
                inside=True, admitted_count=1)
    v = decide([t], t.code)
    assert v.kind is VerdictKind.ALREADY_CHECKED_IN
    assert v.message.endswith("via Ticket Tailor") and "upstream" not in v.message


def test_void_wins_even_if_never_scanned():
    v = decide([replace(T, status=TicketStatus.VOID, voided_at="2026-11-24T18:00:00+00:00")], T.code)
    assert v.kind is VerdictKind.VOID and "cancelled" in v.message


def test_wrong_event_names_the_other_event():
    v = decide([T], T.code, ScanContext(event_ids=frozenset({99})))
    assert v.kind is VerdictKind.WRONG_EVENT and v.other_event == "Asteroid City"


def test_product_code_is_not_an_admission():
    v = decide([replace(T, kind=TicketKind.PRODUCT, code="PR:BG3IXCQIRV")], "PR:BG3IXCQIRV")
    assert v.kind is VerdictKind.NOT_ADMISSION


def test_exit_then_reentry():
    inside = replace(T, checked_in_at="2026-11-24T19:00:00+00:00", inside=True, admitted_count=1)
    assert decide([inside], T.code, ScanContext(mode=Mode.EXIT)).kind is VerdictKind.EXITED
    outside = replace(inside, inside=False)
    v = decide([outside], T.code)
    assert v.kind is VerdictKind.ADMITTED and v.reentry and "Re-entry" in v.message


def test_force_admits_refusals_with_reason_but_not_unknown_codes():
    t = replace(T, status=TicketStatus.VOID)
    v = decide([t], T.code, ScanContext(force_reason="promoter's guest"))
    assert v.kind is VerdictKind.FORCED and v.passing and "promoter's guest" in v.message
    assert decide([], "x", ScanContext(force_reason="r")).kind is VerdictKind.UNKNOWN
    v = decide([T], T.code, ScanContext(event_ids=frozenset({99}), force_reason="wrong night, let in"))
    assert v.kind is VerdictKind.FORCED


def test_guest_list_counts_party_members():
    g = replace(T, kind=TicketKind.GUEST_LIST, party_size=4, admitted_count=2, checked_in_at="2026-11-24T19:00:00+00:00",
                inside=True)
    v = decide([g], g.code)
    assert v.kind is VerdictKind.ADMITTED and "3 of 4" in v.message
    full = replace(g, admitted_count=4)
    assert decide([full], g.code).kind is VerdictKind.ALREADY_CHECKED_IN


def test_same_code_in_two_admitted_events_prefers_the_usable_one():
    used = replace(T, inside=True, admitted_count=1, checked_in_at="2026-11-24T19:00:00+00:00")
    fresh = replace(T, ticket_id=2, event_id=11, event_name="Night two")
    v = decide([used, fresh], T.code)
    assert v.kind is VerdictKind.ADMITTED and v.ticket.ticket_id == 2
