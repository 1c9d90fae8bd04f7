"""Printing badges (QtPrintSupport): to any system printer, or to a PDF file.

A `Badge` (domain/badges.py, filled by services/badges.py) is painted the same way on both: each
text in its box at its size, shrunk (and for a `wrap` item, broken onto lines first) until it
fits; the QR code as whole device pixels per module with its quiet zone, so a scanner reads the
print. Printing to a system printer goes through the platform's print system (CUPS on Linux and
macOS) without a dialog: at a door the printer is chosen once in the door settings.
"""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QGuiApplication, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
from PySide6.QtWidgets import QApplication

from checkin_app.domain.badges import Badge, QrItem, TextItem
from checkin_app.errors import CheckinError
from checkin_app.scanning.synth import qr_matrix

QUIET_MODULES = 4  # the QR standard's quiet zone, in modules, inside the item's box
SMALLEST_PT = 4.0  # a text is shrunk down to this, then cut with "…"
_ALIGN = {"left": Qt.AlignLeft, "center": Qt.AlignHCenter, "right": Qt.AlignRight}


def printers() -> list[str]:
    """The system's printers by name (the door settings' choice); the default first."""
    default = QPrinterInfo.defaultPrinterName()
    names = QPrinterInfo.availablePrinterNames()
    return sorted(names, key=lambda n: (n != default, n.lower()))


def _page(printer: QPrinter, badge: Badge) -> None:
    size = QPageSize(QSizeF(badge.width_mm, badge.height_mm), QPageSize.Millimeter, "Badge", QPageSize.ExactMatch)
    # Portrait: the custom size is already width × height (Landscape would swap them).
    printer.setPageLayout(QPageLayout(size, QPageLayout.Portrait, QMarginsF(0, 0, 0, 0), QPageLayout.Millimeter))
    printer.setFullPage(True)


def _fitted(text_item: TextItem, rect: QRectF, device) -> tuple[QFont, int, str]:
    """The font, flags and text that fit the item's box: its size, shrunk in steps, else cut with "…"."""
    flags = int(_ALIGN[text_item.align] | Qt.AlignVCenter) | (int(Qt.TextWordWrap) if text_item.wrap else 0)
    font = QFont()
    font.setBold(text_item.bold)
    # No ligatures: "Griffiths" stays six letters in the PDF's text (search, copy, the tests' check).
    font.setFeature(QFont.Tag("liga"), 0)
    size = text_item.size_pt
    while True:
        font.setPointSizeF(size)
        metrics = QFontMetricsF(font, device)
        needed = metrics.boundingRect(rect, flags, text_item.text)
        if needed.width() <= rect.width() + 0.5 and needed.height() <= rect.height() + 0.5:
            return font, flags, text_item.text
        if size <= SMALLEST_PT:
            one_line = flags & ~int(Qt.TextWordWrap)
            return font, one_line, metrics.elidedText(text_item.text, Qt.ElideRight, rect.width())
        size = max(SMALLEST_PT, size * 0.9)


def _paint_qr(p: QPainter, item: QrItem, rect: QRectF) -> None:
    matrix = qr_matrix(item.data)
    side = min(rect.width(), rect.height())
    modules = len(matrix) + 2 * QUIET_MODULES
    px = int(side // modules)  # whole device pixels per module: no blurred edges for the scanner
    if px < 1:
        raise CheckinError("the badge's QR box is too small for this code at the printer's resolution")
    left = rect.left() + (rect.width() - px * modules) / 2 + QUIET_MODULES * px
    top = rect.top() + (rect.height() - px * modules) / 2 + QUIET_MODULES * px
    p.fillRect(QRectF(left - QUIET_MODULES * px, top - QUIET_MODULES * px, px * modules, px * modules), QColor(Qt.white))
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                p.fillRect(QRectF(int(left) + c * px, int(top) + r * px, px, px), QColor(Qt.black))


def paint(p: QPainter, badge: Badge, dots_per_mm: float) -> None:
    """Paint a badge on a device whose origin is the badge's top left corner."""
    p.setPen(QColor(Qt.black))
    for item in badge.items:
        b = item.box
        rect = QRectF(b.x * dots_per_mm, b.y * dots_per_mm, b.width * dots_per_mm, b.height * dots_per_mm)
        if isinstance(item, QrItem):
            _paint_qr(p, item, rect)
        elif item.text:
            font, flags, text = _fitted(item, rect, p.device())
            p.setFont(font)
            p.drawText(rect, flags, text)


def _print_on(printer: QPrinter, badge: Badge, where: str) -> None:
    _page(printer, badge)
    p = QPainter()
    if not p.begin(printer):
        raise CheckinError(f"cannot print to {where}")
    try:
        paint(p, badge, printer.resolution() / 25.4)
    finally:
        p.end()
    if printer.printerState() == QPrinter.Error:
        raise CheckinError(f"printing to {where} failed")


def print_to_pdf(badge: Badge, path: str | Path) -> Path:
    """Write the badge as a one-page PDF of the badge's own size."""
    ensure_app()
    path = Path(path)
    if not path.parent.is_dir():
        raise CheckinError(f"cannot write {path}: no folder {path.parent}")
    printer = QPrinter(QPrinter.HighResolution)
    printer.setOutputFormat(QPrinter.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setCreator("checkin-app")
    _print_on(printer, badge, str(path))
    return path


def print_to_printer(badge: Badge, name: str | None = None) -> str:
    """Send the badge to a system printer (None or "": the system's default). Returns its name.

    Raises:
        CheckinError: no such printer, or no printer at all.
    """
    ensure_app()
    info = QPrinterInfo.printerInfo(name) if name else QPrinterInfo.defaultPrinter()
    if info.isNull():
        known = ", ".join(printers()) or "none"
        raise CheckinError(f"no printer called {name!r} (printers: {known})" if name else
                           f"this computer has no default printer (printers: {known})")
    printer = QPrinter(info, QPrinter.HighResolution)
    printer.setDocName("badge")
    _print_on(printer, badge, info.printerName())
    return info.printerName()


def ensure_app() -> QGuiApplication:
    """The running Qt application, or an offscreen one for the command line (no window is shown:
    fonts and the print system need an application object, not a display).

    A QApplication, not a bare QGuiApplication: the process may create widgets later (the
    command line run in-process by tests, then a window), and Qt aborts the process when a widget
    is made under an application object without widget support.
    """
    app = QGuiApplication.instance()
    if app is None:
        app = QApplication(["checkin-app", "-platform", "offscreen"])
    return app


# -- where a door's badges go (its setting) ------------------------------------------------------

NO_BADGES = ""
PRINTER, PDF = "printer:", "pdf:"


def describe(target: str) -> str:
    """A door's badge target in words: "the default printer", "printer Zebra", "PDF files in DIR"."""
    if target.startswith(PRINTER):
        return f"printer {target[len(PRINTER):]}" if target[len(PRINTER):] else "the default printer"
    if target.startswith(PDF):
        return f"PDF files in {target[len(PDF):]}"
    return "nowhere (no badge printer chosen)"


def _file_name(badge: Badge) -> str:
    code = (badge.qr_payloads() or ["badge"])[0]
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in code)[:60] or "badge"
    return f"badge-{safe}-{int(time.time() * 1000)}.pdf"


def send(badge: Badge, target: str) -> str:
    """Print a badge where the door's setting says: "printer:" (default), "printer:NAME" or "pdf:DIR".

    Returns:
        Where it went (a printer's name or the PDF's path).

    Raises:
        CheckinError: no target chosen (or one this build does not know), or printing failed.
    """
    if target.startswith(PRINTER):
        return print_to_printer(badge, target[len(PRINTER):] or None)
    if target.startswith(PDF):
        return str(print_to_pdf(badge, Path(target[len(PDF):]) / _file_name(badge)))
    if target == NO_BADGES:
        raise CheckinError("no badge printer chosen: choose one in Connections → This door → Badges")
    raise CheckinError(f"badge target {target!r} is not one this build knows: choose it again in Connections → This door")
