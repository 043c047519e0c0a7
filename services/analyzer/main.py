"""``clinrelay serve analyzer``."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager

from services.analyzer.coding import warm_up
from services.analyzer.settings import AnalyzerSettings
from services.analyzer.stage import AnalyzerStage
from shared.settings import Settings
from shared.stage import Stage
from shared.stage_service import serve_stage


@asynccontextmanager
async def analyzer_stage(base: Settings) -> AsyncIterator[Stage]:
    settings = base if isinstance(base, AnalyzerSettings) else AnalyzerSettings()
    # spawn, not fork: the parent holds an event loop and broker/database sockets.
    workers = ProcessPoolExecutor(
        max_workers=settings.analyzer_workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=warm_up,
    )
    try:
        yield AnalyzerStage(settings, workers)
    finally:
        workers.shutdown(wait=False, cancel_futures=True)


def serve() -> None:
    asyncio.run(serve_stage("analyzer", analyzer_stage, AnalyzerSettings()))
