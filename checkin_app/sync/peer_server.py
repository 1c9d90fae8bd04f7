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
import threading
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from checkin_app.store import Store
from checkin_app.store import replica
from checkin_app.sync import door_auth

log = logging.getLogger(__name__)

API = "/door/v1"
MAX_WAIT_S = 10.0  # longest long-poll a client may ask for
POLL_S = 0.02  # how often a waiting long-poll looks for new rows (scans come from other processes)
MAX_ROWS = 1000


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
        self.device_id = self._store.device_id
        self.app = Starlette(routes=[Route("/{path:path}", self._dispatch, methods=["GET", "POST"])])

    def close(self) -> None:
        with self._lock:
            self._store.close()

    async def _dispatch(self, request: Request) -> Response:
        body = await request.body()
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        who = self.verifier.verify(request.method, target, request.headers, body)
        if who is None:
            # Nothing about the venue, the door or the data: the same answer for every stranger.
            return Response(b'{"error":"unauthorized"}', status_code=401, media_type="application/json")
        if request.method == "GET" and request.url.path == f"{API}/hello":
            doc = await run_in_threadpool(self._hello)
        elif request.method == "POST" and request.url.path == f"{API}/journal":
            try:
                ask = json.loads(body or b"{}")
                after = {str(k): int(v) for k, v in (ask.get("after") or {}).items()}
                limit = max(1, min(MAX_ROWS, int(ask.get("limit", 500))))
                wait = max(0.0, min(MAX_WAIT_S, float(ask.get("wait", 0))))
            except (ValueError, TypeError, AttributeError):
                return self._signed(who.nonce, 400, {"error": "bad request"})
            doc = await self._journal(after, limit, wait)
        else:
            return self._signed(who.nonce, 404, {"error": "not found"})
        return self._signed(who.nonce, 200, doc)

    def _signed(self, nonce: str, status: int, doc: dict) -> Response:
        body = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return Response(body, status_code=status, media_type="application/json",
                        headers={door_auth.H_SIGNATURE: door_auth.sign_response(self.key, nonce, status, body)})

    def _hello(self) -> dict:
        with self._lock:
            return {"venue": self.venue_id, "device_id": self.device_id, "door": self.door,
                    "heads": replica.heads(self._store.conn)}

    def _read(self, after: dict[str, int], limit: int) -> dict:
        with self._lock:
            conn = self._store.conn
            # One read transaction: the rows and the heads describe the same moment.
            conn.execute("BEGIN")
            try:
                rows = replica.rows_after(conn, after, limit)
                heads = replica.heads(conn)
            finally:
                conn.execute("COMMIT")
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

