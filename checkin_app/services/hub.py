"""The venue's hub, for big venues: run it (`doors hub`), replicate through it (`doors serve --hub`),
and say how the link stands (`doors status`, the Doors tab).

Up to ~10 doors replicate best peer to peer; beyond that every door pulling every other costs
each door more than its scans. With a hub, a door publishes its journal to one NATS JetStream
server and reads everyone else's from it (`sync.hub_link`); its peers (typed or discovered) go on
standby and take over by themselves when the hub is away (`DoorReplicator.set_standby`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from checkin_app.errors import ConfigError
from checkin_app.services import doors
from checkin_app.store import Store
from checkin_app.store.replica import ApplyReport
from checkin_app.sync.hub_link import HubLink
from checkin_app.sync.hub_server import DEFAULT_PORT, HubServer
from checkin_app.sync.peer_sync import DoorReplicator, not_before


def hub_url(text: str) -> str:
    """`nats://HOST:PORT` from what a user typed ("192.168.1.5", "hub.local:4222", "nats://...").

    Raises:
        ConfigError: not a host with an optional port (one line naming it).
    """
    entry = (text or "").strip()
    url = entry if "://" in entry else f"nats://{entry}"
    parsed = urlsplit(url)
    try:
        port = parsed.port or DEFAULT_PORT
    except ValueError:
        port = None
    if parsed.scheme != "nats" or not parsed.hostname or port is None or parsed.path not in ("", "/") \
            or parsed.username or parsed.password:
        raise ConfigError(f"{entry!r} is not a hub address: write nats://HOST:PORT, e.g. nats://192.168.1.5:4222")
    host = f"[{parsed.hostname}]" if ":" in parsed.hostname else parsed.hostname
    return f"nats://{host}:{port}"


def hub_link_for(data_dir: Path, key: bytes, url: str, push_grace_s: float,
                 on_applied: Callable[[ApplyReport], None], replicator: DoorReplicator) -> HubLink:
    """The hub link of a door runner: peers on standby while it is up, pulling again when it is down."""
    return HubLink(data_dir, key, hub_url(url), push_not_before=not_before(push_grace_s), on_applied=on_applied,
                   on_state=replicator.set_standby)


def hub_server(data_dir: Path, host: str = "0.0.0.0", port: int = DEFAULT_PORT, on_event=None) -> HubServer:
    """The venue's hub for this (paired) data dir; `.start()` it, `.stop()` it.

    Raises:
        ConfigError: the data dir is not paired with a venue (the hub's credentials come from its key).
    """
    with Store(Path(data_dir)) as store:
        key = doors.venue_key(store)
    return HubServer(Path(data_dir), key, host=host, port=port, on_event=on_event)
