"""Helpers for webhook tests: the real recorded Ticket Tailor delivery, tokens, inbox counts."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.paths import REAL_TT

TICKETOR_TOKEN = "tor_" + "k" * 40
TICKETSOLVE_TOKEN = "tsv_" + "q" * 40
RELAY_TOKEN = "relay_" + "r" * 40


def real_tt_delivery() -> tuple[bytes, str, str, int]:
    """(raw body, signature header, secret, timestamp) of the recorded real ORDER.CREATED delivery."""
    sig = json.loads((REAL_TT / "webhook-order-created.signature.json").read_text())
    body = (REAL_TT / sig["body_file"]).read_bytes()
    return body, sig["header_value"], sig["secret"], sig["timestamp"]


def make_receiver(data_dir: Path, now: float | None = None, **overrides):
    """A receiver for `data_dir` with every route on (the real delivery's secret, the test tokens),
    its clock at `now` (default: just after the recorded delivery was signed)."""
    from checkin_app.webhooks.receiver import Receiver, ReceiverConfig

    _, _, secret, signed_at = real_tt_delivery()
    at = signed_at + 10 if now is None else now
    config = ReceiverConfig(tickettailor_secret=secret, path_tokens={"ticketor": TICKETOR_TOKEN, "ticketsolve": TICKETSOLVE_TOKEN},
                            relay_token=RELAY_TOKEN, clock=lambda: at, **overrides)
    return Receiver(data_dir, config)


def inbox_rows(data_dir: Path) -> list[sqlite3.Row]:
    conn = sqlite3.connect(Path(data_dir) / "checkin.sqlite3")
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("SELECT * FROM webhook_inbox ORDER BY id").fetchall()
    finally:
        conn.close()
