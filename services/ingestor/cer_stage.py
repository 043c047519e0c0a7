"""The ingestor's CER work, as the stage runner sees it, and the scheduler beside it.

:func:`cer_ingestion` owns what CER ingestion needs for the life of the service (the HTTP client,
the shared rate limit and cache) and adds the scheduler to the service's background jobs; the
ingestor stage hands every ``cer`` report to :meth:`CerIngestion.handle`.
"""

from __future__ import annotations

import contextlib
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, date, datetime
from functools import partial
from typing import TypeVar

import httpx
import structlog

from services.ingestor.cer.dataset import fetch_cer_dataset
from services.ingestor.device.dataset import fetch_device_dataset
from services.ingestor.openfda.cache import PostgresResponseCache
from services.ingestor.openfda.client import OpenFdaClient, OpenFdaError, RetryPolicy
from services.ingestor.openfda.fetching import FetchLimits
from services.ingestor.openfda.query import DEVICE_ENDPOINT, ENDPOINT, Query
from services.ingestor.openfda.ratelimit import PostgresTokenBucket, openfda_buckets
from services.ingestor.openfda.settings import OpenFdaSettings
from services.ingestor.scheduler.scheduler import ReleaseProbe, Scheduler
from services.ingestor.scheduler.submit import ReportSubmitter
from shared.db.packed import models_json
from shared.db.pool import Pool
from shared.events import Envelope, routing
from shared.events.cer import INLINE_CASES_MAX_BYTES, CerDataset, CerRequest, QueryPurpose
from shared.events.device import DeviceDataset, DeviceRequest
from shared.metrics.openfda import OpenFdaMetrics
from shared.runtime import Jobs
from shared.stage import NextEvent, StageContext, StageError, StageOutcome

log = structlog.get_logger(__name__)

INGESTED_PROGRESS = 40


def build_client(settings: OpenFdaSettings, pool: Pool, http: httpx.AsyncClient) -> OpenFdaClient:
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
        observer=OpenFdaMetrics(),
    )


class CerIngestion:
    """Drug (FAERS) and device (MAUDE) ingestion through one openFDA client."""

    def __init__(self, client: OpenFdaClient, limits: FetchLimits) -> None:
        self.client = client
        self.limits = limits

    async def handle_device(self, event: Envelope, ctx: StageContext) -> StageOutcome:
        """Fetch and verify the device search's MAUDE reports; emit ``report.ingested``."""
        request = _request(DeviceRequest, event, "device")
        dataset = await self._fetched(
            fetch_device_dataset(request, self.client, self.limits, retrieved_at=datetime.now(UTC)),
            event,
            ctx,
        )
        return _ingested(
            dataset,
            f"MAUDE reports for {request.subject_label}",
            {"dropped_mismatch": dataset.dropped_mismatch},
        )

    async def handle(self, event: Envelope, ctx: StageContext) -> StageOutcome:
        """Fetch and verify the product's FAERS reports; emit ``report.ingested`` (CerDataset)."""
        request = _request(CerRequest, event, "CER")
        dataset = await self._fetched(
            fetch_cer_dataset(request, self.client, self.limits, retrieved_at=datetime.now(UTC)),
            event,
            ctx,
        )
        return _ingested(
            dataset,
            f"FAERS reports for {request.scope.value} {request.searched}",
            {
                "dropped_ndc_mismatch": dataset.dropped_ndc_mismatch,
                "missing_openfda": dataset.missing_openfda,
            },
        )

    async def _fetched(
        self, fetching: Awaitable[Dataset], event: Envelope, ctx: StageContext
    ) -> Dataset:
        try:
            dataset = await fetching
        except OpenFdaError as exc:
            raise StageError(exc.message, permanent=exc.permanent) from None
        return await _by_reference_if_large(dataset, event, ctx)


Request = TypeVar("Request", CerRequest, DeviceRequest)
Dataset = TypeVar("Dataset", CerDataset, DeviceDataset)


def _request(model: type[Request], event: Envelope, what: str) -> Request:
    try:
        return model.model_validate(event.payload)
    except ValueError as exc:
        raise StageError(f"invalid {what} request: {exc}", permanent=True) from None


def _ingested(
    dataset: CerDataset | DeviceDataset, what: str, dropped: dict[str, int]
) -> StageOutcome:
    verified = len(dataset.cases) or (dataset.cases_ref.cases if dataset.cases_ref else 0)
    return StageOutcome(
        step="ingested",
        progress_percent=INGESTED_PROGRESS,
        message=f"{verified} {what} verified" if verified else f"no {what}: nil report",
        details={
            "matched": dataset.matched_total,
            "fetched": dataset.fetched,
            **dropped,
            "openfda_last_updated": str(dataset.source.meta_last_updated),
        },
        next_event=NextEvent(routing.REPORT_INGESTED, dataset),
    )


async def _by_reference_if_large(dataset: Dataset, event: Envelope, ctx: StageContext) -> Dataset:
    if len(models_json(dataset.cases)) <= INLINE_CASES_MAX_BYTES:
        return dataset
    ref = await ctx.repos.datasets.store(event.report_id, dataset.cases)
    return dataset.model_copy(update={"cases": (), "cases_ref": ref})


def release_probe(client: OpenFdaClient) -> ReleaseProbe:
    """openFDA's current data release of a report kind's endpoint, asked live (the scheduler's
    change detector): drug events for ``cer``, device events for ``device``."""

    async def probe(kind: str) -> date | None:
        endpoint = DEVICE_ENDPOINT if kind == "device" else ENDPOINT
        response = await client.probe(Query(QueryPurpose.LAST_UPDATED, limit=1, endpoint=endpoint))
        return response.last_updated

    return probe


@contextlib.asynccontextmanager
async def cer_ingestion(
    settings: OpenFdaSettings, pool: Pool, jobs: Jobs
) -> AsyncIterator[CerIngestion]:
    """CER ingestion for the life of the ingestor service, on the service's pool; the scheduler
    is added to the service's background ``jobs`` (every replica runs one; leases make each due
    schedule run once)."""
    async with httpx.AsyncClient(timeout=settings.openfda_timeout_s) as http:
        client = build_client(settings, pool, http)
        ingestion = CerIngestion(
            client,
            FetchLimits(
                max_reports=settings.openfda_max_reports,
                page_size=settings.openfda_page_size,
                max_term_queries=settings.openfda_max_term_queries,
                background_products=settings.openfda_ebgm_background_products,
            ),
        )
        if settings.scheduler_enabled:
            scheduler = Scheduler(
                pool,
                owner=f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}",
                probe=release_probe(client),
                submit=ReportSubmitter(pool),
                lease_s=settings.scheduler_lease_s,
                batch=settings.scheduler_batch,
            )
            jobs.add(
                "cer-scheduler", partial(scheduler.run_forever, poll_s=settings.scheduler_poll_s)
            )
        yield ingestion
