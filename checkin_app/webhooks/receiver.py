"""The webhook receiver: one Starlette app, run embedded (`Receiver`) or standalone (`webhooks serve`).

Routes (each answers JSON):
    POST /hooks/tickettailor            signed (`Tickettailor-Webhook-Signature`), see signature.py
    POST /hooks/ticketor/<token>        a long random token in the path (Ticketor signs nothing)
    POST /hooks/ticketsolve/<token>     the same for Ticketsolve
    GET  /relay/v1/ping                 bearer token: "is this my relay, is my token right"
    GET  /relay/v1/deliveries?after=ID&limit=N   bearer token: the inbox, oldest first, in pages
    GET  /health                        no secret, no data

Checks run cheapest first and every refusal stores nothing: unknown route or wrong path token 404
(a wrong token is not told apart from a missing route), wrong content type 415, body over the limit
413 (by Content-Length, and again while reading a chunked body), bad signature 401, malformed JSON
400. A delivery is then stored and applied in one SQLite transaction on a single writer thread
(SQLite serialises writers anyway) and only after its commit does the 2xx go out. Duplicates
(same delivery id or same bytes) answer 200 with `"duplicate": true` and store nothing new.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from checkin_app import log as app_log
from checkin_app.errors import CheckinError, PayloadError
from checkin_app.providers import registry
from checkin_app.store import Store, inbox
from checkin_app.webhooks.intake import parse_json_object, take_in
from checkin_app.webhooks.guard import ConnectionLimits
from checkin_app.webhooks.server import BackgroundServer
from checkin_app.webhooks.signature import TT_HEADER, SignatureError, token_matches, verify_tickettailor

log = logging.getLogger(__name__)

TOKEN_PROVIDERS = registry.webhook_providers("path_token")  # the URL carries a token we choose
MAX_BODY_BYTES = 1024 * 1024
MAX_PAGE = 500
# Bodies per relay page: 500 deliveries of 1 MB made 500 MB pages; a page now stops before 8 MB
# (one delivery larger than that still goes, alone). The relay client reads at most
# providers.relay.MAX_PAGE_BYTES, which leaves room for a lone delivery of the largest --max-body
# it expects and for JSON escaping.
MAX_PAGE_BYTES = 8 * 1024 * 1024
MAX_CURSOR = 2 ** 63 - 1  # SQLite's largest integer: a larger cursor raised OverflowError (500)
_KEPT_HEADERS = ("content-type", "user-agent", TT_HEADER.lower())


@dataclass
class ReceiverConfig:
    """What the receiver accepts. Secrets live only in this object (never in the database or logs).

    Attributes:
        tickettailor_secret: Ticket Tailor's signing secret; None disables that route.
        path_tokens: provider -> secret path token (Ticketor, Ticketsolve); absent: route disabled.
        relay_token: bearer token of the relay routes; None disables them.
        max_body_bytes: larger bodies get 413.
        clock: current Unix time, for the signature tolerance (injected to verify recorded deliveries).
        connection_id: the connection that owns webhook-only providers' events in this data dir.
        limits: the server's timeouts and connection caps (idle and slow clients are cut).
    """

    tickettailor_secret: str | None = None
    path_tokens: dict[str, str] = field(default_factory=dict)
    relay_token: str | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    clock: Callable[[], float] = time.time
    connection_id: int | None = None
    limits: ConnectionLimits = field(default_factory=ConnectionLimits)

    def __post_init__(self) -> None:
        for secret in (self.tickettailor_secret, self.relay_token, *self.path_tokens.values()):
            app_log.redact(secret)


class _Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class _Writer:
    """The one thread that owns the receiver's SQLite connection; every store call runs there."""

    def __init__(self, data_dir: Path):
        self._local = threading.local()
        self._data_dir = Path(data_dir)
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="webhook-writer",
                                                           initializer=self._open)
        # Open now, so a bad data dir fails `start()` rather than the first delivery.
        self._pool.submit(lambda: None).result()

    def _open(self) -> None:
        self._local.store = Store(self._data_dir)

    async def run(self, fn: Callable[[Store], object]):
        """`fn(store)` on the writer thread; its result, or its exception re-raised here.

        A StopIteration (a `next()` without a default, anywhere below) cannot be set on an asyncio
        future: the future would never complete and the request would hang for good. It comes back
        as a RuntimeError instead, so every call ends.
        """
        def call():
            try:
                return fn(self._local.store)
            except StopIteration as exc:
                raise RuntimeError(f"StopIteration escaped on the writer thread: {exc!r}") from exc

        return await asyncio.get_running_loop().run_in_executor(self._pool, call)

    def close(self) -> None:
        def close_store():
            store = getattr(self._local, "store", None)
            if store is not None:
                store.close()
        self._pool.submit(close_store).result()
        self._pool.shutdown(wait=True)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _Refused(413, f"the body is larger than {limit} bytes")
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _Refused(413, f"the body is larger than {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect:  # the client left, or the server cut a body that trickled (guard.py)
        raise _Refused(400, "the connection closed before the whole body arrived") from None
    return b"".join(chunks)


def _check_json_type(request: Request) -> None:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not (media.startswith("application/") and media.endswith("+json")):
        raise _Refused(415, f"expected Content-Type application/json, got {media or 'none'}")


def build_app(data_dir: Path, config: ReceiverConfig) -> tuple[Starlette, _Writer]:
    """The receiver's ASGI app for one data dir, and its writer (close it when done)."""
    writer = _Writer(data_dir)

    async def accept(request: Request, provider: str, verify: Callable[[bytes], None] | None) -> JSONResponse:
        try:
            _check_json_type(request)
            body = await _read_body(request, config.max_body_bytes)
            if verify is not None:
                verify(body)
            doc = parse_json_object(body)
        except _Refused as exc:
            return _error(exc.status, str(exc))
        except SignatureError as exc:
            return _error(401, str(exc))
        except PayloadError as exc:
            return _error(400, str(exc))
        headers = {k: request.headers[k] for k in _KEPT_HEADERS if k in request.headers}

        def store(st: Store):
            with st.transaction() as conn:
                return take_in(conn, provider, body, doc, headers=headers, connection_id=config.connection_id)

        try:
            result = await writer.run(store)
        except CheckinError as exc:  # full disk, read-only data dir: the provider must retry later
            log.error("could not store a %s delivery: %s", provider, exc)
            return _error(503, "the delivery could not be stored; retry later")
        except Exception:  # a bug below: answered all the same, never a hung request
            log.exception("storing a %s delivery failed", provider)
            return _error(500, "internal error: the delivery was not stored; retry later")
        if result.error:
            log.warning("%s delivery %d stored but not applied: %s", provider, result.inbox_id, result.error)
        return JSONResponse(result.to_dict(), status_code=200 if not result.new else 202 if result.error else 201)

    async def tickettailor_hook(request: Request) -> JSONResponse:
        if not config.tickettailor_secret:
            return _error(404, "Ticket Tailor webhooks are not enabled here (no signing secret configured)")
        secret = config.tickettailor_secret

        def verify(body: bytes) -> None:
            verify_tickettailor(secret, request.headers.get(TT_HEADER), body, clock=config.clock)

        return await accept(request, "tickettailor", verify)

    async def token_hook(request: Request) -> JSONResponse:
        provider = request.path_params["provider"]
        expected = config.path_tokens.get(provider)
        if provider not in TOKEN_PROVIDERS or not expected or not token_matches(expected, request.path_params["token"]):
            return _error(404, "not found")
        return await accept(request, provider, None)

    def relay_authorised(request: Request) -> bool:
        offered = request.headers.get("authorization", "")
        return bool(config.relay_token) and offered.startswith("Bearer ") and token_matches(
            config.relay_token, offered[7:].strip())

    async def relay_ping(request: Request) -> JSONResponse:
        if not config.relay_token:
            return _error(404, "this receiver does not relay")
        if not relay_authorised(request):
            return _error(401, "the relay token was refused")
        counts = await writer.run(lambda st: inbox.counts(st.conn))
        return JSONResponse({"relay": True, "deliveries": counts})

    async def relay_deliveries(request: Request) -> JSONResponse:
        if not config.relay_token:
            return _error(404, "this receiver does not relay")
        if not relay_authorised(request):
            return _error(401, "the relay token was refused")
        try:
            after = int(request.query_params.get("after", "0"))
            limit = int(request.query_params.get("limit", "100"))
        except ValueError:
            return _error(400, "after and limit must be integers")
        if not 0 <= after <= MAX_CURSOR or not 1 <= limit <= MAX_PAGE:
            return _error(400, f"after must be between 0 and {MAX_CURSOR} and limit between 1 and {MAX_PAGE}")
        (rows, has_more), relay_id = await writer.run(
            lambda st: (inbox.page(st.conn, after, limit, MAX_PAGE_BYTES), st.device_id))
        items = [{"id": d.id, "provider": d.provider, "delivery_id": d.delivery_id, "content_hash": d.content_hash,
                  "received_at": d.received_at, "body": d.body.decode("utf-8")} for d in rows]
        # `relay_id` names this inbox: a client whose cursor came from another (a relay rebuilt on a
        # fresh data dir, ids starting again at 1) starts over; dedupe makes the replay harmless.
        return JSONResponse({"relay_id": relay_id, "deliveries": items, "has_more": has_more,
                             "next_after": items[-1]["id"] if items else after})

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    app = Starlette(routes=[
        Route("/hooks/tickettailor", tickettailor_hook, methods=["POST"]),
        Route("/hooks/{provider}/{token}", token_hook, methods=["POST"]),
        Route("/relay/v1/ping", relay_ping, methods=["GET"]),
        Route("/relay/v1/deliveries", relay_deliveries, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
    ])
    return app, writer


class Receiver:
    """The receiver on a background thread, for the desktop app's toggle and for `webhooks serve`.

    Args:
        data_dir: where deliveries are stored and applied.
        config: secrets and limits.
        host, port: where to listen (port 0: any free port).
        public_url: the base URL providers use, when it differs (behind a proxy or NAT).
    """

    def __init__(self, data_dir: Path, config: ReceiverConfig, host: str = "127.0.0.1", port: int = 0,
                 public_url: str | None = None):
        self.data_dir = Path(data_dir)
        self.config = config
        self.host, self.requested_port = host, port
        self.public_url = public_url.rstrip("/") if public_url else None
        self._server: BackgroundServer | None = None
        self._writer: _Writer | None = None

    def start(self) -> int:
        """Listen; returns the bound port."""
        if self._server is not None:
            return self.port
        app, self._writer = build_app(self.data_dir, self.config)
        self._server = BackgroundServer(app, self.host, self.requested_port, name="webhook-receiver",
                                        limits=self.config.limits)
        try:
            return self._server.start()
        except Exception:
            self._writer.close()
            self._server = self._writer = None
            raise

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
        if self._writer is not None:
            self._writer.close()
        self._server = self._writer = None

    @property
    def running(self) -> bool:
        return self._server is not None and self._server.running

    @property
    def port(self) -> int:
        if self._server is None or self._server.port is None:
            raise RuntimeError("the receiver is not running")
        return self._server.port

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url
        if self._server is None:
            raise RuntimeError("the receiver is not running")
        return self._server.url

    def routes(self) -> dict[str, str]:
        """Each enabled route's full URL, path tokens included (show these only to the operator)."""
        base = self.base_url
        out = {}
        if self.config.tickettailor_secret:
            out["tickettailor"] = f"{base}/hooks/tickettailor"
        for provider in TOKEN_PROVIDERS:
            if self.config.path_tokens.get(provider):
                out[provider] = f"{base}/hooks/{provider}/{self.config.path_tokens[provider]}"
        if self.config.relay_token:
            out["relay"] = base
        return out

    def __enter__(self) -> "Receiver":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
