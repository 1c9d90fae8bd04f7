"""Where a data dir lives: `--data-dir`, else $CHECKIN_APP_DATA_DIR, else the platform's user data dir."""
from __future__ import annotations

import os
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import platformdirs

APP_NAME = "checkin-app"


def data_dir(override: str | os.PathLike | None = None) -> Path:
    if override:
        return Path(override).expanduser()
    env = os.environ.get("CHECKIN_APP_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir(base: Path) -> Path:
    return base / "logs"


def resource(*parts: str) -> Traversable:
    """A file shipped inside the package, under checkin_app/resources/ (style sheet, sounds, icons).

    Read through importlib.resources, so a source checkout, a wheel install and the PyInstaller
    bundle all find it in the same place: a designer changes the file, not the Python.
    """
    return files("checkin_app").joinpath("resources", *parts)
