"""The embedded webhook receiver's toggle and settings (`services.receiver.ReceiverToggle`).

Starting it binds a port and reads its tokens (environment variables or the OS keyring), so it
runs in the network pool; the route URLs it returns carry secret path tokens and are shown only
here, to the operator, never logged.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QLineEdit, QSpinBox, QVBoxLayout, QWidget

from checkin_app.gui.server_switch import ServerSwitch
from checkin_app.gui.tasks import Tasks
from checkin_app.services.receiver import ReceiverToggle

OFF = "Off. Ticketor and Ticketsolve send their webhooks here when it is on."


class WebhooksPanel(QGroupBox):
    """On/off, where to listen, Ticket Tailor's signing secret variable, and relay for other laptops.

    Signals:
        switched(bool, dict): the receiver is on (with each route's URL) or off.
        failed(str): it could not start (a missing token, a port in use).

    Attributes:
        switch: the start/stop switch (`ServerSwitch`); `button` and `routes` are its button and outcome line.
    """

    switched = Signal(bool, dict)
    failed = Signal(str)

    def __init__(self, tasks: Tasks, parent: QWidget | None = None):
        super().__init__("Webhook receiver", parent)
        self.tasks = tasks
        self.listen = QComboBox()
        self.listen.addItem("This computer only (127.0.0.1)", "127.0.0.1")
        self.listen.addItem("The local network (0.0.0.0)", "0.0.0.0")
        self.port = QSpinBox(minimum=0, maximum=65535, value=8787)
        self.tt_secret_env = QLineEdit(placeholderText="variable holding Ticket Tailor's signing secret (optional)")
        self.relay = QCheckBox("Relay: other laptops may pull deliveries from this one")
        self.switch = ServerSwitch(tasks, ("Start receiving", "Stop receiving"), OFF,
                                   [self.listen, self.port, self.tt_secret_env, self.relay], "stop receiving to change it")
        self.switch.serve(self._starter, lambda on: on[0].turn_off())
        self.switch.switchedOn.connect(self._on)
        self.switch.switchedOff.connect(lambda: self.switched.emit(False, {}))
        self.switch.failed.connect(self.failed)
        self.button, self.routes = self.switch.button, self.switch.outcome
        form = QFormLayout()
        form.addRow("Listen on", self.listen)
        form.addRow("Port", self.port)
        form.addRow("Signing secret", self.tt_secret_env)
        form.addRow("", self.relay)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.switch)

    @property
    def on(self) -> bool:
        return self.switch.on

    def flip(self) -> None:
        self.switch.flip(not self.on)

    def _starter(self):
        """The form, read now; the job that binds the port and reads the tokens, in the pool."""
        toggle = ReceiverToggle(self.tasks.data_dir, host=self.listen.currentData(), port=self.port.value(),
                                tickettailor_secret_env=self.tt_secret_env.text().strip() or None,
                                relay=self.relay.isChecked())
        return lambda: (toggle, toggle.turn_on())

    def _on(self, running) -> None:
        _toggle, routes = running
        # The route URLs carry secret path tokens: shown here, to the operator, never logged.
        self.switch.show_on("On. Give each provider its URL (they contain secret tokens):\n" +
                            "\n".join(f"{name}: {url}" for name, url in routes.items()))
        self.switched.emit(True, routes)

    def shutdown(self) -> None:
        """Stop the receiver with the window (synchronously: the app is closing)."""
        self.switch.shutdown()
