"""Integration fixtures: the real RabbitMQ and PostgreSQL, isolated per test.

Each test gets its own database (cloned from a migrated template, which is fast) and its own bus
namespace (every exchange and queue name is prefixed), so tests never see each other's messages
or rows, and nothing is left behind.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from uuid import uuid4

import pytest

from tests.integration.harness import Pipeline, database_from, migrated_template

SERVER_DSN = os.environ.get(
    "CLINRELAY_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
AMQP_URL = os.environ.get("CLINRELAY_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


@pytest.fixture(scope="session")
async def template_database() -> AsyncIterator[str]:
    async with migrated_template(SERVER_DSN, "clinrelay_tpl_") as name:
        yield name


@pytest.fixture
async def pipeline(template_database: str) -> AsyncIterator[Pipeline]:
    suffix = uuid4().hex[:10]
    async with database_from(SERVER_DSN, template_database, f"clinrelay_t_{suffix}") as dsn:
        pipe = Pipeline(database_url=dsn, amqp_url=AMQP_URL, namespace=f"t{suffix}")
        try:
            yield pipe
        finally:
            await pipe.close()
