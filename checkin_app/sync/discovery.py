"""Finding the other doors of the venue on the local network: multicast DNS / DNS-SD (zeroconf).

Each door advertises `_checkin-door._tcp.local.` with its venue id, device id and door name in
the TXT record (nothing secret: the venue id is a one-way hash of the key) and browses for the
same service; doors of the same venue are handed to `on_found`. Where multicast is blocked, the
manual peer list (`doors serve --peer URL`) does the same job. Anyone can advertise anything:
a found door is only a candidate until it answers a signed hello (`DoorReplicator.discovered`).
"""
from __future__ import annotations

import logging
import socket
import uuid
from typing import Callable

from zeroconf import IPVersion, ServiceBrowser, ServiceInfo, ServiceStateChange, Zeroconf

from checkin_app.sync.peer_server import PROTOCOL

log = logging.getLogger(__name__)

SERVICE_TYPE = "_checkin-door._tcp.local."


def _text(props: dict, name: str) -> str | None:
    value = props.get(name.encode())
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else None


class DoorDiscovery:
    """Advertise this door and report the venue's other doors as they appear.

    Args:
        venue_id: the venue (from the key); doors of other venues are ignored.
        device_id: this door's device id (advertised; its own advertisement is ignored).
        door: this door's name.
        port: the door server's port.
        addresses: the IPv4 addresses to advertise and listen on (None: every interface).
        on_found: called with (url, device_id, door) for each door of the venue found.
    """

    def __init__(self, venue_id: str, device_id: str, door: str | None, port: int, *,
                 addresses: list[str] | None = None, on_found: Callable[[str, str, str | None], None]):
        self.venue_id = venue_id
        self.device_id = device_id
        self.on_found = on_found
        interfaces = addresses if addresses else None
        self.zc = Zeroconf(interfaces=interfaces, ip_version=IPVersion.V4Only) if interfaces else Zeroconf(ip_version=IPVersion.V4Only)
        # A random tail: two copies of one data dir (same door name and device id) must not advertise
        # one name, or each takes the other's advertisement for its own (and zeroconf merges them).
        name = f"{(door or 'door').replace('.', ' ')[:40]} {device_id} {uuid.uuid4().hex[:4]}.{SERVICE_TYPE}"
        self.info = ServiceInfo(
            SERVICE_TYPE, name, port=port,
            addresses=[socket.inet_aton(a) for a in (addresses or [primary_address()])],
            properties={"v": str(PROTOCOL), "venue": venue_id, "device": device_id, "door": door or ""},
        )
        self.browser: ServiceBrowser | None = None

    def start(self) -> "DoorDiscovery":
        # A copy of this data dir (same door name, same device id) may advertise the same name: take
        # "name-2" rather than fail; the copy is found and told apart by its signed hello.
        self.zc.register_service(self.info, allow_name_change=True)
        self.browser = ServiceBrowser(self.zc, SERVICE_TYPE, handlers=[self._changed])
        return self

    def _changed(self, zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange) -> None:
        try:
            self._consider(zeroconf, service_type, name, state_change)
        except Exception:  # noqa: BLE001 - a strange advertisement must not end discovery
            log.exception("ignoring the advertisement %r", name[:100])

    def _consider(self, zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange) -> None:
        if state_change not in (ServiceStateChange.Added, ServiceStateChange.Updated):
            return
        info = zeroconf.get_service_info(service_type, name, timeout=2000)
        if info is None:
            return
        props = info.properties or {}
        # Not this door's own advertisement; a door with this door's device id under another name is
        # reported: a copy of this data dir, which the signed hello tells apart (store.device_ids).
        if _text(props, "venue") != self.venue_id or name == self.info.name:
            return
        for address in info.parsed_addresses(IPVersion.V4Only):
            self.on_found(f"http://{address}:{info.port}", _text(props, "device") or "", _text(props, "door") or None)
            break

    def stop(self) -> None:
        try:
            if self.browser is not None:
                self.browser.cancel()
            self.zc.unregister_service(self.info)
        finally:
            self.zc.close()


def primary_address() -> str:
    """The address other machines reach this one at (the interface of the default route)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: UDP connect only picks a route
        return probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()
