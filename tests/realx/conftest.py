"""The real-X tier: Xvfb + openbox + xdotool, in a pytest process of its own.

The rest of the suite runs offscreen, and a process has one QApplication on one platform, so this
directory runs in its own process on the xcb platform: `tests/test_realx_tier.py` starts it once
per door-laptop screen size (or run it alone, see README.md here). The X server starts before
the QApplication (`qapp_args` depends on it). In CI a missing tool fails instead of skipping.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.realx.xinput import Keyboard
from tests.realx.xserver import XServer, missing_tools, parse_size

# Before pytest-qt creates the QApplication (which happens in the first test, after collection).
os.environ["QT_QPA_PLATFORM"] = "xcb"
os.environ.pop("QT_SCALE_FACTOR", None)

HERE = Path(__file__).resolve().parent
DEFAULT_SCREEN = "1366x768"
SCREEN = os.environ.get("CHECKIN_REALX_SCREEN", DEFAULT_SCREEN)


def pytest_configure(config):
    config.addinivalue_line("markers", "screens(*sizes): screen sizes (\"1024x600\") a real-X test runs at "
                                       f"(default: {DEFAULT_SCREEN} only)")


def pytest_collection_modifyitems(config, items):
    outside = [item.nodeid for item in items if HERE not in Path(item.fspath).resolve().parents]
    if outside:
        raise pytest.UsageError("the real-X tier runs in a process of its own (one QApplication per process): "
                                f"run tests/realx apart from {outside[:3]}")
    keep, drop = [], []
    for item in items:
        marker = item.get_closest_marker("screens")
        sizes = marker.args if marker else (DEFAULT_SCREEN,)
        (keep if SCREEN in sizes else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def x_server(tmp_path_factory):
    """Xvfb with one screen of CHECKIN_REALX_SCREEN (default 1366x768) and openbox; DISPLAY set."""
    missing = missing_tools()
    if missing:
        message = f"the real-X tier needs {', '.join(missing)} (installed by scripts/setup)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    server = XServer(parse_size(SCREEN), tmp_path_factory.mktemp("xserver")).start()
    os.environ["DISPLAY"] = server.display
    yield server
    server.stop()


@pytest.fixture(scope="session")
def qapp_args(x_server):
    """pytest-qt's QApplication arguments; depending on x_server makes the display exist first."""
    return ["checkin-app-realx"]


@pytest.fixture
def screen_size(x_server) -> tuple[int, int]:
    return x_server.size


@pytest.fixture
def keyboard(x_server, qapp):
    """xdotool on the test display; the US layout and Caps Lock off again afterwards."""
    kb = Keyboard(x_server.display)
    yield kb
    kb.close()
    kb.set_layout("us")
