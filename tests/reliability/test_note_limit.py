"""A note too long to de-identify in time is refused at the door (413 naming the per-note limit),
and nothing is stored or queued."""

from __future__ import annotations

import orjson

from tests.integration.bundles import NOTE, note_bundle
from tests.integration.harness import Pipeline


async def test_a_note_over_the_per_note_limit_is_413_naming_the_limit(pipeline: Pipeline) -> None:
    await pipeline.start_gateway(max_note_chars=2_000)
    async with pipeline.client(await pipeline.api_key()) as client:
        bare = await client.post(
            "/v1/reports",
            content=orjson.dumps(note_bundle(NOTE * 10)),
            headers={"Content-Type": "application/fhir+json"},
        )
        wrapped = await client.post(
            "/v1/reports", json={"kind": "coding", "bundle": note_bundle(NOTE * 10)}
        )
        fits = await client.post("/v1/reports", json={"kind": "coding", "bundle": note_bundle()})
    pool = await pipeline.pool()

    for response in (bare, wrapped):
        assert response.status_code == 413, response.text
        error = response.json()["error"]
        assert error["code"] == "note_too_large"
        assert error["limit_chars"] == 2_000
        assert "2,000 characters" in error["message"]
        assert "Vandermeer" not in response.text
    assert fits.status_code == 202
    assert await pool.fetchval("SELECT count(*) FROM reports") == 1
