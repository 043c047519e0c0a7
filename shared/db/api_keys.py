"""``api_keys`` (and the ``tenants`` they belong to): only SHA-256 hashes of keys are stored.
What a key is, its roles and the cached authenticator are :mod:`shared.auth`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

if TYPE_CHECKING:
    from shared.db.pool import Connection

REVOKED_CHANNEL = "clinrelay_key_revoked"
"""PostgreSQL announces a revoked key's hash here (migration 0021)."""


@dataclass(frozen=True)
class KeyRow:
    key_id: UUID
    key_prefix: str
    role: str
    tenant_id: UUID
    tenant_name: str


async def insert_key(
    conn: Connection, tenant_name: str, key_hash: bytes, key_prefix: str, role: str
) -> UUID:
    """Store a key of the tenant (created if new) in one transaction; returns the tenant's id."""
    async with conn.transaction():
        tenant_id: UUID = await conn.fetchval(
            """INSERT INTO tenants (id, name) VALUES ($1, $2)
               ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id""",
            uuid4(),
            tenant_name,
        )
        await conn.execute(
            """INSERT INTO api_keys (id, tenant_id, key_hash, key_prefix, role)
               VALUES ($1, $2, $3, $4, $5)""",
            uuid4(),
            tenant_id,
            key_hash,
            key_prefix,
            role,
        )
    return tenant_id


async def find_key(conn: Connection, key_hash: bytes) -> KeyRow | None:
    """The live (not revoked) key with this hash and its tenant, or None."""
    row = await conn.fetchrow(
        """SELECT k.id, k.key_prefix, k.role, t.id AS tenant_id, t.name
           FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
           WHERE k.key_hash = $1 AND k.revoked_at IS NULL""",
        key_hash,
    )
    if row is None:
        return None
    return KeyRow(row["id"], row["key_prefix"], row["role"], row["tenant_id"], row["name"])


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
