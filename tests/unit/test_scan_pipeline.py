"""The frame-to-scan pipeline on generated frames: passes, confirmation, repeat window, rejection."""
import cv2
import numpy as np

from checkin_app.scanning import formats as fmt
from checkin_app.scanning import rescue
from checkin_app.scanning.decoders import Read, ZxingDecoder
from checkin_app.scanning.pipeline import Confirmer, ScanPipeline, accept, to_gray
from checkin_app.scanning.synth import (code128_image, door_background, matrix_image, place, qr_image, ticket_card,
                                        ticket_frame, ticket_frames)


class ScriptedDecoder:
    """Returns canned reads per call (to test the pipeline's logic apart from decoding)."""

    name = "scripted"
    searches_inverted = True

    def __init__(self, *answers):
        self.answers, self.calls = list(answers), []

    def decode(self, gray, fast=False, unreadable=False):
        self.calls.append((gray.shape, "fast" if fast else "first"))
        return self.answers.pop(0) if self.answers else []

    def decode_full(self, gray):
        self.calls.append((gray.shape, "full"))
        return self.answers.pop(0) if self.answers else []


BOX = ((10, 10), (20, 10), (20, 20), (10, 20))


def test_a_still_image_gets_the_full_read_then_rescue_only_when_it_read_nothing():
    hit = ScriptedDecoder([Read("ABC123", fmt.QR)])
    result = ScanPipeline(hit).read(np.zeros((720, 1280, 3), np.uint8))
    assert hit.calls == [((720, 1280), "full")] and result.full_read and not result.second_pass
    assert result.rescue is None

    # full read, the cheap pass for symbols it found but could not read, sharpen-strong, half
    miss = ScriptedDecoder([], [], [], [Read("ABC123", fmt.QR, BOX)])
    result = ScanPipeline(miss).read(np.zeros((720, 1280), np.uint8))
    assert result.second_pass and result.rescue == "half"
    assert miss.calls == [((720, 1280), "full"), ((720, 1280), "first"), ((720, 1280), "fast"), ((360, 640), "fast")]
    # Read on the half-size image: reported in frame pixels.
    assert result.reads[0].position == ((20, 20), (40, 20), (40, 40), (20, 40))


def test_a_stream_frame_gets_the_full_read_before_any_rescue_when_the_cheap_pass_read_nothing():
    hit = ScriptedDecoder([Read("ABC123", fmt.QR)])
    assert [r.text for r in ScanPipeline(hit).process(np.zeros((720, 1280), np.uint8), 0.0).reads] == ["ABC123"]
    assert hit.calls == [((720, 1280), "first")]  # the cheap pass read it: nothing more

    full = ScriptedDecoder([], [Read("DENSE-QR", fmt.QR)])
    result = ScanPipeline(full).process(np.zeros((720, 1280), np.uint8), 0.0)
    assert [r.text for r in result.reads] == ["DENSE-QR"] and result.full_read and not result.second_pass
    assert full.calls == [((720, 1280), "first"), ((720, 1280), "full")]


def test_a_symbol_the_cheap_pass_could_not_decode_gets_the_full_read_at_once():
    found = Read("", fmt.QR, BOX, error="ChecksumError")
    decoder = ScriptedDecoder([], [], [], [found], [Read("DENSE-QR", fmt.QR)])
    pipeline = ScanPipeline(decoder, rescue=False)
    assert pipeline.process(np.zeros((720, 1280), np.uint8), 0.0).full_read  # nothing found: full read
    nothing_again = pipeline.process(np.full((720, 1280), 255, np.uint8), 1 / 30)  # within the interval
    assert nothing_again.rescue_skipped and not nothing_again.full_read
    urgent = pipeline.process(np.zeros((720, 1280), np.uint8) + 128, 2 / 30)  # within it too, but a symbol
    assert urgent.unreadable and urgent.full_read and [r.text for r in urgent.reads] == ["DENSE-QR"]


def test_quarter_turn_maps_back_and_is_dropped_without_1d_symbologies():
    turned_read = [Read("UPRIGHT1", fmt.CODE128, ((100, 5), (300, 5), (300, 9), (100, 9)))]
    steps = ScanPipeline(ScriptedDecoder()).rescue_steps
    assert [name for name, _ in steps] == list(rescue.DEFAULT_STEPS)
    answers = [[]] * (len(steps) + 1) + [turned_read]  # full read, cheap pass, the steps before it
    result = ScanPipeline(ScriptedDecoder(*answers), rescue_steps=rescue.DEFAULT_STEPS).read(np.zeros((720, 1280), np.uint8))
    assert result.rescue == "turned"
    assert result.reads[0].position[0] == (5, 719 - 100)  # (x, y) in the turned image -> frame
    assert "turned" not in [n for n, _ in ScanPipeline(ScriptedDecoder(), frozenset({fmt.QR})).rescue_steps]


def test_decoders_without_inversion_get_an_inverted_image_first():
    class NoInvert(ScriptedDecoder):
        searches_inverted = False

    assert ScanPipeline(NoInvert()).rescue_steps[0][0] == "invert"


def test_frames_full_of_undecodable_symbols_jump_the_interval_only_every_other_time():
    class AlwaysFound(ScriptedDecoder):
        def decode(self, gray, fast=False, unreadable=False):
            return [Read("", fmt.QR, BOX, error="ChecksumError")] if unreadable else []

    rng = np.random.default_rng(4)
    scenes = [door_background(rng) for _ in range(9)]
    pipeline = ScanPipeline(AlwaysFound(), rescue=False)
    ran = [pipeline.process(scene, i / 30).full_read for i, scene in enumerate(scenes)]
    assert ran == [True, True, False, True, True, False, True, True, False]  # 2 in 3, never all


def test_a_wide_pdf417_turned_a_few_degrees_is_read_by_deskewing_the_symbol_found():
    # zxing-cpp finds the symbol but loses its rows once it is turned (issue 15: long wallet payloads).
    payload = "v1.123456789.7." + "Ab3_x-Q9" * 40
    frame = np.full((720, 1280, 3), 190, np.uint8)
    place(frame, matrix_image(payload, fmt.PDF417, 3), (640, 360), 900, rotate_deg=6)
    assert payload not in [r.text for r in ZxingDecoder().decode_full(to_gray(frame))]  # plain: lost
    result = ScanPipeline().read(frame)
    assert [r.text for r in result.reads] == [payload] and result.rescue == "deskew"
    xs = [p[0] for p in result.reads[0].position]
    assert 150 < min(xs) and max(xs) < 1130  # mapped back into the frame, around the symbol


def test_a_found_symbol_with_corners_off_the_frame_is_skipped_not_a_crash():
    # Seen in the bench: zxing-cpp reported an unreadable symbol whose corners lay outside the image.
    for quad in (((-50, -40), (-10, -40), (-10, -5), (-50, -5)), ((1300, 10), (1400, 10), (1400, 60), (1300, 60)),
                 ((5, 5), (5, 5), (5, 5), (5, 5))):
        class FoundOffFrame(ZxingDecoder):  # zxing-cpp for every read, but reporting that symbol
            def decode(self, gray, fast=False, unreadable=False):
                found = [Read("", fmt.PDF417, quad, error="FormatError")] if unreadable else []
                return found + super().decode(gray, fast)

        result = ScanPipeline(FoundOffFrame()).read(np.zeros((720, 1280), np.uint8))
        assert result.reads == [] and result.second_pass


def test_no_rescue_when_switched_off_but_still_the_full_read():
    miss = ScriptedDecoder()
    result = ScanPipeline(miss, rescue=False).read(np.zeros((720, 1280), np.uint8))
    assert miss.calls == [((720, 1280), "full")] and not result.second_pass


def test_an_idle_scene_skips_the_second_pass_until_it_changes():
    rng = np.random.default_rng(1)
    wall = door_background(rng)
    decoder = ScriptedDecoder()
    pipeline = ScanPipeline(decoder)
    steps = len(pipeline.rescue_steps)

    def noisy(frame):
        return np.clip(frame + rng.normal(0, 3, frame.shape), 0, 255).astype(np.uint8)

    first = pipeline.process(noisy(wall), 0.0)
    assert first.second_pass and len(decoder.calls) == 2 + steps  # cheap pass, full read, rescue steps
    idle = [pipeline.process(noisy(wall), i / 30) for i in range(1, 10)]
    assert all(r.rescue_skipped and not r.second_pass and not r.full_read for r in idle)
    assert len(decoder.calls) == 2 + steps + 9  # cheap passes only
    small_phone = noisy(wall)
    cv2.rectangle(small_phone, (900, 300), (950, 390), (20, 20, 20), -1)  # 50 px: far away
    assert pipeline.process(small_phone, 1.0).second_pass
    assert pipeline.read(noisy(wall)).second_pass  # read() alone never skips (bench, files)


def test_1d_reads_with_bars_right_outside_are_pieces_of_a_longer_code():
    bars = code128_image("LONGER-CODE-0042", module_px=3)
    image = np.full((200, bars.shape[1] + 100), 255, np.uint8)
    image[40:40 + bars.shape[0], 50:50 + bars.shape[1]] = bars
    full = ((50 + 36, 60), (50 + bars.shape[1] - 36, 60), (50 + bars.shape[1] - 36, 100), (50 + 36, 100))
    assert rescue.quiet_zones_clear(image, full)
    tail = ((250, 60), full[1], full[2], (250, 100))  # starts in the middle of the bars
    assert not rescue.quiet_zones_clear(image, tail)


def test_reads_that_cannot_be_ticket_codes_are_dropped():
    reads = [Read("", fmt.QR), Read("\r\n", fmt.CODE128), Read("]Q1GOOD01\r", fmt.QR),
             Read("GOOD01", fmt.QR), Read("5012345678900", fmt.EAN_UPC), Read("", fmt.QR, error="ChecksumError")]
    assert [(r.text, r.symbology) for r in accept(reads, frozenset({fmt.QR, fmt.CODE128}))] == [("GOOD01", fmt.QR)]


def test_a_code_longer_than_any_ticket_is_passed_on_for_the_door_to_refuse():
    # The library read it; dropping it would leave the door silent. The check-in service refuses
    # it ("code too long"), which the door shows as unreadable.
    assert [r.text for r in accept([Read("x" * 600, fmt.QR)], frozenset({fmt.QR}))] == ["x" * 600]


def test_self_checking_codes_confirm_at_once_and_repeats_are_suppressed():
    c = Confirmer(repeat_window_s=2.0)
    qr = [Read("T1", fmt.QR)]
    assert [s.code for s in c.feed(qr, 0.0, 0)] == ["T1"]
    held = [c.feed(qr, t / 10, t) for t in range(1, 60)]  # held up for six seconds: still one scan
    assert not any(held)
    assert c.feed([], 7.0, 70) == []
    assert [s.code for s in c.feed(qr, 8.1, 81)] == ["T1"]  # shown again after the window


def test_code39_and_itf_need_a_second_frame_within_the_confirm_window():
    c = Confirmer(confirm_window_s=1.0)
    itf = [Read("12345678", fmt.ITF)]
    assert c.feed(itf, 0.0, 0) == []
    assert c.feed(itf, 0.0, 0) == []  # the same frame twice does not count
    assert [s.code for s in c.feed(itf, 0.1, 1)] == ["12345678"]
    c39 = [Read("C39", fmt.CODE39)]
    assert c.feed(c39, 5.0, 50) == []
    assert c.feed(c39, 6.5, 65) == []  # too late: starts over
    assert [s.symbology for s in c.feed(c39, 6.6, 66)] == [fmt.CODE39]


def test_generated_frames_give_each_code_once_in_order_with_timing():
    codes = ["A-1001", "B-2002", "C-3003", "A-1001"]
    pipeline = ScanPipeline(repeat_window_s=0.2)
    scans, results = [], []
    for i, frame in enumerate(ticket_frames(codes, hold=5, gap=8)):
        result = pipeline.process(frame, t=i / 30)
        results.append(result)
        scans += [s.code for s in result.scans]
    assert scans == codes  # the repeat window (0.2 s) is shorter than the 8 empty frames between
    assert all(r.ms > 0 for r in results)
    assert [r.index for r in results] == list(range(len(results)))


def test_several_codes_in_one_frame_become_several_scans():
    frame = np.full((720, 1280, 3), 200, np.uint8)
    for i, x in enumerate((60, 480, 900)):
        card = cv2.cvtColor(ticket_card(f"SEAT-{i}", scale=5), cv2.COLOR_GRAY2BGR)
        frame[100:100 + card.shape[0], x:x + card.shape[1]] = card
    result = ScanPipeline().process(frame, 0.0)
    assert sorted(s.code for s in result.scans) == ["SEAT-0", "SEAT-1", "SEAT-2"]


def test_dark_mode_inverted_qr_is_read_by_the_pipeline():
    inverted = 255 - qr_image("DARK-MODE-1", module_px=6)
    frame = np.full((720, 1280), 20, np.uint8)
    frame[200:200 + inverted.shape[0], 400:400 + inverted.shape[1]] = inverted
    assert [s.code for s in ScanPipeline().process(frame, 0.0).scans] == ["DARK-MODE-1"]


def test_restricted_pipeline_ignores_other_symbologies():
    frame = ticket_frame("ONLY-1D", fmt.CODE128, seed=3)
    assert [s.code for s in ScanPipeline(symbologies=frozenset({fmt.QR})).process(frame, 0).scans] == []
    assert [s.code for s in ScanPipeline(ZxingDecoder({fmt.CODE128}), frozenset({fmt.CODE128})).process(frame, 0).scans] == ["ONLY-1D"]


def test_an_upright_code128_is_read_by_the_full_read_on_a_still_and_on_a_stream():
    card = ticket_card("UPRIGHT-77", fmt.CODE128)
    frame = np.full((720, 1280), 180, np.uint8)
    upright = cv2.rotate(card, cv2.ROTATE_90_COUNTERCLOCKWISE)
    frame[50:50 + upright.shape[0], 500:500 + upright.shape[1]] = upright
    for result in (ScanPipeline().read(frame), ScanPipeline().process(frame, 0.0)):
        assert [(r.text, result.full_read, result.rescue) for r in result.reads] == [("UPRIGHT-77", True, None)]
        xs = [p[0] for p in result.reads[0].position]
        assert all(500 <= x <= 500 + upright.shape[1] for x in xs)


def test_a_busy_scene_gets_the_second_pass_at_most_every_other_frame_at_30_fps():
    rng = np.random.default_rng(2)
    scenes = [door_background(rng) for _ in range(6)]  # people passing: every frame differs
    pipeline = ScanPipeline(ScriptedDecoder())
    results = [pipeline.process(scene, i / 30) for i, scene in enumerate(scenes)]
    assert [r.second_pass for r in results] == [True, False, True, False, True, False]
    assert [r.rescue_skipped for r in results] == [False, True, False, True, False, True]
    slow = ScanPipeline(ScriptedDecoder())
    assert all(slow.process(scene, i / 10).second_pass for i, scene in enumerate(scenes))  # 10 fps: every frame
