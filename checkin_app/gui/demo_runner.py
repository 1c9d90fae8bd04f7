"""`checkin-app demo` inside the window: sync the sandbox box office, then let tickets scan themselves.

The sync runs in the network pool through the real client; the demo video (rendered tickets held
up to a door camera, `scanning.synth`) is written in the pool too, then played through the same
`CameraWorker` a webcam would use, so the codes are really decoded from pixels.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal

from checkin_app.demo import Demo
from checkin_app.domain.changes import SYNC
from checkin_app.gui.main_window import MainWindow
from checkin_app.scanning.synth import write_ticket_video
from checkin_app.services.syncing import throttled

FPS = 15.0
HOLD, GAP = 12, 28  # frames a ticket is held up, and frames between tickets: one ticket every ~2.7 s
FIRST_ROUND = 4  # a short first video starts sooner, and still shows admitted, already in and void


class DemoRunner(QObject):
    """Drives the demo in a main window.

    Args:
        window: the main window (open on `demo.data_dir`).
        demo: the started demo box office.
        tickets_per_round: fresh arrivals in each demo video after the first (a new video follows each).

    Signals:
        progress(int): tickets downloaded so far.
        synced(dict): the first sync finished (`SyncReport.to_dict()`).
        videoStarted(str): a demo video started playing (its path).
    """

    progress = Signal(int)
    synced = Signal(dict)
    videoStarted = Signal(str)

    def __init__(self, window: MainWindow, demo: Demo, tickets_per_round: int = 10):
        super().__init__(window)
        self.window, self.demo, self.per_round = window, demo, tickets_per_round
        self.round = 0
        self._used = 0  # fresh arrivals used by earlier videos
        self.codes: list[str] = []
        self.progress.connect(lambda n: window.door.camera.set_message(
            f"Demo: downloading the Sandbox Music Hall's attendees… {n:,}"))

    def start(self) -> None:
        self.window.door.camera.set_message("Demo: connecting to the Sandbox Music Hall box office…")
        progress, demo = self.window.tasks.relay.bind(lambda _what, n: self.progress.emit(n)), self.demo
        self.window.tasks.net(lambda: demo.sync(progress=throttled(progress)), self._synced, changes=SYNC)

    def _synced(self, report) -> None:
        # From now on the door's check-ins go back to the box office like any door's.
        self.window.start_background_sync(10.0)
        self.synced.emit(report.to_dict())
        self.next_video()

    def next_video(self) -> None:
        """Write the next video of arrivals (network pool: it is CPU work), then play it."""
        self.round += 1
        path = self.demo.data_dir / f"demo-{self.round}.avi"
        fresh = FIRST_ROUND if self.round == 1 else self.per_round
        codes = self.demo.door_codes(fresh, skip=self._used)
        self._used += fresh
        self.codes = codes
        self.window.door.camera.set_message("Demo: tickets are on their way to the camera…")
        self.window.tasks.net(lambda: write_ticket_video(path, codes, fps=FPS, hold=HOLD, gap=GAP), self._play)

    def _play(self, path) -> None:
        self.window.cameraStarted.connect(self._camera_started, Qt.SingleShotConnection)
        self.window.start_camera(str(path), pace=True)
        self._path = str(path)

    def _camera_started(self, worker) -> None:
        worker.finished.connect(self._video_ended)
        self.videoStarted.emit(self._path)

    def _video_ended(self) -> None:
        if self.window.camera_worker is not None:  # None: stopped (another camera, or the window closed)
            self.next_video()
