"""Print the size of a built bundle per component, as a Markdown table (the README's table).

Usage:
    python packaging/size-report.py [dist/checkin-app] [--before OTHER_BUNDLE]

With --before, the table has a column for each bundle and one for the difference. Sizes are bytes
of the files (symlinks not followed, so nothing counts twice), in MB (2^20 bytes).
"""
from __future__ import annotations

import argparse
import re
from collections import defaultdict
from pathlib import Path

# (component, pattern on the path relative to the bundle): the first match wins, so specific
# patterns come before general ones.
COMPONENTS: list[tuple[str, str]] = [
    ("OpenCV: cv2 module", r"^_internal/cv2/"),
    ("OpenCV: OpenBLAS + gfortran (LAPACK for cv2)",
     r"^_internal/opencv_python_headless\.libs/lib(openblas|gfortran|quadmath)"),
    ("OpenCV: FFmpeg with VP8/9, OpenSSL 1.1 (video files)",
     r"^_internal/opencv_python_headless\.libs/lib(avcodec|avformat|avutil|sw|vpx|drm|ssl|crypto)"),
    ("OpenCV: image codecs (PNG, AVIF with AV1)", r"^_internal/opencv_python_headless\.libs/"),
    ("NumPy: OpenBLAS + gfortran (64-bit ints, second copy)", r"^_internal/numpy\.libs/"),
    ("NumPy", r"^_internal/numpy[/-]"),
    ("Qt: ICU (libicudata, libicuuc, libicui18n)", r"^_internal/PySide6/Qt/lib/libicu"),
    ("Qt: libraries", r"^_internal/PySide6/Qt/lib/"),
    ("Qt: plugins", r"^_internal/PySide6/Qt/plugins/"),
    ("Qt: Python bindings (PySide6, shiboken6)", r"^_internal/(PySide6|shiboken6)"),
    ("cryptography (keyring's Secret Service)", r"^_internal/cryptography"),
    ("Python: interpreter and standard library", r"^_internal/(libpython|python3|base_library\.zip)"),
    ("system libraries (X11/xcb, GLib, fontconfig, OpenSSL 3, ...)", r"^_internal/lib[^/]*\.so"),
    ("checkin-app: executable with the app's bytecode", r"^checkin-app$"),
    ("checkin-app: resources, desktop file, icon", r"^(_internal/(checkin_app|resources)/|checkin-app\.|INSTALL)"),
    ("other Python packages (zxing-cpp, zeroconf, pyzbar, ...)", r""),
]


def sizes(bundle: Path) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for path in bundle.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        rel = path.relative_to(bundle).as_posix()
        name = next(name for name, pattern in COMPONENTS if re.search(pattern, rel))
        out[name] += path.stat().st_size
    return out


def mb(n: int) -> str:
    return f"{n / 2**20:.1f}"


def table(after: dict[str, int], before: dict[str, int] | None) -> str:
    names = [name for name, _ in COMPONENTS if after.get(name) or (before or {}).get(name)]
    if before is None:
        rows = ["| component | MB |", "|---|---:|"]
        rows += [f"| {name} | {mb(after[name])} |" for name in names]
        rows.append(f"| **total** | **{mb(sum(after.values()))}** |")
    else:
        rows = ["| component | before MB | after MB | change |", "|---|---:|---:|---:|"]
        for name in names:
            b, a = before.get(name, 0), after.get(name, 0)
            rows.append(f"| {name} | {mb(b)} | {mb(a)} | {(a - b) / 2**20:+.1f} |")
        b, a = sum(before.values()), sum(after.values())
        rows.append(f"| **total** | **{mb(b)}** | **{mb(a)}** | **{(a - b) / 2**20:+.1f}** |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", nargs="?", default="dist/checkin-app", type=Path)
    parser.add_argument("--before", type=Path, help="an earlier bundle to compare with")
    args = parser.parse_args()
    for bundle in (args.bundle, args.before):
        if bundle is not None and not (bundle / "_internal").is_dir():
            parser.error(f"{bundle} is not a one-folder bundle (no _internal/ inside)")
    print(table(sizes(args.bundle), sizes(args.before) if args.before else None))


if __name__ == "__main__":
    main()
