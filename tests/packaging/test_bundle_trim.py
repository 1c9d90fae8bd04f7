"""The Linux bundle's trimming (packaging/trim_icu.py, packaging/strip_libs.py) on the real libraries
of this environment's PySide6: Qt behaves the same with the trimmed ICU data, the trim refuses when
something would read what it drops, and a library strip broke is caught before it ships."""
import importlib.util
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import PySide6
import pytest

from tests.paths import ROOT

# Linux only: the trims are build-linux.sh steps, and only Linux's PySide6 carries ICU (and ELF).
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the Linux bundle's trimming")

QT_LIB = Path(PySide6.__file__).parent / "Qt" / "lib"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "packaging" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


trim_icu = _module("trim_icu")
strip_libs = _module("strip_libs")

# What Qt asks ICU for (the functions libQt6Core imports): collation, case mapping with a locale,
# legacy codecs, time-zone names (English: other languages' zone names are dropped on purpose).
PROBE = """
import functools
from PySide6.QtCore import QCollator, QLocale, QStringConverter, QStringDecoder, QTimeZone
words = ["Zoë", "Åsa", "Ärger", "apple", "Öl", "zebra", "Émile", "Łukasz"]
for loc in ("en_GB", "sv_SE", "de_DE", "pl_PL"):
    print(loc, sorted(words, key=functools.cmp_to_key(QCollator(QLocale(loc)).compare)))
print(QLocale("tr_TR").toUpper("istanbul"), QLocale("de_DE").toUpper("straße"))
print(QTimeZone(b"Europe/Berlin").displayName(QTimeZone.TimeType.StandardTime, QTimeZone.NameType.LongName,
                                               QLocale("en_GB")))
print([QStringDecoder(n).isValid() for n in ("Shift_JIS", "windows-1252", "GB18030", "ISO-8859-2")])
print(len(QStringConverter.availableCodecs()))
print(QTimeZone(b"Europe/Berlin").displayName(QTimeZone.TimeType.StandardTime, QTimeZone.NameType.LongName,
                                               QLocale("de_DE")))
"""


def _probe(preload: Path | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    if preload:
        env["LD_PRELOAD"] = str(preload)
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_qt_answers_the_same_with_the_trimmed_icu_data(tmp_path):
    (data,) = [p for p in QT_LIB.glob("libicudata.so*") if not p.is_symlink()]
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    for lib in (data, *QT_LIB.glob("libQt6Core.so*")):
        shutil.copy2(lib, bundle / lib.name)
    assert trim_icu.main(["trim_icu", str(bundle)]) == 0
    trimmed = bundle / data.name
    assert trimmed.stat().st_size < data.stat().st_size * 0.5
    full, cut = _probe(None).splitlines(), _probe(trimmed).splitlines()
    assert "İSTANBUL STRASSE" in full and "Åsa', 'Ärger', 'Öl']" in full[1]  # the probe reads real ICU data
    # German zone names are gone (so the trimmed data is what loaded) and fall back to English...
    assert full[-1] == "Mitteleuropäische Normalzeit" and cut[-1] == "Central European Standard Time"
    # ...and everything else Qt asks ICU for answers exactly as before.
    assert cut[:-1] == full[:-1]


def test_the_trim_refuses_when_a_library_would_read_dropped_data():
    assert trim_icu.blockers({"ucol_open", "u_strToUpper", "ucnv_open"}) == []
    assert trim_icu.blockers({"ucol_open", "ubrk_open"}) == ["ubrk_open reads brkitr/"]
    assert trim_icu.dropped("zone/de.res") and not trim_icu.dropped("zone/en_GB.res")
    assert not trim_icu.dropped("coll/sv.res") and not trim_icu.dropped("ibm-943_P15A-2003.cnv")


def test_a_library_whose_load_segments_strip_misaligned_is_caught(tmp_path):
    (core,) = [p for p in QT_LIB.glob("libQt6Core.so*") if not p.is_symlink()]
    good = tmp_path / "good.so"
    shutil.copy2(core, good)
    assert strip_libs.loadable(good)
    data = bytearray(good.read_bytes())
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):  # shift the second PT_LOAD's file offset by 8 bytes, as a bad rewrite would
        at = phoff + i * phentsize
        if struct.unpack_from("<I", data, at)[0] == strip_libs.PT_LOAD and i > 0:
            offset, = struct.unpack_from("<Q", data, at + 8)
            struct.pack_into("<Q", data, at + 8, offset + 8)
            break
    bad = tmp_path / "bad.so"
    bad.write_bytes(data)
    assert not strip_libs.loadable(bad)
