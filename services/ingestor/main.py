"""``clinrelay serve ingestor``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from services.ingestor.cer_stage import cer_ingestion
from services.ingestor.phi.deidentify import PhiDeidentifier
from services.ingestor.retention import purge_job
from services.ingestor.settings import IngestorSettings
from services.ingestor.stage import IngestorStage, load_deidentifier
from shared.db.pool import Pool
from shared.runtime import Jobs
from shared.settings import Settings
from shared.stage import Stage
from shared.stage_service import serve_stage


@asynccontextmanager
async def ingestor_stage(base: Settings, pool: Pool, jobs: Jobs) -> AsyncIterator[Stage]:
    """The ingestor on the service's pool; its background jobs (the raw-input purge and the CER
    scheduler) go to the runtime's ``jobs``."""
    settings = base if isinstance(base, IngestorSettings) else IngestorSettings()
    jobs.add(
        "raw-input-purge",
        purge_job(pool, settings.raw_input_retention, settings.raw_input_purge_interval_s),
    )
    # CER ingestion owns the openFDA client (and adds the CER scheduler to the jobs).
    async with cer_ingestion(settings, pool, jobs) as cer:
        deidentifier = PhiDeidentifier(settings.deid_policy())
        await asyncio.to_thread(load_deidentifier, deidentifier)
        yield IngestorStage(settings, deidentifier, cer)


def serve() -> None:
    asyncio.run(serve_stage("ingestor", ingestor_stage, IngestorSettings()))
