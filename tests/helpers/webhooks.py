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


def inbox_rows(data_dir: Path) -> list[sqlite3.Row]:
    conn = sqlite3.connect(Path(data_dir) / "checkin.sqlite3")
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("SELECT * FROM webhook_inbox ORDER BY id").fetchall()
    finally:
        conn.close()
