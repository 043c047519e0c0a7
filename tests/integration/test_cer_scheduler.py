"""Scheduled CER refreshes and the shared openFDA rate limit, on the real PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import pytest

from services.ingestor.openfda.cache import CachedResponse, PostgresResponseCache
from services.ingestor.openfda.ratelimit import Bucket, PostgresTokenBucket
from services.ingestor.scheduler.scheduler import Scheduler
from services.ingestor.scheduler.submit import ReportSubmitter
from shared.db import schedules as repository
from shared.intake.ndc import cer_request
from tests.integration.harness import Pipeline


async def _tenant(pool: asyncpg.Pool) -> UUID:
    tenant_id = uuid4()
    await pool.execute("INSERT INTO tenants (id, name) VALUES ($1, $2)", tenant_id, "pharmaco")
    return tenant_id


async def _due_schedule(pool: asyncpg.Pool, tenant_id: UUID, every: str = "P1D") -> UUID:
    async with pool.acquire() as conn:
        schedule = await repository.create_schedule(
            conn,
            tenant_id,
            cer_request("61958-0801"),
            every,
            datetime.now(UTC) - timedelta(seconds=1),
        )
    return schedule.id


class Release:
    """openFDA's data release as the scheduler's probe sees it."""

    def __init__(self, value: date) -> None:
        self.value = value
        self.calls = 0

    async def __call__(self, kind: str = "cer") -> date:
        self.calls += 1
        await asyncio.sleep(0.01)  # let the other replica interleave
        return self.value


async def test_a_due_schedule_fires_once_across_two_schedulers(pipeline: Pipeline) -> None:
    pool = await pipeline.pool()
    tenant_id = await _tenant(pool)
    schedule_id = await _due_schedule(pool, tenant_id)
    release = Release(date(2025, 1, 3))
    submit = ReportSubmitter(pool)
    replicas = [
        Scheduler(pool, owner=f"ingestor-{n}", probe=release, submit=submit) for n in (1, 2)
    ]
    first, second = await asyncio.gather(*(r.run_due() for r in replicas))
    results = first + second
    assert len(results) == 1
    assert results[0].outcome == "regenerated"
    reports = await pool.fetch("SELECT id, kind, request FROM reports")
    assert len(reports) == 1
    assert reports[0]["kind"] == "cer"
    assert reports[0]["request"]["schedule_id"] == str(schedule_id)
    outbox = await pool.fetch(
        "SELECT routing_key FROM outbox WHERE routing_key = 'report.requested'"
    )
    assert len(outbox) == 1
    row = await pool.fetchrow("SELECT * FROM schedules WHERE id = $1", schedule_id)
    assert row is not None
    assert row["runs"] == 1
    assert row["lease_owner"] is None
    assert row["last_data_updated"] == date(2025, 1, 3)
    assert row["next_run_at"] > datetime.now(UTC) + timedelta(hours=23)
    # Not due any more: another poll does nothing.
    assert await replicas[1].run_due() == []


async def test_no_new_report_when_openfda_data_did_not_change(pipeline: Pipeline) -> None:
    pool = await pipeline.pool()
    tenant_id = await _tenant(pool)
    schedule_id = await _due_schedule(pool, tenant_id)
    release = Release(date(2025, 1, 3))
    scheduler = Scheduler(pool, owner="ingestor-1", probe=release, submit=ReportSubmitter(pool))
    assert [r.outcome for r in await scheduler.run_due()] == ["regenerated"]
    await pool.execute("UPDATE schedules SET next_run_at = now() - interval '1 second'")
    assert [r.outcome for r in await scheduler.run_due()] == ["unchanged"]
    release.value = date(2025, 1, 10)
    await pool.execute("UPDATE schedules SET next_run_at = now() - interval '1 second'")
    assert [r.outcome for r in await scheduler.run_due()] == ["regenerated"]
    assert await pool.fetchval("SELECT count(*) FROM reports") == 2
    row = await pool.fetchrow("SELECT runs, last_outcome FROM schedules WHERE id = $1", schedule_id)
    assert row is not None
    assert row["runs"] == 3
    assert row["last_outcome"] == "regenerated"


async def test_a_run_redone_after_a_lost_lease_creates_no_second_report(
    pipeline: Pipeline,
) -> None:
    pool = await pipeline.pool()
    tenant_id = await _tenant(pool)
    await _due_schedule(pool, tenant_id)
    submit = ReportSubmitter(pool)
    async with pool.acquire() as conn:
        (claimed,) = await repository.claim_due(conn, "crashed", lease_s=300, batch=5)
    # The first replica submitted, then died before finishing; its lease expires.
    request = claimed.request.model_copy(update={"schedule_id": claimed.id})
    await submit(tenant_id, request, f"schedule:{claimed.id}:{claimed.next_run_at.isoformat()}")
    await pool.execute("UPDATE schedules SET lease_until = now() - interval '1 second'")
    survivor = Scheduler(pool, owner="survivor", probe=Release(date(2025, 1, 3)), submit=submit)
    assert [r.outcome for r in await survivor.run_due()] == ["regenerated"]
    assert await pool.fetchval("SELECT count(*) FROM reports") == 1


async def test_openfda_failure_postpones_the_run(pipeline: Pipeline) -> None:
    pool = await pipeline.pool()
    tenant_id = await _tenant(pool)
    schedule_id = await _due_schedule(pool, tenant_id)

    async def down(_kind: str) -> date | None:
        raise OSError("unreachable")

    scheduler = Scheduler(pool, owner="ingestor-1", probe=down, submit=ReportSubmitter(pool))
    (result,) = await scheduler.run_due()
    assert result.outcome.startswith("failed: openFDA probe failed")
    row = await pool.fetchrow("SELECT * FROM schedules WHERE id = $1", schedule_id)
    assert row is not None
    assert row["lease_owner"] is None
    assert row["next_run_at"] > datetime.now(UTC) + timedelta(minutes=10)
    assert await pool.fetchval("SELECT count(*) FROM reports") == 0


async def test_token_bucket_is_shared_between_replicas(pipeline: Pipeline) -> None:
    pool = await pipeline.pool()
    buckets = [Bucket("openfda:test:minute", 3, 60.0), Bucket("openfda:test:day", 100, 86_400.0)]
    replicas = [PostgresTokenBucket(pool, buckets) for _ in range(2)]
    taken = [await replicas[n % 2].try_take() for n in range(3)]
    assert taken == [0.0, 0.0, 0.0]
    wait = await replicas[0].try_take()
    # The minute bucket is empty for both: about 20 s (60 s / 3 tokens) until the next token.
    assert 15.0 < wait <= 20.0
    assert await replicas[1].try_take() > 0
    day = await pool.fetchval(
        "SELECT tokens FROM openfda_rate_buckets WHERE name = $1", buckets[1].name
    )
    # Refused requests take nothing from the day bucket.
    assert day == pytest.approx(97.0, abs=0.01)


async def test_response_cache_is_keyed_by_release_and_expires(pipeline: Pipeline) -> None:
    pool = await pipeline.pool()
    cache = PostgresResponseCache(pool)
    response = CachedResponse(200, b'{"results": []}', None, date(2025, 1, 3))
    await cache.put(b"k" * 32, "http://x/drug/event.json?limit=1", response)
    assert await cache.get(b"k" * 32, last_updated=date(2025, 1, 3), ttl_s=60) == response
    assert await cache.get(b"k" * 32, last_updated=date(2025, 1, 10), ttl_s=60) is None
    await pool.execute("UPDATE faers_cache SET fetched_at = now() - interval '2 minutes'")
    assert await cache.get(b"k" * 32, last_updated=date(2025, 1, 3), ttl_s=60) is None
    assert await cache.purge_other_releases(date(2025, 1, 10)) == 1
