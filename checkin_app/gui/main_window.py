"""The main window: the status strip on top, then Door, Supervisor, Live stats, Connections, Doors.

It owns the background lanes (`Tasks`), the sync loop, the camera worker and the app-wide
scanner filter, and wires them to the views. Window geometry and the open tab persist.

Door laptops are small (1366×768 is the commonest, 1024×600 exists): every page but the Door
scrolls when the window is smaller than it (`pages.Pages`), the Door fits as it is, and F11 is
a full-screen door mode. A verdict made while another tab is open comes up over that tab.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QVBoxLayout, QWidget

from checkin_app import paths
from checkin_app.domain.changes import SYNC, Changes
from checkin_app.domain.rules import Mode
from checkin_app.errors import CheckinError
from checkin_app.gui.badge_sender import BadgeSender
from checkin_app.gui.badge_settings import BadgeSettings
from checkin_app.gui.camera import CameraWorker
from checkin_app.gui.connections_view import ConnectionsView
from checkin_app.gui.crash import CrashHandler
from checkin_app.gui.door_settings import DoorSettings
from checkin_app.gui.door_view import DoorView
from checkin_app.gui.doors_panel import DoorsPanel
from checkin_app.gui.first_run import FirstRunWizard
from checkin_app.gui.kiosk import KioskWindow
from checkin_app.gui.pages import Pages
from checkin_app.gui.plain_words import plain_error
from checkin_app.gui.settings import Settings
from checkin_app.gui.sounds import Sounds
from checkin_app.gui.stats_view import StatsView
from checkin_app.gui.status_strip import StatusStrip
from checkin_app.gui.style import app_icon
from checkin_app.gui.supervisor import SupervisorView
from checkin_app.gui.tasks import Tasks
from checkin_app.gui.verdict import VerdictOverlay
from checkin_app.gui.wedge_filter import WedgeFilter
from checkin_app.services.scanner import door_pipeline
from checkin_app.services.status import DoorStatus, door_status
from checkin_app.sync.loop import SyncLoop

FIRST_SIZE = (1280, 800)  # the window's size on first start, where the screen has room for it


class MainWindow(QMainWindow):
    """The application window for one data dir.

    Args:
        data_dir: the data dir.
        settings: its GUI settings.
        camera: a `CameraChoice` (by name), a camera index or video path to scan from, or None for no camera.
        sync_interval_s: seconds between background sync rounds (0: no background sync).
        sounds: the cue player (default: from the settings).

    Signals:
        statusShown(DoorStatus): the status strip was updated.
        cameraStarted(object): a `CameraWorker` started decoding.
        messageShown(str): an environment error was shown to the user.
        kioskOpened(KioskWindow): self check-in took the screen (this window is hidden until its PIN).
    """

    statusShown = Signal(object)
    messageShown = Signal(str)
    kioskOpened = Signal(object)
    cameraStarted = Signal(object)

    def __init__(self, data_dir: Path, settings: Settings, *, camera: int | str | None = None,
                 sync_interval_s: float = 30.0, sounds: Sounds | None = None):
        super().__init__()
        self.data_dir, self.settings = Path(data_dir), settings
        self.setWindowTitle(f"checkin-app · Door · {self.data_dir}")  # the door's name once read (`_renamed`)
        self.setWindowIcon(app_icon())
        self.tasks = Tasks(self.data_dir)  # each lane's App reads the door's name from the data dir
        self.sounds = sounds or Sounds(settings.sound)
        self.crash = CrashHandler(self.show_message, self, paths.log_dir(self.data_dir) / "checkin.log")
        self.tasks.error.connect(self.show_message)
        self.tasks.crashed.connect(self.crash.crashed)
        self.messages: list[str] = []
        self.last_status: DoorStatus | None = None  # the door's latest status

        self.status = StatusStrip()
        self.door = DoorView(self.tasks, self.sounds)
        self.badges = BadgeSender(self.tasks, settings, self)
        self.supervisor = SupervisorView(self.tasks, settings, badges=self.badges)
        self.stats = StatsView(self.tasks)
        self.connections = ConnectionsView(self.tasks)
        self.door_settings = DoorSettings(self.tasks, settings, self.sounds)
        self.connections.right.insertWidget(0, self.door_settings)
        self.badge_settings = BadgeSettings(settings)
        self.connections.right.insertWidget(1, self.badge_settings)
        self.badge_settings.kioskRequested.connect(self.open_kiosk)
        self.kiosk: KioskWindow | None = None
        self.door_settings.renamed.connect(self._renamed)
        self.door_settings.cameraChosen.connect(self.use_camera)
        self.door_settings.listsChosen.connect(lambda _names: self.door.refresh())  # the Door tab names the list
        self.doors = DoorsPanel(self.tasks, settings, self.supervisor.lock_bar)
        self.tabs = Pages()
        for view, title in ((self.door, "Door"), (self.supervisor, "Supervisor"), (self.stats, "Live stats"),
                            (self.connections, "Connections"), (self.doors, "Doors")):
            self.tabs.add_page(view, title, scroll=view is not self.door)
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
        self.overlay = VerdictOverlay(central)
        self.overlay.opened.connect(lambda: self.tabs.setCurrentWidget(self.door))
        self.door.verdictShown.connect(self._verdict_to_front)
        self.door.verdictShown.connect(self.badges.on_verdict)
        self.badges.failed.connect(lambda _tid, why: self.show_message(f"No badge printed: {why}"))
        self.door.connectRequested.connect(self.open_first_run)
        self.door_mode = False
        self._maximised_before_door_mode = False
        self._first_run = None

        self.tasks.changed.connect(self._changed)
        self.supervisor.conflictsCounted.connect(lambda n: self.tabs.setTabText(
            self.tabs.indexOf(self.supervisor), f"Supervisor ({n})" if n else "Supervisor"))
        self.connections.message.connect(lambda text, _ok: self.footer.setText(plain_error(text, self.last_status)))
        self.doors.statusRead.connect(lambda st, on: self.status.show_doors(st if on else None))
        self.doors.switched.connect(lambda on: on or self.status.show_doors(None))
        self.doors.paired.connect(self._paired)
        # Exit mode is never restored: a restarted door lets people in until someone chooses Exit.

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

        self.sync_interval_s = sync_interval_s
        self.sync_loop: SyncLoop | None = None
        # The status strip says how long ago the last sync was and whether the provider answers:
        # time passes and the network comes and goes outside the app, so this one keeps a timer.
        self._status_timer = QTimer(self, interval=10_000, timeout=self.refresh_status)
        self._status_timer.start()
        self.tasks.readReady.connect(self._ready)
        self._shortcuts()
        self._restore()

    # -- start-up and refresh ----------------------------------------------------------------------

    def _ready(self) -> None:
        self.refresh_all()
        self.supervisor.conflicts.refresh()  # the conflicts badge counts from the start, locked or not
        self.door_settings.load()
        self.doors.load(resume=True)
        if self.sync_interval_s > 0:
            self.start_background_sync(self.sync_interval_s)

    def start_background_sync(self, interval_s: float) -> None:
        """Push and pull every connection every `interval_s` seconds, on the sync loop's thread."""
        if self.sync_loop is None and not self.tasks.closed:
            # Each connection's round is announced like any act (from the loop's thread, via the relay).
            self.sync_loop = SyncLoop(self.data_dir, interval_s=interval_s,
                                      on_report=self.tasks.relay.bind(lambda _r: self.tasks.announce(SYNC), owner=self))
            self.sync_loop.start()

    def refresh_all(self) -> None:
        """Re-read everything on show (start-up): the status strip, the door, the open tab."""
        self.refresh_status()
        self.door.refresh()
        current = self.tabs.currentWidget()
        if current is self.stats:
            self.stats.refresh()
        elif current is self.connections:
            self.connections.refresh()

    def _changed(self, changes: Changes, _source) -> None:
        """Data changed: the status strip counts tickets, check-ins, events and connections."""
        if changes.any_of("tickets", "journal", "events", "connections"):
            self.refresh_status()

    def refresh_status(self) -> None:
        self.tasks.read(lambda app: door_status(app.store), self._show_status)

    def _show_status(self, st: DoorStatus) -> None:
        self.last_status = st
        self.status.show_status(st)
        self.door.set_status(st)
        self.statusShown.emit(st)

    def _tab_shown(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if widget is self.door:
            self.overlay.hide()
        elif self.door_mode:
            self.set_door_mode(False)  # another tab asked for: the tab bar comes back
        if widget is self.stats:
            self.stats.refresh()
        elif widget is self.connections:
            self.connections.refresh()
            self.door_settings.load_lists()  # lists made on other doors since
        elif widget is self.doors:
            self.doors.refresh()
        elif widget is self.door:
            self.door.entry.setFocus()

    def _shortcuts(self) -> None:
        for n in range(self.tabs.count()):
            QShortcut(QKeySequence(f"Ctrl+{n + 1}"), self, activated=lambda n=n: self.tabs.setCurrentIndex(n))
        QShortcut(QKeySequence("F2"), self, activated=lambda: self.door.set_mode(
            Mode.ENTRY if self.door.mode is Mode.EXIT else Mode.EXIT))
        QShortcut(QKeySequence("F11"), self, activated=lambda: self.set_door_mode(not self.door_mode))
        QShortcut(QKeySequence("Ctrl+F"), self, activated=lambda: (self.tabs.setCurrentWidget(self.supervisor),
                                                                   self.supervisor.focus_search()))

    def _paired(self, venue: dict) -> None:
        """The door joined (or created) a venue under its name (or a new one): scans carry it from now on."""
        self.door_settings.load()

    def _renamed(self, name: str) -> None:
        self.status.set_door(name)
        self.doors.show_door_name(name)
        self.setWindowTitle(f"checkin-app · {name or 'Door'} · {self.data_dir}")

    # -- scanning sources ------------------------------------------------------------------------

    def _scanned_by_wedge(self, code: str) -> None:
        if self.kiosk is not None:
            self.kiosk.submit(code)
            return
        self.tabs.setCurrentWidget(self.door)
        self.door.submit(code)

    def _scanned_by_camera(self, code: str) -> None:
        (self.kiosk or self.door).submit(code)

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
        if request is not self._camera_request:
            return  # another camera was chosen meanwhile (or none: the window closed)
        worker = CameraWorker(source, pipeline, pace=pace, parent=self)
        worker.scanned.connect(lambda code, _symbology: self._scanned_by_camera(code))
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

    # -- the door in front --------------------------------------------------------------------

    def _verdict_to_front(self, verdict: dict) -> None:
        """Every verdict is seen: on another tab it comes up over the top of that tab."""
        if self.tabs.currentWidget() is not self.door:
            self.overlay.setProperty("top", self.tabs.y() + self.tabs.tabBar().height())
            self.overlay.show_verdict(verdict)

    def set_door_mode(self, on: bool) -> None:
        """F11: the Door alone, full screen (no tab bar or footer); F11 again restores the window."""
        if on == self.door_mode:
            return
        self.door_mode = on
        self.tabs.tabBar().setVisible(not on)
        self.statusBar().setVisible(not on)
        if on:
            self._maximised_before_door_mode = self.isMaximized()
            self.tabs.setCurrentWidget(self.door)
            self.showFullScreen()
        elif self._maximised_before_door_mode:
            self.showMaximized()
        else:
            self.showNormal()

    def open_kiosk(self, checkin_list: str | None = None) -> None:
        """Self check-in: the kiosk full screen in this window's place (its lanes, camera and scanner),
        deciding on `checkin_list` (None: the door's lists); the supervisor PIN brings the window back."""
        if self.kiosk is not None:
            return
        try:
            kiosk = KioskWindow(self.tasks, self.settings, self.sounds, checkin_list=checkin_list)
        except CheckinError as exc:
            self.show_message(str(exc))
            return
        self.kiosk = kiosk
        kiosk.verdictShown.connect(self.badges.on_verdict)
        kiosk.left.connect(self._kiosk_left)
        self.wedge.home = kiosk
        self.hide()
        kiosk.start()
        self.kioskOpened.emit(kiosk)

    def _kiosk_left(self) -> None:
        kiosk, self.kiosk = self.kiosk, None
        self.wedge.home = self.door
        if kiosk is not None:
            kiosk.deleteLater()
        self.show()
        self.activateWindow()
        self.door.entry.setFocus()

    def open_first_run(self) -> None:
        """The short connect wizard (provider, key, tonight's events, door name)."""
        if self._first_run is None:
            self._first_run = FirstRunWizard(self.tasks, self.door_settings, self)
        self._first_run.restart()
        self._first_run.open()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.overlay.isVisible():
            self.overlay.place()

    # -- messages --------------------------------------------------------------------------------

    def show_message(self, text: str) -> None:
        """An environment error: a message box that does not block the door, and the status bar."""
        text = plain_error(text, self.last_status)
        self.messages.append(text)
        self.footer.setText(text)
        if self.kiosk is None:  # no box over self check-in: it waits in the footer for the supervisor
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
            self._first_size()
        self.tabs.setCurrentWidget(self.door)
        self.door.entry.setFocus()

    def _first_size(self) -> None:
        """No saved size: 1280×800, or maximised where the screen is smaller (most door laptops are)."""
        available = self.screen().availableGeometry()
        if available.width() < FIRST_SIZE[0] or available.height() < FIRST_SIZE[1]:
            self.setWindowState(Qt.WindowMaximized)
        else:
            self.resize(*FIRST_SIZE)

    def closeEvent(self, event) -> None:
        self.settings.save_window_state(self.saveGeometry(), self.tabs.currentIndex())
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop the camera, the sync loop and the lanes (idempotent)."""
        for timer in self.findChildren(QTimer):  # periodic refreshes would find no lanes
            timer.stop()
        self.stop_camera()
        if self.kiosk is not None:  # the app is quitting (a signal, a test): the kiosk goes with it
            self.kiosk.dismiss()
            self.kiosk = None
        self.connections.webhooks_box.shutdown()
        self.doors.shutdown()
        self.wedge.uninstall()
        if self.sync_loop is not None:
            self.sync_loop.stop()
            self.sync_loop = None
        self.tasks.shutdown()
        self.sounds.close()
        self.crash.uninstall()
