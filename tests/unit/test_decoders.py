"""Decoders and symbology restriction on rendered codes."""
import logging

import cv2
import numpy as np
import pytest

from checkin_app.errors import ConfigError
from checkin_app.scanning import decoders
from checkin_app.scanning import formats as fmt
from checkin_app.scanning.decoders import PyzbarDecoder, ZxingDecoder, make_decoder, zxing_formats
from checkin_app.scanning.synth import code128_image, qr_image


def on_canvas(symbol, at=(100, 80)):
    canvas = np.full((720, 1280), 230, dtype=np.uint8)
    y, x = at
    canvas[y:y + symbol.shape[0], x:x + symbol.shape[1]] = symbol
    return canvas


@pytest.mark.parametrize("make", [ZxingDecoder, PyzbarDecoder])
def test_both_decoders_read_qr_and_code128_with_positions(make):
    frame = on_canvas(qr_image("QR-abc-123", module_px=6), at=(100, 80))
    frame[500:610, 600:600 + code128_image("C128xY9", module_px=3).shape[1]] = code128_image("C128xY9", module_px=3)
    reads = {r.text: r for r in make().decode(frame)}
    assert reads["QR-abc-123"].symbology == fmt.QR
    assert reads["C128xY9"].symbology == fmt.CODE128
    xs = [p[0] for p in reads["QR-abc-123"].position]
    ys = [p[1] for p in reads["QR-abc-123"].position]
    assert 70 <= min(xs) and max(xs) <= 80 + 300 and 90 <= min(ys)


def test_restricting_symbologies_drops_other_codes():
    frame = on_canvas(qr_image("ONLY-QR", module_px=6))
    assert [r.text for r in ZxingDecoder({fmt.CODE128}).decode(frame)] == []
    assert [r.text for r in ZxingDecoder({fmt.QR}).decode(frame)] == ["ONLY-QR"]


def test_several_codes_in_one_frame():
    frame = np.full((720, 1280), 230, dtype=np.uint8)
    for i, x in enumerate((40, 460, 880)):
        q = qr_image(f"MULTI-{i}", module_px=5)
        frame[200:200 + q.shape[0], x:x + q.shape[1]] = q
    assert sorted(r.text for r in make_decoder().decode(frame)) == ["MULTI-0", "MULTI-1", "MULTI-2"]


def test_pyzbar_without_libzbar_falls_back_to_zxing_and_says_so(monkeypatch, caplog):
    def no_zbar(self, symbologies=fmt.ALL):
        raise ConfigError("pyzbar cannot load the zbar library (Unable to find zbar shared library); install libzbar0")

    monkeypatch.setattr(PyzbarDecoder, "__init__", no_zbar)  # libzbar0 is installed here: simulate its absence
    with caplog.at_level(logging.WARNING, logger=decoders.__name__):
        decoder = make_decoder("pyzbar")
    assert isinstance(decoder, ZxingDecoder)
    assert "install libzbar0" in decoder.fallback_reason and "zxing-cpp instead" in decoder.fallback_reason
    assert "libzbar0" in caplog.text


def test_unknown_decoder_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown decoder"):
        make_decoder("tesseract")


def test_formats_for_providers_and_parse():
    assert fmt.for_providers(["tickettailor"]) == {fmt.QR, fmt.CODE128}
    assert fmt.for_providers([]) == fmt.ALL
    assert fmt.for_providers(["someday-provider"]) == fmt.ALL
    assert fmt.PDF417 in fmt.for_providers(["tickettailor", "oneticket"])
    assert fmt.parse(["qrcode", "EAN", "code128"]) == {fmt.QR, fmt.EAN_UPC, fmt.CODE128}
    with pytest.raises(ConfigError):
        fmt.parse(["morse"])


def test_zxing_reads_the_other_ticket_symbologies():
    import zxingcpp

    for zx_format, ours, text in ((zxingcpp.BarcodeFormat.Aztec, fmt.AZTEC, "AZ-123"),
                                  (zxingcpp.BarcodeFormat.PDF417, fmt.PDF417, "PDF-417-X"),
                                  (zxingcpp.BarcodeFormat.DataMatrix, fmt.DATAMATRIX, "DM-55"),
                                  (zxingcpp.BarcodeFormat.Code39, fmt.CODE39, "C39-ABC"),
                                  (zxingcpp.BarcodeFormat.ITF, fmt.ITF, "12345678"),
                                  (zxingcpp.BarcodeFormat.EAN13, fmt.EAN_UPC, "4006381333931")):
        img = np.asarray(zxingcpp.write_barcode_to_image(zxingcpp.create_barcode(text, zx_format), scale=4))
        img = cv2.copyMakeBorder(img, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=255)
        reads = ZxingDecoder().decode(on_canvas(img))
        assert [(r.text, r.symbology) for r in reads] == [(text, ours)], zx_format


@pytest.mark.parametrize("code", ["992528125912", "99", "123", "al4R5", "ORDER#55/1", "0000000001"])
def test_synth_code128_encodes_exactly_what_it_is_given(code):
    # python-barcode's own encoder drops a leading "99" in code set C; ours must not.
    frame = on_canvas(np.pad(code128_image(code), 20, constant_values=255))
    assert [(r.text, r.symbology) for r in ZxingDecoder().decode(frame)] == [(code, fmt.CODE128)]
    assert [r.text for r in PyzbarDecoder().decode(frame)] == [code]


def test_the_doors_formats_leave_out_the_family_members_no_ticket_uses():
    # zxing-cpp 3 reads Micro QR and rMQR under "QRCode" and runes under "Aztec"; a Micro QR is
    # what plain zxing-cpp read out of phone glare. MicroPDF417 (Reed-Solomon, like PDF417) is kept.
    import zxingcpp

    F = zxingcpp.BarcodeFormat
    cases = ((F.MicroQRCode, "12", []), (F.RMQRCode, "HELLO", []), (F.AztecRune, "25", []),
             (F.MicroPDF417, "HELLO", [("HELLO", fmt.PDF417)]), (F.QRCode, "QQ-1", [("QQ-1", fmt.QR)]))
    for zx_format, text, expected in cases:
        img = np.asarray(zxingcpp.write_barcode_to_image(zxingcpp.create_barcode(text, zx_format), scale=4))
        frame = on_canvas(cv2.copyMakeBorder(img, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=255))
        assert [(r.text, r.symbology) for r in ZxingDecoder().decode_full(frame)] == expected, zx_format
        plain = zxingcpp.read_barcodes(frame, formats=zxing_formats())
        assert [b.text for b in plain] == [t for t, _ in expected], zx_format  # the superset's baseline agrees
