"""Where a data dir lives: `--data-dir`, else $CHECKIN_APP_DATA_DIR, else the platform's user data dir."""
from __future__ import annotations

import os
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
