"""The door's badge and kiosk settings (Connections → This door): where badges print, whether on
every admission, and the way into the self check-in kiosk."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFileDialog, QFormLayout, QGroupBox, QLabel, QPushButton, QWidget

from checkin_app.gui import badge_print
from checkin_app.gui.settings import Settings

_CHOOSE_FOLDER = "pdf-choose"


class BadgeSettings(QGroupBox):
    """Signals:
        kioskRequested(): "Start self check-in" was pressed."""

    kioskRequested = Signal()

    def __init__(self, settings: Settings, parent: QWidget | None = None):
        super().__init__("Badges and self check-in", parent)
        self.settings = settings
        self.target = QComboBox()
        self.on_admit = QCheckBox("Print a badge when someone is admitted here", checked=settings.badge_on_admit)
        self.on_admit.toggled.connect(self._on_admit)
        self.where = QLabel()
        self.where.setWordWrap(True)
        self.kiosk_button = QPushButton("Start self check-in (kiosk)…", clicked=lambda: self.kioskRequested.emit())
        self.kiosk_button.setToolTip("Full screen: attendees scan or type their own code; "
                                     "leaving the kiosk needs the supervisor PIN")
        form = QFormLayout(self)
        form.addRow("Badges print on", self.target)
        form.addRow("", self.on_admit)
        form.addRow("", self.where)
        form.addRow("", self.kiosk_button)
        self.load_printers(ask_system=False)
        self.target.activated.connect(self._chosen)

    def showEvent(self, event) -> None:
        # The system's printers are asked for when this box is first seen, not at start-up: a print
        # system that answers slowly (a network printer asleep) must not hold the door's window.
        if not self._asked_system:
            self.load_printers()
        super().showEvent(event)

    def load_printers(self, ask_system: bool = True) -> None:
        """The choice: nowhere, the default printer, each system printer, PDF files in a folder."""
        self._asked_system = ask_system
        current = self.settings.badge_target
        self.target.clear()
        self.target.addItem("Nowhere (no badges)", badge_print.NO_BADGES)
        self.target.addItem("The default printer", badge_print.PRINTER)
        for name in badge_print.printers() if ask_system else ():
            self.target.addItem(f"Printer {name}", badge_print.PRINTER + name)
        if current.startswith(badge_print.PDF):
            self.target.addItem(badge_print.describe(current), current)
        self.target.addItem("PDF files in a folder…", _CHOOSE_FOLDER)
        index = self.target.findData(current)
        if index < 0:  # a printer no longer there (or not asked for yet): say so rather than pick another
            self.target.insertItem(2, badge_print.describe(current) + (" (not found)" if ask_system else ""), current)
            index = 2
        self.target.setCurrentIndex(index)
        self._show_where()

    def _chosen(self, index: int) -> None:
        value = self.target.itemData(index)
        if value == _CHOOSE_FOLDER:
            folder = QFileDialog.getExistingDirectory(self, "Save badges as PDF files in")
            if not folder:
                self.load_printers()
                return
            value = badge_print.PDF + folder
        self.set_target(value)

    def set_target(self, target: str) -> None:
        self.settings.badge_target = target
        self.load_printers()

    def _on_admit(self, on: bool) -> None:
        self.settings.badge_on_admit = on
        self._show_where()

    def _show_where(self) -> None:
        target = self.settings.badge_target
        self.where.setText(f"Badges go to {badge_print.describe(target)}." if target else
                           "Choose where badges print to print them on admission or from the Supervisor tab.")
