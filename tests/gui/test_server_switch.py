"""The one start/stop server switch (issue 16 §3): the webhook receiver and the door server both
use it; here it drives a real loopback HTTP server."""
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PySide6.QtWidgets import QLineEdit

from checkin_app.errors import ConfigError
from checkin_app.gui.server_switch import ServerSwitch


class Served:
    """A real server on a free loopback port, started and stopped the way the switch does."""

    def __init__(self):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def switch(qtbot, tasks):
    field = QLineEdit("127.0.0.1")
    sw = ServerSwitch(tasks, ("Serve: off", "Serve: on"), "Off.", [field], "stop serving to change it")
    sw.serve(lambda: Served if field.text() == "127.0.0.1" else _refuse(field.text()), Served.stop)
    qtbot.addWidget(sw)
    qtbot.addWidget(field)
    sw.field = field
    yield sw
    sw.shutdown()


def _refuse(text):
    raise ConfigError(f"not an address: {text}")


def test_the_switch_starts_and_stops_a_real_server_and_locks_its_fields(qtbot, switch):
    with qtbot.waitSignal(switch.switchedOn, timeout=10_000) as on:
        switch.button.click()
    server = on.args[0]
    assert switch.on and listening(server.port) and switch.button.isChecked()
    assert switch.button.text() == "Serve: on" and not switch.field.isEnabled()
    assert "stop serving to change it" in switch.field.toolTip()
    with qtbot.waitSignal(switch.switchedOff, timeout=10_000):
        switch.button.click()
    assert not switch.on and not listening(server.port) and switch.field.isEnabled()
    assert switch.button.text() == "Serve: off" and switch.outcome.text() == "Off."


def test_a_refused_start_says_why_and_starts_nothing(qtbot, switch):
    switch.field.setText("not-an-address")
    with qtbot.waitSignal(switch.failed, timeout=10_000) as failed:
        switch.button.click()
    assert "not an address" in failed.args[0] and switch.outcome.tone == "stop"
    assert not switch.on and not switch.button.isChecked() and switch.field.isEnabled()


def test_a_server_that_finishes_starting_after_the_window_closed_is_stopped(qtbot, switch):
    release, started = threading.Event(), []

    def slow_start():
        release.wait(10)
        started.append(Served())
        return started[-1]

    switch.serve(lambda: slow_start, Served.stop)
    switch.button.click()
    assert switch.starting and not switch.button.isEnabled()
    switch.shutdown()  # the window closes while the server is still starting
    release.set()
    qtbot.waitUntil(lambda: bool(started) and not switch.starting, timeout=10_000)
    assert not switch.on and not listening(started[0].port)


def test_both_servers_of_the_window_use_the_one_switch(window):
    assert isinstance(window.connections.webhooks_box.switch, ServerSwitch)
    assert isinstance(window.doors.replicate_switch, ServerSwitch)
    assert window.doors.switch is window.doors.replicate_switch.button
