"""Doors at this venue: pair this door (create or join), show the key, replicate, watch the others.

Pairing and starting the door server touch the OS keyring and bind a port, so they run in the
network pool with a Store of their own (`services.doors.*_at`); the `DoorRunner` itself runs on
its own threads inside this process, and reports rows applied from other doors through the
GUI-thread relay (`Tasks.relay`), which announces them as changes to every view. While
replicating, the doors table is also re-read every 2 s on the read lane: the other doors'
connections and lag change outside this app. The pairing key opens
every door of the venue, so it is shown only while the supervisor tools are unlocked.
"""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QSpinBox, QStackedWidget, QVBoxLayout, QWidget)

from checkin_app.domain.changes import Changes
from checkin_app.gui.doors_held_back import HeldBackBox
from checkin_app.gui.doors_hub import HubBox
from checkin_app.gui.enabling import enable
from checkin_app.gui.models import Column, RowsModel, table_view
from checkin_app.gui.outcome import OutcomeLine
from checkin_app.gui.server_switch import ServerSwitch
from checkin_app.gui.settings import Settings
from checkin_app.gui.status_strip import ago_text
from checkin_app.gui.tasks import Tasks
from checkin_app.services import doors
from checkin_app.services.door_runner import DoorRunner

REFRESH_MS = 2_000
CATCH_UP_MS = 250  # another door's rows arrive in bursts while catching up: one announcement per burst

_COLUMNS = [
    Column("door", "Door", lambda r: r["door"] or "not heard from yet"),
    Column("urls", "Address", lambda r: ", ".join(r.get("urls") or [r["url"]])),
    Column("connected", "Connected", lambda r: "yes" if r["connected"] else "NO"),
    Column("behind", "Rows behind", lambda r: f"{r['behind']:,}" if r["behind"] is not None else "?"),
    Column("last_contact_age_s", "Last contact", lambda r: ago_text(r["last_contact_age_s"])),
    Column("clock", "Clock", lambda r: r.get("clock") or "not measured"),
    Column("last_error", "Last error", lambda r: (r["last_error"] or "").removeprefix(f"{r['url']}: ")),
]


class DoorsPanel(QWidget):
    """Create or join the venue, show its key to the next door, replicate on/off, the doors table.

    Args:
        tasks: the background lanes.
        settings: where the on/off switch, the port and the typed addresses persist.
        lock_bar: the supervisor's PIN gate (`supervisor.LockBar`): the key shows only while unlocked.

    Signals:
        paired(dict): this door now belongs to a venue (its settings: venue_id, door).
        pairingShown(str): the key is on screen (the venue id).
        switched(bool): replication is on or off.
        statusRead(dict, bool): `services.doors.status` as a dict, and whether replication is on.
        applied(object): another door's rows were applied here (an `ApplyReport`).
        failed(str): an act was refused (the reason, one line).
    """

    paired = Signal(dict)
    pairingShown = Signal(str)
    switched = Signal(bool)
    statusRead = Signal(dict, bool)
    applied = Signal(object)
    failed = Signal(str)

    def __init__(self, tasks: Tasks, settings: Settings, lock_bar, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("page")
        self.tasks, self.settings, self.lock_bar = tasks, settings, lock_bar
        self.venue: dict | None = None
        self._closed = False
        tasks.changed.connect(self._changed)

        # -- not paired: create or join --
        # The name is set in one place (Connections → This door); pairing uses it, and shows it here.
        self.door_name = QLabel()
        self.door_name.setWordWrap(True)
        self.show_door_name("")
        self.key_env = QLineEdit(placeholderText="only where there is no OS keyring: a variable holding the key")
        self.create_button = QPushButton("Create a venue", clicked=self.create_venue)
        self.create_button.setProperty("role", "primary")
        self.key_text = QLineEdit(placeholderText="CV1-… as shown on the first door")
        self.join_button = QPushButton("Join a venue", clicked=lambda: self.join_venue())
        self.image_button = QPushButton("Join from a picture of the QR code…", clicked=self.pick_image)
        self.pair_outcome = OutcomeLine()
        unpaired = QWidget()
        form = QFormLayout(unpaired)
        form.addRow("This door's name", self.door_name)
        form.addRow("Key variable", self.key_env)
        form.addRow(QLabel("The first door of the venue creates it; every other door joins with its key."))
        form.addRow("", self.create_button)
        form.addRow("Venue key", self.key_text)
        row = QHBoxLayout()
        row.addWidget(self.join_button)
        row.addWidget(self.image_button)
        row.addStretch(1)
        form.addRow("", row)
        form.addRow("", self.pair_outcome)

        # -- paired: the venue, and its key behind the PIN --
        self.venue_label = QLabel()
        self.venue_label.setWordWrap(True)
        self.qr = QLabel(alignment=Qt.AlignCenter)
        self.key_label = QLabel(textInteractionFlags=Qt.TextSelectableByMouse)
        self.key_label.setStyleSheet("font-family: monospace; font-size: 15px;")
        self.key_label.setWordWrap(True)
        self.locked_note = QLabel("The pairing key opens every door of this venue: unlock the supervisor tools "
                                  "(Supervisor tab) to show it to the next door.")
        self.locked_note.setWordWrap(True)
        paired = QWidget()
        pl = QVBoxLayout(paired)
        pl.addWidget(self.venue_label)
        pl.addWidget(self.locked_note)
        pl.addWidget(self.qr)
        pl.addWidget(self.key_label)
        self.key_outcome = OutcomeLine()  # why the key cannot be shown (no keyring, no variable)
        pl.addWidget(self.key_outcome)
        pl.addStretch(1)
        self.pages = QStackedWidget()
        self.pages.addWidget(unpaired)
        self.pages.addWidget(paired)
        pair_box = QGroupBox("This door")
        QVBoxLayout(pair_box).addWidget(self.pages)

        # -- replication --
        self.listen = QComboBox()
        self.listen.addItem("The local network (0.0.0.0)", "0.0.0.0")
        self.listen.addItem("This computer only (127.0.0.1)", "127.0.0.1")
        self.listen.setCurrentIndex(max(0, self.listen.findData(settings.door_host)))
        self.port = QSpinBox(minimum=0, maximum=65535, value=settings.door_port)
        self.peers = QLineEdit(settings.door_peers, placeholderText="http://192.168.1.20:8722, … (where multicast is blocked)")
        self.discovery = QCheckBox("Find the other doors automatically (multicast DNS)", checked=settings.door_discovery)
        self.hub_box = HubBox(tasks, settings)  # issue 18: the venue's NATS hub, for big venues
        self.replicate_switch = ServerSwitch(
            tasks, ("Replicate with other doors: off", "Replicate with other doors: on"),
            "Off: this door decides alone; other doors' check-ins do not reach it.",
            [self.listen, self.port, self.peers, self.discovery, self.hub_box.use_hub, self.hub_box.address],
            "turn replication off to change it")
        self.replicate_switch.serve(self._starter, DoorRunner.stop)
        self.replicate_switch.switchedOn.connect(lambda _runner: self._switched(True))
        self.replicate_switch.switchedOff.connect(lambda: self._switched(False))
        self.replicate_switch.failed.connect(self.failed)
        self.switch, self.run_outcome = self.replicate_switch.button, self.replicate_switch.outcome
        self.model = RowsModel(_COLUMNS, self)
        self.table = table_view(self.model)
        self.summary = QLabel()
        self.repl_box = QGroupBox("Replicate with other doors")
        form = QFormLayout()
        form.addRow("Listen on", self.listen)
        form.addRow("Port", self.port)
        form.addRow("Other doors", self.peers)
        form.addRow("", self.discovery)
        rl = QVBoxLayout(self.repl_box)
        rl.addLayout(form)
        rl.addWidget(self.hub_box)
        rl.addWidget(self.replicate_switch)
        rl.addWidget(self.table, 1)
        rl.addWidget(self.summary)
        self.held_back = HeldBackBox()  # quarantined rows and forged_row alarms (issue 14)
        rl.addWidget(self.held_back, 1)
        enable(self.repl_box, "create or join a venue first (left)")

        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 8, 12, 12)
        lay.addWidget(pair_box, 2)
        lay.addWidget(self.repl_box, 3)

        self.timer = QTimer(self, interval=REFRESH_MS, timeout=self.refresh)
        lock_bar.unlocked.connect(self._show_key)

    # -- pairing ----------------------------------------------------------------------------------

    def load(self, resume: bool = False) -> None:
        """Read whether this door is paired; with `resume`, switch replication back on if it was on."""
        def loaded(venue: dict | None) -> None:
            self._show_venue(venue)
            if venue is None or not resume:
                return
            replicate = self.settings.replicate and not self.on
            if self.settings.hub_run and not self.hub_box.run_switch.on:
                if replicate:  # after the hub: replication may go through it
                    self.hub_box.run_switch.switchedOn.connect(lambda _s: self.flip(True), Qt.SingleShotConnection)
                self.hub_box.resume()
            elif replicate:
                self.flip(True)
        self.tasks.read(lambda app: doors.venue(app.store), loaded)

    def _show_venue(self, venue: dict | None) -> None:
        self.venue = venue
        self.pages.setCurrentIndex(1 if venue else 0)
        enable(self.repl_box, None if venue is not None else "create or join a venue first (left)")
        if venue:
            self.venue_label.setText(f"This door is <b>{venue['door']}</b> of venue {venue['venue_id']}.")
            self._show_key(self.lock_bar.is_unlocked)
            self.refresh()

    def show_door_name(self, name: str) -> None:
        self.door_name.setText(f"<b>{html.escape(name)}</b> (change it in Connections → This door)" if name else
                               "No name yet: name the door in Connections → This door, or pairing names it "
                               "\"Door\" and its device id")

    def _key_env(self) -> str | None:
        return self.key_env.text().strip() or None

    def create_venue(self) -> None:
        key_env, data_dir = self._key_env(), self.tasks.data_dir
        self.pair_outcome.working("Creating the venue…")  # under the door's name kept in its data dir
        self.tasks.net(lambda: doors.create_venue_at(data_dir, None, key_env), self._paired, self._pair_failed)

    def join_venue(self, image: str | None = None) -> None:
        """Join with the typed key, or the key in a picture of its QR code."""
        key_env, text, data_dir = self._key_env(), self.key_text.text().strip(), self.tasks.data_dir
        self.pair_outcome.working("Joining…")
        self.tasks.net(lambda: doors.join_venue_at(data_dir, text, None, key_env, image=image),
                       self._paired, self._pair_failed)

    def pick_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Picture of the venue key's QR code", "",
                                              "Images (*.png *.jpg *.jpeg)")
        if path:
            self.join_venue(image=path)

    def _paired(self, venue: dict) -> None:
        self.key_text.clear()
        self._say(f"This door is {venue['door']} of venue {venue['venue_id']}", True)
        self._show_venue(venue)
        self.paired.emit(venue)

    def _say(self, text: str, ok: bool) -> None:
        self.pair_outcome.say(text, ok)
        if not ok:
            self.failed.emit(text)

    def _pair_failed(self, exc: BaseException) -> None:
        self.tasks.explain(exc, lambda reason: self._say(reason, False))

    def _show_key(self, unlocked: bool) -> None:
        """Show the key (QR and text) while the supervisor tools are unlocked; wipe it when locked."""
        self.qr.clear()
        self.key_label.clear()
        self.key_outcome.clear()
        self.locked_note.setVisible(not unlocked)
        if not unlocked or self.venue is None:
            return
        data_dir = self.tasks.data_dir

        def shown(info: dict) -> None:
            if not self.lock_bar.is_unlocked:  # locked again while the key was read
                return
            pixmap = QPixmap()
            pixmap.loadFromData(info["png"], "PNG")
            self.qr.setPixmap(pixmap)
            self.key_label.setText(f"Venue key (secret): {info['text']}")
            self.pairingShown.emit(info["venue_id"])

        self.tasks.net(lambda: doors.pairing_at(data_dir), shown,
                       lambda exc: self.tasks.explain(exc, lambda reason: self.key_outcome.say(reason, False)))

    # -- replication -------------------------------------------------------------------------------

    @property
    def runner(self) -> DoorRunner | None:
        """The running replicator (this door's server and its pulls from the others), or None."""
        return self.replicate_switch.server

    @property
    def on(self) -> bool:
        return self.replicate_switch.on

    def flip(self, on: bool) -> None:
        """Start or stop replicating (the switch's click); the choice persists for the next start."""
        self.replicate_switch.flip(on)

    def _starter(self):
        """The form, read now (a typo in the address list refuses); the job that starts the runner."""
        peers = doors.peer_urls(self.peers.text())
        hub = self.hub_box.hub_url()
        data_dir, host, port, discovery = self.tasks.data_dir, self.listen.currentData(), self.port.value(), \
            self.discovery.isChecked()
        self.settings.door_host, self.settings.door_port = host, port
        self.settings.door_peers, self.settings.door_discovery = self.peers.text(), discovery
        on_applied = self.tasks.relay.bind(self._applied)

        def start() -> DoorRunner:
            runner = DoorRunner(data_dir, host=host, port=port, peers=peers, discovery=discovery,
                                on_applied=on_applied, hub=hub)
            try:
                return runner.start()
            except BaseException:
                runner.app.close()
                raise

        return start

    def _switched(self, on: bool) -> None:
        self.settings.replicate = on
        if on:
            through = f" through the hub {self.runner.hub.url} (the doors directly while it is down)" \
                if self.runner.hub else ""
            self.replicate_switch.show_on(f"On: this door serves at {self.runner.url} and replicates with every "
                                          f"door it knows{through}.")
            self.timer.start()
        else:
            self.timer.stop()
        self.refresh()
        self.switched.emit(on)

    def _applied(self, report) -> None:
        """Another door's rows were applied here (GUI thread): every view that shows them hears it."""
        self.tasks.announce(Changes(journal=True, tickets=bool(report.tickets), peers=True,
                                    conflicts=bool(report.conflicts or report.alarms or report.quarantined
                                                   or report.settled)),
                            within_ms=CATCH_UP_MS)
        self.applied.emit(report)

    def _changed(self, changes: Changes, _source) -> None:
        if changes.peers:
            self.refresh()

    def refresh(self) -> None:
        """Re-read the doors table (read lane)."""
        if self.venue is not None and not self._closed:
            self.tasks.read(lambda app: doors.status(app.store).to_dict(), self._show_status)

    def _show_status(self, st: dict) -> None:
        self.model.set_rows(st["doors"])
        connected = sum(1 for d in st["doors"] if d["connected"])
        self.summary.setText(f"{len(st['doors'])} other door(s) known, {connected} connected; "
                             f"{st['journal_rows']:,} journal rows here; {st['open_conflicts']} open conflict(s)"
                             + "".join(f"\n{n}" for n in st.get("notices") or []))
        self.held_back.show_status(st)
        self.hub_box.show_status(st.get("hub"), self.on)
        self.statusRead.emit(st, self.on)

    def shutdown(self) -> None:
        """Stop replicating with the window (synchronously: the app is closing)."""
        self._closed = True
        self.timer.stop()
        self.replicate_switch.shutdown()
        self.hub_box.shutdown()
