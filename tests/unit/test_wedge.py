"""Keyboard-wedge parser on synthetic keystroke timings."""
import random

import pytest

from checkin_app.scanning.wedge import LAYOUT_WARNING, SCAN, TYPED, WedgeParser


def type_keys(parser, text, start_ms, gaps_ms):
    """Feed `text` with the given gaps (a number, or one gap per key after the first); poll 1 s later."""
    gaps = [gaps_ms] * len(text) if isinstance(gaps_ms, (int, float)) else list(gaps_ms)
    events, t = [], start_ms
    for i, ch in enumerate(text):
        if i:
            t += gaps[i - 1]
        events += parser.feed(ch, t)
    return events, t


def drain(parser, t_ms):
    return parser.poll(t_ms + 10_000)


def scans(events):
    return [e.text for e in events if e.kind == SCAN]


def typed(events):
    return "".join(e.text for e in events if e.kind == TYPED)


def test_fast_burst_ending_in_enter_is_one_scan():
    p = WedgeParser()
    events, t = type_keys(p, "al4R5XyZ\r", 0, 8)
    assert scans(events) == ["al4R5XyZ"]
    assert typed(events) == ""
    assert p.pending == 0


def test_tab_terminator_and_no_terminator_idle_gap():
    p = WedgeParser(idle_flush_ms=100)
    events, t = type_keys(p, "TICKET01\t", 0, 5)
    assert scans(events) == ["TICKET01"]
    events, t = type_keys(p, "TICKET02", 5000, 5)
    assert events == [] and p.pending == 8
    assert p.poll(t + 50) == []  # not quiet long enough yet
    assert scans(p.poll(t + 101)) == ["TICKET02"]


def test_a_key_after_the_idle_gap_ends_the_unterminated_burst():
    p = WedgeParser()
    events, t = type_keys(p, "CODE1234", 0, 6)
    events = p.feed("x", t + 400)
    assert scans(events) == ["CODE1234"]
    assert p.pending == 1


def test_short_burst_is_typed_text_not_a_scan():
    p = WedgeParser(min_length=4)
    events, t = type_keys(p, "ab1\r", 0, 5)
    assert scans(events) == [] and typed(events) == "ab1\r"


def human_gaps(rng, n):
    """A fast typist: ~140 ms per key (log-normal), with rolled-over digraphs and trigraphs
    (one or two 20-34 ms gaps in a row, on about one key in eight)."""
    gaps, short_run = [], 0
    for _ in range(n):
        if short_run < 2 and rng.random() < 0.12:
            gaps.append(rng.uniform(20, 34))
            short_run += 1
        else:
            gaps.append(rng.lognormvariate(4.94, 0.35))
            short_run = 0
    return gaps


def test_human_typing_passes_through_and_is_never_a_scan():
    rng = random.Random(5)
    p = WedgeParser()
    words = "jane doe smith al4R5 1234567 order 998877 kevin o'brien\r"
    text = words * 200
    gaps = human_gaps(rng, len(text))
    events, t = [], 0.0
    for ch, gap in zip(text, gaps):
        t += gap
        events += p.feed(ch, t)
        events += p.poll(t + 1)
    events += drain(p, t)
    assert scans(events) == []
    assert typed(events) == text


def test_a_fast_burst_containing_spaces_is_typed_text():
    p = WedgeParser()
    events, t = type_keys(p, "ane d", 0, 25)
    events += drain(p, t)
    assert scans(events) == [] and typed(events) == "ane d"


def test_held_key_auto_repeat_is_not_a_scan():
    p = WedgeParser()
    events, t = type_keys(p, "aaaaaaaaaaaa", 0, 30)
    events += drain(p, t)
    assert scans(events) == [] and typed(events) == "aaaaaaaaaaaa"


def test_scanner_sending_the_code_twice_gives_one_scan():
    p = WedgeParser()
    events, t = type_keys(p, "AB12CD34\rAB12CD34\r", 0, 4)
    assert scans(events) == ["AB12CD34"]
    events, t = type_keys(p, "ZZ99YY88ZZ99YY88", 5000, 4)  # twice, no terminator
    events += drain(p, t)
    assert scans(events) == ["ZZ99YY88"]


def test_same_code_after_the_duplicate_window_scans_again():
    p = WedgeParser(duplicate_ms=1000)
    a, _ = type_keys(p, "AB12CD34\r", 0, 4)
    b, _ = type_keys(p, "AB12CD34\r", 3000, 4)
    assert scans(a) == scans(b) == ["AB12CD34"]


def test_azerty_digits_are_detected_reported_once_and_translated():
    p = WedgeParser()
    events, t = type_keys(p, "&é\"'(-è_çà\r", 0, 5)  # a Ticketor numeric code on an AZERTY laptop
    kinds = [e.kind for e in events]
    assert kinds == [LAYOUT_WARNING, SCAN]
    assert "French AZERTY" in events[0].text
    assert events[1].text == "1234567890" and events[1].layout == "French AZERTY"
    events, t = type_keys(p, "ql'R(\r", 2000, 5)  # al4R5: a/q swap, 4 -> ', 5 -> (
    assert [e.kind for e in events] == [SCAN]  # warned once per layout
    assert events[0].text == "al4R5"


def test_layout_translation_can_be_switched_off():
    p = WedgeParser(translate_layouts=False)
    events, _ = type_keys(p, "&é\"'(\r", 0, 5)
    assert [e.kind for e in events] == [LAYOUT_WARNING, SCAN]
    assert events[1].text == "&é\"'("


@pytest.mark.parametrize("code", ["AB-CD-EF", "TICKET_ONE", "PR:AB12", "2024-0001"])
def test_real_codes_with_punctuation_are_not_taken_for_a_layout(code):
    p = WedgeParser()
    events, _ = type_keys(p, code + "\r", 0, 5)
    assert [(e.kind, e.text) for e in events] == [(SCAN, code)]


def test_enter_alone_and_slow_enter_are_typed():
    p = WedgeParser()
    assert [(e.kind, e.text) for e in p.feed("\r", 0)] == [(TYPED, "\r")]
    events, t = type_keys(p, "abc", 1000, 200)
    events += p.feed("\r", t + 300)
    assert typed(events) == "abc\r" and scans(events) == []


def test_slow_key_gap_splits_runs_and_next_deadline_tracks_them():
    p = WedgeParser(max_key_gap_ms=35, idle_flush_ms=100)
    assert p.next_deadline() is None
    p.feed("x", 0)
    assert p.next_deadline() == 35
    type_keys(p, "QWER1234", 200, 5)
    assert p.next_deadline() == 200 + 7 * 5 + 100
    assert typed(p.flush(260)) == "" and p.pending == 0


def test_feed_rejects_more_than_one_character():
    with pytest.raises(ValueError):
        WedgeParser().feed("ab", 0)


def test_a_scan_in_the_middle_of_typing_keeps_both_apart():
    p = WedgeParser()
    events, t = type_keys(p, "jo", 0, 150)
    scan_events, t = type_keys(p, "TK-9001\r", t + 400, 7)
    more, t = type_keys(p, "e", t + 600, 150)
    events += scan_events + more + drain(p, t)
    assert scans(events) == ["TK-9001"]
    assert typed(events) == "joe"


def test_key_timeline_keeps_the_keyboards_gaps_however_late_the_keys_are_read():
    from checkin_app.scanning.wedge import KeyTimeline

    line = KeyTimeline()
    assert line.local_ms(900, 4900.5) == 4900.5  # read promptly: sets the clocks' offset
    # Four keys typed 60 ms apart, all read in one go 2 s later (the GUI thread was busy).
    times = [line.local_ms(stamped, 7000 + i * 0.1) for i, stamped in enumerate((1000, 1060, 1120, 1180))]
    assert [round(b - a, 3) for a, b in zip(times, times[1:])] == [60, 60, 60]
    assert times[0] == 5000.5  # when the key was pressed, not when it was read
    # A key read sooner than any before refines the offset; a wrapped clock starts it again.
    assert line.local_ms(2000, 6000.2) == 6000.2
    assert line.local_ms(5, 9_000_000) == 9_000_000


def test_a_person_typing_read_in_one_batch_is_typed_text_by_its_own_times():
    from checkin_app.scanning.wedge import KeyTimeline

    p, line = WedgeParser(), KeyTimeline()  # no key read before: the first batch sets the offset
    events = []
    for i, ch in enumerate("sk_live_12"):
        events += p.feed(ch, line.local_ms(1000 + 60 * i, 5000 + i * 0.01, keep_offset=p.pending > 0))
    events += drain(p, 6000)
    assert scans(events) == [] and typed(events) == "sk_live_12"
