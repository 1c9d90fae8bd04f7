"""Render a screenshot of each view into docs/screenshots/<view>-<W>x<H>.png (under Xvfb: `scripts/screenshots`).

`--sizes 1366x768,1024x600` (the default) renders every view once per window size.

The data is the demo's: the sandbox box office (Ticket Tailor simulator on loopback) synced through
the real client, plus about 600 arrivals at two doors spread over the last two and a half hours
(their journal times are set back with a patched clock: illustration only, so the chart has a shape).
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from unittest import mock

from PySide6.QtCore import QCoreApplication

from checkin_app.demo import CONNECTION_NAME, KEY_ENV, Demo
from checkin_app.gui.app import open_window, qt_app
from checkin_app.gui.camera import to_qimage
from checkin_app.scanning.synth import ticket_frame
from checkin_app.gui.settings import Settings
from checkin_app.services import checkin as checkin_module
from checkin_app.services import doors
from checkin_app.services.checkin import CheckinService
from checkin_app.services.connections import Credentials, connect
from checkin_app.services.door_runner import DoorRunner
from checkin_app.services.syncing import sync_now
from checkin_app.store import Store
from checkin_app.sync import door_auth

ROOT = Path(__file__).resolve().parents[2]
# Door laptops: the commonest screen, and the smallest the window must work on.
SIZES = "1366x768,1024x600"


def spin(predicate, timeout: float = 30.0) -> None:
    """Process Qt events until `predicate()` holds."""
    deadline, tick = time.monotonic() + timeout, threading.Event()
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        QCoreApplication.processEvents()
        tick.wait(0.01)


def settle(seconds: float = 0.4) -> None:
    """Let layouts and paints finish."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        threading.Event().wait(0.01)


def simulate_arrivals(data_dir: Path, codes: list[str]) -> None:
    """Admit `codes` at two doors, backdated over the last 150 minutes with an evening-rush shape."""
    now = datetime.now(timezone.utc)
    rng = random.Random(4)
    with Store(data_dir) as store:
        doors = [CheckinService(store, door="Door 1"), CheckinService(store, door="Door 2")]
        # Arrivals come in time order and in no particular ticket order (tickets of one order
        # are adjacent in the list, and one buyer's party rarely arrives ticket by ticket).
        codes = list(codes)
        rng.shuffle(codes)
        ages = sorted((min(150.0, abs(rng.gauss(40, 35))) for _ in codes), reverse=True)
        for code, minutes_ago in zip(codes, ages):
            at = (now - timedelta(minutes=minutes_ago)).isoformat(timespec="milliseconds")
            with mock.patch.object(checkin_module, "utc_now", lambda at=at: at):
                doors[0 if rng.random() < 0.62 else 1].scan(code)


VENUE_KEY_ENV = "CHECKIN_APP_DEMO_VENUE_KEY"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def second_door(demo: Demo, data: Path, door_2: Path) -> DoorRunner:
    """Pair the demo door as Door 1 of a venue, and run Door 2 (its own data dir) beside it on loopback.

    Door 1's window replicates with Door 2 and with an address where no door answers (a laptop
    that went away), so the doors table shows both states.
    """
    os.environ[VENUE_KEY_ENV] = door_auth.key_text(door_auth.new_key())
    doors.create_venue_at(data, "Door 1", VENUE_KEY_ENV)
    with Store(door_2) as store:
        connect(store, "tickettailor", CONNECTION_NAME, demo.sandbox.base_url, Credentials(api_key_env=KEY_ENV))
    sync_now(door_2)
    doors.join_venue_at(door_2, os.environ[VENUE_KEY_ENV], "Door 2", VENUE_KEY_ENV)
    ports = [free_port() for _ in range(3)]
    settings = Settings(data)
    settings.replicate, settings.door_host, settings.door_port, settings.door_discovery = True, "127.0.0.1", ports[0], False
    settings.door_peers = f"127.0.0.1:{ports[1]}, 127.0.0.1:{ports[2]}"
    return DoorRunner(door_2, host="127.0.0.1", port=ports[1], peers=[f"http://127.0.0.1:{ports[0]}"],
                      discovery=False).start()


def shoot(window, name: str, out: Path) -> Path:
    """`<name>-<width>x<height>.png`: stable names, one per view and screen size."""
    settle()
    size = window.size()
    path = out / f"{name}-{size.width()}x{size.height()}.png"
    window.grab().save(str(path), "PNG", 80)
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} ({path.stat().st_size // 1024} KB)")
    return path


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """"1366x768,1024x600" -> [(1366, 768), (1024, 600)]."""
    return [(int(w), int(h)) for w, h in (part.lower().split("x") for part in text.split(",") if part.strip())]


def shoot_every_view(window, data: Path, codes: list[str], admit: str, out: Path) -> None:
    """Every tab at the window's current size: the door's verdicts, then the other tabs."""
    door = window.door
    window.tabs.setCurrentWidget(door)
    door.camera.set_message("Camera: hold the ticket's code inside the green corners")
    # Admitted, then a second scan (already in), then a void: the void shows the strip about the refusal before it.
    for code, name in ((admit, "door-admitted"), (codes[3], "door-already-checked-in"), (codes[6], "door-void")):
        door.camera.set_frame(to_qimage(ticket_frame(code, seed=len(name))))  # as the demo video shows it
        door.submit(code)
        spin(lambda: door.verdict.verdict is not None and door.verdict.verdict["code"] == code)
        shoot(window, name, out)
    door.verdict.acknowledge()
    door.camera.set_message("Camera: hold the ticket's code inside the green corners")
    shoot(window, "door-ready", out)

    sup = window.supervisor
    window.tabs.setCurrentWidget(sup)
    sup.query.setText("smi")
    spin(lambda: sup.model.rowCount() > 0)
    shoot(window, "supervisor-door-staff", out)
    sup.lock_bar.pin.setText("2468")
    sup.lock_bar.try_unlock()
    with Store(data) as store:
        name = store.conn.execute("SELECT holder_name FROM tickets WHERE code = ?", (codes[3],)).fetchone()[0]
    sup.query.setText(name)
    spin(lambda: sup.model.rowCount() > 0 and sup.detail.record is not None)
    sup.results.selectRow(0)
    spin(lambda: sup.detail.record is not None and sup.detail.record["holder_name"] == name)
    sup.tabs.setCurrentIndex(0)
    shoot(window, "supervisor", out)
    sup.tabs.setCurrentWidget(sup.conflicts)
    spin(lambda: sup.conflicts.summary.text() != "")
    sup.tabs.setCurrentWidget(sup.walk_up)
    spin(lambda: sup.walk_up.event_choice.count() > 0)
    sup.walk_up.name.setText("Sam Walkup")
    shoot(window, "supervisor-walk-up", out)

    window.tabs.setCurrentWidget(window.stats)
    spin(lambda: window.stats.inside.text() != "-")
    shoot(window, "live-stats", out)
    door.submit(codes[6])  # the camera reads a void while Live stats is open: it comes up over the tab
    spin(window.overlay.isVisible)
    shoot(window, "live-stats-verdict-over-tab", out)
    window.overlay.hide()

    window.tabs.setCurrentWidget(window.connections)
    spin(lambda: window.connections.model.rowCount() > 0)
    shoot(window, "connections", out)

    panel = window.doors
    window.tabs.setCurrentWidget(panel)
    spin(lambda: any(r["connected"] for r in panel.model.rows) and len(panel.model.rows) == 2
         and panel.key_label.text() != "")
    spin(lambda: any(r["last_error"] for r in panel.model.rows))
    shoot(window, "doors", out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--sizes", default=SIZES, help=f"window sizes, comma separated (default {SIZES})")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sizes = parse_sizes(args.sizes)
    qt_app()
    demo = Demo()
    try:
        data = demo.start()
        demo.sync()
        codes = demo.door_codes(640)
        simulate_arrivals(data, codes[8:620])
        with Store(data) as store:
            doors.set_door_name(store, "Door 1")
        settings = Settings(data)
        settings.set_pin("2468")
        door_2_dir = Path(tempfile.mkdtemp(prefix="checkin-door2-"))
        door_2 = second_door(demo, data, door_2_dir)
        with Store(door_2.data_dir) as store:  # a few arrivals at the other door reach this one
            for code in codes[620:626]:
                CheckinService(store, door="Door 2").scan(code)
        # Fresh arrivals for each size's "admitted" shot: codes 0, 1, 2 (3 is already in, 6 void).
        admits = [c for i, c in enumerate(codes[:8]) if i not in (3, 6)]
        for i, size in enumerate(sizes):  # a window of its own per size: each starts as the app does
            window = open_window(data, sync_interval_s=0)
            window.resize(*size)
            window.show()
            spin(lambda: window.door.counters.expected > 0 and window.size().toTuple() == size)
            shoot_every_view(window, data, codes, admits[i % len(admits)], out)
            window.close()
        door_2.stop()
        shutil.rmtree(door_2_dir, ignore_errors=True)
    finally:
        demo.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
