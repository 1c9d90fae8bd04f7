"""Each symbology's own check for rescued reads (issue 15 item 2), with zxing-cpp's encoder as the oracle."""
import random

import numpy as np
import pytest
import zxingcpp

from checkin_app.scanning import formats as fmt
from checkin_app.scanning.checks import gs1_check_digit_ok, passes_own_check, upc_e_to_upc_a
from checkin_app.scanning.decoders import Read
from checkin_app.scanning.pipeline import ScanPipeline
from tests.unit.test_scan_pipeline import BOX, ScriptedDecoder

F = zxingcpp.BarcodeFormat


@pytest.mark.parametrize("zx_format, body_len", [(F.EAN13, 12), (F.EAN8, 7), (F.UPCA, 11)])
def test_gs1_check_digit_agrees_with_the_encoder_and_catches_every_single_digit_error(zx_format, body_len):
    rng = random.Random(15)
    for _ in range(40):
        body = "".join(rng.choice("0123456789") for _ in range(body_len))
        full = zxingcpp.create_barcode(body, zx_format).text[-(body_len + 1):]  # the encoder adds the check digit
        assert passes_own_check(fmt.EAN_UPC, full), full
        pos = rng.randrange(len(full))
        wrong = full[:pos] + str((int(full[pos]) + rng.randrange(1, 10)) % 10) + full[pos + 1:]
        assert not passes_own_check(fmt.EAN_UPC, wrong), wrong


def test_upc_e_expands_as_the_decoder_does():
    # zxing-cpp reads a UPC-E symbol as its expanded number; zbar and scanners give 8 digits.
    expanded = zxingcpp.create_barcode("0123456", F.UPCE).text  # "0012345000065"
    assert upc_e_to_upc_a("01234565") == expanded[1:]
    assert gs1_check_digit_ok(expanded[1:])
    assert passes_own_check(fmt.EAN_UPC, "01234565", "UPC-E") and passes_own_check(fmt.EAN_UPC, "01234565", "UPCE")
    assert not passes_own_check(fmt.EAN_UPC, "01234575", "UPC-E")


def test_itf_needs_the_gs1_check_digit_and_code39_has_no_check():
    assert passes_own_check(fmt.ITF, "15400141288763")  # an ITF-14 (GS1 example)
    assert not passes_own_check(fmt.ITF, "15400141288764")
    assert not passes_own_check(fmt.ITF, "1540014128876")  # odd length: not ITF
    assert not passes_own_check(fmt.CODE39, "ANYTHING")
    for symbology in (fmt.QR, fmt.PDF417, fmt.AZTEC, fmt.DATAMATRIX, fmt.CODE128):
        assert passes_own_check(symbology, "x")  # the decoder verified Reed-Solomon or the check character


def test_a_rescued_read_failing_its_check_is_dropped_and_the_next_step_tried():
    frame = np.zeros((720, 1280), np.uint8)
    bad, good = Read("5012345678901", fmt.EAN_UPC, BOX), Read("5012345678900", fmt.EAN_UPC, BOX)
    decoder = ScriptedDecoder([], [], [bad], [good])  # full read, cheap pass, sharpen-strong, half
    result = ScanPipeline(decoder).read(frame)
    assert [r.text for r in result.reads] == ["5012345678900"] and result.rescue == "half"


def test_a_rescued_code39_is_dropped_from_a_still_and_needs_two_frames_on_a_stream():
    frame = np.zeros((720, 1280), np.uint8)
    c39 = Read("DOOR39", fmt.CODE39, BOX)
    assert ScanPipeline(ScriptedDecoder([], *[[c39]] * 9)).read(frame).reads == []
    pipeline = ScanPipeline(ScriptedDecoder([], [], [c39], [], [], [c39]), rescue_interval_s=0.0)
    first = pipeline.process(frame, 0.0)  # cheap pass, full read, sharpen-strong: rescued, not confirmed
    assert [r.text for r in first.reads] == ["DOOR39"] and first.scans == []
    second = pipeline.process(frame + 1, 0.1)  # another frame agrees
    assert [s.code for s in second.scans] == ["DOOR39"]
