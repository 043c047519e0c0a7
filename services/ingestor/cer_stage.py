"""The ingestor's CER work, as the stage runner sees it, and the scheduler beside it.

:func:`cer_ingestion` owns what CER ingestion needs for the life of the service (the HTTP client,
the shared rate limit and cache, and the scheduler loop); the ingestor stage hands every ``cer``
report to :meth:`CerIngestion.handle`.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import asyncpg
import httpx
import structlog

from services.ingestor.cer import FetchLimits, NoReportsFound, fetch_cer_dataset
from services.ingestor.openfda.cache import PostgresResponseCache
from services.ingestor.openfda.client import OpenFdaClient, OpenFdaError, RetryPolicy
from services.ingestor.openfda.query import Query
from services.ingestor.openfda.ratelimit import PostgresTokenBucket, openfda_buckets
from services.ingestor.openfda.settings import OpenFdaSettings
from services.ingestor.scheduler.scheduler import ReleaseProbe, Scheduler
from services.ingestor.scheduler.submit import ReportSubmitter
from shared.db.cer_datasets import serialise_cases, store_cases
from shared.db.pool import create_pool
from shared.events import Envelope, routing
from shared.events.cer import INLINE_CASES_MAX_BYTES, CerDataset, CerRequest, QueryPurpose
from shared.stage import NextEvent, StageContext, StageError, StageOutcome

log = structlog.get_logger(__name__)

INGESTED_PROGRESS = 40


def build_client(
    settings: OpenFdaSettings, pool: asyncpg.Pool, http: httpx.AsyncClient
) -> OpenFdaClient:
    """An openFDA client whose rate limit and cache are shared through PostgreSQL."""
    key = settings.openfda_key
    return OpenFdaClient(
        settings.openfda_url,
        http=http,
        limiter=PostgresTokenBucket(
            pool,
            openfda_buckets(
                settings.openfda_requests_per_minute, settings.openfda_daily_limit, key
            ),
        ),
        cache=PostgresResponseCache(pool),
        cache_ttl_s=settings.openfda_cache_ttl_s,
        api_key=key,
        retry=RetryPolicy(
            max_retries=settings.openfda_max_retries,
            base_delay_s=settings.openfda_backoff_base_s,
            max_delay_s=settings.openfda_backoff_max_s,
        ),
    )


class CerIngestion:
    def __init__(self, client: OpenFdaClient, limits: FetchLimits) -> None:
        self.client = client
        self.limits = limits

    async def handle(self, event: Envelope, ctx: StageContext) -> StageOutcome:
        """Fetch and verify the product's FAERS reports; emit ``report.ingested`` (CerDataset)."""
        try:
            request = CerRequest.model_validate(event.payload)
        except ValueError as exc:
            raise StageError(f"invalid CER request: {exc}", permanent=True) from None
        try:
            dataset = await fetch_cer_dataset(
                request, self.client, self.limits, retrieved_at=datetime.now(UTC)
            )
        except NoReportsFound as exc:
            details = {"fallback": exc.fallback.model_dump(mode="json")} if exc.fallback else {}
            raise StageError(exc.message, permanent=True, details=details) from None
        except OpenFdaError as exc:
            raise StageError(exc.message, permanent=exc.permanent) from None
        dataset = await _by_reference_if_large(dataset, event, ctx)
        return StageOutcome(
            step="ingested",
            progress_percent=INGESTED_PROGRESS,
            message=(
                f"{len(dataset.cases) or (dataset.cases_ref.cases if dataset.cases_ref else 0)} "
                f"FAERS reports verified for NDC {request.ndc} "
                f"({dataset.dropped_ndc_mismatch} dropped by the NDC check)"
            ),
            details={
                "matched": dataset.matched_total,
                "fetched": dataset.fetched,
                "dropped_ndc_mismatch": dataset.dropped_ndc_mismatch,
                "missing_openfda": dataset.missing_openfda,
                "openfda_last_updated": str(dataset.source.meta_last_updated),
            },
            next_event=NextEvent(routing.REPORT_INGESTED, dataset),
        )


async def _by_reference_if_large(
    dataset: CerDataset, event: Envelope, ctx: StageContext
) -> CerDataset:
    if len(serialise_cases(dataset.cases)) <= INLINE_CASES_MAX_BYTES:
        return dataset
    async with ctx.db.acquire() as conn:
        ref = await store_cases(conn, event.report_id, dataset.cases)
    return dataset.model_copy(update={"cases": (), "cases_ref": ref})


def release_probe(client: OpenFdaClient) -> ReleaseProbe:
    """openFDA's current data release, asked live (the scheduler's change detector)."""

    async def probe() -> date | None:
        response = await client.probe(Query(QueryPurpose.LAST_UPDATED, limit=1))
        return response.last_updated

    return probe


@contextlib.asynccontextmanager
async def cer_ingestion(settings: OpenFdaSettings) -> AsyncIterator[CerIngestion]:
    """CER ingestion for the life of the ingestor service, with the scheduler running beside it
    (every replica runs one; leases make each due schedule run once)."""
    pool = await create_pool(settings.database_url, min_size=1, max_size=4)
    async with httpx.AsyncClient(timeout=settings.openfda_timeout_s) as http:
        client = build_client(settings, pool, http)
        ingestion = CerIngestion(
            client,
            FetchLimits(
                max_reports=settings.openfda_max_reports,
                page_size=settings.openfda_page_size,
                max_term_queries=settings.openfda_max_term_queries,
            ),
        )
        stop = asyncio.Event()
        task = None
        if settings.scheduler_enabled:
            scheduler = Scheduler(
                pool,
                owner=f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}",
                probe=release_probe(client),
                submit=ReportSubmitter(pool),
                lease_s=settings.scheduler_lease_s,
                batch=settings.scheduler_batch,
            )
            task = asyncio.create_task(
                scheduler.run_forever(stop, settings.scheduler_poll_s), name="cer-scheduler"
            )
        try:
            yield ingestion
        finally:
            stop.set()
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(task, timeout=10)
            await pool.close()
