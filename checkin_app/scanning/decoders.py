"""Decoders behind one interface: zxing-cpp (default) and pyzbar (selectable).

A decoder takes one 8-bit grayscale frame and returns every code it read, with the symbology in
our names (`scanning.formats`) and the corner points in frame pixels. pyzbar needs the system
library libzbar; when it is missing `make_decoder("pyzbar")` says so (log + `fallback_reason`)
and returns the zxing-cpp decoder instead of failing the camera.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import zxingcpp

from checkin_app.errors import ConfigError
from checkin_app.scanning import formats as fmt

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Read:
    """One code found in one frame.

    Args:
        text: the decoded text, as the decoder gave it (normalised later by the pipeline).
        symbology: our symbology name (`formats.QR`, ...).
        position: corner points (x, y) in frame pixels, clockwise from top-left where known.
        error: empty for a decoded code; otherwise the decoder found a symbol (a finder pattern,
            a start pattern) but could not decode it ("ChecksumError", ...), and `text` means
            nothing. Only `decode(..., unreadable=True)` returns such reads.
        variant: the decoder's own format name where ours groups several ("UPC-E" in EAN/UPC),
            for the symbology's check (`scanning.checks`).
    """

    text: str
    symbology: str
    position: tuple[tuple[int, int], ...] = field(default=())
    error: str = ""
    variant: str = ""

    def to_dict(self) -> dict:
        return {"code": self.text, "symbology": self.symbology, "position": [list(p) for p in self.position]}


class Decoder(Protocol):
    """Anything that reads codes from a grayscale frame.

    Attributes:
        name: "zxing" or "pyzbar".
        searches_inverted: True when the decoder itself tries light-on-dark codes; otherwise
            the pipeline adds an inverted image to its second pass (dark-mode wallets).
    """

    name: str
    searches_inverted: bool

    def decode(self, gray: np.ndarray, fast: bool = False, unreadable: bool = False) -> list[Read]:
        """Every code in `gray` (2-D uint8 array), in no particular order.

        Args:
            gray: the image.
            fast: one plain attempt (no rotation, downscale or inversion search) where the decoder
                has such searches; the pipeline's second pass uses it on prepared images.
            unreadable: also return symbols found but not decoded (`Read.error` set), where the
                decoder can tell; the pipeline uses them to give such a frame the full read.
        """
        ...

    def decode_full(self, gray: np.ndarray) -> list[Read]:
        """What the library reads with its own default search at full resolution (restricted to
        this decoder's symbologies): the baseline the pipeline never falls below. Exactly the
        plain call: asking zxing-cpp for unreadable symbols too changes what it returns (seen on
        a real photo: a valid EAN-13 displaced by a failed one)."""
        ...


_ZX_FORMATS = {
    fmt.QR: ("QRCode",), fmt.CODE128: ("Code128",), fmt.CODE39: ("Code39",), fmt.ITF: ("ITF",),
    fmt.PDF417: ("PDF417",), fmt.AZTEC: ("Aztec",), fmt.DATAMATRIX: ("DataMatrix",),
    fmt.EAN_UPC: ("EAN8", "EAN13", "UPCA", "UPCE"),
}


# zxing-cpp 3 reads whole families under one name: "QRCode" also reads Micro QR and rMQR, "Aztec"
# Aztec runes, "Code39" Code 32 (measured, zxing-cpp 3.1.1). None of those carries a ticket and
# each is a source of noise reads (plain zxing-cpp read a Micro QR out of phone glare on the
# generated frames), so the door names the exact formats where the library has them; zxing-cpp 2,
# which has no such names, keeps the family names (there they are exact).
_ZX_EXACT = {fmt.QR: ("QRCodeModel1", "QRCodeModel2"), fmt.AZTEC: ("AztecCode",), fmt.CODE39: ("Code39Std", "Code39Ext")}
# Formats a family reads that count as ours (no exact name leaves MicroPDF417 out of "PDF417"; it
# is Reed-Solomon protected like PDF417).
_ZX_ALIASES = {"micropdf417": fmt.PDF417}


def _zx_names(symbology: str) -> tuple[str, ...]:
    exact = _ZX_EXACT.get(symbology)
    if exact:
        try:
            zxingcpp.barcode_formats_from_str(",".join(exact))
            return exact
        except ValueError:  # zxing-cpp 2.x
            pass
    return _ZX_FORMATS[symbology]


def zxing_formats(symbologies=fmt.ALL):
    """zxing-cpp's format set for our symbology names (the "door's formats" of a plain read)."""
    return zxingcpp.barcode_formats_from_str(",".join(sorted(n for s in symbologies for n in _zx_names(s))))


def _zx_name(barcode_format) -> str:
    """Our name for a zxing-cpp format ("QR Code", "Code 128", "EAN-13", ...)."""
    text = str(barcode_format).replace(" ", "").replace("-", "").lower()
    if text in _ZX_ALIASES:
        return _ZX_ALIASES[text]
    for ours, theirs in _ZX_FORMATS.items():
        if any(text.startswith(t.lower()) for t in theirs):
            return ours
    return str(barcode_format)


_FAST = dict(try_rotate=False, try_downscale=False, try_invert=False)
#: zxing-cpp's own defaults (`read_barcodes` with no options): the "plain library" read.
_FULL = dict(try_rotate=True, try_downscale=True, try_invert=True)


class ZxingDecoder:
    """zxing-cpp's `read_barcodes`, restricted to the door's symbologies.

    Args:
        symbologies: our names to decode (default: all ticket symbologies).
        try_rotate, try_downscale, try_invert: zxing-cpp's own search options. Rotation is off by
            default: it only matters for 1D codes held upright, costs about half the decode time
            (measured: 9 -> 4 ms a frame), and the pipeline's second pass tries a quarter turn.
    """

    name = "zxing"
    searches_inverted = True

    def __init__(self, symbologies=fmt.ALL, *, try_rotate: bool = False, try_downscale: bool = True,
                 try_invert: bool = True):
        self.symbologies = frozenset(symbologies)
        self._formats = zxing_formats(symbologies)
        self._options = dict(try_rotate=try_rotate, try_downscale=try_downscale, try_invert=try_invert)

    def decode(self, gray: np.ndarray, fast: bool = False, unreadable: bool = False) -> list[Read]:
        return self._read(gray, _FAST if fast else self._options, unreadable)

    def decode_full(self, gray: np.ndarray) -> list[Read]:
        return self._read(gray, _FULL, False)

    def _read(self, gray: np.ndarray, options: dict, unreadable: bool) -> list[Read]:
        out = []
        for b in zxingcpp.read_barcodes(gray, formats=self._formats, return_errors=unreadable, **options):
            p = b.position
            corners = tuple((int(pt.x), int(pt.y)) for pt in (p.top_left, p.top_right, p.bottom_right, p.bottom_left))
            error = "" if b.valid else (str(b.error).split(" @")[0] or "unreadable")
            out.append(Read(b.text if b.valid else "", _zx_name(b.format), corners, error, str(b.format)))
        return out


_ZBAR_FORMATS = {
    fmt.QR: ("QRCODE",), fmt.CODE128: ("CODE128",), fmt.CODE39: ("CODE39",), fmt.ITF: ("I25",),
    fmt.PDF417: ("PDF417",), fmt.EAN_UPC: ("EAN8", "EAN13", "UPCA", "UPCE"),
    # zbar has no Aztec or DataMatrix decoder.
    fmt.AZTEC: (), fmt.DATAMATRIX: (),
}


class PyzbarDecoder:
    """pyzbar (libzbar). Slower than zxing-cpp and blind to Aztec and DataMatrix.

    Raises:
        ConfigError: when libzbar cannot be loaded.
    """

    name = "pyzbar"
    searches_inverted = False

    def __init__(self, symbologies=fmt.ALL):
        try:
            from pyzbar import pyzbar
        except (ImportError, OSError) as exc:  # pyzbar raises ImportError when libzbar is missing
            raise ConfigError(f"pyzbar cannot load the zbar library ({exc}); install libzbar0") from None
        self._pyzbar = pyzbar
        names = [n for s in symbologies for n in _ZBAR_FORMATS[s]]
        by_name = {s.name: s for s in pyzbar.ZBarSymbol}
        self._symbols = [by_name[n] for n in names if n in by_name]
        self._ours = {n: ours for ours, theirs in _ZBAR_FORMATS.items() for n in theirs}
        self.symbologies = frozenset(symbologies)

    def decode_full(self, gray: np.ndarray) -> list[Read]:
        return self.decode(gray)  # zbar has one search: its plain read is this

    def decode(self, gray: np.ndarray, fast: bool = False, unreadable: bool = False) -> list[Read]:
        if not self._symbols:
            return []
        h, w = gray.shape[:2]
        found = self._pyzbar.decode((np.ascontiguousarray(gray).tobytes(), w, h), symbols=self._symbols)
        out = []
        for d in found:
            text = d.data.decode("utf-8", errors="replace")
            out.append(Read(text, self._ours.get(d.type, d.type), tuple((int(p.x), int(p.y)) for p in d.polygon),
                            variant=d.type))
        return out


DECODERS = ("zxing", "pyzbar")


def make_decoder(name: str = "zxing", symbologies=fmt.ALL) -> Decoder:
    """The named decoder; pyzbar without libzbar falls back to zxing-cpp with a logged warning.

    Args:
        name: "zxing" (default) or "pyzbar".
        symbologies: our symbology names to decode.

    Returns:
        A decoder. After a fallback it has `fallback_reason` (str) saying why, for the GUI to show.

    Raises:
        ConfigError: for an unknown decoder name.
    """
    if name == "zxing":
        return ZxingDecoder(symbologies)
    if name == "pyzbar":
        try:
            return PyzbarDecoder(symbologies)
        except ConfigError as exc:
            reason = f"{exc}; using zxing-cpp instead"
            log.warning("%s", reason)
            decoder = ZxingDecoder(symbologies)
            decoder.fallback_reason = reason
            return decoder
    raise ConfigError(f"unknown decoder {name!r}; expected one of {', '.join(DECODERS)}")
