"""The camera preview with an aiming box: where to hold the ticket."""
from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget


class CameraPane(QWidget):
    """Shows the latest preview frame (scaled, never stretched) and a centred aiming box.

    With no camera it says so and points at the alternatives, instead of a black rectangle.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.frame: QImage | None = None
        self.message = "No camera: use a USB scanner or type the code"
        self.frames_shown = 0
        self.setMinimumSize(240, 210)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)

    def set_frame(self, image: QImage) -> None:
        self.frame = image
        self.frames_shown += 1
        self.update()

    def set_message(self, text: str) -> None:
        """A line shown when there is no picture (starting, failed, no camera)."""
        self.message = text
        self.frame = None
        self.update()

    def heightForWidth(self, width: int) -> int:
        return width * 3 // 4

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.fillRect(self.rect(), QColor("#101418"))
        target = QRectF(self.rect())
        if self.frame is not None and not self.frame.isNull():
            scaled = self.frame.size().scaled(self.size(), Qt.KeepAspectRatio)
            target = QRectF((self.width() - scaled.width()) / 2, (self.height() - scaled.height()) / 2,
                            scaled.width(), scaled.height())
            p.drawImage(target, self.frame)
        else:
            p.setPen(QColor("#9aa5b1"))
            font = QFont()
            font.setPointSize(9)
            p.setFont(font)
            # Below the aiming box (which spans the middle 60 %), so the two never overlap.
            band = QRectF(8, self.height() * 0.81, self.width() - 16, self.height() * 0.19 - 4)
            p.drawText(band, Qt.AlignCenter | Qt.TextWordWrap, self.message)
        # The aiming box: the middle 60 % of the picture, corner marks only, so the code stays visible.
        w, h = target.width() * 0.6, target.height() * 0.6
        box = QRectF(target.center().x() - w / 2, target.center().y() - h / 2, w, h)
        p.setPen(QPen(QColor("#4ade80"), 4, Qt.SolidLine, Qt.RoundCap))
        k = min(w, h) * 0.18
        for x, y, dx, dy in ((box.left(), box.top(), 1, 1), (box.right(), box.top(), -1, 1),
                             (box.right(), box.bottom(), -1, -1), (box.left(), box.bottom(), 1, -1)):
            p.drawLine(x, y, x + dx * k, y)
            p.drawLine(x, y, x, y + dy * k)
