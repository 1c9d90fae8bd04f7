"""This door's own attention setting (rules and shown answers), kept in `meta`.

Check-in lists carry their own rules (`domain/checkin_lists.py`, replicated by the journal); a door
that scans without a list uses the rules set here (`checkin-app attention --rule ...`). The rule
texts are stored verbatim and parsed on read, so a text this build cannot read is shown as a
problem at every scan rather than lost (`AttentionSetting.from_texts`).
"""
from __future__ import annotations

import json
import sqlite3
from typing import Iterable

from checkin_app.domain.attention import AttentionSetting
from checkin_app.domain.rules import setting_of

META_KEY = "door_attention"


def door_texts(conn: sqlite3.Connection) -> tuple[list[str], list[str]]:
    """(rule texts, questions whose answers are shown) as stored; ([], []) when never set."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (META_KEY,)).fetchone()
    try:
        data = json.loads(row[0]) if row else {}
    except ValueError:
        data = {"rules": [row[0]]}  # not JSON: kept as a rule text, so it shows as a problem
    if not isinstance(data, dict):
        data = {}
    rules = [t for t in data.get("rules") or [] if isinstance(t, str)]
    shown = [q for q in data.get("show_answers") or [] if isinstance(q, str)]
    return rules, shown


def door_setting(conn: sqlite3.Connection) -> AttentionSetting:
    rules, shown = door_texts(conn)
    return setting_of(tuple(rules), tuple(shown), "door")  # parsed once per change, not per scan


def set_door_texts(conn: sqlite3.Connection, rules: Iterable[str], show_answers: Iterable[str]) -> None:
    """Replace this door's rules and shown answers (call inside a transaction, texts checked)."""
    value = json.dumps({"rules": list(rules), "show_answers": list(show_answers)}, ensure_ascii=False)
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (META_KEY, value))
