"""What the benchmarks share: a scratch database and bus namespace, dropped afterwards."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

from shared.db.migrate import apply_migrations, drop_database, ensure_database
from shared.settings import Settings

SERVER_DSN = os.environ.get(
    "CLINRELAY_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
AMQP_URL = os.environ.get("CLINRELAY_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def with_database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@asynccontextmanager
async def scratch_database() -> AsyncIterator[tuple[str, str]]:
    """A migrated database of its own (DSN) and the broker URL; the database is dropped after."""
    dsn = with_database(SERVER_DSN, f"clinrelay_bench_{uuid4().hex[:8]}")
    await ensure_database(dsn)
    await apply_migrations(dsn)
    try:
        yield dsn, AMQP_URL
    finally:
        await drop_database(dsn)


def settings_for(dsn: str, amqp_url: str, namespace: str) -> Settings:
    return Settings(
        database_url=dsn, amqp_url=amqp_url, bus_namespace=namespace, log_level="WARNING"
    )
