"""The door server: serves this door's journal (and every other door's rows it holds) to paired doors.

A Starlette app, run by uvicorn on a background thread (`webhooks.server.BackgroundServer`, shared with the
webhook receiver). Every request must carry a valid venue signature for this door (door_auth); anything
else gets a bare 401 that says nothing about the venue. Request and answer bodies are sealed with the
venue's derived key (door_crypto): `_dispatch` opens the request and `_sealed` closes the answer, the
one seam where bodies are wrapped. There is no write endpoint: doors only pull, so a stranger has
nothing to write to. Protocol: docs/door-replication.md.
"""
from __future__ import annotations

import asyncio
import json
import logging
import math
import sqlite3
import threading
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from checkin_app.errors import CheckinError
from checkin_app.store import Store
from checkin_app.store import commits, device_ids, replica
from checkin_app.sync import door_auth, door_crypto

log = logging.getLogger(__name__)

# v2 (issue 18): rows carry `hlc`, answers `time_ms`, hello `instance`; bodies sealed and requests bound to
# their target door (door_auth). Other versions are refused before authentication (`_other_protocol`).
PROTOCOL = door_auth.PROTOCOL  # bumped with any change a door of the previous version cannot read
API = f"/door/v{PROTOCOL}"
MAX_WAIT_S = 10.0  # longest long-poll a client may ask for
MAX_ROWS = 1000
# A request is `{"after": {device: seq}, "limit": n, "wait": s}`: ~40 bytes a device, so this is
# room for thousands of doors' cursors, and all a stranger can make a door read.
MAX_BODY = 256_000
MAX_DEVICES = 5_000


def _UNAUTHORIZED() -> Response:  # noqa: N802 - one fixed answer
    # The protocol number is public (advertised by discovery too): it lets a newer door say "this
    # door runs an older version" instead of "wrong key".
    return Response(b'{"error":"unauthorized"}', status_code=401, media_type="application/json",
                    headers={door_auth.H_PROTOCOL: str(door_auth.PROTOCOL)})


async def read_body(request: Request, limit: int) -> bytes | None:
    """The request body, read in chunks as it arrives; None (nothing more read) once it passes `limit`."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def parse_ask(body: bytes) -> tuple[dict[str, int], int, float] | str:
    """(after, limit, wait) from a journal request's body, or why it is refused (one line)."""
    try:
        ask = json.loads(body or b"{}")
    except (ValueError, RecursionError):
        return "the body is not JSON"
    if not isinstance(ask, dict):
        return "the body is not a JSON object"
    after = ask.get("after") or {}
    if not isinstance(after, dict) or len(after) > MAX_DEVICES:
        return f"after must be an object of at most {MAX_DEVICES} device ids"
    for device, seq in after.items():
        if len(device) > 64 or not (isinstance(seq, int) and not isinstance(seq, bool) and 0 <= seq < 2 ** 62):
            return "after maps device ids to row numbers (whole numbers from 0)"
    limit, wait = ask.get("limit", 500), ask.get("wait", 0)
    if not (isinstance(limit, int) and not isinstance(limit, bool)):
        return "limit must be a whole number"
    if not (isinstance(wait, (int, float)) and not isinstance(wait, bool) and math.isfinite(wait)):
        return "wait must be a number of seconds"
    return after, max(1, min(MAX_ROWS, limit)), max(0.0, min(MAX_WAIT_S, float(wait)))


class DoorApp:
    """The ASGI app of one door.

    Args:
        data_dir: the door's data dir (each worker thread opens its own connection).
        key: the venue key.
        door: this door's name, told to paired doors only.
    """

    def __init__(self, data_dir: Path, key: bytes, door: str | None):
        self.data_dir = Path(data_dir)
        self.key = key
        self.venue_id = door_auth.venue_id(key)
        self.door = door
        # One read connection for every worker thread, used under a lock: reads take microseconds.
        self._store = Store(self.data_dir, shared=True)
        self._lock = threading.Lock()
        self.stopping = threading.Event()  # set by `stop()` before shutdown: held long-polls answer at once
        with self._store.transaction() as conn:  # a copy of this data dir draws its own when it serves
            device_ids.new_instance(conn)
        # The door a request must be signed for: this door's id now (a copied data dir takes a new one).
        self.verifier = door_auth.RequestVerifier(key, lambda: self.device_id)
        self.reads = 0  # journal reads served (held polls re-read only after a commit)
        self.held = 0  # long-polls waiting for a commit right now
        self._wake = CommitWake()
        self._unlisten = commits.listen(self._store.db.path_key, self._wake.set)
        self._watch = commits.DataVersionWatch(str(self._store.db.path), self._store.db.path_key).start()
        self.app = Starlette(routes=[Route("/{path:path}", self._dispatch, methods=["GET", "POST"])])

    @property
    def device_id(self) -> str:
        return self._store.device_id

    def stop(self) -> None:
        """Answer every held long-poll now (before the server shuts down)."""
        self.stopping.set()
        self._wake.set()

    def close(self) -> None:
        self._unlisten()
        self._watch.stop()
        with self._lock:
            self._store.close()

    async def _dispatch(self, request: Request) -> Response:
        path = request.url.path
        version = door_auth.protocol_of(path)
        if version is not None and version != door_auth.PROTOCOL:
            return await self._other_protocol(request, version)
        # Nothing is read from a sender that does not even carry well-formed signature headers,
        # and nothing beyond MAX_BODY from anyone: the body is unauthenticated until it is read.
        if not door_auth.headers_well_formed(request.headers):
            return _UNAUTHORIZED()
        body = await read_body(request, MAX_BODY)
        if body is None:
            return Response(b'{"error":"request body too large"}', status_code=413, media_type="application/json")
        target = path + (f"?{request.url.query}" if request.url.query else "")
        who = self.verifier.check(request.method, target, request.headers, body, any_door=path == f"{API}/hello")
        if isinstance(who, door_auth.Refused):
            if who.skew_s is not None:  # the key is right, the clock is not: say so, signed
                return self._sealed(who.nonce, 401, {"error": "clock", "server_time": round(time.time(), 3)})
            if who.misdirected:  # signed for another door: a replay, or a peer that must ask who is here now
                return self._sealed(who.nonce, 421, {"error": "this request was signed for another door"})
            # Nothing about the venue, the door or the data: the same answer for every stranger.
            return _UNAUTHORIZED()
        try:
            plaintext = door_crypto.unseal(self.key, body, who.aad)
        except door_crypto.Unsealable:
            return self._sealed(who.nonce, 400, {"error": "the body is not sealed with the venue key for this request"})
        try:
            if request.method == "POST" and path == f"{API}/hello":
                doc = await run_in_threadpool(self._hello)
            elif request.method == "POST" and path == f"{API}/journal":
                ask = parse_ask(plaintext)
                if isinstance(ask, str):
                    return self._sealed(who.nonce, 400, {"error": ask})
                doc = await self._journal(*ask, asker=who.device_id)
            else:
                return self._sealed(who.nonce, 404, {"error": "not found"})
        except (sqlite3.Error, CheckinError) as exc:  # the door's own database failed: try again later
            log.warning("door server could not read the journal: %s", exc)
            return self._sealed(who.nonce, 503, {"error": "this door's database is busy or failing; try again"})
        # This door's clock when it answered: the puller measures the doors' skew from it.
        doc["time_ms"] = int(time.time() * 1000)
        return self._sealed(who.nonce, 200, doc)

    def _sealed(self, nonce: str, status: int, doc: dict) -> Response:
        body, headers = door_auth.answer_of(self.key, nonce, status, doc)
        return Response(body, status_code=status, headers=headers)

    async def _other_protocol(self, request: Request, version: int) -> Response:
        """A request for another protocol version is refused (fail closed). An older door of this
        venue (its protocol 1 signature is right) is told so, signed the way it reads: it shows
        "answered HTTP 426" rather than "wrong key". Anyone else gets the stranger's 401."""
        older = version == door_auth.LEGACY_PROTOCOL and door_auth.v1_headers_well_formed(request.headers)
        body = await read_body(request, MAX_BODY) if older else None
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if body is None or not door_auth.v1_request_signed(self.key, request.method, target, request.headers, body):
            return _UNAUTHORIZED()
        answer = json.dumps({"error": f"this door speaks door protocol {door_auth.PROTOCOL}: update checkin-app "
                                      "on the door that asked", "protocol": door_auth.PROTOCOL}).encode("ascii")
        signature = door_auth.v1_answer_signature(self.key, request.headers[door_auth.H_NONCE], 426, answer)
        return Response(answer, status_code=426, media_type="application/json",
                        headers={door_auth.H_SIGNATURE: signature, door_auth.H_PROTOCOL: str(door_auth.PROTOCOL)})

    def _hello(self) -> dict:
        with self._lock:
            return {"venue": self.venue_id, "device_id": self.device_id, "door": self.door,
                    "heads": replica.heads(self._store.conn), "instance": device_ids.instance(self._store.conn),
                    "left_ids": sorted(device_ids.retired_ids(self._store.conn)),
                    "tips": device_ids.tips(self._store.conn)}

    def _read(self, after: dict[str, int], limit: int, asker: str | None = None) -> dict:
        with self._lock:
            self.reads += 1
            # One read transaction: the rows and the heads describe the same moment.
            with self._store.snapshot() as conn:
                rows = replica.rows_after(conn, after, limit, exclude=asker)
                heads = replica.heads(conn)
        return {"venue": self.venue_id, "device_id": self.device_id, "door": self.door,
                "heads": heads, "rows": rows, "more": len(rows) >= limit}

    async def _journal(self, after: dict[str, int], limit: int, wait: float, asker: str | None = None) -> dict:
        """Rows beyond the caller's cursor (none of the caller's own); with `wait`, hold the answer
        until a commit brings some (`store.commits`: woken, never polling the journal)."""
        deadline = time.monotonic() + wait
        while True:
            seen = self._wake.generation  # taken before the read: a commit during it wakes us again
            doc = await run_in_threadpool(self._read, after, limit, asker)
            left = deadline - time.monotonic()
            if doc["rows"] or left <= 0 or self.stopping.is_set():
                return doc
            self.held += 1
            try:
                woken = await self._wake.wait(seen, left)
            finally:
                self.held -= 1
            if not woken:  # nothing committed since the read: its answer stands
                return doc


class CommitWake:
    """A generation counter bumped by commits (on any thread), awaited by held long-polls (on the
    server's event loop): one wake-up per commit for every poll held, and none otherwise."""

    def __init__(self) -> None:
        self.generation = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def set(self) -> None:
        """A commit happened (called from whichever thread committed)."""
        self.generation += 1
        loop = self._loop
        if loop is not None:
            try:
                loop.call_soon_threadsafe(self._set_event)
            except RuntimeError:  # the server's loop has ended
                pass

    def _set_event(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None  # the next waiters get a fresh event

    async def wait(self, seen: int, timeout: float) -> bool:
        """Until a commit after generation `seen` (True), or `timeout` seconds (False); a stop
        (`set` without a commit) counts as a commit."""
        self._loop = asyncio.get_running_loop()
        if self.generation != seen:
            return True
        if self._event is None:
            self._event = asyncio.Event()
        event = self._event
        if self.generation != seen:  # a commit between the check and the event: do not miss it
            return True
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except asyncio.TimeoutError:
            return self.generation != seen
        return True

