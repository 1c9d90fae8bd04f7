"""Logging to `<data dir>/logs/checkin.log`, with secrets scrubbed from every record.

Secrets are registered with `redact()` as soon as they are read; the filter replaces them in
messages and arguments, so even a careless `log.debug("%s", headers)` cannot leak a key.
"""
from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

_SECRETS: set[str] = set()


def redact(secret: str | None) -> None:
    """Never let this value reach a log line."""
    if secret and len(secret) >= 4:
        _SECRETS.add(secret)


def scrub(text: str) -> str:
    for secret in _SECRETS:
        if secret in text:
            text = text.replace(secret, "***")
    return text


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRETS:
            record.msg = scrub(record.getMessage())
            record.args = ()
        return True


def setup(log_dir: Path | None, level: int = logging.INFO) -> Path | None:
    """Log to a rotating file in `log_dir` (None: stderr warnings only). Returns the log file."""
    root = logging.getLogger("checkin_app")
    root.setLevel(level)
    for old in list(root.handlers):
        root.removeHandler(old)
    path = None
    if log_dir is not None:
        try:
            log_dir.mkdir(parents=True, exist_ok=True)
            path = log_dir / "checkin.log"
            handler: logging.Handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3,
                                                                            encoding="utf-8")
        except OSError:
            handler, path = logging.StreamHandler(), None  # a read-only data dir still gets a message
    else:
        handler = logging.StreamHandler()
        handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_RedactingFilter())
    root.addHandler(handler)
    return path


def tail(path: Path | None, lines: int = 60) -> str:
    """The last lines of the log (for the crash dialog)."""
    if path is None or not path.exists():
        return ""
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
