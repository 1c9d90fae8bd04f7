"""What travels through the venue's NATS hub: names, credentials and sealed journal rows.

Everything here is derived from the venue key, so a door needs nothing but its pairing to use a
hub, and the hub box needs nothing secret on disk:

- **Credentials**: an NATS *nkey* (Ed25519) whose seed is HKDF(venue key). The hub's config holds
  only the public key; a door proves it holds the seed by signing the server's nonce, so no
  password crosses the network or sits in a file.
- **Names**: the stream `CHECKIN_<venue id>` holds subjects `checkin.<venue id>.rows.<device>`
  (one subject per origin door, so the hub's last message of a subject is that door's head).
- **Messages**: one journal row each, in replica's wire form (`replica.rows_after`), sealed with
  the venue key (`door_crypto`, purpose "hub"), bound to its device and seq (associated data).
  Headers carry what the hub needs to order and de-duplicate (`Nats-Msg-Id` = device:seq, the
  seq) and nothing private.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from checkin_app.sync import door_auth, door_crypto

MAX_MESSAGE_BYTES = 65_536  # the hub's max_payload: a row is at most replica.MAX_ROW_BYTES (16 KB) before sealing
H_SEQ = "Checkin-Seq"
H_MSG_ID = "Nats-Msg-Id"  # JetStream drops a second message with the same id (within its duplicate window)
_DEVICE = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what a subject token may hold; other ids are hashed


def nkey_seed(key: bytes) -> str:
    """The doors' NATS nkey seed (secret: pass it to nats-py in memory, never write it down).

    Derived with door_crypto's HKDF under its own purpose ("hub-nkey"): never the key that seals rows.
    """
    import nkeys

    return nkeys.encode_seed(door_crypto.derive(key, "hub-nkey", "sign"), nkeys.PREFIX_BYTE_USER).decode("ascii")


def nkey_public(key: bytes) -> str:
    """The public half of `nkey_seed`: all the hub's config holds."""
    import nkeys

    return nkeys.from_seed(bytearray(nkey_seed(key).encode("ascii"))).public_key.decode("ascii")


@dataclass(frozen=True)
class HubNames:
    """The hub's stream, subjects and consumer names for one venue."""
    venue_id: str

    @property
    def stream(self) -> str:
        return f"CHECKIN_{self.venue_id}"

    @property
    def subjects(self) -> str:
        return f"checkin.{self.venue_id}.rows.*"

    def subject(self, device_id: str) -> str:
        return f"checkin.{self.venue_id}.rows.{device_token(device_id)}"

    def consumer(self, device_id: str) -> str:
        """This door's durable consumer: the hub remembers how far it has read while it is away."""
        return "door_" + hashlib.sha256(device_id.encode("utf-8")).hexdigest()[:20]


def device_token(device_id: str) -> str:
    """A device id as one subject token (device ids may hold '.' and ':', which NATS reads as syntax)."""
    return device_id if _DEVICE.fullmatch(device_id) else "h" + hashlib.sha256(device_id.encode("utf-8")).hexdigest()[:32]


def seal_row(key: bytes, row: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """(message body, headers) for one wire row (`replica.rows_after`'s form)."""
    device, seq = row["device_id"], int(row["seq"])
    body = json.dumps(row, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    sealed = door_crypto.seal(key, body, _context(key, device, seq), purpose="hub")
    return sealed, {H_MSG_ID: f"{device}:{seq}", H_SEQ: str(seq)}


class HubMessageError(ValueError):
    """A hub message that is not a row sealed with this venue's key for the place it claims."""


def open_row(key: bytes, subject: str, data: bytes, headers: dict[str, str] | None) -> Any:
    """The wire row in a hub message, checked only for its seal (replica checks the row itself).

    Raises:
        HubMessageError: too big, no seq header, not sealed with the venue key, or sealed for
            another device or seq than the message names (a key holder replaying a row elsewhere).
    """
    if len(data) > MAX_MESSAGE_BYTES:
        raise HubMessageError(f"a hub message of {len(data):,} bytes (at most {MAX_MESSAGE_BYTES:,})")
    msg_id = (headers or {}).get(H_MSG_ID, "")
    device, _, seq_text = msg_id.rpartition(":")
    if not (device and seq_text.isdigit() and len(seq_text) <= 19):
        raise HubMessageError(f"a hub message without a row id ({msg_id[:80]!r})")
    if not subject.endswith("." + device_token(device)):
        raise HubMessageError(f"a hub message for {device[:64]!r} on another door's subject")
    try:
        body = door_crypto.unseal(key, data, _context(key, device, int(seq_text)), purpose="hub")
    except door_crypto.Unsealable:
        raise HubMessageError("a hub message not sealed with the venue key for its row id") from None
    try:
        row = json.loads(body)
    except ValueError:
        raise HubMessageError("a sealed hub message that is not JSON") from None
    if not isinstance(row, dict) or row.get("device_id") != device or row.get("seq") != int(seq_text):
        raise HubMessageError("a sealed hub message whose row is not the one its id names")
    return row


def _context(key: bytes, device: str, seq: int) -> bytes:
    """The associated data a row is sealed with: it opens only as that device's row `seq` of this venue."""
    return door_crypto.fields("hub row v1", door_auth.venue_id(key), device, seq)
