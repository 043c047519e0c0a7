"""Dead-letter operations: tenant-scoped admins and cross-tenant operators, filters, pages,
attempt history, bulk replay by filter, discard with a reason, statistics."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.bundles import note_bundle
from tests.integration.doubles import RecordingStage
from tests.integration.harness import Pipeline

DEAD = "/v1/admin/dead-letters"


async def submit_and_fail(pipe: Pipeline, key: str, count: int) -> list[str]:
    """``count`` reports of the key's tenant, each of which the running stage parks."""
    async with pipe.client(key) as client:
        ids = [
            (
                await client.post("/v1/reports", json={"kind": "coding", "bundle": note_bundle()})
            ).json()["id"]
            for _ in range(count)
        ]
    for report_id in ids:
        await pipe.wait_for_status(report_id, ("FAILED",))
    return ids


async def get(client: httpx.AsyncClient, path: str, **params: Any) -> httpx.Response:
    return await client.get(path, params=params)


async def test_admins_see_their_tenant_only_and_operators_see_all(pipeline: Pipeline) -> None:
    await pipeline.start_gateway()
    await pipeline.start_stage(RecordingStage(["permanent"] * 3))
    acme, globex = await pipeline.api_key("acme"), await pipeline.api_key("globex")
    acme_reports = await submit_and_fail(pipeline, acme, 2)
    globex_reports = await submit_and_fail(pipeline, globex, 1)
    acme_admin = await pipeline.api_key("acme", admin=True)
    globex_admin = await pipeline.api_key("globex", admin=True)
    operator = await pipeline.api_key("ops", operator=True)
    globex_tenant = await (await pipeline.pool()).fetchval(
        "SELECT id FROM tenants WHERE name = 'globex'"
    )

    async with pipeline.client(acme) as client:
        as_client = await get(client, DEAD)
    async with pipeline.client(acme_admin) as client:
        mine = (await get(client, DEAD)).json()["items"]
        peeking = await get(client, DEAD, tenant_id=str(globex_tenant))
    async with pipeline.client(globex_admin) as client:
        theirs = (await get(client, DEAD)).json()["items"]
        foreign_id = mine[0]["id"]
        foreign = [
            await get(client, f"{DEAD}/{foreign_id}"),
            await client.post(f"{DEAD}/{foreign_id}/replay"),
            await client.post(f"{DEAD}/{foreign_id}/discard", json={"reason": "not mine"}),
        ]
    async with pipeline.client(operator) as client:
        everyone = (await get(client, DEAD)).json()["items"]
        narrowed = (await get(client, DEAD, tenant_id=str(globex_tenant))).json()["items"]
    async with pipeline.client(globex_admin) as client:
        own_bulk = (await client.post(f"{DEAD}/replay", json={"stage": "ingestor"})).json()

    assert as_client.status_code == 403
    assert sorted(d["report_id"] for d in mine) == sorted(acme_reports)
    assert peeking.status_code == 403
    assert [d["report_id"] for d in theirs] == globex_reports
    assert [r.status_code for r in foreign] == [404, 404, 404]
    assert len(everyone) == 3
    assert [d["report_id"] for d in narrowed] == globex_reports
    # a bulk replay by an admin touches its own tenant's dead letters and no other's
    assert [r["report_id"] for r in own_bulk["replayed"]] == globex_reports
    pool = await pipeline.pool()
    still_open = await pool.fetch("SELECT report_id FROM dead_letters WHERE replayed_at IS NULL")
    assert sorted(str(r["report_id"]) for r in still_open) == sorted(acme_reports)


async def test_filters_pages_and_unknown_parameters(pipeline: Pipeline) -> None:
    await pipeline.start_gateway()
    await pipeline.start_stage(RecordingStage(["permanent"] * 5))
    await submit_and_fail(pipeline, await pipeline.api_key("acme"), 5)
    admin = await pipeline.api_key("acme", admin=True)
    async with pipeline.client(admin) as client:
        first = (await get(client, DEAD, limit=2)).json()
        second = (await get(client, DEAD, limit=2, cursor=first["next_cursor"])).json()
        third = (await get(client, DEAD, limit=2, cursor=second["next_cursor"])).json()
        ingestor = (await get(client, DEAD, stage="ingestor", reason="permanent_error")).json()
        analyzer = (await get(client, DEAD, stage="analyzer")).json()
        stage_error = (await get(client, DEAD, error_class="stage_error")).json()
        future = (await get(client, DEAD, since="2999-01-01T00:00:00Z")).json()
        past = (await get(client, DEAD, until="2000-01-01T00:00:00Z")).json()
        refused = [
            await get(client, DEAD, stge="ingestor"),
            await get(client, DEAD, stage="printer"),
            await get(client, DEAD, reason="bored"),
            await get(client, DEAD, since="yesterday"),
            await get(client, DEAD, since="2030-01-01T00:00:00Z", until="2020-01-01T00:00:00Z"),
            await get(client, DEAD, limit=101),
            await get(client, DEAD, cursor="not-a-cursor"),
            await get(client, DEAD, error_class="x" * 65),
        ]

    seen = [d["id"] for page in (first, second, third) for d in page["items"]]
    assert len(seen) == len(set(seen)) == 5
    assert third["next_cursor"] is None
    assert len(ingestor["items"]) == 5
    assert analyzer["items"] == []
    assert len(stage_error["items"]) == 5
    assert future["items"] == past["items"] == []
    assert [r.status_code for r in refused] == [422] * 8
    assert "stge" not in refused[0].text  # the unknown name is not repeated back
    assert "printer" not in refused[1].text


async def test_inspect_shows_every_attempt_with_its_time_and_error(pipeline: Pipeline) -> None:
    await pipeline.start_gateway()
    await pipeline.start_stage(RecordingStage(["crash", "crash", "crash"]))
    await submit_and_fail(pipeline, await pipeline.api_key("acme"), 1)
    async with pipeline.client(await pipeline.api_key("acme", admin=True)) as client:
        [parked] = (await get(client, DEAD)).json()["items"]
        detail = (await get(client, f"{DEAD}/{parked['id']}")).json()

    assert parked["error_class"] == "RuntimeError"
    assert parked["reason"] == "attempts_exhausted"
    history = detail["attempts_history"]
    assert [(h["outcome"], h["attempt"]) for h in history] == [
        ("started", None),
        ("retrying", 1),
        ("retrying", 2),
        ("failed", 3),
    ]
    assert all("RuntimeError" in h["error"] for h in history[1:])
    times = [h["at"] for h in history]
    assert times == sorted(times)
    assert "John Smith" not in str(detail)  # the crash's own text (PHI) never shows


async def test_bulk_replay_by_filter_then_discard_with_a_reason_and_stats(
    pipeline: Pipeline,
) -> None:
    await pipeline.start_gateway()
    stage = RecordingStage(["permanent"] * 4)
    await pipeline.start_stage(stage)
    reports = await submit_and_fail(pipeline, await pipeline.api_key("acme"), 4)
    admin = await pipeline.api_key("acme", admin=True)
    async with pipeline.client(admin) as client:
        dry = (
            await client.post(f"{DEAD}/replay", json={"stage": "ingestor", "dry_run": True})
        ).json()
        bulk = (await client.post(f"{DEAD}/replay", json={"stage": "ingestor", "limit": 3})).json()
        for item in bulk["replayed"]:
            await pipeline.wait_for_status(item["report_id"], ("COMPLETE",))
        [left] = (await get(client, DEAD)).json()["items"]
        no_reason = await client.post(f"{DEAD}/{left['id']}/discard", json={})
        long_reason = await client.post(f"{DEAD}/{left['id']}/discard", json={"reason": "x" * 501})
        discarded = await client.post(
            f"{DEAD}/{left['id']}/discard", json={"reason": "duplicate of a report sent again"}
        )
        replay_discarded = await client.post(f"{DEAD}/{left['id']}/replay")
        discard_again = await client.post(f"{DEAD}/{left['id']}/discard", json={"reason": "again"})
        detail = (await get(client, f"{DEAD}/{left['id']}")).json()
        bad_bulk = await client.post(f"{DEAD}/replay", json={"stage": "ingestor", "colour": "red"})
        stats = (await get(client, f"{DEAD}/stats")).json()
        open_now = (await get(client, DEAD)).json()["items"]

    assert dry["dry_run"] is True
    assert dry["matched"] == 4
    assert dry["replayed"] == []
    assert dry["remaining"] == 4
    assert bulk["matched"] == 4
    assert len(bulk["replayed"]) == 3
    assert bulk["remaining"] == 1
    assert {r["report_id"] for r in bulk["replayed"]} | {left["report_id"]} == set(reports)
    assert no_reason.status_code == long_reason.status_code == 422
    assert discarded.status_code == 200
    assert discarded.json()["state"] == "discarded"
    assert discarded.json()["discard_reason"] == "duplicate of a report sent again"
    assert discarded.json()["discarded_by"].startswith("admin:")
    assert replay_discarded.status_code == 409
    assert discard_again.status_code == 409
    assert [(a["action"], a["reason"]) for a in detail["actions"]] == [
        ("discarded", "duplicate of a report sent again")
    ]
    assert bad_bulk.status_code == 422
    assert "colour" not in bad_bulk.text
    assert open_now == []
    assert stats["total"] == 4
    assert stats["by_state"] == {"open": 0, "replayed": 3, "discarded": 1}
    assert stats["by_stage"] == {"ingestor": 4}
    assert stats["by_error_class"] == {"stage_error": 4}
    assert [d["count"] for d in stats["by_day"]] == [4]
    assert stats["replays"] == {
        "replayed": 3,
        "succeeded": 3,
        "failed_again": 0,
        "in_progress": 0,
        "success_rate": 1.0,
    }
    pool = await pipeline.pool()
    actions = await pool.fetchval("SELECT count(*) FROM dead_letter_actions")
    assert actions == 4  # three replays and the discard, each on record
