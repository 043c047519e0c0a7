"""``clinrelay serve renderer``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from services.renderer.pool import RenderPool
from services.renderer.settings import RendererSettings
from services.renderer.stage import RendererStage
from shared.db.pool import Pool
from shared.runtime import Jobs
from shared.settings import Settings
from shared.stage import Stage
from shared.stage_service import serve_stage


@asynccontextmanager
async def renderer_stage(base: Settings, _pool: Pool, _jobs: Jobs) -> AsyncIterator[Stage]:
    settings = base if isinstance(base, RendererSettings) else RendererSettings()
    async with RenderPool.from_settings(settings) as pool:
        yield RendererStage(settings, pool)


def serve() -> None:
    asyncio.run(serve_stage("renderer", renderer_stage, RendererSettings()))
