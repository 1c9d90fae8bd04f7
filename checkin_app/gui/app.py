"""Starting the GUI: the QApplication, its style, the main window, crash handling, the demo."""
from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from checkin_app import paths
from checkin_app.errors import CheckinError
from checkin_app.gui import qt_version
from checkin_app.gui.main_window import MainWindow
from checkin_app.gui.settings import Settings
from checkin_app.gui.style import STYLE_SHEET


def has_display() -> bool:
    """False on a Linux machine with no screen to open a window on (a server, SSH, a container)."""
    return not sys.platform.startswith("linux") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM"))


def check_display() -> None:
    """A one-line error instead of Qt aborting when there is no screen to open a window on."""
    if not has_display():
        raise CheckinError("no display to open a window on (DISPLAY is not set); on a server try "
                           "`xvfb-run checkin-app demo`, or use the command-line commands")


def qt_app() -> QApplication:
    """The running QApplication, or a new one with the app's style."""
    qt_version.check()
    app = QApplication.instance()
    if app is None:
        check_display()
        app = QApplication(sys.argv[:1])
    # PySide releases the GIL around Qt calls; with a CPU-bound sync thread running, each
    # re-acquisition can wait a whole switch interval (5 ms by default), and a repaint makes many
    # such calls (the convoy effect). 1 ms keeps the event loop's ticks short during a sync.
    sys.setswitchinterval(0.001)
    app.setApplicationName("checkin-app")
    app.setStyle("Fusion")
    app.setStyleSheet(STYLE_SHEET)
    font = QFont(app.font())
    font.setPointSize(max(font.pointSize(), 11))
    app.setFont(font)
    return app


def open_window(data_dir: Path, *, camera=None, sync_interval_s: float = 30.0, freeze_gc: bool = False) -> MainWindow:
    """The main window for a data dir (not shown yet), with crash handling installed.

    Args:
        freeze_gc: the process is the app itself (not a test): see below.
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    window = MainWindow(data_dir, Settings(data_dir), camera=camera, sync_interval_s=sync_interval_s)
    window.crash.install()
    if freeze_gc:
        # Everything built so far lives as long as the window: move it out of the collector's way,
        # so a full collection during a 100,000-ticket sync scans only new objects. Measured: the
        # longest event-loop stall of such a sync fell from 56-233 ms to 14-16 ms.
        gc.collect()
        gc.freeze()
    return window


def when_door_ready(window: MainWindow, callback) -> None:
    """Call `callback` once the door can scan and shows its counters and status (call before `exec`)."""
    pending = {"db", "counters", "status"}

    def done(part: str) -> None:
        if part in pending:
            pending.discard(part)
            if not pending:
                callback()

    window.tasks.dbReady.connect(lambda: done("db"))
    window.door.countersChanged.connect(lambda _c: done("counters"))
    window.statusShown.connect(lambda _s: done("status"))


def run(data_dir: str | Path | None = None, *, quit_after_s: float | None = None, quit_when_ready: bool = False) -> int:
    """`checkin-app`: the window for a data dir, scanning from the camera its settings name.

    Args:
        quit_when_ready: print "door ready" once the door can scan, then close (smoke tests and
            start-up timing of a packaged build).

    Returns:
        The exit status.
    """
    app = qt_app()
    data_dir = paths.data_dir(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    window = open_window(data_dir, camera=Settings(data_dir).camera, freeze_gc=True)
    if quit_when_ready:
        def ready() -> None:
            print("door ready", flush=True)
            QTimer.singleShot(0, window.close)

        when_door_ready(window, ready)
    window.show()
    if quit_after_s:
        QTimer.singleShot(int(quit_after_s * 1000), window.close)
    return app.exec()


def run_demo(data_dir: str | Path | None = None, *, quit_after_s: float | None = None) -> int:
    """`checkin-app demo`: the sandbox box office, synced and scanned by a demo video.

    Args:
        data_dir: `--data-dir`: the demo keeps its data there; default: a temporary dir.
    """
    from checkin_app.demo import Demo
    from checkin_app.gui.demo_runner import DemoRunner

    app = qt_app()
    demo = Demo(Path(data_dir) if data_dir else None)
    try:
        data_dir = demo.start()  # names the door "Demo door" in its data dir
        window = open_window(data_dir, sync_interval_s=0, freeze_gc=True)  # the runner starts it after the first sync
        window.setWindowTitle("checkin-app demo · Sandbox Music Hall (simulated Ticket Tailor box office)")
        runner = DemoRunner(window, demo)
        window.show()
        runner.start()
        if quit_after_s:
            QTimer.singleShot(int(quit_after_s * 1000), window.close)
        return app.exec()
    finally:
        demo.stop()
