"""GUI settings and window state, in `<data dir>/gui.ini` (QSettings, INI format).

Per data dir rather than per user: a door laptop's settings travel with its data, and tests
and the demo never touch the developer's own settings.
"""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from checkin_app.errors import ConfigError
from checkin_app.scanning.cameras import CameraChoice
from checkin_app.scanning.decoders import DECODERS
from checkin_app.services import pin as pins


class Settings:
    """Typed access to the few settings the GUI keeps.

    Args:
        data_dir: the data dir; the file is `gui.ini` in it.
    """

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / "gui.ini"
        self.qs = QSettings(str(self.path), QSettings.IniFormat)

    def _get(self, key: str, default=None):
        return self.qs.value(key, default)

    # -- door -------------------------------------------------------------------------------

    @property
    def door_name(self) -> str | None:
        """Where the door's name was kept before the database held it: read once, to move it there."""
        return self._get("door/name") or None

    @door_name.setter
    def door_name(self, value: str | None) -> None:
        if value:
            self.qs.setValue("door/name", value)
        else:
            self.qs.remove("door/name")
        self.qs.sync()

    @property
    def sound(self) -> bool:
        return str(self._get("door/sound", "true")).lower() == "true"

    @sound.setter
    def sound(self, on: bool) -> None:
        self.qs.setValue("door/sound", "true" if on else "false")

    @property
    def exit_mode(self) -> bool:
        return str(self._get("door/exit_mode", "false")).lower() == "true"

    @exit_mode.setter
    def exit_mode(self, on: bool) -> None:
        self.qs.setValue("door/exit_mode", "true" if on else "false")

    @property
    def camera(self) -> CameraChoice | None:
        """The camera to scan from, by name (with resolution, autofocus, exposure); None for no
        camera (USB scanner and typing only). A setting from before names (a bare index) is kept
        as that index; a fresh door scans from the first camera listed."""
        value = str(self._get("door/camera", "0"))
        if value == "none":
            return None
        size = str(self._get("door/camera_size", "1280x720"))
        width, _, height = size.partition("x")
        autofocus = {"on": True, "off": False}.get(str(self._get("door/camera_autofocus", "")))
        try:
            exposure = float(self._get("door/camera_exposure", ""))
        except ValueError:
            exposure = None
        name = str(self._get("door/camera_name", "") or "")
        index = int(value) if value.isdigit() and not name else None
        return CameraChoice(name, int(width) if width.isdigit() else 1280, int(height) if height.isdigit() else 720,
                            autofocus, exposure, index)

    @camera.setter
    def camera(self, choice: CameraChoice | None) -> None:
        if choice is None:
            self.qs.setValue("door/camera", "none")
            return
        self.qs.setValue("door/camera", "named" if choice.name else str(choice.index or 0))
        self.qs.setValue("door/camera_name", choice.name)
        self.qs.setValue("door/camera_size", f"{choice.width}x{choice.height}")
        self.qs.setValue("door/camera_autofocus", {True: "on", False: "off"}.get(choice.autofocus, ""))
        self.qs.setValue("door/camera_exposure", "" if choice.exposure is None else f"{choice.exposure:g}")
        self.qs.sync()

    @property
    def decoder(self) -> str:
        """The camera's decoder: "zxing" (default) or "pyzbar"."""
        value = str(self._get("door/decoder", "zxing"))
        return value if value in DECODERS else "zxing"

    @decoder.setter
    def decoder(self, name: str) -> None:
        self.qs.setValue("door/decoder", name)

    # -- badges (gui/badge_print.py) -----------------------------------------------------------

    @property
    def badge_target(self) -> str:
        """Where this door prints badges: "" (nowhere), "printer:" (the default), "printer:NAME", "pdf:DIR"."""
        return str(self._get("badges/target", "") or "")

    @badge_target.setter
    def badge_target(self, target: str) -> None:
        self.qs.setValue("badges/target", target)
        self.qs.sync()

    @property
    def badge_on_admit(self) -> bool:
        """Print a badge for every first admission at this door (until check-in lists say it per list)."""
        return str(self._get("badges/on_admit", "false")).lower() == "true"

    @badge_on_admit.setter
    def badge_on_admit(self, on: bool) -> None:
        self.qs.setValue("badges/on_admit", "true" if on else "false")
        self.qs.sync()

    # -- doors of the venue (replication) ------------------------------------------------------

    @property
    def replicate(self) -> bool:
        """Replication with the venue's other doors was on when the app last ran."""
        return str(self._get("doors/replicate", "false")).lower() == "true"

    @replicate.setter
    def replicate(self, on: bool) -> None:
        self.qs.setValue("doors/replicate", "true" if on else "false")
        self.qs.sync()

    @property
    def door_host(self) -> str:
        """The interface the door server listens on: every one ("0.0.0.0") or this computer only."""
        return str(self._get("doors/host", "0.0.0.0") or "0.0.0.0")

    @door_host.setter
    def door_host(self, host: str) -> None:
        self.qs.setValue("doors/host", host)

    @property
    def door_port(self) -> int:
        value = str(self._get("doors/port", "8722"))
        return int(value) if value.isdigit() else 8722

    @door_port.setter
    def door_port(self, port: int) -> None:
        self.qs.setValue("doors/port", str(port))

    @property
    def door_peers(self) -> str:
        """Other doors' addresses typed by hand (where multicast is blocked), comma separated."""
        return str(self._get("doors/peers", "") or "")

    @door_peers.setter
    def door_peers(self, text: str) -> None:
        self.qs.setValue("doors/peers", text)

    @property
    def door_discovery(self) -> bool:
        return str(self._get("doors/discovery", "true")).lower() == "true"

    @door_discovery.setter
    def door_discovery(self, on: bool) -> None:
        self.qs.setValue("doors/discovery", "true" if on else "false")

    # -- the venue hub (big venues) ----------------------------------------------------------

    @property
    def hub_run(self) -> bool:
        """This laptop ran the venue's hub when the app last ran."""
        return str(self._get("hub/run", "false")).lower() == "true"

    @hub_run.setter
    def hub_run(self, on: bool) -> None:
        self.qs.setValue("hub/run", "true" if on else "false")
        self.qs.sync()

    @property
    def hub_port(self) -> int:
        value = str(self._get("hub/port", "4222"))
        return int(value) if value.isdigit() else 4222

    @hub_port.setter
    def hub_port(self, port: int) -> None:
        self.qs.setValue("hub/port", str(port))

    @property
    def hub_use(self) -> bool:
        """Replication goes through the venue's hub (`hub_address`), with the doors as fallback."""
        return str(self._get("hub/use", "false")).lower() == "true"

    @hub_use.setter
    def hub_use(self, on: bool) -> None:
        self.qs.setValue("hub/use", "true" if on else "false")

    @property
    def hub_address(self) -> str:
        return str(self._get("hub/address", "") or "")

    @hub_address.setter
    def hub_address(self, text: str) -> None:
        self.qs.setValue("hub/address", text)

    # -- supervisor PIN ---------------------------------------------------------------------

    @property
    def has_pin(self) -> bool:
        return bool(self._get("supervisor/pin_hash"))

    def choose_pin(self, pin: str, repeat: str) -> None:
        """A first PIN, typed twice (raises ConfigError: the two differ, or not 4-12 digits)."""
        if pin != repeat:
            raise ConfigError("the two PINs differ")
        self.set_pin(pin)

    def set_pin(self, pin: str) -> None:
        """Store the PIN's salted hash (raises ConfigError for a PIN that is not 4-12 digits)."""
        self.qs.setValue("supervisor/pin_hash", pins.hash_pin(pin))
        self.qs.sync()

    def check_pin(self, pin: str) -> bool:
        return pins.verify_pin(pin, self._get("supervisor/pin_hash"))

    def pin_wait(self, now: float | None = None) -> float:
        """Seconds before another PIN may be tried (wrong PINs back off; the count survives a restart)."""
        failures = int(self._get("supervisor/pin_failures", 0) or 0)
        failed_at = self._get("supervisor/pin_failed_at")
        return pins.seconds_left(failures, float(failed_at) if failed_at else None, time.time() if now is None else now)

    def try_pin(self, pin: str, now: float | None = None) -> tuple[bool, float]:
        """Check a PIN unless the back-off says wait: (right, seconds to wait before the next try).

        A PIN typed during the wait is not even compared (a guess must not get through early).
        """
        now = time.time() if now is None else now
        wait = self.pin_wait(now)
        if wait > 0:
            return False, wait
        if self.check_pin(pin):
            self.qs.remove("supervisor/pin_failures")
            self.qs.remove("supervisor/pin_failed_at")
            self.qs.sync()
            return True, 0.0
        self.qs.setValue("supervisor/pin_failures", int(self._get("supervisor/pin_failures", 0) or 0) + 1)
        self.qs.setValue("supervisor/pin_failed_at", repr(now))
        self.qs.sync()
        return False, self.pin_wait(now)

    # -- window -----------------------------------------------------------------------------

    def window_state(self) -> tuple[QByteArray | None, int]:
        return self._get("window/geometry"), int(self._get("window/tab", 0))

    def save_window_state(self, geometry: QByteArray, tab: int) -> None:
        self.qs.setValue("window/geometry", geometry)
        self.qs.setValue("window/tab", tab)
        self.qs.sync()
