"""Per-key rate limits (GCRA): bursts, the steady rate, and what the headers say."""

from __future__ import annotations

from services.gateway.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_allowed_then_refused_with_retry_after() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=5, clock=clock)
    decisions = [limiter.take("k") for _ in range(6)]

    assert [d.allowed for d in decisions] == [True] * 5 + [False]
    assert [d.remaining for d in decisions[:5]] == [4, 3, 2, 1, 0]
    refused = decisions[-1]
    assert refused.retry_after_s == 1
    headers = dict(refused.headers())
    assert headers[b"retry-after"] == b"1"
    assert headers[b"ratelimit-limit"] == b"5"
    assert headers[b"ratelimit-remaining"] == b"0"
    assert headers[b"ratelimit-policy"] == b"60;w=60;burst=5"


def test_the_steady_rate_refills_one_request_per_interval() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=2, clock=clock)
    assert limiter.take("k").allowed
    assert limiter.take("k").allowed
    assert not limiter.take("k").allowed
    clock.now += 1.0
    assert limiter.take("k").allowed
    assert not limiter.take("k").allowed
    clock.now += 10.0
    full = limiter.take("k")
    assert full.allowed
    assert full.remaining == 1
    assert full.reset_s == 1


def test_keys_are_limited_separately_and_refusals_cost_nothing() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=1, clock=clock)
    assert limiter.take("a").allowed
    assert limiter.take("b").allowed
    for _ in range(100):
        assert not limiter.take("a").allowed
    clock.now += 1.0
    assert limiter.take("a").allowed  # the refused attempts did not push the key further back


def test_state_stays_bounded_with_many_keys() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=1, clock=clock, max_keys=100)
    for key in range(1000):
        limiter.take(key)
        clock.now += 0.01
    assert len(limiter._tat) <= 100
