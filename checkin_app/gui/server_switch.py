"""One start/stop switch for a server this window runs: the webhook receiver, the door server.

Both bind a port and read secrets (the OS keyring), so starting and stopping run in the network
pool; while one starts the switch says so and takes no second click; while one runs, the fields
that configure it are locked (with why); a refusal shows in the switch's outcome line. A server
that finishes starting after its window closed is stopped again (`Tasks.net(cleanup=)`), so no
port stays bound by a window nobody sees.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from checkin_app.gui.enabling import enable
from checkin_app.gui.outcome import OutcomeLine
from checkin_app.gui.tasks import Tasks


class ServerSwitch(QWidget):
    """A checkable button that starts and stops one server, and the line saying how that went.

    Args:
        tasks: the background lanes.
        labels: the button's words when off and when on.
        off_text: the outcome line while off ("Off: …").
        fields: the widgets that configure the server: locked while it runs.
        locked_reason: why they are locked ("stop receiving to change it").

    Signals:
        switchedOn(object): the server runs (the handle `start` returned).
        switchedOff(): it stopped.
        failed(str): starting or stopping was refused (the reason, one line).

    Attributes:
        server: the running server's handle, or None.
        button: the switch (checked while on).
        outcome: the `OutcomeLine` under it.
    """

    switchedOn = Signal(object)
    switchedOff = Signal()
    failed = Signal(str)

    def __init__(self, tasks: Tasks, labels: tuple[str, str], off_text: str, fields: list[QWidget],
                 locked_reason: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.tasks, self.labels, self.off_text = tasks, labels, off_text
        self.fields, self.locked_reason = fields, locked_reason
        self.server: Any = None
        self._start: Callable[[], Callable[[], Any]] | None = None
        self._stop: Callable[[Any], Any] | None = None
        self.starting = False
        self.closed = False
        self.button = QPushButton(labels[0], checkable=True, clicked=self.flip)
        self.button.setProperty("role", "primary")
        self.outcome = OutcomeLine()
        self.outcome.working(off_text)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.button)
        lay.addWidget(self.outcome)

    def serve(self, start: Callable[[], Callable[[], Any]], stop: Callable[[Any], Any]) -> None:
        """What the switch runs.

        Args:
            start: called on the GUI thread when switched on: reads the form (raising refuses,
                with the error's words) and returns the job that starts the server in the network
                pool and returns its handle.
            stop: `stop(handle)` ends it (in the pool; on the GUI thread when the window closes).
        """
        self._start, self._stop = start, stop

    @property
    def on(self) -> bool:
        return self.server is not None

    def flip(self, on: bool) -> None:
        """Start (`on`) or stop the server; a click while it starts is ignored."""
        if self.starting or on == self.on:
            self.button.setChecked(self.on)
            return
        if not on:
            server, self.server = self.server, None
            self.tasks.net(lambda: self._stop(server), lambda _r: self._switched(None), self._failed)
            return
        try:
            job = self._start()
        except Exception as exc:  # a typo in the form: say so, start nothing
            self.tasks.explain(exc, self.refuse)
            return
        self.starting = True
        enable(self.button, "starting…")
        self.tasks.net(job, self._switched, self._failed, cleanup=self._stop)

    def show_on(self, text: str) -> None:
        """The line saying what runs (the server's address, its routes)."""
        self.outcome.say(text, True)

    def refuse(self, reason: str) -> None:
        """A refusal before or after the server was asked (a typo in an address list, a port in use)."""
        self.button.setChecked(self.on)
        self.outcome.say(reason, False)
        self.failed.emit(reason)

    def _switched(self, server: Any) -> None:
        self.starting = False
        if self.closed and server is not None:  # it finished starting after the window closed
            self._stop(server)
            return
        self.server = server
        on = server is not None
        enable(self.button, None)
        self.button.setChecked(on)
        self.button.setText(self.labels[on])
        for w in self.fields:
            enable(w, self.locked_reason if on else None)
        if on:
            self.switchedOn.emit(server)
        else:
            self.outcome.working(self.off_text)
            self.switchedOff.emit()

    def _failed(self, exc: BaseException) -> None:
        self.starting = False
        enable(self.button, None)
        self.tasks.explain(exc, self.refuse)

    def shutdown(self) -> None:
        """Stop the server with the window (synchronously: the app is closing)."""
        self.closed = True
        if self.server is not None:
            server, self.server = self.server, None
            self._stop(server)
