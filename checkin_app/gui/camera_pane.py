"""The camera preview with an aiming box: where to hold the ticket; a lost camera and a decoder
fallback are said on it, where the door staff look."""
from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from checkin_app.gui.style import (CAMERA_AIM, CAMERA_BAND_TEXT, CAMERA_BG, CAMERA_MESSAGE, CAMERA_NOTICE_BG,
                                   CAMERA_WARNING_BG)


class CameraPane(QWidget):
    """Shows the latest preview frame (scaled, never stretched) and a centred aiming box.

    With no camera it says so and points at the alternatives, instead of a black rectangle. A
    camera unplugged mid-event gets a red band across the picture until it is back
    (`set_status`); a decoder that is not the one chosen (pyzbar without libzbar) a grey band on
    top (`set_notice`).
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.frame: QImage | None = None
        self.message = "No camera: use a USB scanner or type the code"
        self.warning: str | None = None
        self.notice: str | None = None
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

    def set_status(self, state: str, message: str) -> None:
        """A reconnecting camera's state (`CameraWorker.status`): "lost" and "waiting" put `message`
        on a red band over the last picture; "connected" and "reconnected" take it away."""
        self.warning = message if state in ("lost", "waiting") else None
        if state == "waiting" and self.frame is None:
            self.message = "Meanwhile: use a USB scanner or type the code"  # not "Starting the camera…"
        self.update()

    def set_notice(self, text: str | None) -> None:
        """A standing note on top of the picture (the decoder fallback), or None for none."""
        self.notice = text or None
        self.update()

    def heightForWidth(self, width: int) -> int:
        return width * 3 // 4

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.fillRect(self.rect(), QColor(CAMERA_BG))
        target = QRectF(self.rect())
        if self.frame is not None and not self.frame.isNull():
            scaled = self.frame.size().scaled(self.size(), Qt.KeepAspectRatio)
            target = QRectF((self.width() - scaled.width()) / 2, (self.height() - scaled.height()) / 2,
                            scaled.width(), scaled.height())
            p.drawImage(target, self.frame)
        else:
            p.setPen(QColor(CAMERA_MESSAGE))
            font = QFont()
            font.setPointSize(9)
            p.setFont(font)
            # Below the aiming box (which spans the middle 60 %), so the two never overlap.
            band = QRectF(8, self.height() * 0.81, self.width() - 16, self.height() * 0.19 - 4)
            p.drawText(band, Qt.AlignCenter | Qt.TextWordWrap, self.message)
        # The aiming box: the middle 60 % of the picture, corner marks only, so the code stays visible.
        w, h = target.width() * 0.6, target.height() * 0.6
        box = QRectF(target.center().x() - w / 2, target.center().y() - h / 2, w, h)
        p.setPen(QPen(QColor(CAMERA_AIM), 4, Qt.SolidLine, Qt.RoundCap))
        k = min(w, h) * 0.18
        for x, y, dx, dy in ((box.left(), box.top(), 1, 1), (box.right(), box.top(), -1, 1),
                             (box.right(), box.bottom(), -1, -1), (box.left(), box.bottom(), 1, -1)):
            p.drawLine(x, y, x + dx * k, y)
            p.drawLine(x, y, x, y + dy * k)
        if self.notice:
            self._band(p, QRectF(0, 0, self.width(), 34), QColor(*CAMERA_NOTICE_BG), self.notice)
        if self.warning:
            self._band(p, QRectF(0, self.height() * 0.38, self.width(), self.height() * 0.24),
                       QColor(*CAMERA_WARNING_BG), self.warning)

    @staticmethod
    def _band(p: QPainter, rect: QRectF, colour: QColor, text: str) -> None:
        p.fillRect(rect, colour)
        p.setPen(QColor(CAMERA_BAND_TEXT))
        font = QFont()
        font.setPointSize(9)
        font.setBold(True)
        p.setFont(font)
        p.drawText(rect.adjusted(8, 2, -8, -2), Qt.AlignCenter | Qt.TextWordWrap, text)
