"""`checkin-app demo` and `checkin-app` (no command) as a user starts them."""
import os
import subprocess
import sys

import pytest

from tests.paths import ROOT


def run(*args, env_changes=None, drop=(), timeout=90):
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_changes or {})
    return subprocess.run([sys.executable, "-m", "checkin_app", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_without_a_display_the_gui_says_so_in_one_line(tmp_path):
    proc = run("--data-dir", str(tmp_path / "d"), drop=("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith("error: no display to open a window on")


def test_demo_without_a_display_syncs_decodes_and_decides_in_the_terminal(tmp_path):
    proc = run("demo", drop=("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"),
               env_changes={"CHECKIN_APP_DATA_DIR": str(tmp_path / "unused")})
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "No display" in out and "Synced 3,750 attendees" in out and "xvfb-run" in out
    verdicts = [line.split()[1] for line in out.splitlines() if line.startswith("  ") and line.split()[0] in "✔!✘"]
    # The demo video: three arrivals, one already in, two arrivals, one refunded ticket; each read once.
    assert verdicts == ["ADMITTED"] * 3 + ["ALREADY"] + ["ADMITTED"] * 2 + ["VOID"]


@pytest.mark.slow
def test_demo_starts_syncs_and_closes_cleanly():
    proc = run("demo", "--quit-after", "6", env_changes={"QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


def test_demo_with_a_data_dir_keeps_its_data_there(tmp_path):
    """`demo --data-dir DIR`: the list and the scans stay in DIR; a second run carries on from them."""
    import sqlite3

    kept = tmp_path / "kept"
    no_display = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    first = run("demo", "--data-dir", str(kept), drop=no_display,
                env_changes={"CHECKIN_APP_DATA_DIR": str(tmp_path / "elsewhere")})
    assert first.returncode == 0, first.stderr
    assert not (tmp_path / "elsewhere").exists()

    def scans():
        db = sqlite3.connect(kept / "checkin.sqlite3")
        try:
            return db.execute("SELECT code, verdict FROM journal WHERE op = 'scan' ORDER BY id").fetchall()
        finally:
            db.close()

    after_first = scans()
    assert len(after_first) == 7 and [v for _c, v in after_first].count("admitted") == 5
    again = run("--data-dir", str(kept), "demo", drop=no_display)  # the option before the command works too
    assert again.returncode == 0, again.stderr
    assert "Synced 3,750 attendees" in again.stdout  # the box office moved port: the kept connection follows it
    after_second = scans()
    assert after_second[:7] == after_first and len(after_second) == 14  # the first night's scans are still there
