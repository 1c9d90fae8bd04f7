"""Pulling other doors' journal rows, continuously, from every known peer.

One thread per peer, each with its own Store: it long-polls the peer for rows beyond this door's
heads, checks the answer's signature, opens its sealed body, and applies the rows in one
transaction (store.replica). Requests name the peer they are for (its device id, learned from a
hello) and are sealed too; `DoorClient._call` is the one seam where bodies are wrapped.
A peer relays the rows of doors it has heard from, so three doors converge even when one pair
cannot see each other. Failures are recorded per peer and retried with a short backoff.
"""
from __future__ import annotations

import json
import logging
import math
import threading
import time
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Callable

import httpx

from checkin_app.domain import hlc
from checkin_app.domain.clock import utc_now
from checkin_app.errors import CheckinError
from checkin_app.providers.registry import pushes
from checkin_app.store import Store
from checkin_app.store import device_ids, peers, replica
from checkin_app.sync import door_auth
from checkin_app.sync import topology as topology_mod
from checkin_app.sync.peer_server import API, MAX_ROWS

log = logging.getLogger(__name__)

LONG_POLL_S = 2.0
RETRY_S = (0.2, 0.5, 1.0)  # a peer that is away is tried again every second
ORPHAN_CHECK_S = 5.0
RESTART_S = 1.0  # a crashed pull worker starts again after this
WATCH_S = 1.0  # how often the watchdog looks for pull workers that ended
MAX_ANSWER_BYTES = 4_000_000  # a door serves at most ~1 MB a page (replica.MAX_PAGE_BYTES); 32 peers: <= 128 MB
HELLO_MAX_BYTES = 64_000  # venue, device, door and heads: ~40 bytes a device
MAX_PEERS = 256  # doors known per venue (each costs a thread; only those pulled now hold a Store)
MAX_PULLED = 32  # doors pulled at once in a full mesh (gossip pulls `fanout`)
APPLY_CHUNK = 50  # rows applied per transaction: a local scan waits behind at most this many (~ms)
MAX_CANDIDATES = 64  # discovered doors waiting to answer signed; more advertisements are ignored
PROBE_TIMEOUT_S = 2.0
PROBE_RETRY_S = 30.0  # a discovered door that did not answer signed is asked again after this
AWAY_AFTER = 2  # failed rounds in a row after which a pulled door is away: the topology picks another
AWAY_RETRY_S = 1.0  # an away door is asked for a signed hello this often (as a failing pull was retried)
# On standby (a hub carries the rows) a peer is only asked for its heads this often: with 32 peers
# a door sends and serves ~2 hellos a second instead of 16 long-polls.
STANDBY_CHECK_S = 15.0


class PeerError(CheckinError):
    """A peer could not be reached, refused us, or answered without a valid signature."""


class OtherVersion(PeerError):
    """The peer is a door of another protocol version (older or newer): it cannot replicate with us."""


class DoorClient:
    """Sealed, signed requests to one peer; answers are read in chunks up to `max_bytes`, then checked
    and opened.

    Args:
        url: the peer's base URL (`http://host:port`).
        key: the venue key.
        device_id: this door's device id (sent, and signed, with each request).
        timeout: connect and read timeout (a long-poll's wait is added to the read timeout).
        max_bytes: the largest answer read; a bigger one is abandoned unread (a stranger's
            answer is unauthenticated until its signature is checked, after the whole body).
        clock: this door's clock (unix seconds), signed into each request.
        peer_device: the peer's device id, when known; else the first pull asks a hello first
            (every request but a hello is signed for one door, and only that door takes it).
    """

    def __init__(self, url: str, key: bytes, device_id: str, timeout: float = 3.0,
                 max_bytes: int = MAX_ANSWER_BYTES, clock: Callable[[], float] = time.time,
                 peer_device: str | None = None):
        self.url = url.rstrip("/")
        self.key = key
        self.device_id = device_id
        self.peer_device = peer_device
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.clock = clock
        self.skew_ms: float | None = None  # the peer's clock minus ours at its last answer (`time_ms`)
        self.skew_warned = False
        self._http = httpx.Client(timeout=httpx.Timeout(timeout), trust_env=False)

    def close(self) -> None:
        self._http.close()

    def _call(self, path: str, doc: dict, to: str, wait: float = 0.0, max_bytes: int | None = None) -> dict:
        sent = self.clock()
        plaintext = json.dumps(doc, separators=(",", ":")).encode("utf-8")
        headers, body = door_auth.seal_request(self.key, self.device_id, to, "POST", path, plaintext,
                                               now=sent)
        headers["content-type"] = "application/octet-stream"
        headers["accept-encoding"] = "identity"
        try:
            # Read timeout = the long-poll's wait plus a little: a link that died silently (Wi-Fi
            # gone, no reset) is noticed within seconds, not after a long default timeout.
            with self._http.stream("POST", self.url + path, content=body, headers=headers,
                                   timeout=httpx.Timeout(self.timeout + wait, connect=self.timeout)) as resp:
                content = self._read(resp, max_bytes or self.max_bytes)
        except httpx.HTTPError as exc:
            raise PeerError(f"{self.url}: {type(exc).__name__}: {exc or 'no answer'}") from None
        opened = door_auth.open_answer(self.key, headers[door_auth.H_NONCE], resp.status_code, content,
                                       resp.headers.get(door_auth.H_SIGNATURE))
        if opened is None and (newer := self._newer(resp.headers)):
            raise OtherVersion(f"{self.url}: {newer}")
        if resp.status_code == 401:
            raise PeerError(f"{self.url} {self._refusal(opened, resp.headers)}")
        if opened is None:
            raise PeerError(f"{self.url} answered without the venue's signature; ignored")
        if resp.status_code == 421:
            self.peer_device = None  # the next round asks a hello: who answers at this address now
            raise PeerError(f"{self.url} is no longer the door this request was for (another door answers "
                            "at that address now); asking it who it is")
        try:
            answer = json.loads(opened)
        except ValueError:
            raise PeerError(f"{self.url} answered a page that is not JSON") from None
        if not isinstance(answer, dict):
            raise PeerError(f"{self.url} answered a page that is not a JSON object")
        if resp.status_code != 200:
            said = answer.get("error")
            raise PeerError(f"{self.url} answered HTTP {resp.status_code}"
                            + (f": {said[:200]}" if isinstance(said, str) else ""))
        self._measure_skew(answer.get("time_ms"), sent, wait)
        return answer

    def _measure_skew(self, their_ms: object, sent: float, wait: float) -> None:
        """The peer's clock minus ours, from the time it stamped on its (signed) answer.

        Its clock is compared with the middle of the round trip; a long-poll answers when it
        ends, so then with the moment the answer came. The error is at most the one-way delay
        (milliseconds on a venue's network): far below what `doors status` shows (seconds).
        """
        if not (isinstance(their_ms, (int, float)) and not isinstance(their_ms, bool) and math.isfinite(their_ms)):
            return
        came = self.clock()
        ours = came if wait else (sent + came) / 2
        self.skew_ms = float(their_ms) - ours * 1000

    def _read(self, resp: httpx.Response, limit: int) -> bytearray:
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise PeerError(f"{self.url} sent an answer of {int(declared):,} bytes (at most {limit:,} are read); ignored")
        content = bytearray()
        for chunk in resp.iter_bytes():
            content += chunk
            if len(content) > limit:
                raise PeerError(f"{self.url} sent an answer of more than {limit:,} bytes; ignored")
        return content

    def _refusal(self, signed_body: bytes | None, headers: httpx.Headers) -> str:
        """Why a door answered 401: our key, our clocks, or its version. A signed answer saying so
        proves the key is right; otherwise the answer's Date header can still show the clocks are
        apart, and a door that does not say its protocol may be an older one of this venue."""
        date = headers.get("date")
        if signed_body is not None:
            try:
                told = json.loads(signed_body)
                skew = float(told["server_time"]) - self.clock() if told.get("error") == "clock" else math.nan
            except (ValueError, TypeError, KeyError, AttributeError):
                skew = math.nan
            if math.isfinite(skew):
                return f"refused us because {_clocks(skew)}: set the clocks right; the venue key is right"
        try:
            skew = parsedate_to_datetime(date).timestamp() - self.clock() if date else math.nan
        except (TypeError, ValueError, IndexError, OverflowError):
            skew = math.nan
        if math.isfinite(skew) and abs(skew) > door_auth.WINDOW_S - 2:  # Date has whole seconds
            return (f"refused us, and {_clocks(skew)}: set the clocks right first "
                    "(if it still refuses, the venue key differs)")
        if door_auth.H_PROTOCOL not in headers and self._speaks_protocol_1():
            raise OtherVersion(
                f"{self.url}: this door runs an older version of checkin-app (door protocol 1, which sends the "
                f"journal unencrypted; this app speaks {door_auth.PROTOCOL}): update checkin-app on that door "
                "to replicate with it")
        return "refused our venue key (a door of another venue, or not paired)"

    @staticmethod
    def _newer(headers: httpx.Headers) -> str | None:
        """What to say when an unsigned answer says it comes from a door of a newer protocol."""
        told = headers.get(door_auth.H_PROTOCOL, "")
        if told.isdigit() and int(told) > door_auth.PROTOCOL:
            return (f"this door runs a newer version of checkin-app (door protocol {int(told)}; this app speaks "
                    f"{door_auth.PROTOCOL}): update checkin-app here to replicate with it")
        return None

    def _speaks_protocol_1(self) -> bool:
        """Whether the door is an older one of this venue: one empty protocol 1 request to a path no
        version serves; an older door answers it signed the old way (a 404 that carries no data)."""
        path = f"/door/v{door_auth.LEGACY_PROTOCOL}/protocol"
        headers = door_auth.v1_request_headers(self.key, self.device_id, "GET", path, now=self.clock())
        try:
            with self._http.stream("GET", self.url + path, headers=headers,
                                   timeout=httpx.Timeout(self.timeout)) as resp:
                content = self._read(resp, HELLO_MAX_BYTES)
        except (httpx.HTTPError, PeerError):
            return False
        return door_auth.v1_answer_ok(self.key, headers[door_auth.H_NONCE], resp.status_code, bytes(content),
                                      resp.headers.get(door_auth.H_SIGNATURE))

    def hello(self) -> dict:
        """Who answers at this address; remembers its device id, for which every later request is
        signed. Only the first hello (the door there is not known yet) is signed for any door."""
        answer = self._call(f"{API}/hello", {}, self.peer_device or door_auth.ANY_DOOR, max_bytes=HELLO_MAX_BYTES)
        device = answer.get("device_id")
        if not (isinstance(device, str) and door_auth.is_device_id(device)):
            raise PeerError(f"{self.url} answered a hello without a device id; ignored")
        self.peer_device = device
        return answer

    def pull(self, after: dict[str, int], wait: float = 0.0, limit: int = 500) -> dict:
        to = self.peer_device or self.hello()["device_id"]
        return self._call(f"{API}/journal", {"after": after, "wait": wait, "limit": limit}, to, wait=wait)


def _warn_skew(client: DoorClient, who: str) -> None:
    """Log once (per client) that a door's clock is off: acts stay in order (hybrid logical clock),
    but the times people read differ, and past 5 minutes door authentication refuses the pulls."""
    skew = client.skew_ms
    off = skew is not None and abs(skew) >= hlc.CLOCK_WARN_MS
    if off and not client.skew_warned:
        log.warning("door %s's clock is %s of this door's: scans stay in order, but set the clocks right "
                    "(doors %d min apart stop replicating)", who, hlc.skew_text(skew), door_auth.WINDOW_S // 60)
    client.skew_warned = off


def _identity(hello: dict, outcome: str | None, own: str) -> object:
    """A peer's place in the topology: its device id; a copy of this door's data dir that still uses
    this door's id ("kept": it takes a new one) is a peer of its own until it does, not this door."""
    device = hello.get("device_id")
    if outcome == "kept" and device == own and isinstance(hello.get("instance"), str):
        return f"{device}~{hello['instance'][:8]}"
    return device


def _clocks(skew_s: float) -> str:
    return (f"the clocks differ by {abs(skew_s) / 60:.0f} min (its clock is {'ahead' if skew_s > 0 else 'behind'}; "
            f"doors must agree within {door_auth.WINDOW_S / 60:.0f} min)")


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

    One pull worker thread per known peer (at most `MAX_PEERS`); which peers are pulled now is
    `sync.topology`: every one up to ~10 doors (mesh), `fanout` of them beyond (gossip, rotated).
    A worker whose peer is not pulled now asks it once for a signed hello (its device id places
    it on the ring) and then waits, holding no Store. A worker that crashes is restarted
    after `RESTART_S` and the crash is recorded with the peer (`doors status`) and logged; a
    watchdog restarts a worker thread that ended anyway. Doors found by multicast DNS are only
    candidates until they answer a signed hello: one prober thread asks them in turn, so a
    stranger advertising many doors costs a bounded list, never a thread or a Store each, and
    never shows in `doors status`.

    Args:
        data_dir: this door's data dir.
        key: the venue key.
        push_grace_s: leave the origin door this long to push its own acts before this door may.
        on_applied: called (on a peer thread) with each ApplyReport that applied rows.
        long_poll_s: how long a peer may hold a pull open when it has nothing new.
        max_peers: most doors known (typed or verified discovered).
        topology: "auto" (mesh up to `topology.MESH_MAX_DOORS` doors, gossip beyond), "mesh", "gossip".
        fanout: doors pulled at once in gossip.
        rotate_s: gossip picks its random peers again this often.
    """

    def __init__(self, data_dir: Path, key: bytes, *, push_grace_s: float = 10.0,
                 on_applied: Callable[[replica.ApplyReport], None] | None = None, long_poll_s: float = LONG_POLL_S,
                 max_peers: int = MAX_PEERS, topology: str = "auto", fanout: int = topology_mod.GOSSIP_FANOUT,
                 rotate_s: float = topology_mod.ROTATE_S):
        self.data_dir = Path(data_dir)
        self.key = key
        self.venue_id = door_auth.venue_id(key)
        self.push_grace_s = push_grace_s
        self.on_applied = on_applied or (lambda _r: None)
        self.long_poll_s = long_poll_s
        self.max_peers = max_peers
        self.mode = topology
        self.fanout = fanout
        self.rotate_s = rotate_s
        self._stop = threading.Event()
        self._threads: dict[str, threading.Thread] = {}
        self._sources: dict[str, str] = {}
        self._ids: dict[str, str] = {}  # peer URL -> its device id (from its signed hello)
        self._away: set[str] = set()  # peers that stopped answering: left out of the topology until they do
        self._candidates: dict[str, float] = {}  # discovered URL -> when to ask it (monotonic)
        self._advertised: dict[str, str | None] = {}  # discovered URL -> the device id it advertised
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)  # the known doors changed, or stop
        self._published: dict | None = None
        self._probe_wake = threading.Event()
        self._prober: threading.Thread | None = None
        self._watchdog: threading.Thread | None = None
        self._active = threading.Event()  # cleared while a hub carries the rows (`set_standby`)
        self._active.set()
        with Store(self.data_dir) as store:
            self.device_id = store.device_id

    def add_peer(self, url: str, source: str = "manual") -> bool:
        """Start pulling from a peer (again adding a known one does nothing).

        Returns:
            False when the venue already has `max_peers` doors known (logged).
        """
        url = url.rstrip("/")
        with self._lock:
            if url in self._threads or self._stop.is_set():
                return True
            if len(self._threads) >= self.max_peers:
                log.warning("not pulling from %s: already %d doors known (the most per venue)", url,
                            self.max_peers)
                return False
            self._sources[url] = source
            self._start_worker(url)
            self._changed.notify_all()
            if self._watchdog is None:
                self._watchdog = threading.Thread(target=self._watch, name="door-pull watchdog", daemon=True)
                self._watchdog.start()
        return True

    def discovered(self, url: str, device_id: str | None = None) -> None:
        """A door advertised itself: pull from it once it answers a signed hello (`_probe`).
        `device_id`: the one it advertised (names it in `doors status` if it turns out to be a door
        of this venue that speaks another protocol version)."""
        url = url.rstrip("/")
        with self._lock:
            if url in self._threads or url in self._candidates or self._stop.is_set():
                return
            if len(self._candidates) >= MAX_CANDIDATES:
                log.warning("ignoring advertised door %s: %d advertised doors have not answered signed yet",
                            url, MAX_CANDIDATES)
                return
            self._candidates[url] = 0.0
            self._advertised[url] = device_id
            if self._prober is None:
                self._prober = threading.Thread(target=self._probe, name="door-probe", daemon=True)
                self._prober.start()
        self._probe_wake.set()

    def set_standby(self, on: bool) -> None:
        """On standby (while the venue's hub carries the rows) a worker only asks its peer's heads
        every `STANDBY_CHECK_S` and pulls just what the hub did not bring (a door that cannot reach
        the hub); off, it long-polls again at once."""
        if on:
            self._active.clear()
        else:
            self._active.set()

    def peers(self) -> list[str]:
        with self._lock:
            return list(self._threads)

    def candidates(self) -> list[str]:
        with self._lock:
            return list(self._candidates)

    def topology(self, now: float | None = None) -> topology_mod.Topology:
        """Which known doors are pulled now (mesh or gossip), from what this door knows of them."""
        with self._lock:
            known = {url: self._ids.get(url, url) for url in self._threads if url not in self._away}
        return topology_mod.choose(self.device_id, known, time.time() if now is None else now, mode=self.mode,
                                   fanout=self.fanout, rotate_s=self.rotate_s, most=MAX_PULLED)

    def _pulled_now(self, url: str) -> bool:
        return url in self.topology().pulling

    def _learned(self, url: str, device_id: object) -> None:
        """A peer's signed hello named its device id: it takes its place in the topology."""
        if isinstance(device_id, str) and self._ids.get(url) != device_id[:64]:
            with self._lock:
                self._ids[url] = device_id[:64]
                self._changed.notify_all()

    def _set_away(self, url: str, away: bool) -> None:
        """A pulled door stopped answering (or an away one answered again): the topology picks
        again, so a door cut off from its gossip picks pulls reachable doors meanwhile."""
        with self._lock:
            if (url in self._away) != away:
                (self._away.add if away else self._away.discard)(url)
                self._changed.notify_all()

    def _wait_until_pulled(self, url: str, most_s: float | None = None) -> None:
        """Wait (holding nothing) until this peer is pulled: the known doors change, the gossip
        period turns, or replication stops; at most `most_s` seconds when given."""
        until = time.monotonic() + most_s if most_s is not None else math.inf
        with self._changed:
            while not self._stop.is_set() and not self._pulled_now(url) and time.monotonic() < until:
                turn = self.rotate_s - time.time() % self.rotate_s if self.rotate_s > 0 else WATCH_S
                self._changed.wait(max(0.01, min(turn + 0.01, 30.0, until - time.monotonic())))

    def _greet(self, url: str, source: str) -> bool:
        """A peer not pulled now: one signed hello gives its device id (its place on the gossip
        ring) and shows it in `doors status`, with how far apart its heads and ours are.

        Returns:
            Whether it answered (signed, of this venue).
        """
        client = DoorClient(url, self.key, self.device_id, timeout=PROBE_TIMEOUT_S, max_bytes=HELLO_MAX_BYTES)
        try:
            hello = client.hello()
            device, door, theirs = hello.get("device_id"), hello.get("door"), hello.get("heads")
            if hello.get("venue") != self.venue_id or not isinstance(device, str):
                raise PeerError(f"{url} belongs to another venue")
            with Store(self.data_dir) as store:
                self._learned(url, _identity(hello, self._same_device(store, url, hello), self.device_id))
            self._set_away(url, False)
            # Recorded even when learning its place just made it a door pulled now: the set pulled
            # can change again before its pull worker's first answer, and until the next rotation
            # `doors status` would not list a door that answered (seen in CI: 10 of 11 listed).
            with Store(self.data_dir) as store, store.transaction(durable=False) as conn:
                behind, ahead = replica.lag(replica.heads(conn), theirs if isinstance(theirs, dict) else {})
                peers.record_contact(conn, url, device_id=device[:64], door=door[:128] if isinstance(door, str) else None,
                                     behind=behind, ahead=ahead, rows=0, now=utc_now(), source=source)
            return True
        except CheckinError as exc:  # unreachable, refused, or the database is busy: asked again later
            log.info("door %s (not pulled now) did not answer a signed hello: %s", url, exc)
            try:
                with Store(self.data_dir) as store, store.transaction(durable=False) as conn:
                    peers.record_error(conn, url, str(exc), utc_now(), source)
            except CheckinError:
                pass
            return False
        finally:
            client.close()

    def _publish_topology(self) -> None:
        """Keep what `doors status` shows of the topology current (no fsync: it is re-derived)."""
        shown = self.topology().to_dict()
        shown.pop("epoch")
        if shown == self._published:
            return
        try:
            with Store(self.data_dir) as store, store.transaction(durable=False) as conn:
                peers.save_topology(conn, shown)
            self._published = shown
        except Exception as exc:  # noqa: BLE001 - busy or failing: the next look tries again; never end the watchdog
            log.info("could not record the replication topology: %s", exc)

    def stop(self, timeout: float = 1.0) -> None:
        """Stop pulling. A pull held open by a peer is abandoned (its thread is a daemon; a
        transaction cut short by process exit rolls back, and the rows come again next time)."""
        self._stop.set()
        self._probe_wake.set()
        self._active.set()
        with self._lock:
            self._changed.notify_all()
            threads = [*self._threads.values(), *(t for t in (self._prober, self._watchdog) if t is not None)]
        for thread in threads:
            thread.join(timeout / max(1, len(threads)))

    # -- workers ----------------------------------------------------------------------------------

    def _start_worker(self, url: str) -> None:
        """Call with the lock held."""
        thread = threading.Thread(target=self._run, args=(url, self._sources[url]), name=f"door-pull {url}",
                                  daemon=True)
        self._threads[url] = thread
        thread.start()

    def _watch(self) -> None:
        """Restart any pull worker whose thread ended while replication is on (and say so)."""
        while True:
            self._publish_topology()
            if self._stop.wait(WATCH_S):
                return
            with self._lock:
                dead = [url for url, t in self._threads.items() if not t.is_alive()]
                for url in dead:
                    if not self._stop.is_set():
                        self._start_worker(url)
            for url in dead:
                self._crashed(url, "the pull worker ended unexpectedly; restarted")

    def _run(self, url: str, source: str) -> None:
        while not self._stop.is_set():
            try:
                if not self._pulled_now(url):
                    if url not in self._ids or url in self._away:
                        self._greet(url, source)
                    self._wait_until_pulled(url, AWAY_RETRY_S if url in self._away
                                            else PROBE_RETRY_S if url not in self._ids else None)
                    continue
                self._pull_loop(url, source)
            except Exception as exc:  # noqa: BLE001 - a crash outside a round: restart, never die silently
                log.exception("pull worker for door %s crashed; restarting it", url)
                self._crashed(url, f"{type(exc).__name__}: {exc}; restarted")
                self._stop.wait(RESTART_S)

    def _other_version(self, url: str, error: str) -> None:
        """List an advertised door of another protocol version in `doors status`, saying so."""
        try:
            with Store(self.data_dir) as store, store.transaction() as conn:
                peers.record_other_version(conn, url, error, utc_now(), device_id=self._advertised.get(url))
        except CheckinError as exc:  # the database is failing: the log has it (warned above)
            log.error("could not record that door %s runs another version: %s", url, exc)

    def _crashed(self, url: str, error: str) -> None:
        try:
            with Store(self.data_dir) as store, store.transaction() as conn:
                peers.record_crash(conn, url, error, utc_now(), self._sources.get(url, "manual"))
        except CheckinError as exc:  # the database is failing too: the log still has it
            log.error("could not record the crash of the pull worker for %s: %s", url, exc)

    def _pull_loop(self, url: str, source: str) -> None:
        store = Store(self.data_dir)
        client = DoorClient(url, self.key, self.device_id)
        failures = 0
        last_orphan_check = 0.0
        answered = False
        try:
            while not self._stop.is_set() and self._pulled_now(url):
                try:
                    # The first pull (and the first after a failure) answers at once, so the
                    # doors' status shows the contact without waiting for a long-poll to end.
                    wait = self.long_poll_s if answered and not failures else 0.0
                    if failures or not answered:
                        # A small signed hello first: a door that is not one of ours (a typo, a
                        # stranger at that address) costs HELLO_MAX_BYTES a try, never a page.
                        hello = client.hello()
                        if hello.get("venue") != self.venue_id:
                            raise PeerError(f"{url} belongs to another venue")
                        outcome = self._same_device(store, url, hello)
                        if outcome == "renamed":
                            client.device_id = self.device_id
                        self._learned(url, _identity(hello, outcome, self.device_id))
                    if not self._active.is_set() and not standby_pull_due(store, client, self.venue_id, source):
                        self._active.wait(STANDBY_CHECK_S)
                        continue
                    # This door's id as it is now: a door that took a new one (store.device_ids) must
                    # be served the rows under its old id that the door keeping that id writes.
                    client.device_id = store.device_id
                    got = pull_once(store, client, self.venue_id, wait=wait,
                                    push_not_before=not_before(self.push_grace_s), source=source)
                    failures, answered = 0, True
                    now = time.monotonic()
                    if now - last_orphan_check > ORPHAN_CHECK_S:
                        last_orphan_check = now
                        if replica.has_orphans(store.conn):  # a write (and its fsync) only when there is work
                            with store.transaction() as conn:
                                replica.link_orphans(conn, utc_now())
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
                    if failures >= AWAY_AFTER:
                        self._set_away(url, True)
                    continue
                if got.renamed:
                    self.device_id = client.device_id = got.renamed
                if got.applied:
                    self.on_applied(got)
        finally:
            client.close()
            store.close()

    # -- discovered doors -----------------------------------------------------------------------------

    def _probe(self) -> None:
        """Ask discovered doors, one at a time, for a signed hello; a door that gives one is pulled from."""
        while not self._stop.is_set():
            with self._lock:
                now = time.monotonic()
                due = [url for url, when in self._candidates.items() if when <= now]
                nearest = min(self._candidates.values(), default=now + PROBE_RETRY_S)
            if not due:
                self._probe_wake.clear()
                self._probe_wake.wait(max(0.05, nearest - time.monotonic()))
                continue
            for url in due:
                if self._stop.is_set():
                    return
                verified = self._signed_hello(url)
                with self._lock:
                    if verified:
                        self._candidates.pop(url, None)
                    else:
                        self._candidates[url] = time.monotonic() + PROBE_RETRY_S
                if verified:
                    self.add_peer(url, "mdns")

    def _same_device(self, store: Store, url: str, hello: dict) -> str | None:
        """Does the door at `url` use this door's device id from another data dir (a copy)? One of
        the two takes a new id, the same decision on both sides (`store.device_ids.on_hello`)."""
        who = f"{hello.get('door') or 'the door'} at {url}" if isinstance(hello.get("door"), str) else url
        with store.transaction() as conn:
            outcome = device_ids.on_hello(conn, hello.get("device_id"), hello.get("instance"), who[:200], utc_now(),
                                          hello.get("left_ids"), hello.get("tips"))
        if outcome == "renamed":
            self.device_id = store.device_id
            with self._lock:  # this door's place on the gossip ring moved
                self._changed.notify_all()
        return outcome

    def _signed_hello(self, url: str) -> bool:
        client = DoorClient(url, self.key, self.device_id, timeout=PROBE_TIMEOUT_S, max_bytes=HELLO_MAX_BYTES)
        try:
            hello = client.hello()
            if hello.get("venue") != self.venue_id:
                return False
            with Store(self.data_dir) as store:  # another door, this door itself, or a copy of its data dir
                outcome = self._same_device(store, url, hello)
            if hello.get("device_id") == self.device_id and outcome is None:
                return False  # this door itself
            self._learned(url, _identity(hello, outcome, self.device_id))
            return True
        except OtherVersion as exc:  # one of ours (it signed), but it cannot replicate with us: say so
            log.warning("advertised door is not pulled from: %s", exc)
            self._other_version(url, str(exc))
            return False
        except PeerError as exc:
            log.info("advertised door %s is not pulled from: %s", url, exc)
            return False
        except Exception:  # noqa: BLE001 - a bug here must not end discovery
            log.exception("probing advertised door %s failed", url)
            return False
        finally:
            client.close()


def standby_pull_due(store: Store, client: DoorClient, venue_id: str, source: str) -> bool:
    """Whether a peer holds rows this door lacks (its signed hello's heads against ours); the
    contact is recorded, so `doors status` shows the peer reachable while on standby."""
    hello = client.hello()
    their_heads, device = hello.get("heads"), hello.get("device_id")
    if hello.get("venue") != venue_id or not isinstance(their_heads, dict) or not isinstance(device, str):
        raise PeerError(f"{client.url} answered a hello without venue, heads or device_id")
    door = hello.get("door") if isinstance(hello.get("door"), str) else None
    with store.transaction() as conn:
        behind, ahead = replica.lag(replica.heads(conn), their_heads)
        peers.record_contact(conn, client.url, device_id=device[:64], door=door and door[:128], behind=behind,
                             ahead=ahead, rows=0, now=utc_now(), source=source)
    return behind > 0


def pull_once(store: Store, client: DoorClient, venue_id: str, *, wait: float = 0.0,
              push_not_before: Callable[[str], str] | None = None, source: str = "manual") -> replica.ApplyReport:
    """One pull from one peer, applied. Pages until the peer has nothing more for us.

    Raises:
        PeerError: unreachable, refused, unsigned, a malformed page, or a door of another venue.
    """
    total = replica.ApplyReport()
    while True:
        doc = client.pull(replica.heads(store.conn), wait=wait if not total.applied else 0.0)
        if doc.get("venue") != venue_id:
            raise PeerError(f"{client.url} belongs to another venue")
        rows, their_heads, device = doc.get("rows"), doc.get("heads"), doc.get("device_id")
        if not (isinstance(rows, list) and isinstance(their_heads, dict) and isinstance(device, str)):
            raise PeerError(f"{client.url} answered a page without rows, heads or device_id; ignored")
        if len(rows) > MAX_ROWS:
            raise PeerError(f"{client.url} answered {len(rows):,} rows (a door serves at most {MAX_ROWS}); ignored")
        door = doc.get("door") if isinstance(doc.get("door"), str) else None
        now = utc_now()
        report = replica.ApplyReport()
        # Small transactions: a local scan waits for the write lock behind at most APPLY_CHUNK
        # rows, never a whole page. The last one (or, for an empty answer, the only one: contact
        # bookkeeping, without an fsync) records the contact.
        chunks = [rows[i:i + APPLY_CHUNK] for i in range(0, len(rows), APPLY_CHUNK)] or [[]]
        for n, chunk in enumerate(chunks):
            with store.transaction(durable=bool(chunk)) as conn:
                if chunk:
                    _add(report, replica.apply_rows(conn, chunk, own_device=store.device_id, pushes=pushes,
                                                    now=now, push_not_before=push_not_before, source=client.url))
                if n == len(chunks) - 1:
                    behind, ahead = replica.lag(replica.heads(conn), their_heads)
                    peers.record_contact(conn, client.url, device_id=device[:64], door=door and door[:128],
                                         behind=behind, ahead=ahead, rows=report.applied, now=now, source=source)
                    if client.skew_ms is not None:
                        peers.record_skew(conn, client.url, round(client.skew_ms), now)
        _warn_skew(client, door or device[:64])
        _add(total, report)
        if not doc.get("more") or not (report.applied or report.quarantined):
            return total


def _add(total: replica.ApplyReport, report: replica.ApplyReport) -> None:
    total.applied += report.applied
    total.duplicates += report.duplicates
    total.gaps += report.gaps
    total.tickets |= report.tickets
    total.conflicts += report.conflicts
    total.new_acts += report.new_acts
    total.quarantined += report.quarantined
    total.alarms += report.alarms
    total.renamed = report.renamed or total.renamed
    total.settled += report.settled
