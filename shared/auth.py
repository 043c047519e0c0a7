"""API keys: creation, hashing and lookup.

A key is ``cr_`` + 43 characters of URL-safe randomness (256 bits). Only its SHA-256 is stored:
with that much entropy a slow password hash buys nothing, and lookups stay one index probe.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

import asyncpg

if TYPE_CHECKING:
    from shared.db.pool import Connection

KEY_PREFIX = "cr_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a tenant, through one of its keys."""

    tenant_id: UUID
    tenant_name: str
    key_id: UUID
    key_prefix: str
    is_admin: bool


def hash_key(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


async def create_key(conn: Connection, tenant_name: str, *, admin: bool = False) -> str:
    """Create the tenant if needed and a new key for it; returns the key (shown only once)."""
    name = tenant_name.strip()
    if not name or len(name) > 100:
        raise ValueError("a tenant name is 1 to 100 characters")
    async with conn.transaction():
        tenant_id = await conn.fetchval(
            """INSERT INTO tenants (id, name) VALUES ($1, $2)
               ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id""",
            uuid4(),
            name,
        )
        key = new_key()
        await conn.execute(
            """INSERT INTO api_keys (id, tenant_id, key_hash, key_prefix, is_admin)
               VALUES ($1, $2, $3, $4, $5)""",
            uuid4(),
            tenant_id,
            hash_key(key),
            key[:8],
            admin,
        )
    return key


async def authenticate(conn: Connection, key: str) -> Principal | None:
    """The principal a key belongs to, or None for an unknown or revoked key."""
    if not key.startswith(KEY_PREFIX):
        return None
    row = await conn.fetchrow(
        """SELECT k.id, k.key_prefix, k.is_admin, t.id AS tenant_id, t.name
           FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
           WHERE k.key_hash = $1 AND k.revoked_at IS NULL""",
        hash_key(key),
    )
    if row is None:
        return None
    return Principal(
        tenant_id=row["tenant_id"],
        tenant_name=row["name"],
        key_id=row["id"],
        key_prefix=row["key_prefix"],
        is_admin=row["is_admin"],
    )


async def valid_key_hashes(conn: Connection, digests: list[bytes]) -> set[bytes]:
    """Which of these key hashes still belong to a key that is not revoked."""
    rows = await conn.fetch(
        """SELECT key_hash FROM api_keys
           WHERE key_hash = ANY($1::bytea[]) AND revoked_at IS NULL""",
        digests,
    )
    return {bytes(row["key_hash"]) for row in rows}


async def revoke_key(conn: Connection, key_prefix: str, tenant_name: str) -> int:
    """Revoke the tenant's keys that start with ``key_prefix``; returns how many."""
    result: str = await conn.execute(
        """UPDATE api_keys k SET revoked_at = now() FROM tenants t
           WHERE t.id = k.tenant_id AND t.name = $1 AND k.key_prefix = $2
             AND k.revoked_at IS NULL""",
        tenant_name,
        key_prefix[:8],
    )
    return int(result.rsplit(" ", 1)[-1])


class CachedAuthenticator:
    """Authenticates keys against the database, remembering answers for ``ttl_s`` seconds.

    A revoked key therefore stops working within ``ttl_s``; unknown keys are never cached.
    """

    def __init__(self, pool: asyncpg.Pool, ttl_s: float = 10.0, max_entries: int = 10_000) -> None:
        self._pool = pool
        self._ttl_s = ttl_s
        self._max_entries = max_entries
        self._cache: dict[bytes, tuple[float, Principal]] = {}

    def forget(self, digest: bytes) -> None:
        """Stop trusting a key hash now (it was found revoked)."""
        self._cache.pop(digest, None)

    async def __call__(self, key: str) -> Principal | None:
        digest = hash_key(key)
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is not None and cached[0] > now:
            return cached[1]
        async with self._pool.acquire() as conn:
            principal = await authenticate(conn, key)
        if principal is not None and self._ttl_s > 0:
            if len(self._cache) >= self._max_entries:
                self._cache.clear()
            self._cache[digest] = (now + self._ttl_s, principal)
        return principal
