"""`checkin-app badge CODE --output FILE.pdf`: the printed badge read back as people and scanners
read it: its text (pdftotext) and its QR code, decoded by the app's own decoder from the page
rendered at a printer's resolution (pdftoppm, 300 dpi)."""
import json

import pytest

from checkin_app.scanning.files import decode_file
from tests.factories import seeded_store
from tests.helpers import pdf
from tests.helpers.cli import run_cli


def _dir(tmp_path):
    seeded_store(tmp_path / "door").close()
    return tmp_path / "door"


def _decoded(path, tmp_path):
    return [c["code"] for c in decode_file(pdf.render(path, tmp_path)).codes]


def test_badge_pdf_has_name_type_event_and_a_qr_that_scans_back_to_the_code(tmp_path):
    data_dir, out = _dir(tmp_path), tmp_path / "ada.pdf"
    # A child process with no display at all: the command draws offscreen by itself.
    result = run_cli(data_dir, "badge", "al4R5", "--output", out, "--json", process=True,
                     env={"DISPLAY": "", "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": ""}, check=0)
    assert json.loads(result.stdout)["printed_to"] == str(out)
    text = pdf.text(out)
    for words in ("Ada Lovelace", "GA", "Night one", "al4R5"):
        assert words in text, text
    assert pdf.pages(out) == 1
    assert pdf.page_size_mm(out) == pytest.approx((100, 70), abs=0.5)  # the template's size (whole points), not A4
    assert _decoded(out, tmp_path) == ["al4R5"]  # case kept: AL4R5 is somebody else


def test_a_long_name_is_printed_whole_and_the_code_still_scans(tmp_path):
    data_dir = _dir(tmp_path)
    run_cli(data_dir, "issue", "--event", "ev_1", "--name", "Maria Aurelia Konstantinopoulou-Vanderbilt", check=0)
    code = json.loads(run_cli(data_dir, "search", "Konstantinopoulou", "--json", check=0).stdout)["results"][0]["code"]
    out = tmp_path / "long.pdf"
    run_cli(data_dir, "badge", code, "--output", out, check=0)
    assert "Maria Aurelia Konstantinopoulou-Vanderbilt" in pdf.text(out).replace("- ", "-")
    assert _decoded(out, tmp_path) == [code]


def test_a_void_ticket_or_a_product_gets_no_badge_and_no_file(tmp_path):
    data_dir = _dir(tmp_path)
    for code, words in (("VOIDED1", "is void"), ("PR:BG3IXCQIRV", "not an admission ticket")):
        out = tmp_path / f"{code[:2]}.pdf"
        result = run_cli(data_dir, "badge", code, "--output", out, check=2)
        assert words in result.stderr and "no badge" in result.stderr
        assert not out.exists()
    assert "no ticket with code" in run_cli(data_dir, "badge", "NOPE", "--output", tmp_path / "n.pdf", check=2).stderr


def test_a_venue_template_in_the_data_dir_changes_the_badge_and_a_broken_one_is_refused(tmp_path):
    data_dir = _dir(tmp_path)
    (data_dir / "badge.json").write_text(json.dumps({"size_mm": [54, 86], "items": [
        {"kind": "text", "text": "WELCOME {name}", "box_mm": [4, 4, 46, 20], "wrap": True},
        {"kind": "qr", "data": "{code}", "box_mm": [4, 30, 46, 46]}]}), encoding="utf-8")
    out = tmp_path / "own.pdf"
    run_cli(data_dir, "badge", "R59xesv", "--output", out, check=0)
    assert "WELCOME Joe Griffiths" in pdf.text(out)
    assert "Night one" not in pdf.text(out)
    assert pdf.page_size_mm(out) == pytest.approx((54, 86), abs=0.5)
    assert _decoded(out, tmp_path) == ["R59xesv"]
    (data_dir / "badge.json").write_text('{"size_mm": [54, 86], "items": [{"kind": "logo"}]}', encoding="utf-8")
    result = run_cli(data_dir, "badge", "R59xesv", "--output", tmp_path / "x.pdf", check=2)
    assert "badge.json" in result.stderr and "kind 'logo'" in result.stderr


def test_badge_names_a_printer_or_a_file(tmp_path):
    data_dir = _dir(tmp_path)
    assert "--output FILE.pdf or --printer NAME" in run_cli(data_dir, "badge", "al4R5", check=2).stderr
    result = run_cli(data_dir, "badge", "al4R5", "--printer", "No Such Printer", check=2)
    assert "no printer called 'No Such Printer'" in result.stderr
