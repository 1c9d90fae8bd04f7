"""The pure arithmetic of providers/http.py: backoff with jitter, Retry-After, rate-budget pacing."""
import random
from email.utils import formatdate

import httpx
import pytest

from checkin_app.providers.http import (RateBudget, RetryPolicy, backoff_delay, pacing_delay, parse_retry_after,
                                        parse_seconds, past_reset)
from checkin_app.providers.tickettailor_api import error_message


class FakeClock:
    """Monotonic seconds that move only when told (the budget arithmetic needs no real waiting)."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_backoff_ceiling_doubles_per_retry_up_to_the_cap():
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0)
    rng = random.Random(1)
    for retry, ceiling in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 4.0), (60, 4.0)]:
        draws = [backoff_delay(retry, policy, rng) for _ in range(400)]
        assert all(0.0 <= d <= ceiling for d in draws)
        # full jitter: draws spread over the whole range, not bunched at the ceiling
        assert min(draws) < ceiling * 0.1 and max(draws) > ceiling * 0.9


def test_backoff_is_jittered_so_clients_do_not_retry_in_step():
    policy = RetryPolicy(base_delay=1.0, max_delay=30.0)
    # fifty clients failing at the same moment come back at fifty different moments
    assert len({round(backoff_delay(3, policy, random.Random(s)), 6) for s in range(50)}) == 50


@pytest.mark.parametrize("value, expected", [
    ("120", 120.0), ("0.25", 0.25), (" 3 ", 3.0), ("0", 0.0), ("-5", 0.0), (None, None), ("soon", None), ("nan", None),
])
def test_retry_after_seconds_integer_or_fractional(value, expected):
    assert parse_retry_after(value) == expected


def test_retry_after_http_date():
    now = 1_800_000_000.0
    assert parse_retry_after(formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30.0)
    assert parse_retry_after(formatdate(now - 30, usegmt=True), now=now) == 0.0


def test_parse_seconds_rejects_garbage():
    assert parse_seconds("873") == 873.0
    assert parse_seconds("inf") is None
    assert parse_seconds("") is None


def test_pacing_is_free_while_the_budget_is_comfortable():
    assert pacing_delay(remaining=9994, limit=10000, reset_in=873, low_water=0.1) == 0.0
    assert pacing_delay(remaining=None, limit=None, reset_in=None, low_water=0.1) == 0.0


def test_pacing_spreads_what_is_left_over_the_window_below_low_water():
    # 500 requests left for 600 s: one every 1.2 s, so the budget lasts until the reset
    assert pacing_delay(remaining=500, limit=10000, reset_in=600, low_water=0.1) == pytest.approx(1.2)
    # the nearer exhaustion, the longer each wait
    assert pacing_delay(5, 10000, 600, 0.1) > pacing_delay(50, 10000, 600, 0.1)


def test_pacing_waits_past_the_reset_when_exhausted():
    assert pacing_delay(remaining=0, limit=10000, reset_in=12, low_water=0.1) == past_reset(12)
    assert past_reset(12) > 12
    assert pacing_delay(remaining=0, limit=10000, reset_in=0, low_water=0.1) == 0.0


def test_rate_budget_reads_headers_and_counts_down_the_reset():
    clock = FakeClock()
    budget = RateBudget(low_water=0.1, clock=clock)
    assert budget.delay() == 0.0  # nothing known yet
    budget.observe(httpx.Headers({"X-Rate-Limit-Limit": "100", "X-Rate-Limit-Remaining": "5",
                                  "X-Rate-Limit-Reset": "10"}))
    assert (budget.limit, budget.remaining) == (100, 5)
    assert budget.delay() == pytest.approx(2.0)
    clock.now += 4  # time passes: the same remaining budget is spread over less time
    assert budget.delay() == pytest.approx(6 / 5)
    clock.now += 7  # window over: nothing to wait for
    assert budget.delay() == 0.0


def test_rate_budget_accepts_fractional_reset_and_ignores_responses_without_headers():
    clock = FakeClock()
    budget = RateBudget(low_water=0.5, clock=clock)
    budget.observe({"x-rate-limit-limit": "20", "x-rate-limit-remaining": "0", "x-rate-limit-reset": "0.250"})
    assert budget.delay() == pytest.approx(past_reset(0.25))
    budget.observe({})  # e.g. an error page from a proxy
    assert budget.remaining == 0


def test_spend_counts_a_request_before_its_answer_arrives():
    budget = RateBudget(clock=FakeClock())
    budget.observe({"x-rate-limit-limit": "10", "x-rate-limit-remaining": "1", "x-rate-limit-reset": "5"})
    budget.spend()
    assert budget.remaining == 0
    budget.spend()
    assert budget.remaining == 0


def test_error_message_takes_the_providers_words_and_field_errors():
    response = httpx.Response(422, json={"status": 422, "error_code": "VALIDATION_ERROR", "message": "Invalid data",
                                         "errors": [{"field": "barcode", "messages": ["The barcode has already been taken."]}]})
    assert error_message(response) == "Invalid data; barcode: The barcode has already been taken."
    assert error_message(httpx.Response(502, text="<html>Bad gateway</html>")) is None
    assert error_message(httpx.Response(400, json=["odd"])) is None
