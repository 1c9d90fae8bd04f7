"""A label that never widens its column: its text is cut with "…" (or wrapped to a few lines) instead."""
from __future__ import annotations

import math

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPalette
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
    """

    def __init__(self, lines: int = 1, parent: QWidget | None = None, *, shrinks_from_text: bool = False):
        super().__init__(parent)
        self.lines = lines
        # shrinks_from_text: asks for its whole text's width but takes less when the row is short.
        self.shrinks_from_text = shrinks_from_text
        self.setAlignment(Qt.AlignCenter)
        self.setSizePolicy(QSizePolicy.Preferred if shrinks_from_text else QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.setTextInteractionFlags(Qt.NoTextInteraction)

    def set_font(self, font: QFont) -> None:
        self.setFont(font)
        self.updateGeometry()

    def shown_lines(self) -> list[str]:
        """The lines as painted (elided or wrapped to the label's width)."""
        return wrap_lines(self.text(), QFontMetricsF(self.font()), max(1, self.contentsRect().width()), self.lines)

    def sizeHint(self) -> QSize:
        margins = self.contentsMargins()
        metrics = QFontMetricsF(self.font())
        wide = math.ceil(metrics.horizontalAdvance(self.text())) + margins.left() + margins.right() + 30 \
            if self.shrinks_from_text else 0
        return QSize(wide, math.ceil(metrics.lineSpacing() * self.lines) + 2 + margins.top() + margins.bottom())

    def minimumSizeHint(self) -> QSize:
        hint = self.sizeHint()
        return QSize(min(hint.width(), 140), hint.height())

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        self.style().drawPrimitive(QStyle.PE_Widget, option, p, self)  # a style sheet's background
        lines = self.shown_lines()
        if not lines:
            return
        spacing = QFontMetricsF(self.font()).lineSpacing()
        rect = self.contentsRect()
        top = rect.top() + (rect.height() - spacing * len(lines)) / 2
        for i, line in enumerate(lines):
            row = QRectF(rect.left(), top + i * spacing, rect.width(), spacing).toRect()
            self.style().drawItemText(p, row, self.alignment() | Qt.AlignVCenter, self.palette(), True, line, QPalette.WindowText)
