"""`checkin-app demo` on a machine with no display tells the whole door flow in the terminal."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_without_a_display_syncs_decodes_and_decides_in_the_terminal(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["CHECKIN_APP_DATA_DIR"] = str(tmp_path / "unused")
    proc = subprocess.run([sys.executable, "-m", "checkin_app", "demo"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "No display" in out and "Synced 3,750 attendees" in out
    verdict_lines = [line.split()[1] for line in out.splitlines() if line.startswith("  ") and line.split()[0] in "✔!✘"]
    # The demo video: three arrivals, one already in, two arrivals, one refunded ticket; each read once.
    assert verdict_lines == ["ADMITTED"] * 3 + ["ALREADY"] + ["ADMITTED"] * 2 + ["VOID"]
