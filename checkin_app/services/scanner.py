"""The door's scanner set-up: which symbologies to decode, from what the door has cached.

Decoding only what the door's providers issue avoids noise reads (a striped shirt is an EAN to an
EAN decoder). The GUI builds its camera pipeline with `door_pipeline(store)` on the database lane
and hands it to `gui.camera.CameraWorker`.
"""
from __future__ import annotations

from checkin_app.scanning import formats
from checkin_app.scanning.decoders import make_decoder
from checkin_app.scanning.pipeline import ScanPipeline
from checkin_app.store import connections as conns
from checkin_app.store import events


def door_symbologies(store) -> frozenset[str]:
    """What this door's tickets can carry.

    Args:
        store: an open `Store`.

    Returns:
        The union over the providers of admitted cached events and of the connections; every ticket
        symbology when the door has neither yet (better a noisy read than a missed ticket).
    """
    providers = events.admitted_providers(store.conn)
    providers |= {c.provider for c in conns.all_connections(store.conn)}
    return formats.for_providers(providers)


def door_pipeline(store, decoder: str = "zxing", **options) -> ScanPipeline:
    """A `ScanPipeline` restricted to `door_symbologies(store)`.

    Args:
        store: an open `Store`.
        decoder: "zxing" or "pyzbar" (pyzbar without libzbar falls back, see `make_decoder`).
        **options: passed to `ScanPipeline` (repeat_window_s, rescue_steps, ...).
    """
    symbologies = door_symbologies(store)
    return ScanPipeline(make_decoder(decoder, symbologies), symbologies, **options)
