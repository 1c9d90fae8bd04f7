"""The relay's HTTP API (a `webhooks serve` elsewhere): the laptop's side. Returns raw dicts.

`GET /relay/v1/ping` checks the bearer token; `GET /relay/v1/deliveries?after=ID&limit=N` pages
through the relay's inbox, oldest first; the inbox id is the cursor (ids only grow).
Retries, backoff and scrubbing of the token come from `providers/http.py`.
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
        self._http = JsonHttp(self.base_url + "/relay/v1", provider=PROVIDER, auth=_Bearer(token), secret=token,
                              error_message=error_field_message, headers={"Accept": "application/json"}, timeout=timeout,
                              transport=transport, cancel=cancel, policy=policy)

    def close(self) -> None:
        self._http.close()

    def ping(self) -> dict[str, Any]:
        """Check the token. Raises AuthError with a plain message when the relay refuses it."""
        try:
            return self._http.get("/ping")
        except AuthError as exc:
            raise AuthError(f"the relay at {self.base_url} refused the token (HTTP {exc.status})", exc.status) from None

    def deliveries(self, after: int, limit: int = PAGE_LIMIT) -> DeliveryPage:
        body = self._http.get("/deliveries", {"after": after, "limit": limit})
        items = body.get("deliveries") if isinstance(body, dict) else None
        if not isinstance(items, list) or not all(isinstance(d, dict) and isinstance(d.get("id"), int)
                                                  and isinstance(d.get("body"), str) for d in items):
            raise PayloadError(f"{PROVIDER}: the deliveries page is not in the expected shape")
        return DeliveryPage(items, bool(body.get("has_more")), int(body.get("next_after") or after),
                            str(body["relay_id"]) if body.get("relay_id") else None)
