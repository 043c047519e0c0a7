"""Integration fixtures: the real RabbitMQ and PostgreSQL, isolated per test.

Each test gets its own database (cloned from a migrated template, which is fast) and its own bus
namespace (every exchange and queue name is prefixed), so tests never see each other's messages
or rows, and nothing is left behind.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from uuid import uuid4

import asyncpg
import pytest

from shared.db.migrate import apply_migrations, drop_database, ensure_database
from tests.integration.harness import Pipeline, with_database

SERVER_DSN = os.environ.get(
    "CLINRELAY_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
AMQP_URL = os.environ.get("CLINRELAY_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


@pytest.fixture(scope="session")
async def template_database() -> AsyncIterator[str]:
    name = f"clinrelay_tpl_{uuid4().hex[:10]}"
    dsn = with_database(SERVER_DSN, name)
    await ensure_database(dsn)
    await apply_migrations(dsn)
    yield name
    await drop_database(dsn)


@pytest.fixture
async def pipeline(template_database: str) -> AsyncIterator[Pipeline]:
    suffix = uuid4().hex[:10]
    name = f"clinrelay_t_{suffix}"
    admin = await asyncpg.connect(SERVER_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    finally:
        await admin.close()
    pipe = Pipeline(
        database_url=with_database(SERVER_DSN, name),
        amqp_url=AMQP_URL,
        namespace=f"t{suffix}",
    )
    try:
        yield pipe
    finally:
        await pipe.close()
        await drop_database(pipe.database_url)
