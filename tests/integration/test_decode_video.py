"""A recorded (generated) video of tickets decodes to exactly its codes, in order: pipeline and CLI."""
import json

import cv2
import pytest

from checkin_app.scanning import formats as fmt
from checkin_app.scanning.files import decode_file
from checkin_app.scanning.synth import ticket_frame, write_ticket_video
from tests.helpers.cli import run_cli

CODES = ["al4R5", "TKT-000123", "9780201379624", "Zx-77-q", "al4R5b", "ORDER#55/1"]


def decode_cli(*args):
    return run_cli(None, "decode", *args)


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("videos")
    return {
        "qr.mp4": write_ticket_video(folder / "qr.mp4", CODES, fps=15, seed=1),
        "c128.avi": write_ticket_video(folder / "c128.avi", CODES, fps=15, symbology=fmt.CODE128, seed=2),
    }


@pytest.mark.parametrize("name, symbology", [("qr.mp4", fmt.QR), ("c128.avi", fmt.CODE128)])
def test_pipeline_reads_the_video_codes_in_order(videos, name, symbology):
    report = decode_file(videos[name])
    assert [c["code"] for c in report.codes] == CODES
    assert {c["symbology"] for c in report.codes} == {symbology}
    frames = [c["frame"] for c in report.codes]
    assert frames == sorted(frames) and report.frames == len(CODES) * 10 + 4


def test_cli_json_on_a_video_and_an_image(videos, tmp_path):
    image = tmp_path / "door.png"
    cv2.imwrite(str(image), ticket_frame("IMG-0042", fmt.CODE128, seed=4))
    proc = decode_cli(videos["qr.mp4"], image, "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    video, still = doc["files"]
    assert [c["code"] for c in video["codes"]] == CODES and video["kind"] == "video"
    assert still["kind"] == "image" and [(c["code"], c["symbology"]) for c in still["codes"]] == [("IMG-0042", fmt.CODE128)]
    corners = still["codes"][0]["position"]
    assert len(corners) == 4 and all(0 <= x < 1280 and 0 <= y < 720 for x, y in corners)
    assert still["codes"][0]["ms"] > 0 and doc["failed"] == []


def test_cli_text_output_lists_codes(videos):
    proc = decode_cli(videos["c128.avi"])
    assert proc.returncode == 0, proc.stderr
    assert [line.split()[2] for line in proc.stdout.splitlines()] == CODES


def test_unreadable_file_is_one_line_and_exit_2(videos, tmp_path):
    bad = tmp_path / "ticket.png"
    bad.write_text("not an image")
    proc = decode_cli(bad, videos["qr.mp4"])
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"error: {bad}: not an image this build can read"]
    assert len(proc.stdout.splitlines()) == len(CODES)  # the good file is still decoded
    missing = decode_cli(tmp_path / "nope.mp4", "--json")
    assert missing.returncode == 2 and json.loads(missing.stdout)["failed"][0]["error"].endswith("no such file")


def test_pyzbar_decoder_can_be_chosen(tmp_path):
    image = tmp_path / "door.png"
    cv2.imwrite(str(image), ticket_frame("ZBAR-1", fmt.QR, seed=6))
    proc = decode_cli(image, "--decoder", "pyzbar", "--symbology", "qr", "--json")
    assert proc.returncode == 0, proc.stderr
    assert [c["code"] for c in json.loads(proc.stdout)["files"][0]["codes"]] == ["ZBAR-1"]
    assert "warning" not in proc.stderr  # libzbar0 is installed by scripts/setup: no fallback
