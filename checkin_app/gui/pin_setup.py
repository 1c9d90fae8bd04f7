"""The supervisor PIN as a step of setting up the door (the first-run wizard's last page).

Chosen at setup, the PIN is in place before the door opens: otherwise the first person to open the
Supervisor tab would choose it. Where a PIN is already set (a door set up again) the step says so
and asks nothing.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget, QWizardPage

from checkin_app.errors import ConfigError
from checkin_app.gui.settings import Settings
from checkin_app.gui.style import OUTCOME_FAIL


def refuse_pin(message: QLabel, pin: QLineEdit, repeat: QLineEdit, why: str) -> bool:
    """Say why a PIN was refused; the fields empty, the cursor back in the first. Returns False."""
    message.setText(why)
    pin.clear()
    repeat.clear()
    pin.setFocus()
    return False


class PinPage(QWizardPage):
    """Choose the supervisor PIN (4-12 digits, typed twice).

    Signals:
        pinSet(): the PIN's hash is saved.
    """

    pinSet = Signal()

    def __init__(self, settings: Settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.setTitle("Supervisor PIN")
        self.setSubTitle("Contact details, voids, walk-ups, exports and the venue key are behind it.")
        self.pin = QLineEdit(placeholderText="4 to 12 digits", echoMode=QLineEdit.Password, maxLength=12)
        self.repeat = QLineEdit(placeholderText="the same again", echoMode=QLineEdit.Password, maxLength=12)
        self.already = QLabel("A supervisor PIN is already set for this door.")
        self.message = QLabel()
        self.message.setStyleSheet(f"color: {OUTCOME_FAIL}; font-weight: 600;")
        form = QFormLayout(self)
        form.addRow(self.already)
        form.addRow("PIN", self.pin)
        form.addRow("Repeat it", self.repeat)
        form.addRow("", self.message)
        for field in (self.pin, self.repeat):
            field.textChanged.connect(self.completeChanged)

    def initializePage(self) -> None:
        has_pin = self.settings.has_pin
        self.already.setVisible(has_pin)
        for field in (self.pin, self.repeat):
            field.setVisible(not has_pin)
            field.clear()

    def isComplete(self) -> bool:
        return self.settings.has_pin or bool(self.pin.text() and self.repeat.text())

    def validatePage(self) -> bool:
        if self.settings.has_pin:
            return True
        try:
            self.settings.choose_pin(self.pin.text(), self.repeat.text())
        except ConfigError as exc:
            return refuse_pin(self.message, self.pin, self.repeat, str(exc))
        self.pin.clear()
        self.repeat.clear()
        self.pinSet.emit()
        return True
