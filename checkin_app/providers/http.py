"""The HTTP plumbing every provider client shares: retries, backoff, rate budgets, cancellation.

A provider client builds one `JsonHttp` and calls `get`/`post`. This module decides what a failure
means (DESIGN.md, "Sync semantics"): timeouts, connection resets, 408, 429 and 5xx are transient and
retried with jittered exponential backoff a bounded number of times; 401/403 are `AuthError`; other
4xx are permanent `ProviderError`s carrying the provider's own message. It also paces requests
before a rate budget runs out, reading the provider's rate-limit headers.

Secrets: the client registers its secret with the log redactor and scrubs it from every message it
builds, so neither logs nor exceptions can carry it.
"""
from __future__ import annotations

import email.utils
import logging
import math
import random
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import httpx

from checkin_app import log as app_log
from checkin_app.errors import AuthError, PayloadError, ProviderError

log = logging.getLogger(__name__)

# Errors raised before the request left this machine: a retry can never duplicate a write.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Statuses that say "not processed, try later": safe to resend even a non-idempotent POST.
_NOT_PROCESSED = {408, 429, 503}


class RequestCancelled(ProviderError):
    """The caller's cancel event was set while a request waited or was about to start."""

    def __init__(self, provider: str):
        super().__init__(f"{provider}: request cancelled", status=None, permanent=False)


class OutcomeUnknown(ProviderError):
    """A write may or may not have happened upstream (response lost); look before re-sending."""


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before giving up for now.

    Args:
        max_attempts: tries per request for timeouts, resets and 5xx (the first try included).
        base_delay: first backoff ceiling in seconds; doubles per retry (full jitter below it).
        max_delay: ceiling of one backoff wait.
        max_throttled: 429 answers tolerated per request (each waits `Retry-After`).
        max_wait: longest single wait for a rate limit; a longer one fails now (transient) rather
            than hang a sync for an hour.
        low_water: fraction of the rate limit below which requests are spread over the window.
    """

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_throttled: int = 20
    max_wait: float = 120.0
    low_water: float = 0.1


def backoff_delay(retry: int, policy: RetryPolicy, rng: random.Random | None = None) -> float:
    """Full-jitter exponential backoff for the `retry`-th retry (0-based).

    Args:
        retry: how many retries came before this one.
        policy: base and ceiling.
        rng: random source (seeded in tests).

    Returns:
        Seconds to wait: uniform in [0, min(max_delay, base_delay * 2**retry)].
    """
    ceiling = min(policy.max_delay, policy.base_delay * (2 ** min(retry, 30)))
    return (rng or random).uniform(0.0, ceiling)


def parse_seconds(value: str | None) -> float | None:
    """A header holding seconds, integer or fractional ("873", "0.25"); None when absent or garbage."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """`Retry-After` as seconds: delta-seconds (integer or fractional) or an HTTP date.

    Args:
        value: the header value.
        now: the current Unix time, for HTTP dates (default: the wall clock).

    Returns:
        Seconds to wait (never negative), or None when the header is absent or unreadable.
    """
    seconds = parse_seconds(value)
    if seconds is not None or value is None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class RateBudget:
    """What the provider's `x-rate-limit-*` headers say is left, and how long to wait because of it.

    Plenty left: no wait. Below `low_water` of the limit: the remaining requests are spread evenly
    over the rest of the window, so the budget lasts until it resets instead of running out (and
    earning 429s) halfway. Exhausted: wait for the reset.

    Args:
        low_water: fraction of the limit below which requests are paced.
        clock: monotonic seconds (injected in tests).
    """

    def __init__(self, low_water: float = 0.1, clock: Callable[[], float] = time.monotonic):
        self.low_water = low_water
        self._clock = clock
        self._lock = threading.Lock()
        self.limit: int | None = None
        self.remaining: int | None = None
        self._reset_at: float | None = None

    def observe(self, headers: Mapping[str, str]) -> None:
        """Take in one response's headers (case-insensitive mapping); absent headers change nothing."""
        remaining = parse_seconds(headers.get("x-rate-limit-remaining"))
        if remaining is None:
            return
        limit = parse_seconds(headers.get("x-rate-limit-limit"))
        reset = parse_seconds(headers.get("x-rate-limit-reset"))
        with self._lock:
            self.remaining = int(remaining)
            self.limit = int(limit) if limit is not None else self.limit
            self._reset_at = self._clock() + reset if reset is not None else None

    def reset_in(self) -> float | None:
        """Seconds until the window resets, as last reported (None when unknown)."""
        with self._lock:
            if self._reset_at is None:
                return None
            return max(0.0, self._reset_at - self._clock())

    def delay(self) -> float:
        """Seconds to wait before the next request.

        Returns:
            0 while the budget is comfortable or unknown; the time left divided by the requests
            left below the low-water mark; the whole time to reset when nothing is left.
        """
        reset_in = self.reset_in()
        with self._lock:
            remaining, limit = self.remaining, self.limit
        return pacing_delay(remaining, limit, reset_in, self.low_water)

    def spend(self) -> None:
        """Count one request against the budget before its response reports the new figure."""
        with self._lock:
            if self.remaining is not None and self.remaining > 0:
                self.remaining -= 1


def past_reset(seconds: float) -> float:
    """A wait for a window to reset, stretched a little: our clock and the server's are not the same,
    and a request that lands a moment early is refused all over again."""
    return seconds + min(1.0, 0.01 + seconds * 0.02)


def pacing_delay(remaining: int | None, limit: int | None, reset_in: float | None, low_water: float) -> float:
    """The pure arithmetic behind `RateBudget.delay` (see there)."""
    if remaining is None or reset_in is None or reset_in <= 0:
        return 0.0
    if remaining <= 0:
        return past_reset(reset_in)
    if limit and remaining > limit * low_water:
        return 0.0
    return reset_in / remaining


@dataclass
class RequestStats:
    """Counters for benchmarks and tests. `requests` counts every attempt sent, retries included."""

    requests: int = 0
    retries: int = 0
    throttled_waits: int = 0
    paced_waits: int = 0
    waited_s: float = 0.0


ErrorMessage = Callable[[httpx.Response], str | None]


def error_field_message(response: httpx.Response) -> str | None:
    """The provider's words from a `{"error": "..."}` body (relay, Ticket Evolution), if any."""
    try:
        body = response.json()
    except ValueError:
        return None
    return str(body.get("error")) if isinstance(body, dict) and body.get("error") else None


class JsonHttp:
    """A JSON-over-HTTP session with one provider: retries, pacing, cancellation, scrubbed errors.

    Args:
        base_url: API root, e.g. `https://api.tickettailor.com/v1`.
        provider: the provider's display name, used in messages ("Ticket Tailor").
        auth: httpx auth (holds the secret; never printed).
        secret: the secret itself, only so it can be scrubbed from messages and logs.
        error_message: pulls the provider's own message out of an error response (or None).
        headers: extra headers for every request.
        timeout: seconds for connect, read and write, each.
        transport: an httpx transport (tests); default: real network.
        cancel: set it to make any wait stop promptly with `RequestCancelled`.
        sleep: replaces the cancellable wait (tests that cannot wait for real).
        rng: random source for jitter.
        policy: retry limits.
    """

    def __init__(self, base_url: str, *, provider: str, auth: httpx.Auth | None = None, secret: str | None = None,
                 error_message: ErrorMessage | None = None, headers: Mapping[str, str] | None = None,
                 timeout: float = 15.0, transport: httpx.BaseTransport | None = None,
                 cancel: threading.Event | None = None, sleep: Callable[[float], None] | None = None,
                 rng: random.Random | None = None, policy: RetryPolicy | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.provider = provider
        self.policy = policy or RetryPolicy()
        self.cancel = cancel or threading.Event()
        self.stats = RequestStats()
        self.budget = RateBudget(self.policy.low_water, clock)
        self._secret = secret
        app_log.redact(secret)
        self._error_message = error_message or (lambda _response: None)
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._client = httpx.Client(base_url=base_url.rstrip("/"), auth=auth, headers=dict(headers or {}),
                                    timeout=httpx.Timeout(timeout), transport=transport)

    def __repr__(self) -> str:
        return f"JsonHttp({self.provider!r}, {str(self._client.base_url)!r})"

    def close(self) -> None:
        self._client.close()

    # -- public calls -----------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET a JSON document, retrying transient failures (GETs are always safe to repeat)."""
        return self.request("GET", path, params=params, replay_safe=True)

    def post(self, path: str, data: Mapping[str, Any] | None = None, *, replay_safe: bool = False) -> Any:
        """POST a form-encoded body.

        Args:
            path: relative to the base URL.
            data: form fields (None values are left out).
            replay_safe: True when sending twice does no harm. Otherwise only failures that prove
                the request was not processed are retried; a lost response raises `OutcomeUnknown`.
        """
        form = {k: str(v) for k, v in (data or {}).items() if v is not None}
        return self.request("POST", path, data=form, replay_safe=replay_safe)

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                data: Mapping[str, str] | None = None, replay_safe: bool) -> Any:
        """Send one logical request, with retries; returns the decoded JSON body.

        Raises:
            AuthError: 401/403. ProviderError: permanent 4xx, or transient failures that outlasted
            the retries. OutcomeUnknown: a non-replay-safe write whose response was lost.
            RequestCancelled: the cancel event was set. PayloadError: a 2xx that is not JSON.
        """
        query = {k: v for k, v in (params or {}).items() if v is not None}
        failures = throttled = 0
        while True:
            self._pace()
            self._check_cancel()
            self.stats.requests += 1
            self.budget.spend()
            try:
                response = self._client.request(method, path, params=query or None, data=data or None)
            except httpx.UnsupportedProtocol:
                raise ProviderError(self._scrub(f"{self.provider}: the base URL {self._client.base_url} is not http(s)"),
                                    status=None, permanent=True) from None
            except httpx.TransportError as exc:
                if not replay_safe and not isinstance(exc, _NOT_SENT):
                    raise OutcomeUnknown(self._scrub(
                        f"{self.provider}: no answer to {method} {path} ({type(exc).__name__}); it may have gone through"
                    ), status=None, permanent=False) from None
                failures += 1
                self._give_up_if(failures, f"{self.provider}: cannot reach the server ({type(exc).__name__}: {exc})", None)
                self._backoff(failures, f"{type(exc).__name__} on {method} {path}")
                continue
            self.budget.observe(response.headers)
            status = response.status_code
            if status < 400:
                return self._decode(response, method, path)
            if status in (401, 403):
                what = "the API key was refused" if status == 401 else "the API key may not do this"
                said = self._describe(response, default="")
                raise AuthError(self._scrub(f"{self.provider}: {what} (HTTP {status}: {said})"), status=status)
            if status == 429:
                throttled += 1
                self._give_up_if_throttled(throttled, response)
                self._wait_retry_after(response)
                continue
            if status == 408 or status >= 500:
                if not replay_safe and status not in _NOT_PROCESSED:
                    raise OutcomeUnknown(self._describe(response, default="server error") +
                                         "; it may have gone through", status=status, permanent=False)
                failures += 1
                self._give_up_if(failures, self._describe(response, default="server error"), status)
                self._backoff(failures, f"HTTP {status} on {method} {path}", response)
                continue
            raise ProviderError(self._describe(response, default="request refused"), status=status, permanent=True)

    # -- helpers ----------------------------------------------------------------------------

    def _decode(self, response: httpx.Response, method: str, path: str) -> Any:
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            raise PayloadError(self._scrub(
                f"{self.provider}: {method} {path} answered HTTP {response.status_code} with something that is not JSON"
            )) from None

    def _describe(self, response: httpx.Response, *, default: str) -> str:
        """The provider's message, or `default` (with the status when `default` is given)."""
        try:
            message = self._error_message(response)
        except Exception:  # a malformed error body must not hide the status behind a parsing error
            message = None
        if not default:
            return self._scrub(message or "no message")
        return self._scrub(f"{self.provider}: {message or default} (HTTP {response.status_code})")

    def _scrub(self, text: str) -> str:
        if self._secret:
            text = text.replace(self._secret, "***")
        return app_log.scrub(text)

    def _give_up_if(self, failures: int, message: str, status: int | None) -> None:
        if failures >= self.policy.max_attempts:
            raise ProviderError(self._scrub(f"{message}; gave up after {failures} tries"), status=status, permanent=False)

    def _give_up_if_throttled(self, throttled: int, response: httpx.Response) -> None:
        wait = parse_retry_after(response.headers.get("retry-after"))
        if throttled > self.policy.max_throttled or (wait is not None and wait > self.policy.max_wait):
            after = f"; retry after {wait:.0f} s" if wait is not None else ""
            raise ProviderError(self._scrub(f"{self.provider}: rate limit reached{after}"), status=429, permanent=False)

    def _wait_retry_after(self, response: httpx.Response) -> None:
        wait = parse_retry_after(response.headers.get("retry-after"))
        if wait is None:  # no Retry-After: fall back on the reported reset, then on backoff
            wait = self.budget.reset_in()
        if wait is None:
            wait = backoff_delay(self.stats.throttled_waits, self.policy, self._rng)
        else:
            wait = past_reset(wait)
        self.stats.throttled_waits += 1
        log.info("%s: rate limited, waiting %.2f s", self.provider, wait)
        self._wait(wait)

    def _backoff(self, failures: int, what: str, response: httpx.Response | None = None) -> None:
        wait = backoff_delay(failures - 1, self.policy, self._rng)
        if response is not None:  # a 503 may say when to come back
            hinted = parse_retry_after(response.headers.get("retry-after"))
            if hinted is not None:
                wait = min(max(wait, hinted), self.policy.max_wait)
        self.stats.retries += 1
        log.info("%s: %s, retry %d in %.2f s", self.provider, what, failures, wait)
        self._wait(wait)

    def _pace(self) -> None:
        wait = self.budget.delay()
        if wait <= 0:
            return
        if wait > self.policy.max_wait:
            raise ProviderError(f"{self.provider}: rate budget used up; it resets in {wait:.0f} s",
                                status=429, permanent=False)
        self.stats.paced_waits += 1
        self._wait(wait)

    def _wait(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.stats.waited_s += seconds
        if self._sleep is not None:
            self._check_cancel()
            self._sleep(seconds)
        else:
            self.cancel.wait(seconds)  # returns at once when cancelled
        self._check_cancel()

    def _check_cancel(self) -> None:
        if self.cancel.is_set():
            raise RequestCancelled(self.provider)
