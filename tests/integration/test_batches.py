"""Batches: many reports in one request, per-item refusals, one status for all, batch events."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from shared.bus.protocol import IncomingMessage
from shared.events import routing
from shared.events.batch import BatchNotification
from tests.integration.bundles import note_bundle, without
from tests.integration.doubles import RecordingStage
from tests.integration.harness import Pipeline
from tests.metrics_text import in_process

NDJSON = {"Content-Type": "application/x-ndjson"}


def ndjson(*items: Any) -> bytes:
    return b"\n".join(i if isinstance(i, bytes) else orjson.dumps(i) for i in items) + b"\n"


async def stored(pipe: Pipeline) -> tuple[int, int, int]:
    pool = await pipe.pool()
    return (
        await pool.fetchval("SELECT count(*) FROM batches"),
        await pool.fetchval("SELECT count(*) FROM reports"),
        await pool.fetchval("SELECT count(*) FROM outbox"),
    )


async def listen_to_batches(pipe: Pipeline) -> list[BatchNotification]:
    received: list[BatchNotification] = []
    bus = await pipe.bus()

    async def collect(message: IncomingMessage) -> None:
        received.append(BatchNotification.model_validate_json(message.body))
        await message.ack()

    await bus.bind_private_queue(
        f"{pipe.namespace}.test-batches", routing.BATCH_NOTIFICATIONS, collect, prefetch=100
    )
    return received


async def test_ndjson_batch_accepts_the_valid_lines_and_names_the_bad_ones(
    pipeline: Pipeline,
) -> None:
    await pipeline.start_gateway(outbox_relay=False)
    body = ndjson(
        note_bundle(),
        b"{not json",
        {"kind": "cer", "ndc": "61958-0801"},
        b"   ",
        without(note_bundle(), "Encounter"),
        {"kind": "coding", "bundle": note_bundle()},
    )
    async with pipeline.client(await pipeline.api_key()) as client:
        response = await client.post("/v1/batches", content=body, headers=NDJSON)
        accepted = response.json()
        view = (await client.get(f"/v1/batches/{accepted['id']}")).json()
        one = (await client.get(f"/v1/reports/{accepted['reports'][0]['id']}")).json()

    assert response.status_code == 202, accepted
    assert response.headers["location"] == accepted["links"]["self"]
    assert accepted["total"] == 3
    assert [r["line"] for r in accepted["reports"]] == [1, 3, 6]
    assert [
        (r["line"], r["error"]["status"], r["error"]["code"]) for r in accepted["rejected"]
    ] == [
        (2, 400, "invalid_json"),
        (5, 422, "invalid_bundle"),
    ]
    assert "Encounter" in accepted["rejected"][1]["error"]["message"]
    assert view["status"] == "PENDING"
    assert view["counts"] == {"pending": 3, "processing": 0, "complete": 0, "failed": 0}
    assert view["progress_percent"] == 0
    assert view["rejected"] == 2
    assert [(r["line"], r["kind"]) for r in view["reports"]] == [
        (1, "coding"),
        (3, "cer"),
        (6, "coding"),
    ]
    assert one["batch_id"] == accepted["id"]
    # 3 reports; per report report.requested + its first notification; the batch's first event
    assert await stored(pipeline) == (1, 3, 7)


async def test_json_array_batch_and_an_all_bad_batch_stores_nothing(pipeline: Pipeline) -> None:
    await pipeline.start_gateway(outbox_relay=False)
    async with pipeline.client(await pipeline.api_key()) as client:
        good = await client.post("/v1/batches", json=[note_bundle(), note_bundle()])
        before = await stored(pipeline)
        bad = await client.post("/v1/batches", json=[[1], {"kind": "poem"}, "Bundle"])
        empty = await client.post("/v1/batches", content=b"\n\n", headers=NDJSON)
        not_array = await client.post("/v1/batches", json={"resourceType": "Bundle"})
        wrong_type = await client.post(
            "/v1/batches", content=ndjson(note_bundle()), headers={"Content-Type": "text/csv"}
        )

    assert good.status_code == 202, good.text
    assert [r["line"] for r in good.json()["reports"]] == [1, 2]
    assert bad.status_code == 422
    assert [r["line"] for r in bad.json()["error"]["rejected"]] == [1, 2, 3]
    assert empty.status_code == 400
    assert empty.json()["error"]["code"] == "empty_batch"
    assert not_array.status_code == 400
    assert wrong_type.status_code == 415
    assert await stored(pipeline) == before


async def test_batch_limits_items_and_bytes(pipeline: Pipeline) -> None:
    await pipeline.start_gateway(outbox_relay=False, max_batch_items=2, max_batch_bytes=20_000)
    async with pipeline.client(await pipeline.api_key()) as client:
        too_many = await client.post(
            "/v1/batches",
            content=ndjson(*[{"kind": "cer", "ndc": "61958-0801"}] * 3),
            headers=NDJSON,
        )
        too_big = await client.post(
            "/v1/batches", content=ndjson(*[note_bundle("x" * 9_000)] * 2), headers=NDJSON
        )
    assert too_many.status_code == 413
    assert too_many.json()["error"]["code"] == "too_many_items"
    assert too_big.status_code == 413
    assert await stored(pipeline) == (0, 0, 0)


async def test_batch_progresses_to_complete_with_events_on_the_bus(pipeline: Pipeline) -> None:
    events = await listen_to_batches(pipeline)
    await pipeline.start_gateway()
    await pipeline.start_stage(RecordingStage(["ok", "permanent", "ok"]))
    async with pipeline.client(await pipeline.api_key()) as client:
        accepted = (
            await client.post("/v1/batches", content=ndjson(*[note_bundle()] * 3), headers=NDJSON)
        ).json()
        for report in accepted["reports"]:
            await pipeline.wait_for_status(report["id"])
        view = (await client.get(f"/v1/batches/{accepted['id']}")).json()
        async with asyncio.timeout(10):
            while not events or events[-1].status != "COMPLETE":
                await asyncio.sleep(0.05)

    assert view["status"] == "COMPLETE"
    assert view["counts"] == {"pending": 0, "processing": 0, "complete": 2, "failed": 1}
    assert view["progress_percent"] == 100
    assert view["completed_at"] is not None
    failed = [r for r in view["reports"] if r["status"] == "FAILED"]
    assert len(failed) == 1
    assert "no clinical note" in failed[0]["error"]
    ordered = sorted(events, key=lambda e: e.event_id)
    # the batch accepted, then each report PENDING -> PROCESSING -> COMPLETE | FAILED
    assert [e.event_id for e in ordered] == list(range(1, 8))
    assert ordered[0].report_id is None
    assert ordered[0].counts.pending == 3
    assert all(str(e.batch_id) == accepted["id"] for e in ordered)
    assert [e.status for e in ordered].count("COMPLETE") == 1
    assert ordered[-1].counts.model_dump() == view["counts"]
    assert ordered[-1].progress_percent == 100
    assert view["last_event_id"] == 7


async def test_batches_are_the_tenants_own_and_idempotent(pipeline: Pipeline) -> None:
    await pipeline.start_gateway(outbox_relay=False)
    body = ndjson(note_bundle(), {"kind": "cer", "ndc": "61958-0801"})
    key = {"Idempotency-Key": "batch-1", **NDJSON}
    accepted_before = {
        kind: in_process("clinrelay_reports_accepted_total", kind=kind)
        for kind in ("coding", "cer")
    }
    async with pipeline.client(await pipeline.api_key("acme")) as client:
        first = await client.post("/v1/batches", content=body, headers=key)
        again = await client.post("/v1/batches", content=body, headers=key)
        other = await client.post("/v1/batches", content=ndjson(note_bundle()), headers=key)
        listed = (await client.get("/v1/batches")).json()
    async with pipeline.client(await pipeline.api_key("globex")) as client:
        foreign = await client.get(f"/v1/batches/{first.json()['id']}")
        theirs = (await client.get("/v1/batches")).json()

    assert first.status_code == again.status_code == 202
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["reports"] == first.json()["reports"]
    assert other.status_code == 409
    assert [b["id"] for b in listed["items"]] == [first.json()["id"]]
    assert foreign.status_code == 404
    assert theirs == {"items": [], "next_cursor": None}
    assert (await stored(pipeline))[:2] == (1, 2)
    # each accepted report counted once by its kind; the replay and the conflict count nothing
    assert {
        k: in_process("clinrelay_reports_accepted_total", kind=k) - v
        for k, v in accepted_before.items()
    } == {"coding": 1, "cer": 1}
