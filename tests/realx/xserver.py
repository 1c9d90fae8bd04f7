"""A real X server for GUI tests: Xvfb on a free display number plus the openbox window manager.

No Qt here: `conftest.py` starts one `XServer` per test process, before the QApplication exists.
"""
from __future__ import annotations

import os
import select
import shutil
import subprocess
import threading
import time
from pathlib import Path

TOOLS = ("Xvfb", "openbox", "xdotool", "xprop", "setxkbmap")

# Openbox with nothing but what door laptops' desktops do too: Super+Up maximises, Super+Down
# restores (the GNOME/Windows keys), Alt+F4 closes the active window (as on every desktop: the kiosk
# must refuse it); one desktop, no margins, new windows get the focus.
OPENBOX_RC = """<?xml version="1.0" encoding="UTF-8"?>
<openbox_config xmlns="http://openbox.org/3.4/rc">
  <focus><focusNew>yes</focusNew><followMouse>no</followMouse></focus>
  <placement><policy>Smart</policy></placement>
  <desktops><number>1</number></desktops>
  <margins><top>0</top><bottom>0</bottom><left>0</left><right>0</right></margins>
  <keyboard>
    <keybind key="W-Up"><action name="Maximize"/></keybind>
    <keybind key="W-Down"><action name="Unmaximize"/></keybind>
    <keybind key="A-F4"><action name="Close"/></keybind>
  </keyboard>
  <mouse><dragThreshold>8</dragThreshold></mouse>
</openbox_config>
"""


def missing_tools() -> list[str]:
    """The programs this tier needs that are not installed (scripts/setup installs them)."""
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def parse_size(text: str) -> tuple[int, int]:
    """"1366x768" -> (1366, 768)."""
    width, _, height = text.lower().partition("x")
    return int(width), int(height)


class XServer:
    """Xvfb (one screen of `size`) and openbox, started on a display number Xvfb picks itself.

    Args:
        size: (width, height) of the screen in pixels.
        workdir: where openbox's configuration and the servers' logs go.
    """

    def __init__(self, size: tuple[int, int], workdir: Path):
        self.size, self.workdir = size, Path(workdir)
        self.display: str | None = None
        self._xvfb: subprocess.Popen | None = None
        self._wm: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        """The environment for a program that should run on this display."""
        return dict(os.environ, DISPLAY=self.display)

    def start(self, timeout_s: float = 30.0) -> "XServer":
        self.workdir.mkdir(parents=True, exist_ok=True)
        read_fd, write_fd = os.pipe()
        width, height = self.size
        # -displayfd: Xvfb takes the first free display number and writes it to the pipe once it
        # accepts connections (no guessed numbers, no race with other X servers on the machine).
        self._xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp",
             "-noreset"], pass_fds=(write_fd,), stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "xvfb.log", "wb"))
        os.close(write_fd)
        try:
            self.display = ":" + self._read_display(read_fd, timeout_s)
        finally:
            os.close(read_fd)
        (self.workdir / "openbox").mkdir(exist_ok=True)
        rc = self.workdir / "openbox" / "rc.xml"
        rc.write_text(OPENBOX_RC)
        self._wm = subprocess.Popen(
            ["openbox", "--sm-disable", "--config-file", str(rc)],
            env=dict(self.env(), XDG_CONFIG_HOME=str(self.workdir), XDG_CACHE_HOME=str(self.workdir)),
            stdout=subprocess.DEVNULL, stderr=open(self.workdir / "openbox.log", "wb"))
        self._wait_for_wm(timeout_s)
        subprocess.run(["setxkbmap", "-display", self.display, "us"], check=True, timeout=10)
        return self

    def _read_display(self, fd: int, timeout_s: float) -> str:
        deadline, data = time.monotonic() + timeout_s, b""
        while not data.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise RuntimeError(f"Xvfb did not start within {timeout_s} s: {self._log('xvfb')}")
            chunk = os.read(fd, 64)
            if not chunk:
                raise RuntimeError(f"Xvfb exited: {self._log('xvfb')}")
            data += chunk
        return data.decode().strip()

    def _wait_for_wm(self, timeout_s: float) -> None:
        """Until openbox has announced itself on the root window (EWMH), so it manages our windows."""
        deadline, pause = time.monotonic() + timeout_s, threading.Event()
        while True:
            out = subprocess.run(["xprop", "-display", self.display, "-root", "_NET_SUPPORTING_WM_CHECK"],
                                 capture_output=True, text=True, timeout=10).stdout
            if "window id" in out:
                return
            if self._wm.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"openbox did not start: {self._log('openbox')}")
            pause.wait(0.05)  # an external process coming up: nothing to wait on but its property

    def _log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else "(no log)"

    def stop(self) -> None:
        for proc in (self._wm, self._xvfb):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
