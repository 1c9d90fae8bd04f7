"""The start-up check refuses the PySide6 that aborts on Python 3.11 (tests/gui/test_signal_storm.py
shows the fault), with one clear line, and agrees with pyproject.toml's pin."""
import subprocess
import sys
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from checkin_app.gui import qt_version
from tests.paths import ROOT


def test_the_faulty_release_is_refused_only_where_it_aborts():
    assert qt_version.problem("6.11.3", (3, 11)) is None
    assert qt_version.problem("6.6.0", (3, 11)) is None
    assert qt_version.problem("6.12.0", (3, 12)) is None
    assert qt_version.problem("6.13.1", (3, 13)) is None
    for broken in ("6.12.0", "6.12.1", "6.13.0", "6.12.0a1", "7.0"):
        reason = qt_version.problem(broken, (3, 11))
        assert reason is not None and broken in reason and "Python 3.11" in reason and "<6.12" in reason


def test_the_check_matches_the_pin_in_pyproject():
    deps = [Requirement(d) for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]]
    pinned = [r for r in deps if r.name == "PySide6-Essentials" and "<" in str(r.marker)]
    assert len(pinned) == 1, "one PySide6 requirement for the affected Pythons"
    req = pinned[0]
    broken = Version(".".join(map(str, qt_version.BROKEN_FROM)))
    assert broken not in req.specifier and Version("6.11.3") in req.specifier
    fixed = ".".join(map(str, qt_version.FIXED_ON_PYTHON))
    assert req.marker.evaluate({"python_version": "3.11"}) and not req.marker.evaluate({"python_version": fixed})


@pytest.mark.skipif(sys.version_info[:2] >= qt_version.FIXED_ON_PYTHON, reason="only Python < 3.12 is affected")
def test_the_window_refuses_to_start_with_the_faulty_release(tmp_path):
    # The faulty wheel cannot sit beside the pinned one in this venv, so its version string is put
    # in place before the app starts (on this Python, 3.11, the combination that aborts).
    start = ("import sys, PySide6; PySide6.__version__ = '6.12.0'; from checkin_app.__main__ import main; "
             "sys.exit(main(sys.argv[1:]))")
    proc = subprocess.run([sys.executable, "-c", start, "--data-dir", str(tmp_path / "data")], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "PySide6 6.12.0 aborts on Python 3.11" in proc.stderr
    assert "Traceback" not in proc.stderr
