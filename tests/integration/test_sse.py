"""Server-Sent Events on the gateway: the same channels and numbers, Last-Event-ID resume."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson

from tests.integration.doubles import RecordingStage, new_report
from tests.integration.harness import Pipeline


async def read_events(
    lines: AsyncIterator[str], until: Any, timeout: float = 15.0
) -> list[dict[str, Any]]:
    """Parsed SSE events (id, event, data) until ``until(events)`` holds."""
    events: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    async with asyncio.timeout(timeout):
        async for line in lines:
            if line == "":
                if "data" in current:
                    events.append(current)
                    if until(events):
                        return events
                current = {}
            elif not line.startswith(":"):
                field, _, value = line.partition(": ")
                current[field] = orjson.loads(value) if field == "data" else value
    return events


async def test_sse_streams_a_channel_and_resumes_from_last_event_id(pipeline: Pipeline) -> None:
    await pipeline.start_gateway()
    key = await pipeline.api_key("acme")
    await pipeline.gateway_live()
    url = f"{pipeline.gateway_url}/v1/events"
    async with httpx.AsyncClient(timeout=30) as client:
        async with client.stream("GET", url, params={"channel": "tenant", "token": key}) as live:
            assert live.headers["content-type"].startswith("text/event-stream")
            lines = live.aiter_lines()
            first = await read_events(lines, lambda es: len(es) >= 1)
            report_id = await new_report(pipeline, "acme")
            await pipeline.start_stage(RecordingStage())
            events = await read_events(
                lines, lambda es: any(e["data"].get("status") == "COMPLETE" for e in es)
            )
        assert first[0]["event"] == "subscribed"
        assert [e["id"] for e in events] == ["1", "2", "3"]
        assert {e["data"]["report_id"] for e in events} == {str(report_id)}

        # A drop after the first event: the browser sends Last-Event-ID and gets the rest.
        headers = {"Last-Event-ID": "1", "Authorization": f"Bearer {key}"}
        async with client.stream(
            "GET", url, params={"channel": "tenant"}, headers=headers
        ) as resumed:
            again = await read_events(resumed.aiter_lines(), lambda es: len(es) >= 3)
        assert again[0]["data"] == {
            "type": "subscribed",
            "channel": "tenant",
            "seq": 3,
            "recovered": True,
        }
        assert [e["id"] for e in again[1:]] == ["2", "3"]

        async with client.stream(
            "GET", url, params={"channel": f"report:{report_id}", "token": key}
        ) as one:
            report_events = await read_events(one.aiter_lines(), lambda es: len(es) >= 2)
        assert report_events[1]["event"] == "snapshot"
        assert report_events[1]["data"]["status"] == "COMPLETE"


async def test_sse_refuses_a_bad_key_another_tenants_report_and_a_bad_channel(
    pipeline: Pipeline,
) -> None:
    await pipeline.start_gateway()
    key = await pipeline.api_key("acme")
    theirs = await new_report(pipeline, "globex")
    await pipeline.gateway_live()
    async with pipeline.client(key) as client:
        bad_key = await client.get("/v1/events", params={"channel": "tenant", "token": "cr_no"})
        foreign = await client.get("/v1/events", params={"channel": f"report:{theirs}"})
        bad = await client.get("/v1/events", params={"channel": "report:nope"})
        bad_resume = await client.get(
            "/v1/events", params={"channel": "tenant"}, headers={"Last-Event-ID": "-3"}
        )
    assert bad_key.status_code == 401
    assert foreign.status_code == 404
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "invalid_channel")
    assert "nope" not in bad.text
    assert (bad_resume.status_code, bad_resume.json()["error"]["code"]) == (422, "invalid_since")


async def test_a_revoked_keys_stream_ends_at_once(pipeline: Pipeline) -> None:
    from shared.db.api_keys import revoke_key

    await pipeline.start_gateway()
    key = await pipeline.api_key("acme")
    await pipeline.gateway_live()
    async with (
        httpx.AsyncClient(timeout=30) as client,
        client.stream(
            "GET",
            f"{pipeline.gateway_url}/v1/events",
            params={"channel": "tenant", "token": key},
        ) as live,
    ):
        lines = live.aiter_lines()
        await read_events(lines, lambda es: len(es) >= 1)
        async with (await pipeline.pool()).acquire() as conn:
            assert await revoke_key(conn, key[:8], "acme") == 1
        events = await read_events(lines, lambda es: len(es) >= 1, timeout=3)
    assert events[0]["event"] == "error"
    assert events[0]["data"]["message"] == "The API key was revoked."
