"""The hybrid logical clock (domain/hlc.py): order, ties, a clock behind, a peer far ahead."""
from hypothesis import given
from hypothesis import strategies as st

from checkin_app.domain import hlc

MS = 1_795_550_400_000  # 2026-11-24T20:00:00Z


def test_a_local_act_is_stamped_at_its_wall_time_or_just_past_the_clock():
    assert hlc.tick(0, MS) == hlc.pack(MS)
    assert hlc.tick(hlc.pack(MS), MS) == hlc.pack(MS, 1)  # same millisecond: the counter breaks the tie
    assert hlc.tick(hlc.pack(MS + 240_000, 7), MS) == hlc.pack(MS + 240_000, 8)  # wall clock behind: still after
    assert hlc.tick(hlc.pack(MS, hlc.COUNTER_MAX), MS) == hlc.pack(MS + 1)  # counter full: the next millisecond


def test_a_stamp_heard_of_is_adopted_unless_far_ahead_of_this_door_s_wall_clock():
    assert hlc.observe(hlc.pack(MS), hlc.pack(MS + 240_000, 3), MS) == (hlc.pack(MS + 240_000, 3), True)
    assert hlc.observe(hlc.pack(MS + 5), hlc.pack(MS), MS) == (hlc.pack(MS + 5), True)  # older: the clock stays
    far = hlc.pack(MS + hlc.MAX_AHEAD_MS + 1)
    assert hlc.observe(hlc.pack(MS), far, MS) == (hlc.pack(MS), False)
    assert hlc.observe(hlc.pack(MS), far, MS, max_ahead_ms=hlc.MAX_AHEAD_MS + 1) == (far, True)


@given(st.lists(st.tuples(st.booleans(), st.integers(MS - 600_000, MS + 600_000),
                          st.integers(MS - 600_000, MS + 600_000)), max_size=60))
def test_every_act_is_stamped_after_everything_its_door_had_stamped_or_heard_of(events):
    """Whatever the wall clock does (jumping back included), a door's next stamp is past all it knew."""
    clock, known = 0, 0
    for heard, wall, remote_wall in events:
        if heard:
            clock, adopted = hlc.observe(clock, hlc.pack(remote_wall), wall)
            if adopted:
                known = max(known, hlc.pack(remote_wall))
        else:
            stamp = hlc.tick(clock, wall)
            assert stamp > known and stamp >= hlc.pack(wall)
            clock = known = stamp


def test_old_rows_get_a_stamp_derived_from_their_time_the_same_everywhere():
    assert hlc.wall_ms(hlc.from_iso("2026-11-24T20:00:00.000+00:00")) == MS
    assert hlc.from_iso("2026-11-24T21:00:00.123+01:00") == hlc.pack(MS + 123)
    assert hlc.from_iso("2026-11-24T20:00:00.999999+00:00") == hlc.pack(MS + 999)  # truncated, never rounded up


def test_a_stamp_from_the_network_is_a_whole_number_in_range():
    assert hlc.valid(hlc.pack(MS)) and hlc.valid(0) and hlc.valid(hlc.MAX_STAMP)
    assert not any(hlc.valid(v) for v in (-1, hlc.MAX_STAMP + 1, True, 1.5, "1", None))


def test_skew_reads_as_people_say_it():
    assert hlc.skew_text(240_400) == "4 min 0 s ahead"
    assert hlc.skew_text(-850) == "850 ms behind"
    assert hlc.skew_text(-3_725_000) == "1 h 2 min behind"
