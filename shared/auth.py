"""API keys: creation, roles, hashing, lookup and revocation (the SQL is
:mod:`shared.db.api_keys`).

A key is ``cr_`` + 43 characters of URL-safe randomness (256 bits). Only its SHA-256 is stored:
with that much entropy a slow password hash buys nothing, and lookups stay one index probe.

Every key belongs to one tenant and has a role:

- ``client``: the tenant's own reports, batches and schedules;
- ``admin``: also the tenant's own dead letters (``/v1/admin``), never another tenant's;
- ``operator``: the ``/v1/admin`` routes across every tenant. Only ``clinrelay keys create
  --operator`` mints one; no API route can.

A revoked key stops working at once: revocation is announced by PostgreSQL (``NOTIFY``, migration
0021) and :class:`CachedAuthenticator` drops the key the moment it hears it; while it is not
listening it caches nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING
from uuid import UUID

import asyncpg
import structlog

from shared.db import api_keys
from shared.db.api_keys import REVOKED_CHANNEL
from shared.db.pool import connect

if TYPE_CHECKING:
    from shared.db.pool import Connection

log = structlog.get_logger(__name__)

KEY_PREFIX = "cr_"
MAX_KEY_LENGTH = 100
"""Longer bearer tokens are no clinrelay key; they are refused without hashing them."""


class Role(StrEnum):
    CLIENT = "client"
    ADMIN = "admin"
    OPERATOR = "operator"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a tenant, through one of its keys."""

    tenant_id: UUID
    tenant_name: str
    key_id: UUID
    key_prefix: str
    role: Role = Role.CLIENT

    @property
    def is_admin(self) -> bool:
        """May use the /v1/admin routes (an operator may too, across tenants)."""
        return self.role in (Role.ADMIN, Role.OPERATOR)

    @property
    def is_operator(self) -> bool:
        """May act across tenants."""
        return self.role is Role.OPERATOR

    @property
    def actor(self) -> str:
        """How audit records name this caller: role and key prefix, never the key."""
        return f"{self.role.value}:{self.key_prefix}"


def hash_key(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


async def create_key(
    conn: Connection, tenant_name: str, *, role: Role = Role.CLIENT, admin: bool = False
) -> str:
    """Create the tenant if needed and a new key for it; returns the key (shown only once).

    ``admin=True`` is shorthand for ``role=Role.ADMIN``.
    """
    name = tenant_name.strip()
    if not name or len(name) > 100:
        raise ValueError("a tenant name is 1 to 100 characters")
    if admin and role is Role.CLIENT:
        role = Role.ADMIN
    key = new_key()
    await api_keys.insert_key(conn, name, hash_key(key), key[:8], role.value)
    return key


def plausible_key(key: str) -> bool:
    """Could this be a clinrelay key at all? (Checked before any hashing or database work.)"""
    return key.startswith(KEY_PREFIX) and len(key) <= MAX_KEY_LENGTH


async def authenticate(conn: Connection, key: str) -> Principal | None:
    """The principal a key belongs to, or None for an unknown or revoked key."""
    if not plausible_key(key):
        return None
    row = await api_keys.find_key(conn, hash_key(key))
    if row is None:
        return None
    return Principal(
        tenant_id=row.tenant_id,
        tenant_name=row.tenant_name,
        key_id=row.key_id,
        key_prefix=row.key_prefix,
        role=Role(row.role),
    )


RevocationHandler = Callable[[UUID], None]


class CachedAuthenticator:
    """Authenticates keys against the database, remembering answers for ``ttl_s`` seconds.

    Answers are remembered only while :meth:`watch_revocations` is listening for revocations, so
    a revoked key stops working as soon as PostgreSQL announces it (milliseconds); without the
    listener every call asks the database. Unknown keys are never cached.
    """

    def __init__(self, pool: asyncpg.Pool, ttl_s: float = 10.0, max_entries: int = 10_000) -> None:
        self._pool = pool
        self._ttl_s = ttl_s
        self._max_entries = max_entries
        self._cache: dict[bytes, tuple[float, Principal]] = {}
        self._listening = False
        self._handlers: list[RevocationHandler] = []

    @property
    def listening(self) -> bool:
        return self._listening

    def forget(self, digest: bytes) -> None:
        """Stop trusting a key hash now (it was found revoked)."""
        self._cache.pop(digest, None)

    async def __call__(self, key: str) -> Principal | None:
        if not plausible_key(key):
            return None
        digest = hash_key(key)
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is not None and cached[0] > now and self._listening:
            return cached[1]
        async with self._pool.acquire() as conn:
            principal = await authenticate(conn, key)
        if principal is not None and self._ttl_s > 0 and self._listening:
            if len(self._cache) >= self._max_entries:
                self._cache.clear()
            self._cache[digest] = (now + self._ttl_s, principal)
        return principal

    def on_revoked(self, handler: RevocationHandler) -> Callable[[], None]:
        """Call ``handler(key_id)`` whenever a key is revoked (to close what it holds open);
        returns a function that unsubscribes it."""
        self._handlers.append(handler)
        return lambda: self._handlers.remove(handler)

    def revoked(self, key_id: UUID) -> None:
        """Forget ``key_id`` at once and tell the subscribers (called by the listener)."""
        for digest in [d for d, (_, p) in self._cache.items() if p.key_id == key_id]:
            del self._cache[digest]
        for handler in list(self._handlers):
            try:
                handler(key_id)
            except Exception:
                log.exception("auth.revocation_handler_failed")

    async def watch_revocations(
        self, dsn: str, *, retry_s: float = 1.0, ping_every_s: float = 5.0
    ) -> None:
        """Listen for revocations until cancelled; reconnects after a database outage (and
        forgets every cached answer, since announcements may have been missed meanwhile)."""
        while True:
            conn: asyncpg.Connection | None = None
            lost = asyncio.Event()
            try:
                conn = await connect(dsn)
                conn.add_termination_listener(partial(_set_event, lost))
                await conn.add_listener(REVOKED_CHANNEL, self._on_notify)
                self._cache.clear()
                self._listening = True
                while not lost.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), timeout=ping_every_s)
                    if not lost.is_set():  # a connection can die silently: ask it
                        await asyncio.wait_for(conn.fetchval("SELECT 1"), timeout=ping_every_s)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("auth.revocation_listener_down", error=type(exc).__name__)
            finally:
                self._listening = False
                self._cache.clear()
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await conn.close()
            await asyncio.sleep(retry_s)

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        try:
            key_id = UUID(str(payload))
        except ValueError:
            return
        self.revoked(key_id)


def _set_event(event: asyncio.Event, *_: object) -> None:
    event.set()
