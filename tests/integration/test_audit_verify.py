"""The audit trail cannot be shortened or edited unnoticed: DELETE is refused like UPDATE, and
``GET /v1/reports/{id}/audit/verify`` names the first event altered or missing — including the
last events, which only the report's own event count can show are gone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.bundles import note_bundle
from tests.integration.doubles import RecordingStage
from tests.integration.harness import Pipeline


async def completed_report(pipeline: Pipeline, client: Any) -> str:
    report_id: str = (
        await client.post("/v1/reports", json={"kind": "coding", "bundle": note_bundle()})
    ).json()["id"]
    await pipeline.wait_for_status(report_id)
    return report_id


async def tamper(pipeline: Pipeline, sql: str, *args: object) -> None:
    """What only someone bypassing the triggers (a superuser) can do."""
    async with (await pipeline.pool()).acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL session_replication_role = replica")
        await conn.execute(sql, *args)


async def test_deleting_audit_events_is_refused(pipeline: Pipeline) -> None:
    await pipeline.start_gateway()
    await pipeline.start_stage(RecordingStage())
    async with pipeline.client(await pipeline.api_key()) as client:
        report_id = await completed_report(pipeline, client)
    pool = await pipeline.pool()

    with pytest.raises(Exception, match="append-only"):
        await pool.execute("DELETE FROM report_events WHERE report_id = $1 AND seq = 3", report_id)
    assert await pool.fetchval("SELECT count(*) FROM report_events") == 3


async def test_verify_names_the_first_altered_or_missing_event(pipeline: Pipeline) -> None:
    await pipeline.start_gateway()
    await pipeline.start_stage(RecordingStage())
    async with pipeline.client(await pipeline.api_key()) as client:
        intact, edited, cut, gap = [await completed_report(pipeline, client) for _ in range(4)]
        await tamper(
            pipeline,
            "UPDATE report_events SET message = 'nothing to see' WHERE report_id = $1 AND seq = 2",
            edited,
        )
        await tamper(pipeline, "DELETE FROM report_events WHERE report_id = $1 AND seq = 3", cut)
        await tamper(pipeline, "DELETE FROM report_events WHERE report_id = $1 AND seq = 2", gap)
        verdicts = {
            name: await client.get(f"/v1/reports/{report_id}/audit/verify")
            for name, report_id in {
                "intact": intact,
                "edited": edited,
                "cut": cut,
                "gap": gap,
            }.items()
        }
        trail = (await client.get(f"/v1/reports/{cut}/events")).json()

    assert all(v.status_code == 200 for v in verdicts.values())
    body = {name: v.json() for name, v in verdicts.items()}
    assert body["intact"]["intact"] is True
    assert body["intact"]["first_bad_seq"] is None
    assert body["intact"]["events_checked"] == body["intact"]["events_recorded"] == 3
    assert (body["edited"]["intact"], body["edited"]["first_bad_seq"]) == (False, 2)
    assert body["edited"]["problem"] == "altered"
    # The last event deleted: the chain of what is left is sound, the count is not.
    assert (body["cut"]["intact"], body["cut"]["first_bad_seq"]) == (False, 3)
    assert body["cut"]["problem"] == "missing"
    assert (body["gap"]["intact"], body["gap"]["first_bad_seq"]) == (False, 2)
    assert body["gap"]["problem"] == "missing"
    assert trail["chain_valid"] is False


async def test_verify_is_tenant_scoped(pipeline: Pipeline) -> None:
    await pipeline.start_gateway()
    await pipeline.start_stage(RecordingStage())
    async with pipeline.client(await pipeline.api_key("acme")) as client:
        report_id = await completed_report(pipeline, client)
    async with pipeline.client(await pipeline.api_key("globex")) as other:
        response = await other.get(f"/v1/reports/{report_id}/audit/verify")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
