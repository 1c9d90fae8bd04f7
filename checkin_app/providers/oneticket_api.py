"""1Ticket legacy API v2 over HTTP: the purchases of an event and their seats. Returns raw dicts.

Header `x-api-token` (the newer public API calls it `x-api-key`: the header name and the base URL
are settings, provider-notes.md). `GET /v2/purchases/` filters on `eventdate` (mm/dd/yyyy),
`eventname` (wildcard) and `status`; `GET /v2/getpdf/?rid=` lists a purchase's seats with
barcodes; `GET /v2/disclosures/` names the disclosure ids purchases carry. Every answer wraps its data as `{"result": {"status", "message"}, "output": [...]}`.
"""
from __future__ import annotations

import threading
from typing import Any

import httpx

from checkin_app.domain import provider_facts
from checkin_app.errors import AuthError, ConfigError, ProviderError
from checkin_app.providers import oneticket
from checkin_app.providers.http import JsonHttp, RetryPolicy

PROVIDER = provider_facts.ONETICKET.name  # its display name, from its registry entry
DEFAULT_BASE_URL = "https://1ticket.com/api"
DEFAULT_HEADER = "x-api-token"


def _error_message(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    result = body.get("result") if isinstance(body, dict) else None
    return str(result.get("message")) if isinstance(result, dict) and result.get("message") else None


class OneTicketClient:
    """One 1Ticket account.

    Args:
        base_url: API root (`https://1ticket.com/api`).
        token: the API token.
        header_name: the header carrying it (`x-api-token`; `x-api-key` on the newer API).
        transport, cancel, policy, timeout: as for `JsonHttp`.
    """

    def __init__(self, base_url: str | None, token: str, *, header_name: str = DEFAULT_HEADER, timeout: float = 15.0,
                 transport: httpx.BaseTransport | None = None, cancel: threading.Event | None = None,
                 policy: RetryPolicy | None = None):
        if not token:
            raise ConfigError("1Ticket needs an API token (--token-env VAR)")
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self._http = JsonHttp(self.base_url, provider=PROVIDER, secret=token, error_message=_error_message,
                              headers={header_name: token, "Accept": "application/json"}, timeout=timeout,
                              transport=transport, cancel=cancel, policy=policy)

    def close(self) -> None:
        self._http.close()

    def _get(self, path: str, params: dict | None = None) -> dict[str, Any]:
        body = self._http.get(path, params)
        result = body.get("result") if isinstance(body, dict) else None
        if not isinstance(result, dict) or result.get("status") != "success":
            message = result.get("message") if isinstance(result, dict) else None
            raise ProviderError(f"{PROVIDER}: {path} failed: {message or 'no result in the answer'}", permanent=True)
        return body

    def verify(self) -> dict[str, Any]:
        """Check the token; returns the company (`{"company_name": ...}`)."""
        try:
            body = self._get("/v2/verify/")
        except AuthError as exc:
            raise AuthError(f"{PROVIDER} refused the API token (HTTP {exc.status})", exc.status) from None
        output = body.get("output") or [{}]
        return output[0] if isinstance(output[0], dict) else {}

    def purchases(self, *, eventdate: str | None = None, eventname: str | None = None,
                  status: str | None = None) -> list[dict[str, Any]]:
        """Purchases matching the filters (1Ticket answers them in one list)."""
        body = self._get("/v2/purchases/", {"eventdate": eventdate, "eventname": eventname, "status": status})
        return oneticket.purchases(body)

    def disclosures(self) -> dict[int, str]:
        """{disclosure id: description_short} (`/v2/disclosures`; NOENTRY = "Not Valid for Entry")."""
        return oneticket.disclosure_table(self._get("/v2/disclosures/"))

    def getpdf(self, rid: int | str) -> dict[str, Any]:
        """A purchase's seats (`output[].seats[]` with barcode, section, row, seatnumber, status)."""
        return self._get("/v2/getpdf/", {"rid": rid})
