"""`decode`'s service: codes in image and video files, with one decoder for the whole run."""
from __future__ import annotations

from checkin_app.scanning import formats
from checkin_app.scanning.decoders import make_decoder
from checkin_app.scanning.files import FileReport, decode_file
from checkin_app.scanning.pipeline import ScanPipeline


class FileDecoder:
    """Decode files with the decoder named ("zxing" or "pyzbar"), for the symbologies named (None: all).

    Raises:
        CheckinError: an unknown symbology name.
    """

    def __init__(self, decoder: str, symbologies: list[str] | None = None):
        self.symbologies = formats.parse(symbologies) if symbologies else formats.ALL
        self.decoder = make_decoder(decoder, self.symbologies)
        # pyzbar asked for without libzbar: zxing-cpp decodes instead, and the user is told why.
        self.fallback_reason: str | None = getattr(self.decoder, "fallback_reason", None)

    def decode(self, path: str) -> FileReport:
        """Every code in one file (a fresh pipeline: no de-duplication across files)."""
        return decode_file(path, ScanPipeline(self.decoder, self.symbologies))
