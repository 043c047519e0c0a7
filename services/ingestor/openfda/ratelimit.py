"""openFDA's request limits (per minute and per day), respected across every ingestor replica.

openFDA allows 240 requests a minute and 1,000 a day without an API key (120,000 with one). Each
replica asking on its own would exceed that together, so the tokens live in PostgreSQL: one row per
bucket, refilled continuously from the database clock (replicas' clocks may disagree), taken under
a row lock so that two replicas never spend the same token. A request takes one token from every
bucket or none.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import asyncpg

MAX_SINGLE_WAIT_S = 5.0
"""Re-check at least this often: another replica may have been idle and left tokens."""


class RateLimiter(Protocol):
    async def acquire(self) -> None:
        """Wait until one request may be sent, and account for it."""
        ...


@dataclass(frozen=True)
class Bucket:
    """``capacity`` requests per ``period_s`` seconds, refilled continuously."""

    name: str
    capacity: float
    period_s: float

    @property
    def refill_per_s(self) -> float:
        return self.capacity / self.period_s


def openfda_buckets(per_minute: int, per_day: int, api_key: str | None) -> tuple[Bucket, Bucket]:
    """The minute and day buckets of one API key (limits are per key, or per address without)."""
    owner = hashlib.sha256(api_key.encode()).hexdigest()[:12] if api_key else "anonymous"
    return (
        Bucket(f"openfda:{owner}:minute", float(per_minute), 60.0),
        Bucket(f"openfda:{owner}:day", float(per_day), 86_400.0),
    )


def _refilled(tokens: float, capacity: float, rate: float, elapsed_s: float) -> float:
    return min(capacity, tokens + max(0.0, elapsed_s) * rate)


class LocalTokenBucket:
    """The same buckets in one process (tests, the CLI without a database)."""

    def __init__(
        self,
        buckets: Sequence[Bucket],
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._buckets = tuple(buckets)
        self._clock = clock
        self._sleep = sleep
        now = clock()
        self._state = {b.name: (b.capacity, now) for b in self._buckets}
        self._lock = asyncio.Lock()

    def _try_take(self) -> float:
        now = self._clock()
        levels = {
            b.name: _refilled(self._state[b.name][0], b.capacity, b.refill_per_s, now - t)
            for b in self._buckets
            for t in (self._state[b.name][1],)
        }
        waits = [
            (1.0 - levels[b.name]) / b.refill_per_s for b in self._buckets if levels[b.name] < 1
        ]
        if waits:
            return max(waits)
        for b in self._buckets:
            self._state[b.name] = (levels[b.name] - 1.0, now)
        return 0.0

    async def acquire(self) -> None:
        while True:
            async with self._lock:
                wait = self._try_take()
            if wait <= 0:
                return
            await self._sleep(min(wait, MAX_SINGLE_WAIT_S))


class PostgresTokenBucket:
    """Token buckets in the ``openfda_rate_buckets`` table, shared by all replicas."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        buckets: Sequence[Bucket],
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._pool = pool
        self._buckets = tuple(sorted(buckets, key=lambda b: b.name))  # one lock order everywhere
        self._sleep = sleep
        self._ready = False

    async def ensure_buckets(self) -> None:
        """Create the buckets (full) or update their limits; spent tokens are kept."""
        async with self._pool.acquire() as conn:
            for b in self._buckets:
                await conn.execute(
                    """INSERT INTO openfda_rate_buckets (name, tokens, capacity, refill_per_s)
                       VALUES ($1, $2, $2, $3)
                       ON CONFLICT (name) DO UPDATE
                       SET capacity = EXCLUDED.capacity, refill_per_s = EXCLUDED.refill_per_s,
                           tokens = LEAST(openfda_rate_buckets.tokens, EXCLUDED.capacity)""",
                    b.name,
                    b.capacity,
                    b.refill_per_s,
                )
        self._ready = True

    async def try_take(self) -> float:
        """Take a token from every bucket and return 0, or return the seconds to wait."""
        if not self._ready:
            await self.ensure_buckets()
        names = [b.name for b in self._buckets]
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """SELECT name, tokens, capacity, refill_per_s,
                          EXTRACT(EPOCH FROM clock_timestamp() - updated_at)::float8 AS elapsed
                   FROM openfda_rate_buckets WHERE name = ANY($1::text[])
                   ORDER BY name FOR UPDATE""",
                names,
            )
            levels: dict[str, tuple[float, float]] = {
                r["name"]: (
                    _refilled(r["tokens"], r["capacity"], r["refill_per_s"], r["elapsed"]),
                    float(r["refill_per_s"]),
                )
                for r in rows
            }
            if len(levels) != len(names):
                raise RuntimeError("openfda_rate_buckets lost a bucket row; restart the ingestor")
            waits = [(1.0 - level) / rate for level, rate in levels.values() if level < 1.0]
            if waits:
                return max(waits)
            await conn.executemany(
                """UPDATE openfda_rate_buckets SET tokens = $2, updated_at = clock_timestamp()
                   WHERE name = $1""",
                [(name, level - 1.0) for name, (level, _) in levels.items()],
            )
        return 0.0

    async def acquire(self) -> None:
        while True:
            wait = await self.try_take()
            if wait <= 0:
                return
            await self._sleep(min(wait, MAX_SINGLE_WAIT_S))
