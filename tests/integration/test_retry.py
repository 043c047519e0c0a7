"""A person's retry of a FAILED report: back to PENDING, every stage again, then COMPLETE; only a
FAILED report can be retried, and only by its tenant."""

from __future__ import annotations

import orjson

from tests.integration.bundles import note_bundle
from tests.integration.doubles import RecordingStage
from tests.integration.harness import Pipeline


async def test_a_failed_report_retried_runs_again_to_complete(pipeline: Pipeline) -> None:
    await pipeline.start_gateway()
    stage = RecordingStage(["permanent"])  # fails once, then works
    await pipeline.start_stage(stage)
    key = await pipeline.api_key("acme")
    async with pipeline.client(key) as client:
        accepted = await client.post(
            "/v1/reports",
            content=orjson.dumps(note_bundle()),
            headers={"Content-Type": "application/fhir+json"},
        )
        report_id = accepted.json()["id"]
        assert (await pipeline.wait_for_status(report_id))["status"] == "FAILED"
        other = await pipeline.api_key("globex")
        async with pipeline.client(other) as stranger:
            assert (await stranger.post(f"/v1/reports/{report_id}/retry")).status_code == 404

        retried = await client.post(f"/v1/reports/{report_id}/retry")
        assert retried.status_code == 202
        assert retried.json()["status"] == "PENDING"
        assert retried.json()["error"] is None
        final = await pipeline.wait_for_status(report_id, ("COMPLETE",))
        again = await client.post(f"/v1/reports/{report_id}/retry")
        trail = (await client.get(f"/v1/reports/{report_id}/events")).json()

    assert final["status"] == "COMPLETE"
    assert stage.calls == 2
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "retry_refused"
    outcomes = [e["outcome"] for e in trail["events"]]
    assert outcomes.count("retried") == 1
    assert trail["chain_valid"] is True
