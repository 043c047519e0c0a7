"""CER requests and schedules through the REST gateway (real PostgreSQL)."""

from __future__ import annotations

from tests.integration.harness import Pipeline


async def test_cer_request_is_accepted_with_its_ndc_normalised(pipeline: Pipeline) -> None:
    await pipeline.start_gateway()
    async with pipeline.client(await pipeline.api_key()) as client:
        response = await client.post(
            "/v1/reports",
            json={"kind": "cer", "ndc": "50242-051-21", "since": "2014-01-01"},
        )
        assert response.status_code == 202, response.text
        report = (await client.get(f"/v1/reports/{response.json()['id']}")).json()
    assert report["kind"] == "cer"
    assert report["request"]["ndc"] == "50242-0051-21"
    assert report["request"]["ndc_input"] == "50242-051-21"
    assert report["request"]["product_ndcs"] == ["50242-051"]
    assert report["request"]["since"] == "2014-01-01"
    assert report["request"]["signal_preset"] == "evans"
    pool = await pipeline.pool()
    assert await pool.fetchval("SELECT count(*) FROM report_inputs") == 0


async def test_invalid_ndc_is_422_naming_the_accepted_forms_and_queues_nothing(
    pipeline: Pipeline,
) -> None:
    await pipeline.start_gateway()
    async with pipeline.client(await pipeline.api_key()) as client:
        response = await client.post("/v1/reports", json={"kind": "cer", "ndc": "12-34"})
        bad_preset = await client.post(
            "/v1/reports", json={"kind": "cer", "ndc": "0777-3105", "signal_preset": "magic"}
        )
        bad_window = await client.post(
            "/v1/reports",
            json={"kind": "cer", "ndc": "0777-3105", "since": "2020-02-01", "until": "2020-01-01"},
        )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_ndc"
    for form in ("4-4-2", "5-3-2", "5-4-1", "5-4-2", "labeler-product"):
        assert form in error["message"]
    assert bad_preset.status_code == 422
    assert "evans, ema, ic025" in bad_preset.json()["error"]["message"]
    assert bad_window.status_code == 422
    pool = await pipeline.pool()
    assert await pool.fetchval("SELECT count(*) FROM reports") == 0
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0


async def test_schedules_can_be_created_listed_fetched_and_deleted(pipeline: Pipeline) -> None:
    await pipeline.start_gateway()
    async with pipeline.client(await pipeline.api_key()) as client:
        created = await client.post(
            "/v1/schedules", json={"ndc": "61958-0801", "every": "P1D", "signal_preset": "ema"}
        )
        assert created.status_code == 201, created.text
        schedule = created.json()
        listed = (await client.get("/v1/schedules")).json()["items"]
        fetched = await client.get(f"/v1/schedules/{schedule['id']}")
        cron = await client.post("/v1/schedules", json={"ndc": "0777-3105", "every": "0 6 * * 1"})
        deleted = await client.delete(f"/v1/schedules/{schedule['id']}")
        gone = await client.get(f"/v1/schedules/{schedule['id']}")
        bad_every = await client.post("/v1/schedules", json={"ndc": "0777-3105", "every": "P1M"})
        bad_ndc = await client.post("/v1/schedules", json={"ndc": "nope", "every": "P1D"})
    assert schedule["ndc"] == "61958-0801"
    assert schedule["every"] == "P1D"
    assert schedule["request"]["signal_preset"] == "ema"
    assert schedule["runs"] == 0
    assert [s["id"] for s in listed] == [schedule["id"]]
    assert fetched.status_code == 200
    assert cron.status_code == 201
    assert deleted.status_code == 204
    assert gone.status_code == 404
    assert bad_every.status_code == 422
    assert "no fixed length" in bad_every.json()["error"]["message"]
    assert bad_ndc.status_code == 422
    assert bad_ndc.json()["error"]["code"] == "invalid_ndc"


async def test_schedules_of_another_tenant_are_invisible(pipeline: Pipeline) -> None:
    await pipeline.start_gateway()
    async with pipeline.client(await pipeline.api_key("acme")) as client:
        schedule = (
            await client.post("/v1/schedules", json={"ndc": "61958-0801", "every": "P1D"})
        ).json()
    async with pipeline.client(await pipeline.api_key("globex")) as other:
        assert (await other.get(f"/v1/schedules/{schedule['id']}")).status_code == 404
        assert (await other.delete(f"/v1/schedules/{schedule['id']}")).status_code == 404
        assert (await other.get("/v1/schedules")).json()["items"] == []
