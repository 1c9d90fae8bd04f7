"""`checkin-app decode FILE... [--json]`: codes in images and videos (DESIGN.md, "Command line")."""
from __future__ import annotations

import sys

from checkin_app.cli import EXIT_ERROR, EXIT_OK, command, emit
from checkin_app.errors import CheckinError


def add_parsers(sub) -> None:
    s = sub.add_parser("decode", help="images or videos -> codes, symbology, position, ms")
    s.add_argument("files", nargs="+", metavar="FILE")
    s.add_argument("--decoder", choices=("zxing", "pyzbar"), default="zxing",
                   help="zxing-cpp (default) or pyzbar (falls back to zxing-cpp without libzbar)")
    s.add_argument("--symbology", action="append", metavar="NAME",
                   help="only these symbologies (repeatable: QR, Code128, Code39, ITF, PDF417, Aztec, DataMatrix, EAN)")
    s.add_argument("--json", action="store_true")


@command("decode")
def _decode(args) -> int:
    from checkin_app.scanning import formats
    from checkin_app.scanning.decoders import make_decoder
    from checkin_app.scanning.files import decode_file
    from checkin_app.scanning.pipeline import ScanPipeline

    symbologies = formats.parse(args.symbology) if args.symbology else formats.ALL
    decoder = make_decoder(args.decoder, symbologies)
    if getattr(decoder, "fallback_reason", None):
        print(f"warning: {decoder.fallback_reason}", file=sys.stderr)
    reports, failures, lines = [], [], []
    for name in args.files:
        try:
            report = decode_file(name, ScanPipeline(decoder, symbologies))
        except CheckinError as exc:
            failures.append({"file": name, "error": str(exc)})
            if not args.json:
                print(f"error: {exc}", file=sys.stderr)
            continue
        reports.append(report.to_dict())
        if not report.codes:
            lines.append(f"{name}: no code ({report.frames} frames)")
        for c in report.codes:
            where = f"frame {c['frame']} ({c['t_s']:.2f} s)" if report.kind == "video" else _where(c["position"])
            lines.append(f"{name}: {c['symbology']:<10} {c['code']}  {where}  {c['ms']:.1f} ms")
    emit(args, {"files": reports, "failed": failures}, "\n".join(lines) if lines else None)
    return EXIT_ERROR if failures else EXIT_OK


def _where(position: list[list[int]]) -> str:
    """Where in the image, as the centre of the code's corners."""
    if not position:
        return ""
    xs, ys = [p[0] for p in position], [p[1] for p in position]
    return f"at ({sum(xs) // len(xs)}, {sum(ys) // len(ys)})"
