"""Real camera photos (`tests/fixtures/real-photos/`): the pipeline never reads less than plain zxing-cpp.

Issue 15: for every image, the texts the pipeline reads include every text that
`zxingcpp.read_barcodes(gray)` reads with the door's formats (all ticket symbologies here),
compared as the set's README says; and photos with no barcode give nothing.
"""
import pytest

from checkin_app.domain.codes import normalise
from checkin_app.errors import InvalidCode
from checkin_app.scanning.pipeline import ScanPipeline
from tests.helpers.real_photos import has_no_code, key, photos, plain_zxing

PHOTOS = [p for p in photos() if p.gray is not None]


def door_key(text):
    try:
        return key(normalise(text))
    except InvalidCode:
        return key(text) or None  # an empty read carries no code; an over-long one is passed on whole


def plain_keys(photo):
    return {k for k in map(door_key, plain_zxing(photo.gray)) if k}


def test_the_development_set_is_there_and_plain_zxing_reads_most_of_it():
    # Guards the tests below against passing on an empty or unreadable set.
    assert len(PHOTOS) >= 170
    assert sum(bool(plain_keys(p)) for p in PHOTOS) >= 140


@pytest.mark.parametrize("mode", ["still", "first stream frame"])
def test_every_real_photo_gives_at_least_what_plain_zxing_cpp_reads(mode):
    still = ScanPipeline()
    short = []
    for photo in PHOTOS:
        result = still.read(photo.gray) if mode == "still" else ScanPipeline().process(photo.gray, 0.0)
        missing = plain_keys(photo) - {key(r.text) for r in result.reads}
        if missing:
            short.append((f"{photo.group}/{photo.path.name}", sorted(m[:40] for m in missing)))
    assert short == []


def test_real_photos_without_a_code_give_nothing():
    pipeline = ScanPipeline()
    empty = [p for p in PHOTOS if has_no_code(p.group)]
    assert len(empty) >= 15
    assert {f"{p.path.name}": [r.text for r in pipeline.read(p.gray).reads] for p in empty} == {p.path.name: [] for p in empty}
