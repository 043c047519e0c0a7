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


async def test_drug_reports_by_ingredient_or_brand_with_roles_and_a_lock_point(
    pipeline: Pipeline,
) -> None:
    await pipeline.start_gateway()
    async with pipeline.client(await pipeline.api_key()) as client:
        ingredient = await client.post(
            "/v1/reports",
            json={
                "kind": "cer",
                "ingredient": "  ambrisentan ",
                "roles": ["concomitant", "suspect"],
                "data_lock_point": "2014-03-31",
                "interval_start": "2014-01-01",
            },
        )
        brand = await client.post("/v1/reports", json={"kind": "cer", "brand": "Letairis"})
        assert ingredient.status_code == 202, ingredient.text
        assert brand.status_code == 202, brand.text
        first = (await client.get(f"/v1/reports/{ingredient.json()['id']}")).json()["request"]
        second = (await client.get(f"/v1/reports/{brand.json()['id']}")).json()["request"]
    assert first["scope"] == "ingredient"
    assert first["ingredient"] == "AMBRISENTAN"  # as openFDA's harmonised fields hold it
    assert first["roles"] == ["suspect", "concomitant"]
    assert first["data_lock_point"] == "2014-03-31"
    assert first["interval_start"] == "2014-01-01"
    assert first["ndc"] is None
    assert second["scope"] == "brand"
    assert second["brand"] == "LETAIRIS"
    assert second["roles"] == ["suspect"]  # the default: suspect reports only


async def test_bad_scopes_roles_and_device_requests_are_422_and_queue_nothing(
    pipeline: Pipeline,
) -> None:
    await pipeline.start_gateway()
    bodies = [
        {"kind": "cer"},  # no scope
        {"kind": "cer", "ndc": "0777-3105", "ingredient": "X"},  # two scopes
        {"kind": "cer", "ingredient": 'AMBRI"SENTAN'},  # query syntax
        {"kind": "cer", "ingredient": "A" * 101},
        {"kind": "cer", "brand": "LETAIRIS", "roles": ["suspect", "suspect"]},
        {"kind": "cer", "brand": "LETAIRIS", "roles": ["primary"]},
        {"kind": "cer", "brand": "LETAIRIS", "roles": []},
        {"kind": "cer", "brand": "LETAIRIS", "data_lock_point": "2020-01-01",
         "since": "2021-01-01"},
        {"kind": "cer", "brand": "LETAIRIS", "interval_start": "2021-01-01",
         "data_lock_point": "2020-01-01"},
        {"kind": "cer", "brand": "LETAIRIS", "data_lock_point": "yesterday"},
        {"kind": "device"},
        {"kind": "device", "product_code": "FRNX"},
        {"kind": "device", "product_code": "FRN", "brand_name": "X"},
        {"kind": "device", "manufacturer": "ACME:INC"},
        {"kind": "device", "product_code": "FRN", "ndc": "0777-3105"},
    ]  # fmt: skip
    async with pipeline.client(await pipeline.api_key()) as client:
        responses = [await client.post("/v1/reports", json=body) for body in bodies]
        device = await client.post(
            "/v1/reports", json={"kind": "device", "product_code": "frn", "since": "2021-01-01"}
        )
        assert device.status_code == 202, device.text
        request = (await client.get(f"/v1/reports/{device.json()['id']}")).json()["request"]
    for body, response in zip(bodies, responses, strict=True):
        assert response.status_code == 422, (body, response.text)
        assert 'AMBRI"SENTAN' not in response.text  # errors never echo the value
    assert request["scope"] == "product_code"
    assert request["product_code"] == "FRN"
    pool = await pipeline.pool()
    assert await pool.fetchval("SELECT count(*) FROM reports") == 1


async def test_device_and_ingredient_schedules(pipeline: Pipeline) -> None:
    await pipeline.start_gateway()
    async with pipeline.client(await pipeline.api_key()) as client:
        device = await client.post(
            "/v1/schedules", json={"kind": "device", "product_code": "FRN", "every": "P7D"}
        )
        ingredient = await client.post(
            "/v1/schedules", json={"ingredient": "prednisone", "every": "P1D"}
        )
        bad_kind = await client.post(
            "/v1/schedules", json={"kind": "coding", "ndc": "0777-3105", "every": "P1D"}
        )
    assert device.status_code == 201, device.text
    assert device.json()["kind"] == "device"
    assert device.json()["subject"] == "product_code:FRN"
    assert device.json()["ndc"] is None
    assert ingredient.status_code == 201, ingredient.text
    assert ingredient.json()["subject"] == "ingredient:PREDNISONE|suspect"
    assert bad_kind.status_code == 422
