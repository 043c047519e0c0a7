"""The asyncpg pool every service uses, with JSON columns decoded to Python values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

import asyncpg
import orjson

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    Connection: TypeAlias = asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]
    """A connection of its own or one borrowed from the pool: queries work the same on both."""

Pool: TypeAlias = asyncpg.Pool
"""The shared pool, by the name code outside ``shared.db`` uses (it does not import asyncpg)."""


def _encode_json(value: Any) -> str:
    return orjson.dumps(value).decode()


async def _init_connection(conn: asyncpg.Connection) -> None:
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(
            type_name, encoder=_encode_json, decoder=orjson.loads, schema="pg_catalog"
        )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Nothing to reset on release: pool connections never LISTEN, SET or take advisory locks
    (those run on connections of their own, :func:`connect`). asyncpg still rolls back an open
    transaction first; skipping its ``RESET ALL; UNLISTEN *; ...`` saves a round trip per
    acquire."""


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """A pool whose connections read and write json/jsonb as Python objects."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        reset=_keep_session,
        command_timeout=60,
    )
    assert pool is not None
    return pool


async def connect(dsn: str) -> asyncpg.Connection:
    """One connection with the same codecs as the pool (for LISTEN and one-off commands)."""
    conn = await asyncpg.connect(dsn)
    await _init_connection(conn)
    return conn
