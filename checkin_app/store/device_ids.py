"""One device id per data dir: noticing two data dirs that share one (a copied data dir), and taking a new id.

Two laptops prepared from one data dir share its device id: each writes its own rows #1, #2, ...
under that id, other doors take whichever version reaches them first and refuse the other as a
second version, and neither laptop ever applies the other's rows (they look like its own).
Replication notices it in three ways, all ending here:

- a door answers `hello` with this door's device id but another *instance* (a token every door
  server draws when it starts, kept in `meta`, so a door's own processes agree on it and a copy
  does not): the door with the greater token takes a new id (`on_hello`), the same decision on
  both sides;
- a row arrives in this door's name that this door never wrote (`replica.apply_rows`), or another
  door reports two versions of one of this door's rows (an `alarm` row): this door takes a new id.

Taking a new id loses nothing: every row this door wrote under the old id is written again under
the new one (`reissue`), same act, time and clock stamp, with `payload.reissues` naming the
original (device, seq, nonce). Every door counts an act once, whichever of its rows it holds
(`replica._acts`: the original if held, else one copy); a door that holds the other laptop's
version of that slot gets the act from the copy. Both laptops may end up taking new ids (each sees
the other's rows in its name): that is the safe outcome, since the old id's later slots are
contested at every door. It is loud: the log, `doors status` and the Doors tab say so.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from typing import Any

from checkin_app.store import incidents

log = logging.getLogger(__name__)

INSTANCE_META_KEY = "instance"
DEVICE_META_KEY = "device_id"
RETIRED_META_KEY = "retired_device_ids"  # {old id: "kept" (the other door keeps it) | "contested"}
# A door takes a new id at most this often: each time re-issues its rows, so a key holder who keeps
# writing in a door's name must not make it double its journal again and again (then: alarms only).
MAX_RENAMES = 3
ALARM = "alarm"  # replica.ALARM: an alarm row says what this door saw; a copy would raise it again


def device_id(conn: sqlite3.Connection) -> str:
    return str(conn.execute("SELECT value FROM meta WHERE key = ?", (DEVICE_META_KEY,)).fetchone()[0])


def instance(conn: sqlite3.Connection) -> str:
    """This data dir's instance token (drawn by `new_instance`; a copy keeps the copied one until its server starts)."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (INSTANCE_META_KEY,)).fetchone()
    return str(row[0]) if row else ""


def new_instance(conn: sqlite3.Connection) -> str:
    """Draw a new instance token: called when this door's server starts. Call inside a transaction."""
    token = uuid.uuid4().hex
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (INSTANCE_META_KEY, token))
    return token


def on_hello(conn: sqlite3.Connection, their_device: Any, their_instance: Any, who: str, now: str,
             their_left: Any = None, their_tips: Any = None) -> str | None:
    """A door answered hello: is it another data dir with this door's device id? Call inside a transaction.

    Args:
        their_left: the ids the other door had before (`retired_ids`): one of them is this door's
            when the other door already took a new id because of this one.
        their_tips: the other door's last row (`[seq, nonce]`) under each id it writes or wrote
            (`tips`): under this door's id but not a row this door wrote, the two data dirs
            diverged, and their rows under the id never reach each other (a door is never served
            rows in its own name, nor applies them): both re-issue their acts under new ids.

    Returns:
        None (another device, or this very door), "kept" (the other door takes, or took, a new
        id), or "renamed" (this door took a new id).
    """
    mine = instance(conn)
    if their_instance == mine:
        return None  # this very door (its own address, or a second process on its data dir)
    tip = their_tips.get(device_id(conn)) if isinstance(their_tips, dict) else None
    if isinstance(tip, list) and len(tip) == 2 and isinstance(tip[0], int) and isinstance(tip[1], str):
        # This door's own rows are all here: a last row under its id that is not one of them (another
        # version, or one past this door's last) was written by another data dir.
        held = conn.execute("SELECT nonce FROM journal WHERE device_id = ? AND seq = ?",
                            (device_id(conn), tip[0])).fetchone()
        if held is None or held[0] != tip[1]:
            renamed = take_new_id(conn, f"{who} wrote other rows under this door's device id (its row #{tip[0]} is "
                                        "not this door's: one data dir was copied from the other)", now)
            return "renamed" if renamed else None
    if isinstance(their_left, list) and device_id(conn) in their_left[:MAX_RENAMES] and their_device != device_id(conn):
        return _kept(conn, who, now)
    if their_device != device_id(conn) or not isinstance(their_instance, str) or their_instance == mine:
        return None
    if mine > their_instance:
        renamed = take_new_id(conn, f"{who} uses the same device id (its data dir was copied from this one, or this "
                                    "one from it)", now, contested=False)
        return "renamed" if renamed else None
    return _kept(conn, who, now)


def _kept(conn: sqlite3.Connection, who: str, now: str) -> str:
    old = device_id(conn)
    if incidents.record(conn, incidents.DUPLICATE_DEVICE, old, {"kept": True, "other": who}, now):
        log.error("%s used this door's device id %s (a copied data dir): it takes a new one; this door keeps %s",
                  who, old, old)
    return "kept"


def take_new_id(conn: sqlite3.Connection, reason: str, now: str, contested: bool = True) -> str | None:
    """This door takes a new device id and re-issues its rows under it. Call inside a transaction.

    Args:
        contested: the old id's rows come in two versions (a row in this door's name it never
            wrote): rows under the old id stay refused here as this door's own (the other data
            dir re-issues its acts too, when it sees this door's versions). Otherwise (two doors
            decided by `on_hello`) the other door keeps the old id and its later rows apply here.

    Returns:
        The new device id; None after `MAX_RENAMES` (the alarm stays; nothing more is re-issued).
    """
    old = device_id(conn)
    retired = retired_ids(conn)
    if len(retired) >= MAX_RENAMES:
        log.error("another door writes in this door's name (%s) again; this door has taken a new id %d times "
                  "already and keeps this one: see the alarms", old, len(retired))
        return None
    new = uuid.uuid4().hex[:12]
    conn.execute("UPDATE meta SET value = ? WHERE key = ?", (new, DEVICE_META_KEY))
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (RETIRED_META_KEY, json.dumps(retired | {old: "contested" if contested else "kept"})))
    copied = reissue(conn, old, new)
    incidents.record(conn, incidents.DUPLICATE_DEVICE, old, {"new": new, "reason": reason, "reissued": copied}, now)
    log.error("THIS DOOR TOOK A NEW DEVICE ID %s (it was %s): %s. Its %d row(s) under %s were re-issued under %s; "
              "nothing is lost", new, old, reason, copied, old, new)
    return new


def tips(conn: sqlite3.Connection) -> dict[str, list[Any]]:
    """This door's last row (`[seq, nonce]`) under its id and each id it had before: told in `hello`."""
    out = {}
    for device in [device_id(conn), *retired_ids(conn)]:
        row = conn.execute("SELECT seq, nonce FROM journal WHERE device_id = ? ORDER BY seq DESC LIMIT 1",
                           (device,)).fetchone()
        if row is not None:
            out[device] = [row[0], row[1]]
    return out


def retired_ids(conn: sqlite3.Connection) -> dict[str, str]:
    """The device ids this door had before (`take_new_id`), and how each was given up."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (RETIRED_META_KEY,)).fetchone()
    return dict(json.loads(row[0])) if row else {}


def contested_ids(conn: sqlite3.Connection) -> set[str]:
    """Old ids of this door whose rows came in two versions: rows in those names are refused here like its own."""
    return {d for d, how in retired_ids(conn).items() if how == "contested"}


def reissue(conn: sqlite3.Connection, old: str, new: str) -> int:
    """Write every row this door wrote under `old` again under `new` (same act, time and stamp).

    Alarms are not copied (each door raises its own). Returns how many rows were written.
    """
    rows = conn.execute("SELECT * FROM journal WHERE device_id = ? AND op != ? ORDER BY seq", (old, ALARM)).fetchall()
    for seq, r in enumerate(rows, start=1):
        payload = json.loads(r["payload"] or "{}")
        payload = payload if isinstance(payload, dict) else {}
        # A copy names the act's first row, however often it was copied: one act, one name.
        if not isinstance(payload.get("reissues"), dict):
            payload["reissues"] = {"device": old, "seq": r["seq"], "nonce": r["nonce"]}
        conn.execute(
            "INSERT INTO journal (device_id, seq, op, verdict, ticket_id, provider, event_remote_id, ticket_remote_id,"
            " code, door, payload, at, nonce, hlc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (new, seq, r["op"], r["verdict"], r["ticket_id"], r["provider"], r["event_remote_id"], r["ticket_remote_id"],
             r["code"], r["door"], json.dumps(payload, separators=(",", ":"), ensure_ascii=False), r["at"],
             uuid.uuid4().hex, r["hlc"]))
    return len(rows)
