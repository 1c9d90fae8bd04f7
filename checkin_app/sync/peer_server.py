"""The door server: serves this door's journal (and every other door's rows it holds) to paired doors.

A Starlette app, run by uvicorn on a background thread (`webhooks.server.BackgroundServer`, shared with the
webhook receiver). Every request must carry a valid venue signature (door_auth); anything else
gets a bare 401 that says nothing about the venue. There is no write endpoint: doors only pull,
so a stranger has nothing to write to. Protocol: docs/door-replication.md.
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
from checkin_app.store import device_ids, replica
from checkin_app.sync import door_auth

log = logging.getLogger(__name__)

# v2 (issue 18): rows carry `hlc`, answers `time_ms`, hello `instance`. A v1 door is refused by path
# (a signed 404 that names the protocol), so doors of two versions never mix rows.
PROTOCOL = 2
API = f"/door/v{PROTOCOL}"
MAX_WAIT_S = 10.0  # longest long-poll a client may ask for
POLL_S = 0.02  # how often a waiting long-poll looks for new rows (scans come from other processes)
MAX_ROWS = 1000
# A request is `{"after": {device: seq}, "limit": n, "wait": s}`: ~40 bytes a device, so this is
# room for thousands of doors' cursors, and all a stranger can make a door read.
MAX_BODY = 256_000
MAX_DEVICES = 5_000


def _UNAUTHORIZED() -> Response:  # noqa: N802 - one fixed answer
    return Response(b'{"error":"unauthorized"}', status_code=401, media_type="application/json")


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
        self.verifier = door_auth.RequestVerifier(key)
        # One read connection for every worker thread, used under a lock: reads take microseconds.
        self._store = Store(self.data_dir, shared=True)
        self._lock = threading.Lock()
        self.stopping = threading.Event()  # set before shutdown: held long-polls answer at once
        with self._store.transaction() as conn:  # a copy of this data dir draws its own when it serves
            device_ids.new_instance(conn)
        self.app = Starlette(routes=[Route("/{path:path}", self._dispatch, methods=["GET", "POST"])])

    @property
    def device_id(self) -> str:
        return self._store.device_id

    def close(self) -> None:
        with self._lock:
            self._store.close()

    async def _dispatch(self, request: Request) -> Response:
        # Nothing is read from a sender that does not even carry well-formed signature headers,
        # and nothing beyond MAX_BODY from anyone: the body is unauthenticated until it is read.
        if not door_auth.headers_well_formed(request.headers):
            return _UNAUTHORIZED()
        body = await read_body(request, MAX_BODY)
        if body is None:
            return Response(b'{"error":"request body too large"}', status_code=413, media_type="application/json")
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        who = self.verifier.check(request.method, target, request.headers, body)
        if isinstance(who, door_auth.Refused):
            if who.skew_s is not None:  # the key is right, the clock is not: say so, signed
                return self._signed(who.nonce, 401, {"error": "clock", "server_time": round(time.time(), 3)})
            # Nothing about the venue, the door or the data: the same answer for every stranger.
            return _UNAUTHORIZED()
        try:
            if request.method == "GET" and request.url.path == f"{API}/hello":
                doc = await run_in_threadpool(self._hello)
            elif request.method == "POST" and request.url.path == f"{API}/journal":
                ask = parse_ask(body)
                if isinstance(ask, str):
                    return self._signed(who.nonce, 400, {"error": ask})
                doc = await self._journal(*ask)
            elif request.url.path.startswith("/door/v"):
                return self._signed(who.nonce, 404, {"error": "protocol", "protocol": PROTOCOL})
            else:
                return self._signed(who.nonce, 404, {"error": "not found"})
        except (sqlite3.Error, CheckinError) as exc:  # the door's own database failed: try again later
            log.warning("door server could not read the journal: %s", exc)
            return self._signed(who.nonce, 503, {"error": "this door's database is busy or failing; try again"})
        # This door's clock when it answered: the puller measures the doors' skew from it.
        doc["time_ms"] = int(time.time() * 1000)
        return self._signed(who.nonce, 200, doc)

    def _signed(self, nonce: str, status: int, doc: dict) -> Response:
        # ASCII escapes: a quarantined row served on as it came may hold text UTF-8 cannot encode.
        body = json.dumps(doc, separators=(",", ":")).encode("ascii")
        return Response(body, status_code=status, media_type="application/json",
                        headers={door_auth.H_SIGNATURE: door_auth.sign_response(self.key, nonce, status, body)})

    def _hello(self) -> dict:
        with self._lock:
            return {"venue": self.venue_id, "device_id": self.device_id, "door": self.door,
                    "heads": replica.heads(self._store.conn), "instance": device_ids.instance(self._store.conn),
                    "left_ids": sorted(device_ids.retired_ids(self._store.conn)),
                    "tips": device_ids.tips(self._store.conn)}

    def _read(self, after: dict[str, int], limit: int) -> dict:
        with self._lock:
            # One read transaction: the rows and the heads describe the same moment.
            with self._store.snapshot() as conn:
                rows = replica.rows_after(conn, after, limit)
                heads = replica.heads(conn)
        return {"venue": self.venue_id, "device_id": self.device_id, "door": self.door,
                "heads": heads, "rows": rows, "more": len(rows) >= limit}

    async def _journal(self, after: dict[str, int], limit: int, wait: float) -> dict:
        """Rows beyond the caller's cursor; with `wait`, hold the answer until there are some."""
        deadline = time.monotonic() + wait
        while True:
            doc = await run_in_threadpool(self._read, after, limit)
            if doc["rows"] or time.monotonic() >= deadline or self.stopping.is_set():
                return doc
            await asyncio.sleep(POLL_S)

