"""``GET /v1/admin/status`` on the real broker and database: what waits for a stage, what it did
in the last 15 minutes, and who may ask."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.integration.doubles import RecordingStage, new_report
from tests.integration.harness import Pipeline
from tests.integration.test_broker_stats import _management_enabled


async def _status_until(
    client: httpx.AsyncClient, ready: Any, timeout: float = 40
) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            response = await client.get("/v1/admin/status")
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            if ready(body):
                return body
            await asyncio.sleep(0.5)


async def test_status_shows_what_waits_and_what_each_stage_did(pipeline: Pipeline) -> None:
    if not _management_enabled(pipeline.amqp_url):
        pytest.skip("RabbitMQ's management plugin is off (scripts/ensure-services enables it)")
    await pipeline.start_gateway(metrics_refresh_s=0.5)
    operator = await pipeline.api_key("ops", operator=True)
    for _ in range(2):
        await new_report(pipeline)

    async with pipeline.client(operator) as client:
        # From the management API (a slow answer on a loaded machine may mean a read over AMQP
        # in between; the management API is asked again 15 s later).
        waiting = await _status_until(
            client,
            lambda s: (
                (s["stages"]["ingestor"]["queue_depth"] or 0) == 2
                and s["broker"]["source"] == "management"
            ),
            timeout=90,
        )
        ingestor = waiting["stages"]["ingestor"]
        assert ingestor["consumers"] == 0
        assert ingestor["oldest_waiting_s"] > 0
        assert ingestor["completed"] == 0
        assert set(waiting["stages"]) == {"ingestor", "analyzer", "renderer"}

        await pipeline.start_stage(RecordingStage(["crash"]))
        done = await _status_until(client, lambda s: s["stages"]["ingestor"]["completed"] == 2)
        ingestor = done["stages"]["ingestor"]
        assert ingestor["retried"] == 1
        assert ingestor["failure_rate"] == pytest.approx(1 / 3, abs=1e-3)
        assert ingestor["processing_time"]["p50_ms"] is not None
        assert ingestor["processing_time"]["p99_ms"] >= ingestor["processing_time"]["p50_ms"]
        assert ingestor["throughput_per_minute"] > 0
        assert ingestor["oldest_waiting_s"] is None  # nothing waits any more
        settled = await _status_until(client, lambda s: s["stages"]["ingestor"]["consumers"] == 1)
        assert settled["outbox"]["rows"] >= 0

    client_key = await pipeline.api_key("acme")
    admin_key = await pipeline.api_key("acme", admin=True)
    for key in (client_key, admin_key):
        async with pipeline.client(key) as client:
            refused = await client.get("/v1/admin/status")
        assert refused.status_code == 403
        assert "operator" in refused.json()["error"]["message"]
