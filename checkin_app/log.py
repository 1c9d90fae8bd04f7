"""Logging to `<data dir>/logs/checkin.log`, with secrets scrubbed from every record.

Secrets are registered with `redact()` as soon as they are read; the handler's formatter replaces
them in the whole formatted record (message, arguments, traceback, stack), so even a careless
`log.debug("%s", headers)` or an exception quoting a header cannot leak a key. A secret reaches
text in other forms than its own: escaped (`repr`, JSON, `b'Bearer tok\\r'` in an httpx error),
URL-encoded (a token in a path or query), and base64 (HTTP Basic auth carries `key:` encoded);
each form is registered with it.
"""
from __future__ import annotations

import base64
import json
import logging
import logging.handlers
import re
from pathlib import Path
from urllib.parse import quote, quote_plus, unquote

_SECRETS: set[str] = set()
_ORDERED: list[str] = []  # longest first, so a form containing another is replaced whole
MIN_FORM = 6  # shorter fragments (base64 slices of a short secret) would blank out ordinary words


def forms(secret: str) -> set[str]:
    """The ways `secret` can appear in text: itself, escaped, URL-encoded, and base64 as Basic auth carries it."""
    raw = secret.encode("utf-8", "surrogatepass")
    found = {secret, repr(secret)[1:-1], json.dumps(secret)[1:-1], secret.encode("unicode_escape").decode("ascii"),
             repr(raw)[2:-1], quote(secret, safe=""), quote(secret), quote_plus(secret),
             base64.b64encode(raw + b":").decode("ascii"), base64.b64encode(b":" + raw).decode("ascii")}
    # Inside "user:password" the secret starts at any offset: at each of the three alignments, the
    # base64 characters that depend on its bytes alone.
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw).decode("ascii")
        start = (shift * 4 + 2) // 3 + (1 if shift else 0)
        end = (len(raw) + shift) // 3 * 4
        found.add(encoded[start:end])
    return {form for form in found if len(form) >= MIN_FORM or form == secret}


def redact(secret: str | None) -> None:
    """Never let this value (in any of its forms) reach a log line."""
    global _ORDERED
    if secret and len(secret) >= 4 and secret not in _SECRETS:
        _SECRETS.add(secret)
        _ORDERED = sorted(set(_ORDERED) | forms(secret), key=len, reverse=True)


# A run of URL characters with at least one %XX escape: decoded, it may spell a secret encoded in
# a way no fixed form anticipates (every byte escaped, say).
_ENCODED_RUN = re.compile(r"[A-Za-z0-9._~+%-]*%[0-9A-Fa-f]{2}[A-Za-z0-9._~+%-]*")


def scrub(text: str) -> str:
    """`text` with every registered secret, in every form, replaced by ***."""
    for form in _ORDERED:
        if form in text:
            text = text.replace(form, "***")
    if "%" in text and _ORDERED:
        text = _ENCODED_RUN.sub(lambda m: "***" if _holds_secret(unquote(m.group())) else m.group(), text)
    return text


def _holds_secret(text: str) -> bool:
    return any(secret in text for secret in _SECRETS)


class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def setup(log_dir: Path | None, level: int = logging.INFO) -> Path | None:
    """Log to a rotating file in `log_dir` (None: stderr warnings only). Returns the log file."""
    root = logging.getLogger("checkin_app")
    root.setLevel(level)
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()  # a replaced file handler would otherwise keep its file open (one per setup call)
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
    handler.setFormatter(_RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    return path


def tail(path: Path | None, lines: int = 60) -> str:
    """The last lines of the log (for the crash dialog)."""
    if path is None or not path.exists():
        return ""
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
