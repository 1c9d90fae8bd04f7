"""Doors of one venue: pairing (the venue key) and what the GUI and `doors status` show.

The key itself goes to the OS keyring, or stays in the environment variable the user names; the
data dir keeps only the reference, the venue id (a one-way hash of the key) and the door name.
"""
from __future__ import annotations

import os
import struct
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit

from checkin_app import secret_store
from checkin_app.domain import hlc
from checkin_app.domain.models import ConflictKind
from checkin_app.errors import CheckinError, ConfigError
from checkin_app.scanning import text_qr
from checkin_app.services import hub_status
from checkin_app.services.conflicts import open_conflicts
from checkin_app.store import Store
from checkin_app.store import incidents, peers, replica
from checkin_app.sync import door_auth
from checkin_app.sync.peer_sync import STANDBY_CHECK_S

CONNECTED_WITHIN_S = 6.0  # a peer answers a long-poll at least every ~2 s while it is reachable


def create_venue(store: Store, door: str | None = None, key_env: str | None = None) -> tuple[bytes, dict]:
    """Make this door the venue's first: a new key (or the one already in `key_env`), remembered.

    Returns:
        (key, venue settings). Show the key with `pairing()` so other doors can join.
    """
    existing = os.environ.get(key_env, "") if key_env else ""
    key = door_auth.parse_key(existing) if existing else door_auth.new_key()
    return key, _remember(store, key, door, key_env)


def join_venue(store: Store, key_text: str | None, door: str | None = None, key_env: str | None = None) -> dict:
    """Join the venue whose key was typed or scanned (or is in `key_env`)."""
    text = key_text or (secret_store.from_env(key_env) if key_env else "")
    if not text:
        raise ConfigError("give the venue key (as shown by `doors pair` on the first door) or --key-env VAR")
    return _remember(store, door_auth.parse_key(text), door, key_env)


def _remember(store: Store, key: bytes, door: str | None, key_env: str | None) -> dict:
    vid = door_auth.venue_id(key)
    ref = secret_store.remember(f"venue-{vid}", door_auth.key_text(key), key_env)
    name = door or door_name(store) or f"Door {store.device_id[:4]}"
    settings = {"venue_id": vid, "key": ref, "door": name}
    with store.transaction() as conn:
        peers.save_venue(conn, settings)
        peers.save_door_name(conn, name)
    return settings


def key_text(key: bytes) -> str:
    """The venue key as people copy it between doors (CV1-...)."""
    return door_auth.key_text(key)


def venue(store: Store) -> dict | None:
    return peers.load_venue(store.conn)


def venue_key(store: Store) -> bytes:
    """The venue key this door was paired with."""
    settings = venue(store)
    if settings is None:
        raise ConfigError("this door is not paired: run `checkin-app doors create-venue` on the first door, "
                          "`checkin-app doors join` on the others")
    key = door_auth.parse_key(secret_store.resolve(settings["key"], "venue key"))
    if door_auth.venue_id(key) != settings["venue_id"]:
        raise ConfigError("the venue key found does not belong to this door's venue; join again")
    return key


def pairing(store: Store) -> dict:
    """What another door needs to join: the key as text and as QR payload (a secret: show, never log)."""
    key = venue_key(store)
    return {"venue_id": door_auth.venue_id(key), "text": door_auth.key_text(key), "qr": door_auth.qr_payload(key)}


def key_from_image(path: str) -> str:
    """The venue key text from a picture of its QR code (a webcam snapshot or a saved PNG/JPEG).

    Raises:
        CheckinError: not a PNG/JPEG, larger than `MAX_IMAGE_PIXELS` (checked from the file's
            header before anything is decoded: a 48 KB PNG can say 20000 x 20000 and take
            ~840 MB to decode), or no venue key QR code in it.
    """
    width, height = image_size(path)
    if width * height > MAX_IMAGE_PIXELS:
        raise CheckinError(f"{path} is {width} x {height} pixels; a picture of the key's QR code needs far fewer "
                           f"(at most {MAX_IMAGE_PIXELS // 1_000_000} megapixels): crop or shrink it")
    for text in text_qr.texts_in_image(path):
        if text.lower().startswith(door_auth.QR_PREFIX):
            return text
    raise CheckinError(f"no venue key QR code found in {path}")


MAX_IMAGE_PIXELS = 50_000_000  # a 50 MP phone photo decodes to ~50 MB in grey


def image_size(path: str) -> tuple[int, int]:
    """(width, height) from a PNG's or JPEG's header, read without decoding the picture.

    Raises:
        CheckinError: the file cannot be read, or is not a PNG or JPEG.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(24)
            if head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
                return struct.unpack(">II", head[16:24])
            if head[:2] == b"\xff\xd8":
                f.seek(2)
                return _jpeg_size(f)
    except OSError as exc:
        raise CheckinError(f"cannot read an image from {path}: {exc.strerror or exc}") from None
    raise CheckinError(f"cannot read an image from {path}: not a PNG or JPEG file")


def _jpeg_size(f) -> tuple[int, int]:
    """The size in a JPEG's frame header (SOFn), skipping the segments before it."""
    while True:
        marker = f.read(2)
        if len(marker) < 2 or marker[0] != 0xFF:
            break
        kind = marker[1]
        if kind == 0xFF:  # fill byte
            f.seek(-1, 1)
            continue
        if kind in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            continue
        length = f.read(2)
        if len(length) < 2:
            break
        size = struct.unpack(">H", length)[0]
        if 0xC0 <= kind <= 0xCF and kind not in (0xC4, 0xC8, 0xCC):
            frame = f.read(5)
            if len(frame) < 5:
                break
            height, width = struct.unpack(">HH", frame[1:5])
            return width, height
        if size < 2:
            break
        f.seek(size - 2, 1)
    raise CheckinError(f"cannot read an image from {getattr(f, 'name', 'the file')}: its JPEG header is broken")


# For a window's worker thread: each opens a Store of its own (the keyring may be slow to answer).

def create_venue_at(data_dir, door: str | None = None, key_env: str | None = None) -> dict:
    """`create_venue` with its own Store; returns the venue settings (the key stays in the keyring).

    Raises:
        ConfigError: `key_env` names an empty variable. A window has no terminal to print a new
            key into for the user to copy into it, so the key would be lost at the next start.
    """
    if key_env and not os.environ.get(key_env, "").strip():
        raise ConfigError(f"{key_env} is empty: put a venue key in it first (`checkin-app doors create-venue "
                          f"--key-env {key_env}` prints one), or leave the key variable empty to use the OS keyring")
    with Store(data_dir) as store:
        return create_venue(store, door, key_env)[1]


def join_venue_at(data_dir, key_text: str | None = None, door: str | None = None, key_env: str | None = None,
                  image: str | None = None) -> dict:
    """`join_venue` with its own Store, the key typed or read from a QR picture (`image`)."""
    text = key_from_image(image) if image else key_text
    with Store(data_dir) as store:
        return join_venue(store, text, door, key_env)


def pairing_at(data_dir) -> dict:
    """`pairing` plus the QR code as PNG bytes (`png`): what a supervisor shows the next door."""
    with Store(data_dir) as store:
        info = pairing(store)
    return {**info, "png": text_qr.qr_png(info["qr"])}


def peer_urls(text: str) -> list[str]:
    """Other doors' addresses as typed ("192.168.1.20:8722, http://door2.local:8722"): their URLs.

    Raises:
        ConfigError: an entry is not host:port (one line naming it).
    """
    urls = []
    for entry in text.replace(",", " ").split():
        url = entry if "://" in entry else f"http://{entry}"
        parsed = urlsplit(url)
        try:
            port = parsed.port
        except ValueError:
            port = None
        if parsed.scheme not in ("http", "https") or not parsed.hostname or port is None:
            raise ConfigError(f"{entry!r} is not a door address: write host:port, e.g. 192.168.1.20:8722")
        urls.append(f"{parsed.scheme}://{parsed.netloc}")
    return urls


def door_name(store: Store) -> str | None:
    """This door's name (`store.peers.door_name`): scans carry it, other doors show it."""
    return peers.door_name(store.conn)


def set_door_name(store: Store, door: str | None) -> str | None:
    """Name this door, in the one place the name is kept (the venue's pairing follows it).

    An empty name means "no name": scans carry the device id instead. Returns the name.
    """
    door = (door or "").strip() or None
    with store.transaction() as conn:
        peers.save_door_name(conn, door or "")
        settings = peers.load_venue(conn)
        if settings is not None and door and settings.get("door") != door:
            peers.save_venue(conn, {**settings, "door": door})
    return door


@dataclass
class DoorsStatus:
    paired: bool
    venue_id: str | None
    door: str | None
    device_id: str
    journal_rows: int
    doors: list[dict] = field(default_factory=list)  # one per peer: connected, lag, last contact, restarts
    open_conflicts: int = 0
    quarantined_count: int = 0  # rows other doors served that could not be applied here
    quarantined: list[dict] = field(default_factory=list)  # the newest, with their reasons
    alarms: list[dict] = field(default_factory=list)  # open forged_row conflicts: two versions of one row
    # What the running replicator does: {"mode": "mesh" | "gossip", "doors", "fanout", "pulling": [urls],
    # "rotate_s"}; None before replication first ran here.
    topology: dict | None = None
    hub: dict | None = None  # the venue hub link (services.hub_status.status), None when this door uses none
    # This door's clock against the others' (median of the measured skews, ms; None: not measured).
    clock_skew_ms: int | None = None
    incidents: list[dict] = field(default_factory=list)  # door incidents (store.incidents): clocks, copied data dirs
    notices: list[str] = field(default_factory=list)  # what a supervisor should know, in plain sentences

    def to_dict(self) -> dict:
        return asdict(self)


def status(store: Store, now: datetime | None = None) -> DoorsStatus:
    """Which doors are connected, how far behind each is, when each was last heard from."""
    now = now or datetime.now(timezone.utc)
    settings = venue(store)
    heads = replica.heads(store.conn)
    out = DoorsStatus(paired=settings is not None, venue_id=settings and settings["venue_id"],
                      door=settings and settings.get("door"), device_id=store.device_id,
                      journal_rows=sum(heads.values()))
    out.hub = hub_status.status(store, now)
    # While the hub carries the rows, peers are only asked their heads every STANDBY_CHECK_S.
    within = CONNECTED_WITHIN_S + (STANDBY_CHECK_S if out.hub and out.hub["state"] == "connected" else 0)
    for p in peers.all_peers(store.conn):
        if p["source"] == "mdns" and p["device_id"] is None:
            continue  # advertised, never answered signed: a stranger's advertisement, not a door
        age = (now - datetime.fromisoformat(p["last_contact_at"])).total_seconds() if p["last_contact_at"] else None
        failing = p["last_error_at"] is not None and (p["last_contact_at"] is None or p["last_error_at"] > p["last_contact_at"])
        out.doors.append({
            "url": p["url"], "urls": [p["url"]], "door": p["door"], "device_id": p["device_id"], "source": p["source"],
            "connected": age is not None and age <= within and not failing,
            "behind": p["behind"], "ahead": p["ahead"], "rows_pulled": p["rows_pulled"],
            "last_contact_at": p["last_contact_at"], "last_contact_age_s": None if age is None else round(age, 1),
            "last_error": p["last_error"] if failing else None,
            "restarts": p["restarts"], "last_crash": p["last_crash"], "last_crash_at": p["last_crash_at"],
            "clock_skew_ms": p["clock_skew_ms"], "clock": clock_text(p["clock_skew_ms"]),
        })
    out.topology = peers.load_topology(store.conn)
    pulling = set((out.topology or {}).get("pulling") or [])
    gossip = (out.topology or {}).get("mode") == "gossip"
    for d in out.doors:
        # In gossip a door not pulled now is reached through others (its rows are relayed): not
        # hearing from it directly is not a fault, unless it failed when last asked.
        d["pulled_now"] = not gossip or d["url"] in pulling
        d["relayed"] = not d["pulled_now"] and not d["last_error"]
    out.doors = one_per_device(out.doors)
    out.open_conflicts = sum(1 for c in open_conflicts(store) if c.kind is not ConflictKind.PUSH_FAILED)
    out.quarantined_count, out.quarantined = peers.quarantined(store.conn)
    out.alarms = [_alarm(c) for c in peers.open_conflicts(store.conn, replica.FORGED_ROW)]
    out.incidents = incidents.all_incidents(store.conn)
    out.clock_skew_ms, out.notices = _notices(out)
    return out


def clock_text(skew_ms: int | None) -> str:
    """A door's clock against this door's, as the doors table shows it ("4 min 0 s ahead", "in step")."""
    if skew_ms is None:
        return "not measured"
    return "in step" if abs(skew_ms) < 1000 else hlc.skew_text(skew_ms)


def _notices(st: DoorsStatus) -> tuple[int | None, list[str]]:
    """(this door's clock against the others', ms; plain sentences for `doors status` and the Doors tab)."""
    notes = []
    measured = sorted(-d["clock_skew_ms"] for d in st.doors if d["clock_skew_ms"] is not None and d["connected"])
    mine = measured[len(measured) // 2] if measured else None
    if mine is not None and len(measured) >= 2 and all(abs(m) >= hlc.CLOCK_WARN_MS and (m > 0) == (mine > 0)
                                                        for m in measured):
        notes.append(f"This door's clock is {hlc.skew_text(mine)} of the other {len(measured)} doors': it keeps "
                     "working and its scans stay in order, but set its clock right")
    for d in st.doors:
        if d["clock_skew_ms"] is not None and abs(d["clock_skew_ms"]) >= hlc.CLOCK_WARN_MS:
            notes.append(f"{d['door'] or d['url']}'s clock is {hlc.skew_text(d['clock_skew_ms'])} of this door's: "
                         f"scans stay in order, but set the clocks right (doors {door_auth.WINDOW_S // 60} min "
                         "apart stop replicating)")
    for i in st.incidents:
        d = i["detail"]
        if i["kind"] == incidents.CLOCK_AHEAD:
            notes.append(f"Rows from {d.get('door') or i['device_id']} ({i['device_id']}) were stamped "
                         f"{hlc.skew_text(d.get('ahead_ms') or 0)} of this door's clock (last {i['last_at']}): "
                         f"more than {hlc.MAX_AHEAD_MS // 60_000} min, so this door's clock did not follow them; "
                         "set that door's clock right")
        elif i["kind"] == incidents.DUPLICATE_DEVICE and d.get("kept"):
            notes.append(f"{d.get('other')} was using this door's device id {i['device_id']} (a copied data dir): "
                         f"it takes a new one; this door keeps {i['device_id']}")
        elif i["kind"] == incidents.DUPLICATE_DEVICE:
            notes.append(f"This door took a new device id {d.get('new')} on {i['last_at']}: {d.get('reason')}. "
                         f"Its {d.get('reissued', 0)} row(s) under {i['device_id']} were re-issued under the new id")
        else:  # a kind this build does not know: shown as it is
            notes.append(f"{i['kind']} ({i['device_id']}): {d}")
    return mine, notes


def _alarm(conflict: dict) -> dict:
    d = conflict["detail"]
    held, other = d.get("held") or {}, d.get("other") or {}
    return {"id": conflict["id"], "at": conflict["at"], "device": d.get("device"), "seq": d.get("seq"),
            "other_from": d.get("other_from"), "push_held": d.get("push_held"),
            "held": {k: held.get(k) for k in ("op", "verdict", "code", "door", "at", "nonce")} if isinstance(held, dict) else held,
            "other": {k: other.get(k) for k in ("op", "verdict", "code", "door", "at", "nonce")} if isinstance(other, dict) else other}


def one_per_device(rows: list[dict]) -> list[dict]:
    """One entry per door: the same laptop reached at a typed address and found by mDNS is one door.

    Peers are stored by address (each is polled); a door is its device id. Entries of one device
    merge: every address kept (`urls`), the most recent contact's figures shown, connected if any
    address is, an error only when no address works. Addresses never heard from (no device id yet)
    stay separate: nothing says which door they are.
    """
    merged: dict[str, dict] = {}
    out: list[dict] = []
    for row in sorted(rows, key=lambda r: (not r["connected"], -(r["last_contact_age_s"] is not None),
                                           r["last_contact_age_s"] or 0)):
        key = row["device_id"]
        if key is None:
            out.append(row)
            continue
        seen = merged.get(key)
        if seen is None:
            merged[key] = row = dict(row)
            out.append(row)
            continue
        seen["urls"] = seen["urls"] + row["urls"]
        seen["source"] = "+".join(dict.fromkeys(seen["source"].split("+") + [row["source"]]))
        seen["rows_pulled"] += row["rows_pulled"]
        seen["pulled_now"] = seen.get("pulled_now", True) or row.get("pulled_now", True)
        seen["relayed"] = seen.get("relayed", False) and row.get("relayed", False)
        seen["door"] = seen["door"] or row["door"]
    for row in out:
        if row["connected"]:
            row["last_error"] = None
    return sorted(out, key=lambda r: (r["door"] or "", r["url"]))
