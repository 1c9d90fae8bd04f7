"""What the user sees when something goes wrong.

Environment errors (`CheckinError`: offline, disk full, a refused key) are one-line messages.
Anything else is a bug: a crash dialog with the traceback and the tail of the log, to copy into a
report. Scans already decided are safe either way: each is on disk before its verdict shows.
"""
from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from checkin_app import log as app_log
from checkin_app.errors import CheckinError

log = logging.getLogger(__name__)


class CrashDialog(QDialog):
    """A bug report the user can copy: traceback plus the last lines of the log.

    Args:
        details: the traceback text.
        log_file: the app's log file (its tail is appended), or None.
    """

    def __init__(self, details: str, log_file: Path | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("checkin-app hit a bug")
        self.resize(760, 520)
        intro = QLabel("Something went wrong inside checkin-app. Scans already shown are saved: each is on "
                       "disk before its verdict appears. You can keep working; if this repeats, restart the app "
                       "and send the text below to whoever looks after it.")
        intro.setWordWrap(True)
        tail = app_log.tail(log_file, 40)
        self.text = QPlainTextEdit(details.rstrip() + ("\n\n--- log (last lines) ---\n" + tail if tail else ""))
        self.text.setReadOnly(True)
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.Monospace)
        mono.setPointSize(9)
        self.text.setFont(mono)
        copy = QPushButton("Copy report", clicked=lambda: QGuiApplication.clipboard().setText(self.text.toPlainText()))
        close = QPushButton("Close", clicked=self.accept)
        close.setProperty("role", "primary")
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(copy)
        row.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.text, 1)
        lay.addLayout(row)


class CrashHandler:
    """Routes exceptions to messages or crash dialogs for one main window.

    Args:
        show_message: shows a one-line message (environment errors).
        parent: the window crash dialogs belong to.
        log_file: the log whose tail goes into crash dialogs.
    """

    def __init__(self, show_message, parent: QWidget, log_file: Path | None):
        self.show_message, self.parent, self.log_file = show_message, parent, log_file
        self.dialogs: list[CrashDialog] = []
        self._previous = None

    def handle(self, exc: BaseException, text: str | None = None) -> None:
        if isinstance(exc, CheckinError):
            self.show_message(app_log.scrub(str(exc)))
            return
        self.crashed(text or "".join(traceback.format_exception(exc)))

    def crashed(self, text: str) -> None:
        text = app_log.scrub(text)
        log.error("unhandled error:\n%s", text)
        dialog = CrashDialog(text, self.log_file, self.parent)
        self.dialogs.append(dialog)
        dialog.show()  # not exec(): the door keeps working behind it

    def install(self) -> None:
        """Become `sys.excepthook` (exceptions raised in slots on the GUI thread land here)."""
        self._previous = sys.excepthook
        sys.excepthook = lambda kind, exc, tb: self.handle(exc, "".join(traceback.format_exception(kind, exc, tb)))

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook = self._previous
            self._previous = None
