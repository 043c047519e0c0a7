"""Reliability tests share the integration fixtures (own database and bus namespace per test);
the fault tests add a RabbitMQ node and a PostgreSQL cluster of their own (see
:mod:`tests.reliability.private_services`), which they may stop, restart and cut off."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from uuid import uuid4

import pytest

from shared.db.migrate import apply_migrations, drop_database, ensure_database
from tests.integration.conftest import AMQP_URL, SERVER_DSN, pipeline, template_database
from tests.integration.harness import Pipeline, with_database
from tests.reliability.private_services import (
    PrivatePostgres,
    PrivateRabbit,
    postgres_bin,
    rabbitmq_available,
)

__all__ = ["pipeline", "template_database"]

FAULTS_ENABLED = os.environ.get("CLINRELAY_TEST_DISRUPTIVE") == "1"
faults = pytest.mark.skipif(
    not FAULTS_ENABLED,
    reason="starts, stops and restarts a private broker and database (minutes); CI runs it "
    "with CLINRELAY_TEST_DISRUPTIVE=1",
)


@pytest.fixture(scope="module")
async def private_rabbit() -> AsyncIterator[PrivateRabbit]:
    if not rabbitmq_available():
        pytest.skip("needs the RabbitMQ server (rabbitmq-server) installed")
    rabbit = PrivateRabbit()
    try:
        await rabbit.start()
        yield rabbit
    finally:
        await rabbit.close()


@pytest.fixture(scope="module")
async def private_postgres() -> AsyncIterator[PrivatePostgres]:
    if postgres_bin() is None:
        pytest.skip("needs the PostgreSQL server binaries (pg_ctl, initdb)")
    postgres = PrivatePostgres()
    try:
        await postgres.start()
        yield postgres
    finally:
        await postgres.close()


async def _isolated(server_dsn: str, amqp_url: str) -> AsyncIterator[Pipeline]:
    suffix = uuid4().hex[:10]
    dsn = with_database(server_dsn, f"clinrelay_f_{suffix}")
    await ensure_database(dsn)
    await apply_migrations(dsn)
    pipe = Pipeline(database_url=dsn, amqp_url=amqp_url, namespace=f"f{suffix}")
    try:
        yield pipe
    finally:
        await pipe.close()
        await drop_database(dsn)


@pytest.fixture
async def on_private_broker(private_rabbit: PrivateRabbit) -> AsyncIterator[Pipeline]:
    """A deployment whose broker the test may stop and restart (the database is the shared
    one, untouched)."""
    async for pipe in _isolated(SERVER_DSN, private_rabbit.url):
        yield pipe


@pytest.fixture
async def on_private_database(private_postgres: PrivatePostgres) -> AsyncIterator[Pipeline]:
    """A deployment whose database the test may restart (the broker is the shared one)."""
    async for pipe in _isolated(private_postgres.dsn, AMQP_URL):
        yield pipe
