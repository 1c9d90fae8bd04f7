"""Regression: PySide6 6.12.0 on Python 3.11 aborts after ~500 Signal.emit calls (bool_dealloc).

DESIGN.md pins PySide6-Essentials below 6.12 on Python < 3.12. If someone lifts the pin while the
bug is still there, this test kills the test process instead of passing.
"""
from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal(bool, object)


def test_thousands_of_direct_emits(qtbot):
    e, got = _Emitter(), []
    e.fired.connect(lambda flag, payload: got.append(flag))
    for i in range(5000):
        e.fired.emit(True, i)
    assert len(got) == 5000 and all(got)


def test_thousands_of_worker_results_relayed_to_the_gui_thread(qtbot, tasks):
    done = []
    for _ in range(3000):
        tasks.net(lambda: True, done.append)
    qtbot.waitUntil(lambda: len(done) == 3000, timeout=60_000)
    assert all(done)
