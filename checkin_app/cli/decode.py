"""`checkin-app decode FILE... [--json]`: codes in images and videos (docs/architecture.md, "CLI")."""
from __future__ import annotations

import sys

from checkin_app.cli.common import EXIT_ERROR, EXIT_OK, emit
from checkin_app.cli.progress import Progress
from checkin_app.cli.registry import arg, command
from checkin_app.errors import CheckinError


@command("decode", arg("files", nargs="+", metavar="FILE"),
         arg("--decoder", choices=("zxing", "pyzbar"), default="zxing",
             help="zxing-cpp (default) or pyzbar (falls back to zxing-cpp without libzbar)"),
         arg("--symbology", action="append", metavar="NAME",
             help="only these symbologies (repeatable: QR, Code128, Code39, ITF, PDF417, Aztec, DataMatrix, EAN)"),
         help="images or videos -> codes, symbology, position, ms", options=("json",))
def _decode(args) -> int:
    from checkin_app.services.decoding import FileDecoder

    files = FileDecoder(args.decoder, args.symbology)
    progress = Progress(args)
    if files.fallback_reason:  # a warning, not progress: shown with --json too
        print(f"warning: {files.fallback_reason}", file=sys.stderr)
    reports, failures, lines = [], [], []
    # One file answers at once; many files (a folder of photos, a batch of videos) get a counter.
    counter = progress.counter("decode", total=len(args.files), unit="files") if len(args.files) > 1 else None
    for name in args.files:
        try:
            report = files.decode(name)
        except CheckinError as exc:
            failures.append({"file": name, "error": str(exc)})
            progress.error(str(exc))
            continue
        finally:
            if counter:
                counter.advance()
        reports.append(report.to_dict())
        if not report.codes:
            lines.append(f"{name}: no code ({report.frames} frames)")
        for c in report.codes:
            where = f"frame {c['frame']} ({c['t_s']:.2f} s)" if report.kind == "video" else _where(c["position"])
            lines.append(f"{name}: {c['symbology']:<10} {c['code']}  {where}  {c['ms']:.1f} ms")
    if counter:
        counter.close()
    emit(args, {"files": reports, "failed": failures}, "\n".join(lines) if lines else None)
    return EXIT_ERROR if failures else EXIT_OK


def _where(position: list[list[int]]) -> str:
    """Where in the image, as the centre of the code's corners."""
    if not position:
        return ""
    xs, ys = [p[0] for p in position], [p[1] for p in position]
    return f"at ({sum(xs) // len(xs)}, {sum(ys) // len(ys)})"
