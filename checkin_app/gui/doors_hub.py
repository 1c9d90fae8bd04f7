"""The Doors tab's hub box (big venues): run the venue's hub on this laptop, and replicate
through a hub at an address; the hub link's state under them.

Running the hub starts and supervises a nats-server (`services.hub.hub_server`) in the network
pool, like the door server; it is stopped with the window. Whether to replicate through a hub is
read by the Doors panel when replication is switched on (`hub_url`): an empty address with the
hub running here means this laptop's hub.
"""
from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QSpinBox, QVBoxLayout, QWidget

from checkin_app.errors import ConfigError
from checkin_app.gui.server_switch import ServerSwitch
from checkin_app.gui.settings import Settings
from checkin_app.gui.tasks import Tasks
from checkin_app.services import hub as hub_service
from checkin_app.services import hub_status
from checkin_app.sync.hub_server import HubServer


class HubBox(QGroupBox):
    """Run the venue's hub here; replicate through a hub.

    Args:
        tasks: the background lanes.
        settings: where both switches, the port and the address persist.

    Attributes:
        run_switch: starts/stops the hub on this laptop (its handle: the `HubServer`).
        use_hub, address: replicate through the hub at this address (read by `hub_url`).
        link: the hub link's state line (`show_status`).
    """

    def __init__(self, tasks: Tasks, settings: Settings, parent: QWidget | None = None):
        super().__init__("Venue hub (big venues: more than ~10 doors)", parent)
        self.tasks, self.settings = tasks, settings
        self.port = QSpinBox(minimum=0, maximum=65535, value=settings.hub_port)
        self.run_switch = ServerSwitch(
            tasks, ("Run the venue's hub on this laptop: off", "Run the venue's hub on this laptop: on"),
            "Off: the doors' hub runs elsewhere (a venue box), or not at all.", [self.port], "stop the hub to change it")
        self.run_switch.serve(self._starter, HubServer.stop)
        self.run_switch.switchedOn.connect(self._running)
        self.run_switch.switchedOff.connect(lambda: self._remember_run(False))
        self.use_hub = QCheckBox("Replicate through the venue's hub at", checked=settings.hub_use)
        self.address = QLineEdit(settings.hub_address,
                                 placeholderText="nats://192.168.1.5:4222 (empty: the hub on this laptop)")
        self.link = QLabel()
        self.link.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Hub port", self.port)
        form.addRow(self.use_hub, self.address)
        lay = QVBoxLayout(self)
        lay.addWidget(self.run_switch)
        lay.addLayout(form)
        lay.addWidget(self.link)

    def resume(self) -> None:
        """Run the hub again if it ran when the app last closed."""
        if self.settings.hub_run and not self.run_switch.on:
            self.run_switch.flip(True)

    def _starter(self):
        data_dir, port = self.tasks.data_dir, self.port.value()
        self.settings.hub_port = port
        return lambda: hub_service.hub_server(data_dir, port=port).start()

    def _running(self, server: HubServer) -> None:
        self._remember_run(True)
        self.run_switch.show_on(f"On: the venue's hub listens on port {server.port}; on the other doors, replicate "
                                f"through nats://THIS-LAPTOP:{server.port}.")

    def _remember_run(self, on: bool) -> None:
        self.settings.hub_run = on

    def hub_url(self) -> str | None:
        """The hub replication goes through (None: doors only); remembered for the next start.

        Raises:
            ConfigError: "replicate through a hub" with no address and no hub running here, or a typo.
        """
        self.settings.hub_use, self.settings.hub_address = self.use_hub.isChecked(), self.address.text()
        if not self.use_hub.isChecked():
            return None
        text = self.address.text().strip()
        if not text:
            server = self.run_switch.server
            if server is None:
                raise ConfigError("type the hub's address (nats://HOST:PORT), or run the hub on this laptop first")
            return server.url
        return hub_service.hub_url(text)

    def show_status(self, hub: dict | None, replicating: bool) -> None:
        self.link.setText(hub_status.describe(hub) if hub is not None and replicating else "")

    def shutdown(self) -> None:
        self.run_switch.shutdown()
