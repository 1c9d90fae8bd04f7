"""The check-in list rules (domain/checkin_lists.py), one rule at a time, at their edges."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from checkin_app.domain import checkin_lists as cl
from checkin_app.domain.checkin_lists import DoorLists, EventRef, Movement, Rule, evaluate, make
from checkin_app.domain.rules import ScanContext, TicketState, VerdictKind, decide

EV = EventRef("tickettailor", "ev_1")
PLUS1 = timezone(timedelta(hours=1))
# The event starts at 19:30 in its own offset (+01:00): days and exit-all-at are read there.
T = TicketState(ticket_id=1, event_id=10, event_name="Night one", code="aH5YpPP", holder_name="Ada Lovelace",
                ticket_type="GA", event_starts_at="2026-03-14T19:30:00+01:00")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def entry(when: str, lst: cl.CheckinList, counted: bool = True) -> Movement:
    moment = at(when)
    leaves = cl.leaves_at(lst, moment, PLUS1)
    return Movement(moment, True, lst.name, lst.area, counted, leaves)


def exit_(when: str, area: str | None = "Main") -> Movement:
    return Movement(at(when), False, "Main" if area else None, area)


def main(**kw) -> cl.CheckinList:
    return make(name="Main", events=[EV], **kw)


def test_ticket_type_not_on_the_list_is_refused_not_on_list():
    lst = main(ticket_types=["VIP"])
    out = evaluate(lst, T, [], 0, at("2026-03-14T20:00+01:00"))
    assert out.refusal is VerdictKind.NOT_ON_LIST and out.rule is Rule.TICKET_TYPE and "GA" in out.message
    assert evaluate(lst, replace(T, ticket_type="VIP"), [], 0, at("2026-03-14T20:00+01:00")).refusal is None


def test_absolute_window_admits_exactly_at_from_and_refuses_exactly_at_until():
    lst = main(valid_from="2026-03-14T18:00:00+01:00", valid_until="2026-03-14T23:00:00+01:00")
    before = evaluate(lst, T, [], 0, at("2026-03-14T17:59:59.999+01:00"))
    assert before.refusal is VerdictKind.OUTSIDE_TIME and before.rule is Rule.VALID_FROM
    assert "from Sat 14 Mar 18:00" in before.message  # says when it becomes valid, in the event's offset
    assert evaluate(lst, T, [], 0, at("2026-03-14T18:00:00+01:00")).refusal is None
    assert evaluate(lst, T, [], 0, at("2026-03-14T22:59:59.999+01:00")).refusal is None
    after = evaluate(lst, T, [], 0, at("2026-03-14T22:00:00+00:00"))  # 23:00 at +01:00: the same instant
    assert after.refusal is VerdictKind.OUTSIDE_TIME and after.rule is Rule.VALID_UNTIL
    assert "until Sat 14 Mar 23:00" in after.message


def test_window_relative_to_each_events_start():
    lst = main(from_start=-90, until_start=240)  # doors open 90 min before the 19:30 start
    assert evaluate(lst, T, [], 0, at("2026-03-14T17:59+01:00")).refusal is VerdictKind.OUTSIDE_TIME
    assert evaluate(lst, T, [], 0, at("2026-03-14T18:00+01:00")).refusal is None
    assert evaluate(lst, T, [], 0, at("2026-03-14T23:30+01:00")).refusal is VerdictKind.OUTSIDE_TIME
    later_event = replace(T, event_starts_at="2026-03-15T19:30:00+01:00")
    assert evaluate(lst, later_event, [], 0, at("2026-03-14T20:00+01:00")).refusal is VerdictKind.OUTSIDE_TIME


def test_relative_window_without_an_event_start_fails_closed():
    out = evaluate(main(from_start=-90), replace(T, event_starts_at=None), [], 0, at("2026-03-14T20:00+01:00"))
    assert out.refusal is VerdictKind.OUTSIDE_TIME and "did not give" in out.message


def test_once_refuses_a_second_entry_even_after_an_exit_without_reentry():
    lst = main()
    moves = [entry("2026-03-14T19:00+01:00", lst), exit_("2026-03-14T20:00+01:00")]
    out = evaluate(lst, T, moves, 0, at("2026-03-14T21:00+01:00"))
    assert out.refusal is VerdictKind.ENTRY_LIMIT and out.rule is Rule.ENTRIES and "19:00" in out.message


def test_reentry_after_exit_is_admitted_and_not_counted_but_not_while_inside():
    lst = main(reentry=True)
    first = [entry("2026-03-14T19:00+01:00", lst)]
    inside = evaluate(lst, T, first, 1, at("2026-03-14T19:30+01:00"))
    assert inside.refusal is VerdictKind.ENTRY_LIMIT  # a pass-back: never left
    out = evaluate(lst, T, first + [exit_("2026-03-14T20:00+01:00")], 0, at("2026-03-14T21:00+01:00"))
    assert out.refusal is None and out.rule is Rule.REENTRY and out.counted is False


def test_an_exit_without_an_area_leaves_every_area():
    lst = main(reentry=True)
    moves = [entry("2026-03-14T19:00+01:00", lst), exit_("2026-03-14T20:00+01:00", area=None)]
    assert evaluate(lst, T, moves, 0, at("2026-03-14T21:00+01:00")).rule is Rule.REENTRY


def test_daily_limit_resets_at_midnight_in_the_events_offset():
    lst = main(entries="daily", per_day=2)
    moves = [entry("2026-03-14T19:00+01:00", lst), entry("2026-03-14T22:00+01:00", lst)]
    third = evaluate(lst, T, moves, 0, at("2026-03-14T23:59:59+01:00"))
    assert third.refusal is VerdictKind.ENTRY_LIMIT and "again from Sun 15 Mar 00:00" in third.message
    # 23:30 UTC is already 00:30 on the 15th at +01:00: a new day for this event.
    assert evaluate(lst, T, moves, 0, at("2026-03-14T23:30+00:00")).refusal is None
    assert evaluate(lst, T, moves, 0, at("2026-03-15T00:00+01:00")).refusal is None


def test_min_gap_edge():
    lst = main(entries="unlimited", min_gap=30)
    moves = [entry("2026-03-14T19:00+01:00", lst)]
    early = evaluate(lst, T, moves, 0, at("2026-03-14T19:29:59.999+01:00"))
    assert early.refusal is VerdictKind.TOO_SOON and early.rule is Rule.MIN_GAP
    assert "may enter again at Sat 14 Mar 19:30" in early.message
    assert evaluate(lst, T, moves, 0, at("2026-03-14T19:30+01:00")).refusal is None


def test_exit_all_at_counts_everyone_as_exited_at_that_time():
    lst = main(reentry=True, exit_all_at="03:00")
    moves = [entry("2026-03-14T22:00+01:00", lst)]
    assert moves[0].leaves_at == at("2026-03-15T03:00+01:00")
    still = evaluate(lst, T, moves, 1, at("2026-03-15T02:59:59+01:00"))
    assert still.refusal is VerdictKind.ENTRY_LIMIT  # inside until 03:00
    out = evaluate(lst, T, moves, 0, at("2026-03-15T03:00+01:00"))
    assert out.refusal is None and out.rule is Rule.REENTRY
    assert cl.stays(moves)["Main"].inside_at(at("2026-03-15T02:59+01:00"))
    assert not cl.stays(moves)["Main"].inside_at(at("2026-03-15T03:00+01:00"))


def test_an_entry_exactly_at_exit_all_at_stays_until_the_next_day():
    lst = main(exit_all_at="03:00")
    assert entry("2026-03-15T03:00+01:00", lst).leaves_at == at("2026-03-16T03:00+01:00")


def test_capacity_warning_and_full_and_a_supervisors_force():
    lst = main(capacity=10, warning=8, entries="unlimited")
    ok = evaluate(lst, T, [], 6, at("2026-03-14T20:00+01:00"))
    assert ok.refusal is None and ok.warning is None
    warn = evaluate(lst, T, [], 7, at("2026-03-14T20:00+01:00"))
    assert warn.refusal is None and warn.warning == "8 of 10 inside Main"
    full = evaluate(lst, T, [], 10, at("2026-03-14T20:00+01:00"))
    assert full.refusal is VerdictKind.CAPACITY_FULL and full.rule is Rule.CAPACITY
    door = DoorLists((lst,), events={1: EV}, area_inside={"Main": 10}, now=at("2026-03-14T20:00+01:00"))
    refused = decide([T], T.code, ScanContext(event_ids=frozenset({10}), lists=door))
    assert refused.kind is VerdictKind.CAPACITY_FULL and refused.to_dict()["rule"] == "capacity"
    forced = decide([T], T.code, ScanContext(event_ids=frozenset({10}), lists=door, force_reason="fire marshal ok"))
    assert forced.kind is VerdictKind.FORCED and forced.list_outcome.journal_fields()["area"] == "Main"


def test_someone_already_inside_is_not_refused_for_capacity():
    lst = main(capacity=1, entries="unlimited")
    moves = [entry("2026-03-14T19:00+01:00", lst)]
    assert evaluate(lst, T, moves, 1, at("2026-03-14T20:00+01:00")).refusal is None


def test_default_warning_is_ninety_percent_of_capacity():
    assert main(capacity=500).warning_level == 450


def test_with_a_list_the_lists_entry_rule_decides_not_the_tickets_inside_flag():
    lst = main(entries="daily")
    yesterday = [entry("2026-03-14T19:00+01:00", lst)]
    ticket = replace(T, checked_in_at="2026-03-14T18:00:00+00:00", inside=True, admitted_count=1)
    door = DoorLists((lst,), events={1: EV}, movements={1: yesterday}, now=at("2026-03-15T19:00+01:00"))
    v = decide([ticket], T.code, ScanContext(event_ids=frozenset({10}), lists=door))
    assert v.kind is VerdictKind.ADMITTED and v.to_dict()["list"] == "Main"
    assert decide([ticket], T.code).kind is VerdictKind.ALREADY_CHECKED_IN  # without a list: as before


def test_same_movements_in_any_arrival_order_give_the_same_verdict():
    lst = main(entries="daily", per_day=2, min_gap=5)
    moves = [entry("2026-03-14T19:00+01:00", lst), entry("2026-03-14T19:10+01:00", lst)]
    now = at("2026-03-14T19:20+01:00")
    assert evaluate(lst, T, moves, 0, now) == evaluate(lst, T, list(reversed(moves)), 0, now)


def test_latest_definition_wins_by_journal_key_not_arrival():
    old, new = main(capacity=5), main(capacity=9)
    a = (("2026-03-14T10:00:00.000+00:00", "door1", 3), old)
    b = (("2026-03-14T10:00:00.000+00:00", "door2", 1), new)
    assert cl.latest([a, b])["Main"].capacity == 9 == cl.latest([b, a])["Main"].capacity


@pytest.mark.parametrize("kw, words", [
    ({"events": []}, "at least one event"),
    ({"valid_from": "2026-03-14T18:00"}, "UTC offset"),
    ({"per_day": 2}, "--per-day goes with --entries daily"),
    ({"entries": "twice"}, "not once, daily or unlimited"),
    ({"exit_all_at": "3am"}, "not a time like 03:00"),
    ({"capacity": 0}, "at least 1"),
    ({"capacity": 5, "warning": 6}, "between 1 and the capacity"),
    ({"min_gap": 0}, "at least 1"),
    ({"from_start": 10, "until_start": 10}, "ends before it starts"),
])
def test_a_bad_list_is_refused_with_a_sentence(kw, words):
    args = {"name": "Main", "events": [EV]} | kw
    with pytest.raises(ValueError, match=words):
        make(**args)


def test_json_round_trip_and_an_unknown_field_fails_closed():
    lst = main(ticket_types=["GA"], from_start=-90, entries="daily", per_day=2, min_gap=15, reentry=True,
               exit_all_at="03:00", capacity=100, area="Hall", attention=["ticket type contains VIP"])
    assert cl.CheckinList.from_json(lst.to_json()) == lst
    with pytest.raises(ValueError, match="unknown list field"):
        cl.CheckinList.from_json(lst.to_json() | {"surprise": 1})


def test_occupancy_sums_lists_into_their_area_once_per_person():
    a, b = make(name="GA", events=[EV], area="Hall", capacity=3), make(name="VIP", events=[EV], area="Hall")
    rows = cl.summarise({"GA": a, "VIP": b}, {("GA", "Hall"): 2, ("VIP", "Hall"): 1})
    assert [(o.list_name, o.inside, o.area_inside, o.state) for o in rows] == [("GA", 2, 3, "full"), ("VIP", 1, 3, "ok")]


def test_a_guest_list_party_enters_one_by_one_and_counts_each_person():
    from checkin_app.domain.models import TicketKind
    party = replace(T, kind=TicketKind.GUEST_LIST, party_size=3)
    lst = main(capacity=10, min_gap=30)
    moves: list[Movement] = []
    for n in range(3):  # one after the other, within the gap: a party is not "too soon"
        now = at(f"2026-03-14T19:0{n}+01:00")
        out = evaluate(lst, party, moves, n, now)
        assert out.refusal is None, out.message
        moves.append(entry(f"2026-03-14T19:0{n}+01:00", lst))
    assert cl.stays(moves, party=3)["Main"].people == 3
    assert evaluate(lst, party, moves, 3, at("2026-03-14T19:05+01:00")).refusal is VerdictKind.ENTRY_LIMIT
    full = main(capacity=2)
    assert evaluate(full, party, moves[:2], 2, at("2026-03-14T19:05+01:00")).refusal is VerdictKind.CAPACITY_FULL
