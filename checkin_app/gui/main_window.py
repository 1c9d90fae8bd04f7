"""The main window: the status strip on top, then Door, Supervisor, Live stats, Connections, Doors.

It owns the background lanes (`Tasks`), the sync loop, the camera worker and the app-wide
scanner filter, and wires them to the views. Window geometry and the open tab persist.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget, QVBoxLayout, QWidget

from checkin_app import paths
from checkin_app.domain.rules import Mode
from checkin_app.gui.camera import CameraWorker
from checkin_app.gui.connections_view import ConnectionsView
from checkin_app.gui.crash import CrashHandler
from checkin_app.gui.door_settings import DoorSettings
from checkin_app.gui.door_view import DoorView
from checkin_app.gui.doors_panel import DoorsPanel
from checkin_app.gui.settings import Settings
from checkin_app.gui.sounds import Sounds
from checkin_app.gui.stats_view import StatsView
from checkin_app.gui.status_strip import StatusStrip
from checkin_app.gui.supervisor import SupervisorView
from checkin_app.gui.tasks import Tasks
from checkin_app.gui.wedge_filter import WedgeFilter
from checkin_app.services import doors
from checkin_app.services.scanner import door_pipeline
from checkin_app.services.status import door_status
from checkin_app.sync.loop import SyncLoop

ICON = Path(__file__).resolve().parents[2] / "resources" / "icon.png"


class _SyncRelay(QObject):
    """GUI-thread object: the sync loop's thread reports here (queued)."""

    reported = Signal(object)


class MainWindow(QMainWindow):
    """The application window for one data dir.

    Args:
        data_dir: the data dir.
        settings: its GUI settings.
        camera: a `CameraChoice` (by name), a camera index or video path to scan from, or None for no camera.
        sync_interval_s: seconds between background sync rounds (0: no background sync).
        sounds: the cue player (default: from the settings).

    Signals:
        statusShown(dict): the status strip was updated (`DoorStatus.to_dict()`).
        cameraStarted(object): a `CameraWorker` started decoding.
        messageShown(str): an environment error was shown to the user.
    """

    statusShown = Signal(dict)
    messageShown = Signal(str)
    cameraStarted = Signal(object)

    def __init__(self, data_dir: Path, settings: Settings, *, camera: int | str | None = None,
                 sync_interval_s: float = 30.0, sounds: Sounds | None = None):
        super().__init__()
        self.data_dir, self.settings = Path(data_dir), settings
        door_name = settings.door_name
        self.setWindowTitle(f"checkin-app · {door_name or 'Door'} · {self.data_dir}")
        if ICON.exists():
            self.setWindowIcon(QIcon(str(ICON)))
        self.tasks = Tasks(self.data_dir, door=door_name)
        self.sounds = sounds or Sounds(settings.sound)
        self.crash = CrashHandler(self.show_message, self, paths.log_dir(self.data_dir) / "checkin.log")
        self.tasks.error.connect(self.show_message)
        self.tasks.crashed.connect(self.crash.crashed)
        self.messages: list[str] = []

        self.status = StatusStrip()
        self.status.set_door(door_name or "")
        self.door = DoorView(self.tasks, self.sounds)
        self.supervisor = SupervisorView(self.tasks, settings)
        self.stats = StatsView(self.tasks)
        self.connections = ConnectionsView(self.tasks)
        self.door_settings = DoorSettings(self.tasks, settings, self.sounds)
        self.connections.right.insertWidget(0, self.door_settings)
        self.door_settings.renamed.connect(self._renamed)
        self.door_settings.cameraChosen.connect(self.use_camera)
        self.doors = DoorsPanel(self.tasks, settings, self.supervisor.lock_bar)
        self.tabs = QTabWidget()
        for view, title in ((self.door, "Door"), (self.supervisor, "Supervisor"), (self.stats, "Live stats"),
                            (self.connections, "Connections"), (self.doors, "Doors")):
            self.tabs.addTab(view, title)
        self.tabs.currentChanged.connect(self._tab_shown)
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.status)
        lay.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.footer = QLabel()
        self.statusBar().addWidget(self.footer, 1)

        self.supervisor.changed.connect(self.door.refresh)
        self.connections.changed.connect(self.refresh_all)
        self.connections.message.connect(lambda text, _ok: self.footer.setText(text))
        self.door.exit_button.toggled.connect(lambda on: setattr(self.settings, "exit_mode", on))
        self.doors.statusRead.connect(lambda st, on: self.status.show_doors(st if on else None))
        self.doors.switched.connect(lambda on: on or self.status.show_doors(None))
        self.doors.applied.connect(self._rows_from_doors)
        self.doors.paired.connect(self._paired)
        # Another door's rows arrive in bursts while catching up: one refresh per burst.
        self._doors_refresh = QTimer(self, singleShot=True, interval=250, timeout=self.refresh_all)
        if settings.exit_mode:
            self.door.set_mode(Mode.EXIT)

        # A USB scanner's bursts become door scans wherever the focus is, except in password fields
        # and text fields outside the Door tab (those keep their keys); typing on the Door tab goes
        # to the code field.
        self.wedge = WedgeFilter(home=self.door, parent=self).install()
        self.wedge.scanned.connect(self._scanned_by_wedge)
        self.wedge.layoutWarning.connect(self.show_message)
        self.camera_worker: CameraWorker | None = None
        self._camera_request: object | None = None
        if camera is not None:
            self.start_camera(camera)

        self._sync_relay = _SyncRelay(self)
        self._sync_relay.reported.connect(lambda _r: self.refresh_all())
        self.sync_interval_s = sync_interval_s
        self.sync_loop: SyncLoop | None = None
        self._status_timer = QTimer(self, interval=10_000, timeout=self.refresh_status)
        self._status_timer.start()
        self.tasks.readReady.connect(self._ready)
        self._shortcuts()
        self._restore()

    # -- start-up and refresh ----------------------------------------------------------------------

    def _ready(self) -> None:
        if self.tasks is None:  # the window closed before the read lane opened
            return
        self.refresh_all()
        self.doors.load(resume=True)
        if self.sync_interval_s > 0:
            self.start_background_sync(self.sync_interval_s)

    def start_background_sync(self, interval_s: float) -> None:
        """Push and pull every connection every `interval_s` seconds, on the sync loop's thread."""
        if self.sync_loop is None and self.tasks is not None:
            self.sync_loop = SyncLoop(self.data_dir, interval_s=interval_s, on_report=self._sync_relay.reported.emit)
            self.sync_loop.start()

    def refresh_all(self) -> None:
        if self.tasks is None:  # closed: late signals find nothing to refresh
            return
        self.refresh_status()
        self.door.refresh()
        current = self.tabs.currentWidget()
        if current is self.stats:
            self.stats.refresh()
        elif current is self.connections:
            self.connections.refresh()

    def refresh_status(self) -> None:
        if self.tasks is None:
            return
        self.tasks.read(lambda app: door_status(app.store).to_dict(), self._show_status)

    def _show_status(self, st: dict) -> None:
        self.status.show_status(st)
        self.statusShown.emit(st)

    def _tab_shown(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if widget is self.stats:
            self.stats.refresh()
        elif widget is self.connections:
            self.connections.refresh()
        elif widget is self.doors:
            self.doors.refresh()
        elif widget is self.door:
            self.door.entry.setFocus()

    def _rows_from_doors(self, report) -> None:
        """Another door's check-ins were applied here: re-read counters, last scans, stats, conflicts."""
        if self.tasks is None:
            return
        if not self._doors_refresh.isActive():
            self._doors_refresh.start()
        if report.conflicts:
            self.supervisor.conflicts.refresh()

    def _shortcuts(self) -> None:
        for n in range(self.tabs.count()):
            QShortcut(QKeySequence(f"Ctrl+{n + 1}"), self, activated=lambda n=n: self.tabs.setCurrentIndex(n))
        QShortcut(QKeySequence("F2"), self, activated=lambda: self.door.set_mode(
            Mode.ENTRY if self.door.mode is Mode.EXIT else Mode.EXIT))
        QShortcut(QKeySequence("Escape"), self.door, activated=self.door.verdict.clear)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=lambda: (self.tabs.setCurrentWidget(self.supervisor),
                                                                   self.supervisor.query.setFocus()))

    def _paired(self, venue: dict) -> None:
        """The door joined (or created) a venue under a name: its scans carry that name from now on."""
        self.door_settings.name.setText(venue["door"])
        self.door_settings.save()

    def _renamed(self, name: str) -> None:
        if name and self.tasks is not None:  # the other doors see the same name (from the next start)
            self.tasks.db(lambda app: doors.set_door_name(app.store, name))
        self.status.set_door(name)
        self.setWindowTitle(f"checkin-app · {name or 'Door'} · {self.data_dir}")

    # -- scanning sources ------------------------------------------------------------------------

    def _scanned_by_wedge(self, code: str) -> None:
        self.tabs.setCurrentWidget(self.door)
        self.door.submit(code)

    def start_camera(self, source, *, pace: bool = False) -> None:
        """Scan from a camera index, a video file or a frame source (replacing any running one).

        The pipeline decodes only what this door's providers issue (`services.scanner`); it is
        built on the database lane, then `cameraStarted(worker)` says the camera is running.
        """
        self.stop_camera()
        self.door.camera.set_message("Starting the camera…")
        self._camera_request = request = object()
        decoder = self.settings.decoder
        self.tasks.db(lambda app: door_pipeline(app.store, decoder),
                      lambda pipeline: self._start_camera_with(request, source, pace, pipeline))

    def _start_camera_with(self, request, source, pace: bool, pipeline) -> None:
        if request is not self._camera_request or self.tasks is None:
            return  # another camera was chosen meanwhile, or the window closed
        worker = CameraWorker(source, pipeline, pace=pace, parent=self)
        worker.scanned.connect(lambda code, _symbology: self.door.submit(code))
        worker.preview.connect(self.door.camera.set_frame)
        worker.failed.connect(self.door.camera.set_message)
        worker.status.connect(self.door.camera.set_status)  # unplugged / back: on the Door tab
        worker.status.connect(self.door_settings.camera.show_status)
        self.door.camera.set_notice(worker.decoder_note)  # pyzbar without libzbar: said, not only logged
        self.door_settings.camera.show_decoder_note(worker.decoder_note)
        self.camera_worker = worker
        worker.start()
        self.cameraStarted.emit(worker)

    def use_camera(self, choice) -> None:
        """Scan from this camera (a `CameraChoice`), or from none (the USB scanner and typing still work)."""
        if choice is None:
            self.stop_camera()
            self.door.camera.set_message("No camera: use a USB scanner or type the code")
        else:
            self.start_camera(choice)

    def stop_camera(self) -> None:
        self._camera_request = None
        if self.camera_worker is not None:
            self.camera_worker.stop()
            self.camera_worker = None

    # -- messages --------------------------------------------------------------------------------

    def show_message(self, text: str) -> None:
        """An environment error: a message box that does not block the door, and the status bar."""
        self.messages.append(text)
        self.footer.setText(text)
        box = QMessageBox(QMessageBox.Warning, "checkin-app", text, QMessageBox.Ok, self)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.open()
        self.messageShown.emit(text)

    # -- window state ----------------------------------------------------------------------------

    def _restore(self) -> None:
        """The size and place of last time; always the Door tab with the code field focused (a door
        laptop restarted mid-event must be ready to scan, whatever tab a supervisor left open)."""
        geometry, _tab = self.settings.window_state()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 800)
        self.tabs.setCurrentWidget(self.door)
        self.door.entry.setFocus()

    def closeEvent(self, event) -> None:
        self.settings.save_window_state(self.saveGeometry(), self.tabs.currentIndex())
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop the camera, the sync loop and the lanes (idempotent)."""
        for timer in self.findChildren(QTimer):  # periodic refreshes would find no lanes
            timer.stop()
        self.stop_camera()
        self.connections.webhooks_box.shutdown()
        self.doors.shutdown()
        self.wedge.uninstall()
        if self.sync_loop is not None:
            self.sync_loop.stop()
            self.sync_loop = None
        if self.tasks is not None:
            self.tasks.shutdown()
            self.tasks = None
        self.sounds.close()
        self.crash.uninstall()
