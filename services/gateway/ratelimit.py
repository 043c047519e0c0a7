"""Per-key request rate limits (GCRA, the generic cell rate algorithm) and their headers.

Each key may make ``per_minute`` requests a minute on average, in bursts of up to ``burst``. GCRA
keeps one number per key (the theoretical arrival time of its next request), so the state is tiny
and every decision is O(1). The state lives in this process: with several gateway replicas
behind a load balancer a key's effective rate is the configured one times the replicas that
serve it (set the rate accordingly; see docs/api.md).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    """Requests allowed in a burst (the bucket's size)."""
    remaining: int
    """Requests that could be made right now."""
    reset_s: int
    """Seconds until the bucket is full again."""
    retry_after_s: int
    """Seconds until the next request is allowed (0 when allowed)."""
    per_minute: int

    def headers(self) -> list[tuple[bytes, bytes]]:
        """IETF ``RateLimit-*`` headers (draft-ietf-httpapi-ratelimit-headers), plus
        ``Retry-After`` on a refusal."""
        headers = [
            (b"ratelimit-limit", str(self.limit).encode()),
            (b"ratelimit-remaining", str(self.remaining).encode()),
            (b"ratelimit-reset", str(self.reset_s).encode()),
            (b"ratelimit-policy", f"{self.per_minute};w=60;burst={self.limit}".encode()),
        ]
        if not self.allowed:
            headers.append((b"retry-after", str(self.retry_after_s).encode()))
        return headers


class RateLimiter:
    """GCRA limiter keyed by anything hashable (the API key's id)."""

    def __init__(
        self,
        per_minute: int,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        if per_minute < 1 or burst < 1:
            raise ValueError("a rate limit needs per_minute >= 1 and burst >= 1")
        self.per_minute = per_minute
        self.burst = burst
        self._interval = 60.0 / per_minute  # seconds one request "costs"
        self._tolerance = self._interval * (burst - 1)
        self._clock = clock
        self._max_keys = max_keys
        self._tat: dict[Hashable, float] = {}

    def take(self, key: Hashable) -> RateDecision:
        """Count one request of ``key`` if it is allowed now; say what is left either way."""
        now = self._clock()
        tat = max(self._tat.get(key, now), now)
        allow_at = tat - self._tolerance
        if now < allow_at:
            return self._decision(False, tat, now, retry_after=allow_at - now)
        tat += self._interval
        if len(self._tat) >= self._max_keys and key not in self._tat:
            self._forget_idle(now)
        self._tat[key] = tat
        return self._decision(True, tat, now, retry_after=0.0)

    def _decision(self, allowed: bool, tat: float, now: float, retry_after: float) -> RateDecision:
        used = (tat - now) / self._interval  # requests' worth of the bucket in use
        return RateDecision(
            allowed=allowed,
            limit=self.burst,
            remaining=max(0, min(self.burst, math.floor(self.burst - used + 1e-9))),
            reset_s=max(0, math.ceil(tat - now - 1e-9)),
            retry_after_s=max(1, math.ceil(retry_after)) if not allowed else 0,
            per_minute=self.per_minute,
        )

    def _forget_idle(self, now: float) -> None:
        """Drop keys whose bucket is full again (they are indistinguishable from new ones)."""
        for key in [k for k, tat in self._tat.items() if tat <= now]:
            del self._tat[key]
        if len(self._tat) >= self._max_keys:  # all busy: forget the oldest half
            for key in sorted(self._tat, key=self._tat.__getitem__)[: self._max_keys // 2]:
                del self._tat[key]
