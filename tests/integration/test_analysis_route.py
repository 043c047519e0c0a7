"""GET /v1/reports/{id}/analysis against the real database: the same guards as the other report
routes (key, tenant, COMPLETE), and 404 for what has no coding analysis."""

from __future__ import annotations

from tests.integration.bundles import claim_bundle
from tests.integration.doubles import RecordingStage
from tests.integration.harness import Pipeline


async def test_analysis_is_409_until_complete_404_for_other_tenants(pipeline: Pipeline) -> None:
    await pipeline.start_gateway()
    acme, globex = await pipeline.api_key("acme"), await pipeline.api_key("globex")
    async with pipeline.client(acme) as client:
        report_id = (
            await client.post("/v1/reports", json={"kind": "coding", "bundle": claim_bundle()})
        ).json()["id"]
        early = await client.get(f"/v1/reports/{report_id}/analysis")
        anonymous = await client.get(
            f"/v1/reports/{report_id}/analysis", headers={"Authorization": ""}
        )
        await pipeline.start_stage(RecordingStage())  # completes without an analysis artifact
        await pipeline.wait_for_status(report_id)
        missing = await client.get(f"/v1/reports/{report_id}/analysis")
    async with pipeline.client(globex) as client:
        foreign = await client.get(f"/v1/reports/{report_id}/analysis")

    assert early.status_code == 409
    assert early.json()["error"]["code"] == "report_not_complete"
    assert early.json()["error"]["status"] == "PENDING"
    assert anonymous.status_code == 401
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "The report has no stored analysis."
    assert foreign.status_code == 404
    assert foreign.json()["error"]["message"] == "No such report."
