"""The frame-to-scan pipeline on generated frames: passes, confirmation, repeat window, rejection."""
import cv2
import numpy as np

from checkin_app.scanning import formats as fmt
from checkin_app.scanning.decoders import Read, ZxingDecoder
from checkin_app.scanning.pipeline import Confirmer, ScanPipeline, accept
from checkin_app.scanning.synth import qr_image, ticket_card, ticket_frame, ticket_frames


class ScriptedDecoder:
    """Returns canned reads per call (to test the pipeline's logic apart from decoding)."""

    name = "scripted"

    def __init__(self, *answers):
        self.answers, self.calls = list(answers), []

    def decode(self, gray):
        self.calls.append(gray.shape)
        return self.answers.pop(0) if self.answers else []


def test_second_pass_runs_only_when_the_first_pass_found_nothing():
    hit = ScriptedDecoder([Read("ABC123", fmt.QR)])
    result = ScanPipeline(hit).read(np.zeros((720, 1280, 3), np.uint8))
    assert len(hit.calls) == 1 and not result.second_pass and result.rescue is None

    miss = ScriptedDecoder([], [], [Read("ABC123", fmt.QR, ((10, 10), (20, 10), (20, 20), (10, 20)))])
    result = ScanPipeline(miss).read(np.zeros((720, 1280), np.uint8))
    assert result.second_pass and result.rescue == "blur" and len(miss.calls) == 3
    assert [r.text for r in result.reads] == ["ABC123"]


def test_a_rescue_on_a_resized_image_reports_frame_coordinates():
    half = ScriptedDecoder([], [], [], [Read("XYZ789", fmt.QR, ((10, 10), (20, 10), (20, 20), (10, 20)))])
    result = ScanPipeline(half).read(np.zeros((720, 1280), np.uint8))
    assert result.rescue == "half"
    assert half.calls[3] == (360, 640)
    assert result.reads[0].position == ((20, 20), (40, 20), (40, 40), (20, 40))


def test_no_rescue_when_switched_off():
    miss = ScriptedDecoder()
    result = ScanPipeline(miss, rescue=False).read(np.zeros((720, 1280), np.uint8))
    assert len(miss.calls) == 1 and not result.second_pass


def test_reads_that_cannot_be_ticket_codes_are_dropped():
    reads = [Read("", fmt.QR), Read("\r\n", fmt.CODE128), Read("x" * 600, fmt.QR), Read("]Q1GOOD01\r", fmt.QR),
             Read("GOOD01", fmt.QR), Read("5012345678900", fmt.EAN_UPC)]
    assert [(r.text, r.symbology) for r in accept(reads, frozenset({fmt.QR, fmt.CODE128}))] == [("GOOD01", fmt.QR)]


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
