"""/readyz tells the truth about RabbitMQ: when the broker goes away, the gateway says so (and
not ``"rabbitmq": "ok"``), and says ok again once it is back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.integration.harness import Pipeline
from tests.reliability.tcp_proxy import TcpProxy, proxy_for, through


@pytest.fixture
async def broker_proxy(pipeline: Pipeline) -> AsyncIterator[TcpProxy]:
    async with proxy_for(pipeline.amqp_url, 5672) as proxy:
        yield proxy


async def rabbitmq_check(client: Any, wanted: bool, timeout: float = 20) -> dict[str, str]:
    async with asyncio.timeout(timeout):
        while True:
            checks: dict[str, str] = (await client.get("/readyz")).json()["checks"]
            if (checks["rabbitmq"] == "ok") is wanted:
                return checks
            await asyncio.sleep(0.1)


async def test_readyz_says_the_broker_is_down_while_it_is(
    pipeline: Pipeline, broker_proxy: TcpProxy
) -> None:
    await pipeline.start_gateway(amqp_url=through(pipeline.amqp_url, broker_proxy))
    async with pipeline.client("unused") as client:
        await rabbitmq_check(client, True)
        await broker_proxy.down()
        down = await rabbitmq_check(client, False, timeout=5)
        response = await client.get("/readyz")
        await broker_proxy.up()
        await rabbitmq_check(client, True, timeout=30)

    assert down["rabbitmq"] == "unreachable"
    assert response.status_code == 503
