"""Kiosk (self check-in) mode: attendees scan or type their own code; nothing else is reachable.

Full screen, no tabs, no other people's names (no recent-scans list, no counters): a title, the
big verdict (gui/verdict.py, the door's own panel) and a code field. A USB scanner's bursts are
scans wherever the focus is (the app's wedge filter, `home` = the kiosk). Escape only clears the
verdict; closing the window (Alt+F4, the window manager's close button) is refused; the one way
out is the supervisor PIN, asked for by the "Staff" button, with the same back-off after wrong
PINs as the Supervisor tab (services/pin.py). So a kiosk is never started on a door without a PIN.
Refusals clear by themselves after a while: at a kiosk nobody is there to acknowledge them.
"""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from checkin_app import paths
from checkin_app.domain.changes import SCAN
from checkin_app.domain.rules import Mode, Verdict, VerdictKind
from checkin_app.errors import CheckinError, InvalidCode
from checkin_app.gui.settings import Settings
from checkin_app.gui.sounds import Sounds
from checkin_app.gui.supervisor import LockBar
from checkin_app.gui.tasks import Tasks
from checkin_app.gui.verdict import VerdictPanel

ADMITTED_FOR_MS = 4000  # long enough to read one's own name, short enough for the next in the queue
REFUSED_FOR_MS = 10_000  # a refusal stays longer (find a steward), then the kiosk is ready again
TITLE = "checkin-app · Self check-in"
# The title says when the PIN is asked for: window lists and scripts driving a kiosk (the real-X
# test of `checkin-app kiosk`) see it from outside the process.
TITLE_ASKING = f"{TITLE} · supervisor PIN"
NO_PIN = "choose a supervisor PIN first (Supervisor tab): a kiosk is left only with the PIN"


class KioskWindow(QWidget):
    """The self check-in screen, a top-level window of its own.

    Args:
        tasks: the background lanes (the main window's, or the kiosk's own from `run_kiosk`).
        settings: the GUI settings (the supervisor PIN's hash and back-off live there).
        sounds: the cue player.
        checkin_list: the check-in list whose rules decide (None: the door's own lists, if any).

    Signals:
        verdictShown(dict): a scan was decided and is on screen.
        left(): the supervisor PIN was given; the window closed.
        closeRefused(): something asked the window to close without the PIN (Alt+F4).
    """

    verdictShown = Signal(dict)
    left = Signal()
    closeRefused = Signal()

    def __init__(self, tasks: Tasks, settings: Settings, sounds: Sounds, *, checkin_list: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent, Qt.Window)
        if not settings.has_pin:
            raise CheckinError(NO_PIN)
        self.setObjectName("kiosk")
        self.setWindowTitle(TITLE)
        self.tasks, self.settings, self.sounds = tasks, settings, sounds
        self.checkin_list = checkin_list
        self._may_close = False

        self.title = QLabel(f"Self check-in · {checkin_list}" if checkin_list else "Self check-in")
        font = QFont()
        font.setPixelSize(34)
        font.setBold(True)
        self.title.setFont(font)
        self.hint = QLabel("Hold your ticket's code to the scanner, or type it and press Enter")
        self.hint.setWordWrap(True)
        self.staff_button = QPushButton("Staff", clicked=self.ask_pin)
        self.staff_button.setFocusPolicy(Qt.NoFocus)  # Enter in the code field never lands on it
        self.verdict = VerdictPanel(clear_after_ms=(ADMITTED_FOR_MS, REFUSED_FOR_MS))
        self.verdict.setMinimumSize(200, 150)
        self.entry = QLineEdit(placeholderText="Your ticket code")
        self.entry.setStyleSheet("font-size: 26px; padding: 8px;")
        self.entry.returnPressed.connect(self._submit_typed)
        go = QPushButton("Check in", clicked=self._submit_typed)
        go.setProperty("role", "primary")
        go.setStyleSheet("font-size: 22px; padding: 8px 22px;")
        self.lock = LockBar(settings)  # the PIN field, with the Supervisor tab's back-off
        self.lock.prompt.setText("Supervisor PIN to leave self check-in:")
        self.lock.unlocked.connect(lambda on: on and self.leave())
        self.lock.hide()

        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.staff_button)
        row = QHBoxLayout()
        row.addWidget(self.entry, 1)
        row.addWidget(go)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 10, 16, 12)
        lay.addLayout(top)
        lay.addWidget(self.hint)
        lay.addWidget(self.verdict, 1)
        lay.addLayout(row)
        lay.addWidget(self.lock)
        self.setFocusProxy(self.entry)
        # Escape clears the verdict (the door's own key for it); it never leaves the kiosk.
        QShortcut(QKeySequence(Qt.Key_Escape), self, activated=self._escape)

    # -- scanning ----------------------------------------------------------------------------

    def submit(self, raw: str) -> None:
        """Decide a scan (typed or from the scanner) on the database lane, as the door does."""
        asked_at = time.perf_counter()
        self.tasks.db(lambda app: self._scan(app, raw).to_dict(), lambda v: self._decided(v, asked_at),
                      lambda exc: self._refused_input(raw, exc, asked_at))

    def _scan(self, app, raw: str) -> Verdict:
        # On a named list its rules decide (entries, times, capacity); else the door's own lists, if any.
        return app.checkin.scan(raw, mode=Mode.ENTRY, lists=[self.checkin_list] if self.checkin_list else None)

    def _submit_typed(self) -> None:
        text = self.entry.text()
        self.entry.clear()
        if text.strip():
            self.submit(text)

    def _decided(self, verdict: dict, asked_at: float) -> None:
        look = self.verdict.show_verdict(verdict, asked_at)
        if look.cue:
            self.sounds.play(look.cue)
        if verdict["verdict"] != VerdictKind.UNREADABLE:
            self.tasks.announce(SCAN, source=self)
        self.entry.setFocus()
        self.verdictShown.emit(verdict)

    def _refused_input(self, raw: str, exc: BaseException, asked_at: float) -> None:
        if not isinstance(exc, InvalidCode):
            self.tasks.report(exc)
            return
        self._decided(Verdict(VerdictKind.UNREADABLE, raw, str(exc)).to_dict(), asked_at)

    # -- leaving only with the PIN -----------------------------------------------------------------

    def _escape(self) -> None:
        if self.lock.isVisible():
            self.lock.hide()
            self.setWindowTitle(TITLE)
            self.entry.setFocus()
        else:
            self.verdict.acknowledge()

    def ask_pin(self) -> None:
        """The "Staff" button: the PIN field (the wrong-PIN back-off counts here too)."""
        self.lock.show()
        self.lock.pin.setFocus()
        self.setWindowTitle(TITLE_ASKING)

    def leave(self) -> None:
        """The PIN was right: close the kiosk (after `left`: the window it leaves for is shown first,
        so the application never finds its last window closed and quits)."""
        self._may_close = True
        self.left.emit()
        self.close()

    def dismiss(self) -> None:
        """Close without the PIN because the whole app is quitting (never from a key or button)."""
        self._may_close = True
        self.close()
        self.deleteLater()

    def closeEvent(self, event) -> None:
        if self._may_close:
            super().closeEvent(event)
            return
        event.ignore()  # Alt+F4 or the window manager's close: not without the PIN
        self.ask_pin()
        self.closeRefused.emit()

    def start(self) -> None:
        """Full screen, ready to scan."""
        self.showFullScreen()
        self.activateWindow()
        self.entry.setFocus()


def run_kiosk(data_dir: str | Path | None = None, *, checkin_list: str | None = None) -> int:
    """`checkin-app kiosk`: the door's window starts straight in kiosk mode, never shown first.

    The whole door runs behind the kiosk (its camera, background sync, replication with the other
    doors, badges on admission): a kiosk's entries count on every door like any door's. The
    supervisor PIN leaves the kiosk for that window; closing it ends the process.
    """
    from checkin_app.gui.app import open_window, qt_app

    data_dir = paths.data_dir(data_dir)
    settings = Settings(data_dir)
    if not settings.has_pin:
        raise CheckinError(NO_PIN)
    app = qt_app()
    window = open_window(data_dir, camera=settings.camera, freeze_gc=True)
    window.open_kiosk(checkin_list)
    return app.exec()
