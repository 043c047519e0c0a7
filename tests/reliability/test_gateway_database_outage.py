"""The database goes away under the gateway: every answer is a 503 with Retry-After in the
documented error shape — from the key check in the front door as from a route — never a bare 500
or a reset; /readyz names PostgreSQL; once it is back, requests succeed again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.integration.bundles import note_bundle
from tests.integration.harness import Pipeline
from tests.reliability.tcp_proxy import TcpProxy, proxy_for, through


@pytest.fixture
async def db_proxy(pipeline: Pipeline) -> AsyncIterator[TcpProxy]:
    async with proxy_for(pipeline.database_url, 5432) as proxy:
        yield proxy


def assert_outage_answer(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) > 0
    error = response.json()["error"]
    assert error["code"] == "database_unavailable"
    assert "retry" in error["message"].lower()


async def test_database_down_answers_503_with_retry_after_everywhere(
    pipeline: Pipeline, db_proxy: TcpProxy
) -> None:
    await pipeline.start_gateway(database_url=through(pipeline.database_url, db_proxy))
    known = await pipeline.api_key()
    fresh = await pipeline.api_key()  # never used before the outage: its check needs the database
    async with pipeline.client(known) as client:
        assert (await client.get("/v1/reports")).status_code == 200

        await db_proxy.down()
        listing = await client.get("/v1/reports")
        posted = await client.post("/v1/reports", json={"kind": "coding", "bundle": note_bundle()})
        readiness = await client.get("/readyz")
        async with pipeline.client(fresh) as other:
            guarded = await other.get("/v1/reports")

        await db_proxy.up()
        async with asyncio.timeout(30):
            while (back := await client.get("/v1/reports")).status_code != 200:
                await asyncio.sleep(0.2)

    assert_outage_answer(listing)
    assert_outage_answer(posted)
    assert_outage_answer(guarded)
    assert readiness.status_code == 503
    assert readiness.json()["checks"]["postgresql"].startswith("unreachable")
    assert back.json()["items"] == []  # the POST during the outage stored nothing
