"""The real main window on the test X server, shown, active and ready to scan."""
from __future__ import annotations

from pathlib import Path

from checkin_app.gui.app import open_window
from tests.factories import seeded_store


def open_door_window(qtbot, keyboard, data_dir: Path, *, seed: bool = True, **kw):
    """`checkin_app.gui.app.open_window` on `data_dir` (seeded with `tests.factories.seeded_store`
    unless `seed` is False), shown and activated through the window manager; returns once the
    database lane is open. Keyword arguments go to `open_window` (sync_interval_s defaults to 0)."""
    if seed:
        seeded_store(data_dir).close()
    kw.setdefault("sync_interval_s", 0)
    window = open_window(data_dir, **kw)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.tasks.dbReady, timeout=20_000):
        window.show()
    qtbot.waitExposed(window)
    keyboard.activate(window, qtbot)
    return window
