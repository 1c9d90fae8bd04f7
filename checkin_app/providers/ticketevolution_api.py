"""Ticket Evolution API v9 over HTTP: orders by state, every request signed. Returns raw dicts.

Each request carries `X-Token` and `X-Signature` = base64(HMAC-SHA256(secret, "<METHOD> <host><path>?
<sorted query | raw body>")), computed by `ticketevolution.sign` from the request exactly as it
leaves (host as sent, including a non-default port). Orders: `GET /orders?state=…&type=Order`,
paged with `page` / `per_page`, answered as `{"orders": [...], "current_page", "total_entries"}`.
"""
from __future__ import annotations

import threading
from typing import Any
from urllib.parse import parse_qsl

import httpx

from checkin_app.domain import provider_facts
from checkin_app import log as app_log
from checkin_app.errors import AuthError, ConfigError, PayloadError
from checkin_app.providers import ticketevolution
from checkin_app.providers.http import JsonHttp, RetryPolicy, error_field_message

PROVIDER = provider_facts.TICKETEVOLUTION.name  # its display name, from its registry entry
DEFAULT_BASE_URL = "https://api.ticketevolution.com/v9"
PER_PAGE = 100


class TevoAuth(httpx.Auth):
    """Signs each request as it is sent (the signature covers the final URL or body)."""

    def __init__(self, token: str, secret: str):
        self._token, self._secret = token, secret

    def auth_flow(self, request: httpx.Request):
        host = request.url.netloc.decode("ascii")
        method = request.method.upper()
        if method == "GET":
            query = dict(parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True))
            signature = ticketevolution.sign(self._secret, method, host, request.url.path, query)
        else:
            signature = ticketevolution.sign(self._secret, method, host, request.url.path, body=request.content)
        request.headers["X-Token"] = self._token
        request.headers["X-Signature"] = signature
        yield request


class TicketEvolutionClient:
    """One brokerage's API credentials.

    Args:
        base_url: API root including `/v9`.
        token: the API token (`X-Token`).
        secret: the API secret (signs every request; never sent).
        transport, cancel, policy, timeout: as for `JsonHttp`.
    """

    def __init__(self, base_url: str | None, token: str, secret: str, *, timeout: float = 15.0,
                 transport: httpx.BaseTransport | None = None, cancel: threading.Event | None = None,
                 policy: RetryPolicy | None = None):
        if not token or not secret:
            raise ConfigError("Ticket Evolution needs an API token (--token-env) and secret (--secret-env)")
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self._http = JsonHttp(self.base_url, provider=PROVIDER, auth=TevoAuth(token, secret), secret=secret,
                              error_message=error_field_message, headers={"Accept": "application/json"}, timeout=timeout,
                              transport=transport, cancel=cancel, policy=policy)
        app_log.redact(token)  # the token travels in a header; it must not reach a log either

    def close(self) -> None:
        self._http.close()

    def orders_page(self, state: str, page: int = 1, per_page: int = PER_PAGE) -> dict[str, Any]:
        """One page of orders in a state (`pending`, `accepted`, ...)."""
        body = self._http.get("/orders", {"state": state, "type": "Order", "page": page, "per_page": per_page})
        if not isinstance(body, dict) or not isinstance(body.get("orders"), list):
            raise PayloadError(f"{PROVIDER}: /orders did not answer with an orders list")
        return body

    def check(self) -> dict[str, Any]:
        """Check the token and secret with the smallest signed request."""
        try:
            body = self.orders_page("pending", 1, 1)
        except AuthError as exc:
            raise AuthError(f"{PROVIDER} refused the token or signature (HTTP {exc.status})", exc.status) from None
        return {"pending_orders": body.get("total_entries")}
