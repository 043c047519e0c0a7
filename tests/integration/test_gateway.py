"""The REST gateway against the real database and broker: accept, follow, fetch, refuse."""

from __future__ import annotations

import asyncio
import time
from typing import Any, ClassVar

import orjson
import pytest

from shared.events import Envelope
from shared.stage import StageContext, StageOutcome
from tests.integration.bundles import NOTE, note_bundle, without
from tests.integration.doubles import RecordingStage
from tests.integration.harness import Pipeline
from tests.metrics_text import in_process

FHIR = {"Content-Type": "application/fhir+json"}


async def counts(pipe: Pipeline) -> tuple[int, int, int]:
    pool = await pipe.pool()
    return (
        await pool.fetchval("SELECT count(*) FROM reports"),
        await pool.fetchval("SELECT count(*) FROM report_inputs"),
        await pool.fetchval("SELECT count(*) FROM outbox"),
    )


async def test_post_answers_202_at_once_with_links_and_stores_report_and_outbox(
    pipeline: Pipeline,
) -> None:
    await pipeline.start_gateway(outbox_relay=False)
    key = await pipeline.api_key()
    async with pipeline.client(key) as client:
        started = time.perf_counter()
        response = await client.post(
            "/v1/reports", json={"kind": "coding", "bundle": note_bundle()}
        )
        elapsed = time.perf_counter() - started
        body = response.json()
        report = (await client.get(f"/v1/reports/{body['id']}")).json()

    assert response.status_code == 202, body
    assert elapsed < 5  # no stage and no relay runs: the POST never waits on the pipeline
    assert body["status"] == "PENDING"
    assert set(body["links"]) == {"self", "pdf", "events", "ws"}
    assert response.headers["location"] == body["links"]["self"]
    assert body["links"]["ws"].endswith(f"/v1/ws/reports/{body['id']}")
    assert report["status"] == "PENDING"
    assert report["kind"] == "coding"
    assert report["current_step"] == "accepted"
    assert report["error"] is None
    assert await counts(pipeline) == (1, 1, 2)  # report.requested + the first notification


async def test_bare_bundle_as_fhir_json_is_accepted(pipeline: Pipeline) -> None:
    await pipeline.start_gateway()
    async with pipeline.client(await pipeline.api_key()) as client:
        response = await client.post(
            "/v1/reports",
            content=orjson.dumps(note_bundle(bundle_type="transaction")),
            headers=FHIR,
        )
    assert response.status_code == 202, response.text


async def test_idempotency_key_returns_the_first_report_or_409(pipeline: Pipeline) -> None:
    await pipeline.start_gateway()
    body = {"kind": "coding", "bundle": note_bundle()}
    accepted_before = in_process("clinrelay_reports_accepted_total", kind="coding")
    async with pipeline.client(await pipeline.api_key()) as client:
        first = await client.post("/v1/reports", json=body, headers={"Idempotency-Key": "k-1"})
        again = await client.post("/v1/reports", json=body, headers={"Idempotency-Key": "k-1"})
        other = await client.post(
            "/v1/reports",
            json={"kind": "coding", "bundle": note_bundle(NOTE + "Seen again.\n")},
            headers={"Idempotency-Key": "k-1"},
        )

    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_conflict"
    reports, _, _ = await counts(pipeline)
    assert reports == 1
    # clinrelay_reports_accepted_total counts the report once: not the replay, not the conflict
    assert in_process("clinrelay_reports_accepted_total", kind="coding") - accepted_before == 1


async def test_every_route_needs_a_key_and_tenants_never_see_each_other(
    pipeline: Pipeline,
) -> None:
    await pipeline.start_gateway()
    acme, globex = await pipeline.api_key("acme"), await pipeline.api_key("globex")
    async with pipeline.client(acme) as client:
        report_id = (
            await client.post("/v1/reports", json={"kind": "coding", "bundle": note_bundle()})
        ).json()["id"]
        anonymous = await client.get("/v1/reports", headers={"Authorization": ""})
        wrong = await client.get("/v1/reports", headers={"Authorization": "Bearer cr_nope"})
    async with pipeline.client(globex) as client:
        foreign = [
            await client.get(f"/v1/reports/{report_id}"),
            await client.get(f"/v1/reports/{report_id}/pdf"),
            await client.get(f"/v1/reports/{report_id}/events"),
        ]
        listed = (await client.get("/v1/reports")).json()

    assert anonymous.status_code == 401
    assert wrong.status_code == 401
    assert [r.status_code for r in foreign] == [404, 404, 404]
    assert listed == {"items": [], "next_cursor": None}


async def test_api_keys_are_stored_hashed(pipeline: Pipeline) -> None:
    key = await pipeline.api_key("acme")
    pool = await pipeline.pool()
    stored = await pool.fetchrow("SELECT key_hash, key_prefix FROM api_keys")
    assert stored is not None
    assert key.encode() not in bytes(stored["key_hash"])
    assert len(stored["key_hash"]) == 32
    assert stored["key_prefix"] == key[:8]


@pytest.mark.parametrize(
    ("content", "headers", "status", "says"),
    [
        (b"{not json", {"Content-Type": "application/json"}, 400, "not valid JSON"),
        (b"", {"Content-Type": "application/json"}, 400, "empty"),
        (b"[1, 2]", {"Content-Type": "application/json"}, 400, "JSON object"),
        (b"{}", {"Content-Type": "text/plain"}, 415, "application/fhir+json"),
        (b'{"bundle": {}}', {"Content-Type": "application/json"}, 422, "'kind' is required"),
        (b'{"kind": "poem"}', {"Content-Type": "application/json"}, 422, "'kind' must be one of"),
        (
            orjson.dumps({"kind": "coding", "bundle": note_bundle(), "priority": "high"}),
            {"Content-Type": "application/json"},
            422,
            "only the fields 'kind' and 'bundle'",
        ),
        (
            orjson.dumps(without(note_bundle(), "Encounter")),
            FHIR,
            422,
            "Encounter",
        ),
        (
            orjson.dumps(without(note_bundle(), "DocumentReference")),
            FHIR,
            422,
            "note",
        ),
    ],
)
async def test_bad_input_gets_a_4xx_naming_the_problem_and_stores_nothing(
    pipeline: Pipeline, content: bytes, headers: dict[str, str], status: int, says: str
) -> None:
    await pipeline.start_gateway()
    async with pipeline.client(await pipeline.api_key()) as client:
        response = await client.post("/v1/reports", content=content, headers=headers)

    assert response.status_code == status, response.text
    assert says in response.json()["error"]["message"]
    assert await counts(pipeline) == (0, 0, 0)


async def test_invalid_resource_is_named_with_its_field_and_no_value_is_echoed(
    pipeline: Pipeline,
) -> None:
    bundle = note_bundle()
    bundle["entry"][1]["resource"]["status"] = "Johanna Vandermeer was here"
    bundle["entry"][1]["resource"]["period"]["start"] = "March 14th, by 617-555-0142"
    await pipeline.start_gateway()
    async with pipeline.client(await pipeline.api_key()) as client:
        response = await client.post("/v1/reports", content=orjson.dumps(bundle), headers=FHIR)

    assert response.status_code == 422
    text = response.text
    assert "Encounter" in text
    assert "period" in text
    assert "Johanna" not in text
    assert "617-555-0142" not in text
    assert await counts(pipeline) == (0, 0, 0)


async def test_body_over_the_limit_is_413_and_stores_nothing(pipeline: Pipeline) -> None:
    await pipeline.start_gateway(max_body_bytes=4096)
    bundle = note_bundle(NOTE * 20)
    async with pipeline.client(await pipeline.api_key()) as client:
        response = await client.post("/v1/reports", content=orjson.dumps(bundle), headers=FHIR)
    assert response.status_code == 413
    assert "limit" in response.json()["error"]["message"]
    assert await counts(pipeline) == (0, 0, 0)


async def test_list_is_newest_first_paginated_and_filtered(pipeline: Pipeline) -> None:
    await pipeline.start_gateway(outbox_relay=False)
    async with pipeline.client(await pipeline.api_key()) as client:
        ids = [
            (
                await client.post("/v1/reports", json={"kind": "coding", "bundle": note_bundle()})
            ).json()["id"]
            for _ in range(5)
        ]
        first = (await client.get("/v1/reports", params={"limit": 2})).json()
        second = (
            await client.get("/v1/reports", params={"limit": 2, "cursor": first["next_cursor"]})
        ).json()
        third = (
            await client.get("/v1/reports", params={"limit": 2, "cursor": second["next_cursor"]})
        ).json()
        failed = (await client.get("/v1/reports", params={"status": "FAILED"})).json()
        bad_status = await client.get("/v1/reports", params={"status": "DONE"})
        bad_cursor = await client.get("/v1/reports", params={"cursor": "garbage"})

    seen = [r["id"] for r in first["items"] + second["items"] + third["items"]]
    assert seen == list(reversed(ids))
    assert third["next_cursor"] is None
    assert failed["items"] == []
    assert bad_status.status_code == 422
    assert bad_cursor.status_code == 422


async def test_pdf_is_409_until_complete_then_the_pdf(pipeline: Pipeline) -> None:
    await pipeline.start_gateway()
    async with pipeline.client(await pipeline.api_key()) as client:
        report_id = (
            await client.post("/v1/reports", json={"kind": "coding", "bundle": note_bundle()})
        ).json()["id"]
        early = await client.get(f"/v1/reports/{report_id}/pdf")
        await pipeline.start_stage(RecordingStage())
        await pipeline.wait_for_status(report_id)
        done = await client.get(f"/v1/reports/{report_id}/pdf")
        report = (await client.get(f"/v1/reports/{report_id}")).json()

    assert early.status_code == 409
    assert early.json()["error"]["status"] == "PENDING"
    assert done.status_code == 200
    assert done.headers["content-type"] == "application/pdf"
    assert done.content.startswith(b"%PDF")
    assert report["status"] == "COMPLETE"
    assert report["result"] == {"pages": 1}
    assert report["processing_time_ms"] is not None


async def test_audit_trail_is_ordered_and_its_hash_chain_detects_tampering(
    pipeline: Pipeline,
) -> None:
    await pipeline.start_gateway()
    await pipeline.start_stage(RecordingStage())
    async with pipeline.client(await pipeline.api_key()) as client:
        report_id = (
            await client.post("/v1/reports", json={"kind": "coding", "bundle": note_bundle()})
        ).json()["id"]
        await pipeline.wait_for_status(report_id)
        trail = (await client.get(f"/v1/reports/{report_id}/events")).json()
        pool = await pipeline.pool()
        with pytest.raises(Exception, match="append-only"):
            await pool.execute("UPDATE report_events SET message = 'edited'")
        with pytest.raises(Exception, match="append-only"):
            await pool.execute("DELETE FROM report_events WHERE seq = 2")
        async with pool.acquire() as conn, conn.transaction():  # a superuser bypassing triggers
            await conn.execute("SET LOCAL session_replication_role = replica")
            await conn.execute(
                "DELETE FROM report_events WHERE report_id = $1 AND seq = 2", report_id
            )
        tampered = (await client.get(f"/v1/reports/{report_id}/events")).json()

    assert [e["seq"] for e in trail["events"]] == [1, 2, 3]
    assert [(e["actor"], e["outcome"]) for e in trail["events"]] == [
        ("gateway", "accepted"),
        ("ingestor", "started"),
        ("ingestor", "completed"),
    ]
    assert trail["chain_valid"] is True
    assert tampered["chain_valid"] is False


class _Idle:
    """A stage that only needs to be consuming (for readiness)."""

    working_step: ClassVar[str] = "idle"
    working_progress: ClassVar[int] = 0
    handles_phi: ClassVar[bool] = False
    prefetch = 1

    def __init__(self, name: str) -> None:
        self.name = name

    async def handle(self, event: Envelope, ctx: StageContext) -> StageOutcome:
        raise AssertionError("not expected to receive work")


async def _once_bus_attached(client: Any) -> Any:
    """/readyz, once the gateway's background connection to the broker is up."""
    async with asyncio.timeout(10):
        while True:
            response = await client.get("/readyz")
            if response.json()["checks"]["rabbitmq"] == "ok":
                return response
            await asyncio.sleep(0.1)


async def test_readyz_names_the_stage_without_consumer_then_turns_ready(
    pipeline: Pipeline,
) -> None:
    await pipeline.start_gateway()
    async with pipeline.client("unused") as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        before = await _once_bus_attached(client)

        for name in ("ingestor", "analyzer", "renderer"):
            await pipeline.start_stage(_Idle(name))  # type: ignore[arg-type]
        after = await client.get("/readyz")

    assert before.status_code == 503
    assert before.json()["checks"]["analyzer"].startswith("no consumer on")
    assert after.status_code == 200, after.text
    assert after.json()["status"] == "ready"


async def test_admin_api_needs_an_admin_key_and_replays_parked_messages(
    pipeline: Pipeline,
) -> None:
    await pipeline.start_gateway()
    stage = RecordingStage(["permanent"])
    await pipeline.start_stage(stage)
    user, admin = await pipeline.api_key("acme"), await pipeline.api_key("acme", admin=True)
    async with pipeline.client(user) as client:
        report_id = (
            await client.post("/v1/reports", json={"kind": "coding", "bundle": note_bundle()})
        ).json()["id"]
        await pipeline.wait_for_status(report_id)
        forbidden = await client.get("/v1/admin/dead-letters")
    async with pipeline.client(admin) as client:
        listed = (await client.get("/v1/admin/dead-letters")).json()["items"]
        detail = (await client.get(f"/v1/admin/dead-letters/{listed[0]['id']}")).json()
        replayed = await client.post(f"/v1/admin/dead-letters/{listed[0]['id']}/replay")
        again = await client.post(f"/v1/admin/dead-letters/{listed[0]['id']}/replay")
        done = await pipeline.wait_for_status(report_id, ("COMPLETE",))

    assert forbidden.status_code == 403
    assert [(d["stage"], d["reason"]) for d in listed] == [("ingestor", "permanent_error")]
    assert detail["envelope"]["report_id"] == report_id
    assert "Vandermeer" not in orjson.dumps(detail).decode()  # parked messages carry no PHI
    assert replayed.status_code == 202
    assert again.status_code == 409
    assert done["status"] == "COMPLETE"
