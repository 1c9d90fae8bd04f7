"""Issue 12: the verdict engine fails closed and says why (pure; no store)."""
from checkin_app.domain.models import TicketStatus
from checkin_app.domain.rules import ScanContext, TicketState, VerdictKind, decide


def state(**kw) -> TicketState:
    base = dict(ticket_id=1, event_id=1, event_name="Night one", code="ABC", provider="tickettailor",
                holder_name="Ada")
    base.update(kw)
    return TicketState(**base)


def test_an_unrecognised_status_never_admits_and_names_the_provider_and_value():
    v = decide([state(status=TicketStatus.UNRECOGNISED, provider_state="refund_pending")], "ABC")
    assert v.kind is VerdictKind.CHECK_WITH_SUPERVISOR and not v.passing
    assert v.message == "Check with a supervisor: Ticket Tailor says 'refund_pending'"
    assert v.to_dict()["ticket"]["provider_state"] == "refund_pending"


def test_a_supervisor_can_force_the_fail_closed_refusal():
    v = decide([state(status=TicketStatus.UNRECOGNISED, provider_state="x")], "ABC", ScanContext(force_reason="seen ID"))
    assert v.kind is VerdictKind.FORCED and "check_with_supervisor" in v.message and "seen ID" in v.message


def test_a_void_says_why():
    v = decide([state(status=TicketStatus.VOID, void_reason="order cancelled")], "ABC")
    assert v.kind is VerdictKind.VOID and v.message == "Void: order cancelled"


def test_a_cancelled_event_refuses_even_a_valid_ticket():
    v = decide([state(event_cancelled=True)], "ABC")
    assert v.kind is VerdictKind.VOID and v.message == "Void: event cancelled"


def test_a_rotating_code_is_refused_with_what_to_do():
    v = decide([state(rotating_code=True)], "ABC")
    assert v.kind is VerdictKind.ROTATING_CODE and v.message == "Rotating code: check by name and ID"


def test_an_attention_note_rides_with_the_admission():
    v = decide([state(attention="payment pending")], "ABC")
    assert v.kind is VerdictKind.ADMITTED and "payment pending" in v.message


def test_the_verdict_names_the_event_when_the_door_admits_several():
    one = decide([state(event_starts_at="2026-11-24T19:30:00-05:00")], "ABC")
    several = decide([state(event_starts_at="2026-11-24T19:30:00-05:00")], "ABC", ScanContext(name_event=True))
    assert "Night one" not in one.message
    # The event's own time (19:30 at -05:00), not this laptop's zone.
    assert several.message.startswith("[Night one Tue 24 Nov 19:30] Welcome")
