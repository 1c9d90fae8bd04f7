"""The relay's HTTP API (a `webhooks serve` elsewhere): the laptop's side. Returns raw dicts.

`GET /relay/v1/ping` checks the bearer token; `GET /relay/v1/deliveries?after=ID&limit=N` pages
through the relay's inbox, oldest first; the inbox id is the cursor (ids only grow).
Retries, backoff and scrubbing of the token come from `providers/http.py`.

A relay is a server on the internet, so its answers are bounded and checked before use: an answer
is read as a stream and refused past `MAX_PAGE_BYTES` (and never decompressed, so a small gzip bomb
cannot grow into gigabytes), and a page whose fields are not what a relay sends is a PayloadError.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import httpx

from checkin_app.domain import provider_facts
from checkin_app.errors import AuthError, ConfigError, PayloadError
from checkin_app.providers.http import JsonHttp, RetryPolicy, error_field_message

PROVIDER = provider_facts.RELAY.name  # its display name, from its registry entry
PAGE_LIMIT = 200
# The relay stops a page before 8 MB of bodies (webhooks.receiver.MAX_PAGE_BYTES); a lone delivery
# can be larger (up to its --max-body), and JSON escaping can double a body. 64 MB leaves room.
MAX_PAGE_BYTES = 64 * 1024 * 1024
MAX_CURSOR = 2 ** 63 - 1


@dataclass
class DeliveryPage:
    deliveries: list[dict[str, Any]]
    has_more: bool
    next_after: int
    relay_id: str | None = None


class _Bearer(httpx.Auth):
    def __init__(self, token: str):
        self._token = token

    def auth_flow(self, request: httpx.Request):
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


class _BoundedStream(httpx.SyncByteStream):
    def __init__(self, stream: httpx.SyncByteStream, limit: int):
        self._stream, self._limit = stream, limit

    def __iter__(self):
        size = 0
        for chunk in self._stream:
            size += len(chunk)
            if size > self._limit:
                raise PayloadError(f"{PROVIDER}: an answer larger than {self._limit // (1024 * 1024)} MB was refused")
            yield chunk

    def close(self) -> None:
        self._stream.close()


class BoundedTransport(httpx.BaseTransport):
    """Answers over `limit` bytes (declared or streamed) and compressed answers end in PayloadError."""

    def __init__(self, inner: httpx.BaseTransport, limit: int):
        self._inner, self._limit = inner, limit

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.headers["Accept-Encoding"] = "identity"
        response = self._inner.handle_request(request)
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        declared = response.headers.get("content-length", "")
        if encoding != "identity" or (declared.isdigit() and int(declared) > self._limit):
            response.close()
            raise PayloadError(f"{PROVIDER}: the answer was refused (compressed, or larger than "
                               f"{self._limit // (1024 * 1024)} MB)")
        return httpx.Response(response.status_code, headers=response.headers,
                              stream=_BoundedStream(response.stream, self._limit),  # type: ignore[arg-type]
                              extensions=response.extensions)

    def close(self) -> None:
        self._inner.close()


class RelayClient:
    """One relay.

    Args:
        base_url: the relay's base URL, as `webhooks serve` printed it (`https://relay.example:8787`).
        token: its bearer token.
        transport, cancel, policy, timeout: as for `JsonHttp`.
    """

    def __init__(self, base_url: str, token: str, *, timeout: float = 15.0, transport: httpx.BaseTransport | None = None,
                 cancel: threading.Event | None = None, policy: RetryPolicy | None = None):
        if not base_url:
            raise ConfigError("a relay connection needs --base-url (the URL `webhooks serve` printed)")
        if not token:
            raise ConfigError("a relay connection needs its bearer token (--token-env VAR)")
        self.base_url = base_url.rstrip("/")
        bounded = BoundedTransport(transport or httpx.HTTPTransport(), MAX_PAGE_BYTES)
        self._http = JsonHttp(self.base_url + "/relay/v1", provider=PROVIDER, auth=_Bearer(token), secret=token,
                              error_message=error_field_message, headers={"Accept": "application/json"}, timeout=timeout,
                              transport=bounded, cancel=cancel, policy=policy)

    def close(self) -> None:
        self._http.close()

    def ping(self) -> dict[str, Any]:
        """Check the token. Raises AuthError with a plain message when the relay refuses it."""
        try:
            return self._http.get("/ping")
        except AuthError as exc:
            raise AuthError(f"the relay at {self.base_url} refused the token (HTTP {exc.status})", exc.status) from None

    def deliveries(self, after: int, limit: int = PAGE_LIMIT) -> DeliveryPage:
        """One page after the cursor `after`.

        Raises:
            PayloadError: the page is too large, or not in the shape a relay sends (checked field by
                field: a hostile relay must not crash the sync or write odd types into the inbox).
        """
        body = self._http.get("/deliveries", {"after": after, "limit": limit})
        items = body.get("deliveries") if isinstance(body, dict) else None
        if not isinstance(items, list) or not all(_is_delivery(d) for d in items):
            raise PayloadError(f"{PROVIDER}: the deliveries page is not in the expected shape")
        next_after = body.get("next_after", after)
        if not _is_cursor(next_after) or next_after < after:
            raise PayloadError(f"{PROVIDER}: the page's next cursor is not a whole number from {after} to {MAX_CURSOR}")
        relay_id = body.get("relay_id")
        if relay_id is not None and not (isinstance(relay_id, str) and 0 < len(relay_id) <= 64):
            raise PayloadError(f"{PROVIDER}: the page's relay id is not a short text")
        return DeliveryPage(items, body.get("has_more") is True, next_after, relay_id or None)


def _is_cursor(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_CURSOR


def _is_text(value: Any, limit: int = 200) -> bool:
    return isinstance(value, str) and len(value) <= limit


def _is_delivery(d: Any) -> bool:
    return (isinstance(d, dict) and _is_cursor(d.get("id")) and isinstance(d.get("body"), str)
            and _is_text(d.get("provider"), 40) and (d.get("delivery_id") is None or _is_text(d.get("delivery_id")))
            and (d.get("received_at") is None or _is_text(d.get("received_at"), 64)))
