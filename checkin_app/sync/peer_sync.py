"""Pulling other doors' journal rows, continuously, from every known peer.

One thread per peer, each with its own Store: it long-polls the peer for rows beyond this door's
heads, checks the answer's signature, and applies the rows in one transaction (store.replica).
A peer relays the rows of doors it has heard from, so three doors converge even when one pair
cannot see each other. Failures are recorded per peer and retried with a short backoff.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

import httpx

from checkin_app.domain.clock import utc_now
from checkin_app.errors import CheckinError
from checkin_app.providers.registry import pushes
from checkin_app.store import Store
from checkin_app.store import peers, replica
from checkin_app.sync import door_auth
from checkin_app.sync.peer_server import API

log = logging.getLogger(__name__)

LONG_POLL_S = 2.0
RETRY_S = (0.2, 0.5, 1.0)  # a peer that is away is tried again every second
ORPHAN_CHECK_S = 5.0


class PeerError(CheckinError):
    """A peer could not be reached, refused us, or answered without a valid signature."""


class DoorClient:
    """Signed requests to one peer.

    Args:
        url: the peer's base URL (`http://host:port`).
        key: the venue key.
        device_id: this door's device id (sent, and signed, with each request).
    """

    def __init__(self, url: str, key: bytes, device_id: str, timeout: float = 3.0):
        self.url = url.rstrip("/")
        self.key = key
        self.device_id = device_id
        self.timeout = timeout
        self._http = httpx.Client(timeout=httpx.Timeout(timeout), trust_env=False)

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, doc: dict | None = None, wait: float = 0.0) -> dict:
        body = b"" if doc is None else json.dumps(doc, separators=(",", ":")).encode("utf-8")
        headers = door_auth.sign_request(self.key, self.device_id, method, path, body)
        headers["content-type"] = "application/json"
        try:
            # Read timeout = the long-poll's wait plus a little: a link that died silently (Wi-Fi
            # gone, no reset) is noticed within seconds, not after a long default timeout.
            resp = self._http.request(method, self.url + path, content=body, headers=headers,
                                      timeout=httpx.Timeout(self.timeout + wait, connect=self.timeout))
        except httpx.HTTPError as exc:
            raise PeerError(f"{self.url}: {type(exc).__name__}: {exc or 'no answer'}") from None
        if resp.status_code == 401:
            raise PeerError(f"{self.url} refused our venue key (a door of another venue, or not paired)")
        if not door_auth.response_ok(self.key, headers[door_auth.H_NONCE], resp.status_code, resp.content,
                                     resp.headers.get(door_auth.H_SIGNATURE)):
            raise PeerError(f"{self.url} answered without the venue's signature; ignored")
        if resp.status_code != 200:
            raise PeerError(f"{self.url} answered HTTP {resp.status_code}")
        return resp.json()

    def hello(self) -> dict:
        return self._call("GET", f"{API}/hello")

    def pull(self, after: dict[str, int], wait: float = 0.0, limit: int = 500) -> dict:
        return self._call("POST", f"{API}/journal", {"after": after, "wait": wait, "limit": limit}, wait=wait)


def not_before(grace_s: float) -> Callable[[str], str]:
    """When another door's act may first be pushed from here: `grace_s` after it happened."""
    def when(at: str) -> str:
        try:
            moment = datetime.fromisoformat(at) + timedelta(seconds=grace_s)
        except ValueError:
            return utc_now()
        return moment.isoformat(timespec="milliseconds")
    return when


class DoorReplicator:
    """Keep this door's journal in step with every peer's.

    Args:
        data_dir: this door's data dir.
        key: the venue key.
        push_grace_s: leave the origin door this long to push its own acts before this door may.
        on_applied: called (on a peer thread) with each ApplyReport that applied rows.
        long_poll_s: how long a peer may hold a pull open when it has nothing new.
    """

    def __init__(self, data_dir: Path, key: bytes, *, push_grace_s: float = 10.0,
                 on_applied: Callable[[replica.ApplyReport], None] | None = None, long_poll_s: float = LONG_POLL_S):
        self.data_dir = Path(data_dir)
        self.key = key
        self.venue_id = door_auth.venue_id(key)
        self.push_grace_s = push_grace_s
        self.on_applied = on_applied or (lambda _r: None)
        self.long_poll_s = long_poll_s
        self._stop = threading.Event()
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        with Store(self.data_dir) as store:
            self.device_id = store.device_id

    def add_peer(self, url: str, source: str = "manual") -> None:
        """Start pulling from a peer (again adding a known one does nothing)."""
        url = url.rstrip("/")
        with self._lock:
            if url in self._threads or self._stop.is_set():
                return
            thread = threading.Thread(target=self._run, args=(url, source), name=f"door-pull {url}", daemon=True)
            self._threads[url] = thread
        thread.start()

    def peers(self) -> list[str]:
        with self._lock:
            return list(self._threads)

    def stop(self, timeout: float = 1.0) -> None:
        """Stop pulling. A pull held open by a peer is abandoned (its thread is a daemon; a
        transaction cut short by process exit rolls back, and the rows come again next time)."""
        self._stop.set()
        with self._lock:
            threads = list(self._threads.values())
        for thread in threads:
            thread.join(timeout / max(1, len(threads)))

    def _run(self, url: str, source: str) -> None:
        store = Store(self.data_dir)
        client = DoorClient(url, self.key, self.device_id)
        failures = 0
        last_orphan_check = 0.0
        answered = False
        try:
            while not self._stop.is_set():
                try:
                    # The first pull (and the first after a failure) answers at once, so the
                    # doors' status shows the contact without waiting for a long-poll to end.
                    wait = self.long_poll_s if answered and not failures else 0.0
                    got = pull_once(store, client, self.venue_id, wait=wait,
                                    push_not_before=not_before(self.push_grace_s), source=source)
                    failures, answered = 0, True
                except Exception as exc:  # noqa: BLE001 - a bug in one round must not stop replication
                    if not isinstance(exc, CheckinError):
                        log.exception("pull from door %s crashed", url)
                    elif failures == 0:
                        log.warning("door peer %s: %s", url, exc)
                    try:
                        with store.transaction() as conn:
                            peers.record_error(conn, url, str(exc), utc_now(), source)
                    except CheckinError:
                        pass  # the database is busy or failing: the next round tries again
                    self._stop.wait(RETRY_S[min(failures, len(RETRY_S) - 1)])
                    failures += 1
                    continue
                if got.applied:
                    self.on_applied(got)
                now = time.monotonic()
                if now - last_orphan_check > ORPHAN_CHECK_S:
                    last_orphan_check = now
                    with store.transaction() as conn:
                        replica.link_orphans(conn, utc_now())
        finally:
            client.close()
            store.close()


def pull_once(store: Store, client: DoorClient, venue_id: str, *, wait: float = 0.0,
              push_not_before: Callable[[str], str] | None = None, source: str = "manual") -> replica.ApplyReport:
    """One pull from one peer, applied. Pages until the peer has nothing more for us.

    Raises:
        PeerError: unreachable, refused, unsigned, or a door of another venue.
    """
    total = replica.ApplyReport()
    while True:
        doc = client.pull(replica.heads(store.conn), wait=wait if not total.applied else 0.0)
        if doc.get("venue") != venue_id:
            raise PeerError(f"{client.url} belongs to another venue")
        now = utc_now()
        with store.transaction() as conn:
            report = replica.apply_rows(conn, doc.get("rows") or [], own_device=store.device_id, pushes=pushes,
                                        now=now, push_not_before=push_not_before)
            behind, ahead = replica.lag(replica.heads(conn), doc.get("heads") or {})
            peers.record_contact(conn, client.url, device_id=doc["device_id"], door=doc.get("door"), behind=behind,
                                 ahead=ahead, rows=report.applied, now=now, source=source)
        total.applied += report.applied
        total.duplicates += report.duplicates
        total.gaps += report.gaps
        total.tickets |= report.tickets
        total.conflicts += report.conflicts
        total.new_acts += report.new_acts
        if not doc.get("more") or not report.applied:
            return total
