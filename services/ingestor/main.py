"""``clinrelay serve ingestor``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from services.ingestor.cer_stage import cer_ingestion
from services.ingestor.phi.deidentify import PhiDeidentifier
from services.ingestor.retention import purge_periodically
from services.ingestor.settings import IngestorSettings
from services.ingestor.stage import IngestorStage, load_deidentifier
from shared.db.pool import Pool
from shared.settings import Settings
from shared.stage import Stage
from shared.stage_service import serve_stage


@asynccontextmanager
async def ingestor_stage(base: Settings, pool: Pool) -> AsyncIterator[Stage]:
    """The ingestor on the service's pool, with its background jobs beside it: the raw-input
    purge and (inside CER ingestion) the CER scheduler, each a named task stopped on exit."""
    settings = base if isinstance(base, IngestorSettings) else IngestorSettings()
    purge = asyncio.create_task(
        purge_periodically(pool, settings.raw_input_retention, settings.raw_input_purge_interval_s),
        name="raw-input-purge",
    )
    try:
        # CER ingestion owns the openFDA client and runs the CER scheduler beside the stage.
        async with cer_ingestion(settings, pool) as cer:
            deidentifier = PhiDeidentifier(settings.deid_policy())
            await asyncio.to_thread(load_deidentifier, deidentifier)
            yield IngestorStage(settings, deidentifier, cer)
    finally:
        purge.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await purge


def serve() -> None:
    asyncio.run(serve_stage("ingestor", ingestor_stage, IngestorSettings()))
