"""``clinrelay serve analyzer``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from services.analyzer.coding import warm_up
from services.analyzer.settings import AnalyzerSettings
from services.analyzer.stage import AnalyzerStage
from shared.db.pool import Pool
from shared.runtime import Jobs
from shared.settings import Settings
from shared.stage import Stage
from shared.stage_service import serve_stage
from shared.workers import ProcessPool


@asynccontextmanager
async def analyzer_stage(base: Settings, _pool: Pool, _jobs: Jobs) -> AsyncIterator[Stage]:
    settings = base if isinstance(base, AnalyzerSettings) else AnalyzerSettings()
    # Each worker loads the NLP pipeline and the code index before the stage consumes anything.
    # A worker that dies or runs past the coding time limit is replaced; the pool never breaks.
    async with ProcessPool(
        settings.analyzer_workers,
        settings.coding_timeout_s,
        initializer=warm_up,
        startup_timeout_s=settings.analyzer_startup_timeout_s,
    ) as workers:
        yield AnalyzerStage(settings, workers)


def serve() -> None:
    asyncio.run(serve_stage("analyzer", analyzer_stage, AnalyzerSettings()))
