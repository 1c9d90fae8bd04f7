"""The embedded webhook receiver's toggle and settings (`services.receiver.ReceiverToggle`).

Starting it binds a port and reads its tokens (environment variables or the OS keyring), so it
runs in the network pool; the route URLs it returns carry secret path tokens and are shown only
here, to the operator, never logged.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from checkin_app.gui.enabling import enable
from checkin_app.gui.style import show_outcome
from checkin_app.gui.tasks import Tasks
from checkin_app.services.receiver import ReceiverToggle


class WebhooksPanel(QGroupBox):
    """On/off, where to listen, Ticket Tailor's signing secret variable, and relay for other laptops.

    Signals:
        switched(bool, dict): the receiver is on (with each route's URL) or off.
        failed(str): it could not start (a missing token, a port in use).
    """

    switched = Signal(bool, dict)
    failed = Signal(str)

    def __init__(self, tasks: Tasks, parent: QWidget | None = None):
        super().__init__("Webhook receiver", parent)
        self.tasks = tasks
        self.toggle: ReceiverToggle | None = None
        self.listen = QComboBox()
        self.listen.addItem("This computer only (127.0.0.1)", "127.0.0.1")
        self.listen.addItem("The local network (0.0.0.0)", "0.0.0.0")
        self.port = QSpinBox(minimum=0, maximum=65535, value=8787)
        self.tt_secret_env = QLineEdit(placeholderText="variable holding Ticket Tailor's signing secret (optional)")
        self.relay = QCheckBox("Relay: other laptops may pull deliveries from this one")
        self.button = QPushButton("Start receiving", clicked=self.flip)
        self.routes = QLabel("Off. Ticketor and Ticketsolve send their webhooks here when it is on.")
        self.routes.setWordWrap(True)
        self.routes.setTextInteractionFlags(Qt.TextSelectableByMouse)
        form = QFormLayout()
        form.addRow("Listen on", self.listen)
        form.addRow("Port", self.port)
        form.addRow("Signing secret", self.tt_secret_env)
        form.addRow("", self.relay)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.button)
        lay.addWidget(self.routes)

    @property
    def on(self) -> bool:
        return self.toggle is not None and self.toggle.on

    def flip(self) -> None:
        if self.on:
            toggle, self.toggle = self.toggle, None
            self.tasks.net(toggle.turn_off, lambda _r: self._show(False, {}), self._failed)
            return
        toggle = ReceiverToggle(self.tasks.data_dir, host=self.listen.currentData(), port=self.port.value(),
                                tickettailor_secret_env=self.tt_secret_env.text().strip() or None,
                                relay=self.relay.isChecked())
        enable(self.button, "starting…")

        def started(routes: dict) -> None:
            self.toggle = toggle
            self._show(True, routes)

        self.tasks.net(toggle.turn_on, started, self._failed)

    def _show(self, on: bool, routes: dict) -> None:
        enable(self.button, None)
        self.button.setText("Stop receiving" if on else "Start receiving")
        for w in (self.listen, self.port, self.tt_secret_env, self.relay):
            enable(w, "stop receiving to change it" if on else None)
        self.routes.setStyleSheet("")
        self.routes.setText("On. Give each provider its URL (they contain secret tokens):\n" +
                            "\n".join(f"{name}: {url}" for name, url in routes.items()) if on else "Off.")
        self.switched.emit(on, routes)

    def _failed(self, exc: BaseException) -> None:
        enable(self.button, None)
        self.tasks.explain(exc, self._refuse)

    def _refuse(self, reason: str) -> None:
        show_outcome(self.routes, reason, False)
        self.failed.emit(reason)

    def shutdown(self) -> None:
        """Stop the receiver with the window (synchronously: the app is closing)."""
        if self.toggle is not None:
            self.toggle.turn_off()
            self.toggle = None
