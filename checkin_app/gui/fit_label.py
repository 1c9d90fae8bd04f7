"""A label that never widens its column: its text is cut with "…" (or wrapped to a few lines) instead."""
from __future__ import annotations

import math

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontInfo, QFontMetricsF, QPainter, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QStyle, QStyleOption, QWidget


def wrap_lines(text: str, metrics: QFontMetricsF, width: float, max_lines: int) -> list[str]:
    """Greedy word wrap into at most `max_lines`; the last line ends in "…" when the text is longer."""
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and metrics.horizontalAdvance(f"{line} {words[0]}") <= width:
            line = f"{line} {words.pop(0)}"
        lines.append(line)
    if words:  # more than fits: the last line takes the rest and is elided
        lines[-1] = " ".join([lines[-1], *words])
    return [metrics.elidedText(line, Qt.ElideRight, width) for line in lines]


class FitLabel(QLabel):
    """Centred text in at most `lines` lines that never widens its column: the excess ends in "…".

    `text()` stays the full text; only the painting is cut. Its height follows its font, never
    its text, so a long name or reason changes nothing around it.

    Args:
        lines: lines to wrap into.
        wants_text_width: ask the layout for the whole text's width (a status pill), yet take less
            when the row is short; otherwise ask for no width at all (the column decides).
        smallest: a one-line text too wide for the label is painted smaller, down to this share
            of the font, before it is cut (a count that must stay whole).
    """

    def __init__(self, lines: int = 1, parent: QWidget | None = None, *, wants_text_width: bool = False,
                 smallest: float = 1.0):
        super().__init__(parent)
        self.lines, self.wants_text_width, self.smallest = lines, wants_text_width, smallest
        self.setAlignment(Qt.AlignCenter)
        self.setSizePolicy(QSizePolicy.Preferred if wants_text_width else QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.setTextInteractionFlags(Qt.NoTextInteraction)

    def set_font(self, font: QFont) -> None:
        self.setFont(font)
        self.updateGeometry()

    def shown_font(self) -> QFont:
        """The font the text is painted in: the label's, or smaller for a one-line text that is too wide."""
        font = self.font()
        width = self.contentsRect().width()
        wide = QFontMetricsF(font).horizontalAdvance(self.text())
        if self.lines != 1 or self.smallest >= 1 or wide <= width or width <= 0:
            return font
        smaller = QFont(font)
        size = font.pixelSize() if font.pixelSize() > 0 else QFontInfo(font).pixelSize()
        smaller.setPixelSize(max(1, math.floor(size * max(self.smallest, width / wide))))
        return smaller

    def shown_lines(self, font: QFont | None = None) -> list[str]:
        """The lines as painted (shrunk, elided or wrapped to the label's width)."""
        font = font or self.shown_font()
        return wrap_lines(self.text(), QFontMetricsF(font), max(1, self.contentsRect().width()), self.lines)

    def sizeHint(self) -> QSize:
        margins = self.contentsMargins()
        metrics = QFontMetricsF(self.font())
        wide = math.ceil(metrics.horizontalAdvance(self.text())) + margins.left() + margins.right() + 30 \
            if self.wants_text_width else 0
        return QSize(wide, math.ceil(metrics.lineSpacing() * self.lines) + 2 + margins.top() + margins.bottom())

    def minimumSizeHint(self) -> QSize:
        hint = self.sizeHint()
        return QSize(min(hint.width(), 140), hint.height())

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        self.style().drawPrimitive(QStyle.PE_Widget, option, p, self)  # a style sheet's background
        font = self.shown_font()
        lines = self.shown_lines(font)
        if not lines:
            return
        p.setFont(font)
        p.setPen(self.palette().color(QPalette.WindowText))  # a style sheet's `color` lands here
        spacing = QFontMetricsF(self.font()).lineSpacing()
        rect = self.contentsRect()
        top = rect.top() + (rect.height() - spacing * len(lines)) / 2
        for i, line in enumerate(lines):
            p.drawText(QRectF(rect.left(), top + i * spacing, rect.width(), spacing),
                       int(self.alignment() & Qt.AlignHorizontal_Mask) | Qt.AlignVCenter, line)
