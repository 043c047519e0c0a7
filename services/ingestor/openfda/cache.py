"""openFDA responses cached in PostgreSQL, keyed by the request URL (never the API key).

An entry is good while it is younger than the TTL *and* was fetched from the same data release:
openFDA's ``meta.last_updated`` changes when FAERS is refreshed (quarterly data, weekly loads), and
then every cached answer is stale at once. The client learns the current release from one live
request per CER and asks only for entries of that release; :meth:`purge_other_releases` drops the
rest. Bodies are stored zlib-compressed (FAERS JSON shrinks about tenfold).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import asyncpg


@dataclass(frozen=True)
class CachedResponse:
    status: int
    body: bytes
    next_url: str | None
    last_updated: date | None


class ResponseCache(Protocol):
    async def get(
        self, key: bytes, *, last_updated: date | None, ttl_s: float
    ) -> CachedResponse | None: ...

    async def put(self, key: bytes, url: str, response: CachedResponse) -> None: ...

    async def purge_other_releases(self, last_updated: date) -> int: ...


class MemoryResponseCache:
    """The same contract in memory (tests and one-off CLI runs); ignores the TTL's clock."""

    def __init__(self) -> None:
        self.entries: dict[bytes, tuple[str, CachedResponse]] = {}

    async def get(
        self, key: bytes, *, last_updated: date | None, ttl_s: float
    ) -> CachedResponse | None:
        entry = self.entries.get(key)
        if entry is None or ttl_s <= 0:
            return None
        response = entry[1]
        if last_updated is not None and response.last_updated != last_updated:
            return None
        return response

    async def put(self, key: bytes, url: str, response: CachedResponse) -> None:
        self.entries[key] = (url, response)

    async def purge_other_releases(self, last_updated: date) -> int:
        stale = [k for k, (_, r) in self.entries.items() if r.last_updated != last_updated]
        for key in stale:
            del self.entries[key]
        return len(stale)


class PostgresResponseCache:
    """Entries in the ``faers_cache`` table, shared by every ingestor replica."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def get(
        self, key: bytes, *, last_updated: date | None, ttl_s: float
    ) -> CachedResponse | None:
        row = await self._pool.fetchrow(
            """SELECT status, body, next_url, last_updated FROM faers_cache
               WHERE key = $1 AND fetched_at > now() - make_interval(secs => $2)
                 AND ($3::date IS NULL OR last_updated = $3)""",
            key,
            ttl_s,
            last_updated,
        )
        if row is None:
            return None
        return CachedResponse(
            status=row["status"],
            body=zlib.decompress(row["body"]),
            next_url=row["next_url"],
            last_updated=row["last_updated"],
        )

    async def put(self, key: bytes, url: str, response: CachedResponse) -> None:
        await self._pool.execute(
            """INSERT INTO faers_cache (key, url, status, body, next_url, last_updated)
               VALUES ($1, $2, $3, $4, $5, $6)
               ON CONFLICT (key) DO UPDATE
               SET url = EXCLUDED.url, status = EXCLUDED.status, body = EXCLUDED.body,
                   next_url = EXCLUDED.next_url, last_updated = EXCLUDED.last_updated,
                   fetched_at = now()""",
            key,
            url,
            response.status,
            zlib.compress(response.body, 6),
            response.next_url,
            response.last_updated,
        )

    async def purge_other_releases(self, last_updated: date) -> int:
        """Delete entries from any other data release; returns how many."""
        result = await self._pool.execute(
            "DELETE FROM faers_cache WHERE last_updated IS DISTINCT FROM $1", last_updated
        )
        return int(result.split()[-1])

    async def purge_expired(self, ttl_s: float) -> int:
        result = await self._pool.execute(
            "DELETE FROM faers_cache WHERE fetched_at <= now() - make_interval(secs => $1)", ttl_s
        )
        return int(result.split()[-1])
