"""``clinrelay serve ingestor``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from services.ingestor.cer_stage import cer_ingestion
from services.ingestor.phi.deidentify import PhiDeidentifier
from services.ingestor.retention import purge_periodically
from services.ingestor.settings import IngestorSettings
from services.ingestor.stage import IngestorStage, load_deidentifier
from shared.db.pool import create_pool
from shared.settings import Settings
from shared.stage import Stage
from shared.stage_service import serve_stage


@asynccontextmanager
async def ingestor_stage(base: Settings) -> AsyncIterator[Stage]:
    settings = base if isinstance(base, IngestorSettings) else IngestorSettings()
    pool = await create_pool(settings.database_url, min_size=1, max_size=2)
    purge = asyncio.create_task(
        purge_periodically(pool, settings.raw_input_retention, settings.raw_input_purge_interval_s)
    )
    try:
        # CER ingestion owns the openFDA client and runs the CER scheduler beside the stage.
        async with cer_ingestion(settings) as cer:
            deidentifier = PhiDeidentifier(settings.deid_policy())
            await asyncio.to_thread(load_deidentifier, deidentifier)
            yield IngestorStage(settings, deidentifier, cer)
    finally:
        purge.cancel()
        await pool.close()


def serve() -> None:
    asyncio.run(serve_stage("ingestor", ingestor_stage, IngestorSettings()))
