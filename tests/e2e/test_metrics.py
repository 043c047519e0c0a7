"""A report run end to end shows up on every service's /metrics: the gateway's HTTP counters,
each stage's consumed/completed counters and processing histogram, the end-to-end histogram, the
notifier's WebSocket counters, and the stage queues' depth and consumers from the broker."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from pathlib import Path

import httpx

from shared.health import serve_health
from tests.e2e.road import FIXTURES, follow, start_road
from tests.integration.harness import Pipeline
from tests.metrics_text import value

FHIR = {"Content-Type": "application/fhir+json"}
BUNDLE = FIXTURES / "fhir" / "inferno-uscore" / "uscore_bundle_patient_client_test.json"
STAGES = ("ingestor", "analyzer", "renderer")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _ready() -> dict[str, str]:
    return {}


async def _scrape(client: httpx.AsyncClient, url: str) -> str:
    response = await client.get(url)
    assert response.status_code == 200, url
    assert response.headers["content-type"].startswith("text/plain"), url
    return response.text


async def test_a_report_is_counted_on_every_metrics_endpoint(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    await start_road(pipeline)
    health_port = _free_port()
    health = asyncio.create_task(serve_health("127.0.0.1", health_port, _ready))
    key = await pipeline.api_key("clinic")
    assert pipeline.gateway_url
    assert pipeline.notifier_url
    gateway = f"{pipeline.gateway_url}/metrics"
    notifier = pipeline.notifier_url.replace("ws://", "http://") + "/metrics"
    stage_port = f"http://127.0.0.1:{health_port}/metrics"
    try:
        async with httpx.AsyncClient(timeout=10) as scraper:
            before = await _scrape(scraper, gateway)
            async with pipeline.client(key) as client:
                accepted = await client.post(
                    "/v1/reports", content=BUNDLE.read_bytes(), headers=FHIR
                )
                assert accepted.status_code == 202
                messages = await follow(accepted.json()["links"]["ws"], key)
            assert messages[-1]["status"] == "COMPLETE"
            # The renderer counts its message once acknowledged, which may be just after the
            # client heard of the report's end.
            async with asyncio.timeout(20):
                while value(
                    await _scrape(scraper, gateway),
                    "clinrelay_stage_messages_completed_total",
                    stage="renderer",
                ) <= value(before, "clinrelay_stage_messages_completed_total", stage="renderer"):
                    await asyncio.sleep(0.2)
            pages = {
                "gateway": await _scrape(scraper, gateway),
                "notifier": await _scrape(scraper, notifier),
                "stage health port": await _scrape(scraper, stage_port),
            }
            # The queue figures are read in the background; wait for a read after the run.
            queues = [f"{pipeline.namespace}.{stage}.work" for stage in STAGES]
            async with asyncio.timeout(30):
                while any(
                    value(pages["gateway"], "clinrelay_queue_consumers", queue=queue) < 1
                    for queue in queues
                ):
                    await asyncio.sleep(0.5)
                    pages["gateway"] = await _scrape(scraper, gateway)
    finally:
        health.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await health

    for where, page in pages.items():

        def grew(name: str, page: str = page, **labels: str) -> float:
            return value(page, name, **labels) - value(before, name, **labels)

        assert (
            grew("clinrelay_http_requests_total", route="/v1/reports", method="POST", status="202")
            >= 1
        ), where
        # One report was accepted: counted once, by kind (the counter existed but was never
        # incremented until session 6).
        assert grew("clinrelay_reports_accepted_total", kind="coding") == 1, where
        for stage in STAGES:
            assert grew("clinrelay_stage_messages_consumed_total", stage=stage) >= 1, where
            assert (
                grew("clinrelay_stage_messages_completed_total", stage=stage, kind="coding") >= 1
            ), where
            assert (
                grew("clinrelay_stage_processing_seconds_count", stage=stage, kind="coding") >= 1
            ), where
        assert (
            grew("clinrelay_stage_part_seconds_count", stage="ingestor", part="deidentification")
            >= 1
        )
        assert grew("clinrelay_stage_part_seconds_count", stage="renderer", part="render") >= 1
        assert grew("clinrelay_reports_finished_total", kind="coding", status="COMPLETE") >= 1, (
            where
        )
        assert (
            grew("clinrelay_report_duration_seconds_count", kind="coding", status="COMPLETE") >= 1
        ), where
        assert grew("clinrelay_outbox_published_total") >= 3, where
        assert grew("clinrelay_websocket_messages_sent_total") >= 3, where

    page = pages["gateway"]
    for stage in STAGES:
        queue = f"{pipeline.namespace}.{stage}.work"
        assert value(page, "clinrelay_queue_consumers", stage=stage, queue=queue) >= 1
    assert value(page, "clinrelay_broker_stats_up") == 1
    # No label carries a report id or a tenant: every label value is from a closed vocabulary.
    report_id = accepted.json()["id"]
    for text in pages.values():
        assert report_id not in text
        assert "clinic" not in text
