"""Reading a printed PDF as a person or a scanner would: its text (pdftotext) and its page as an
image (pdftoppm), from poppler-utils (scripts/setup installs it)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: install poppler-utils (scripts/setup's DEBIAN_PACKAGES)"
    return path


def text(pdf: Path) -> str:
    """The PDF's text in reading order, whitespace (line breaks of a wrapped name) as single spaces."""
    out = subprocess.run([_tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True,
                         check=True, timeout=30).stdout
    return " ".join(out.split())


def pages(pdf: Path) -> int:
    info = subprocess.run([_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True, timeout=30).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def page_size_mm(pdf: Path) -> tuple[float, float]:
    info = subprocess.run([_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True, timeout=30).stdout
    line = next(line for line in info.splitlines() if line.startswith("Page size:"))
    width, height = (float(v) for v in line.split(":", 1)[1].split("pts")[0].split("x"))
    return round(width * 25.4 / 72, 1), round(height * 25.4 / 72, 1)


def render(pdf: Path, out_dir: Path, dpi: int = 300) -> Path:
    """The first page as a PNG at `dpi` (a printer's resolution, not the PDF's own pixels)."""
    stem = out_dir / f"{pdf.stem}-page"
    subprocess.run([_tool("pdftoppm"), "-r", str(dpi), "-png", "-singlefile", "-f", "1", str(pdf), str(stem)],
                   check=True, timeout=60)
    return stem.with_suffix(".png")
