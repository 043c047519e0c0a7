"""``clinrelay serve notifier``."""

from __future__ import annotations

import asyncio
import contextlib

import uvloop

from services.notifier.app import running_notifier
from services.notifier.settings import NotifierSettings
from shared import logging as clinrelay_logging
from shared import telemetry
from shared.runtime import stop_on_signals


def serve() -> None:
    settings = NotifierSettings()
    clinrelay_logging.configure("notifier", settings.log_level, settings.log_format)
    telemetry.configure("clinrelay-notifier", settings.otel_exporter)
    uvloop.run(_serve_until_signalled(settings))


async def _serve_until_signalled(settings: NotifierSettings) -> None:
    async with stop_on_signals() as stop:
        serving = asyncio.Event()

        async def serve_until_stopped() -> None:
            async with running_notifier(settings):
                serving.set()
                await stop.wait()

        task = asyncio.create_task(serve_until_stopped())
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if not serving.is_set() and not task.done():
            task.cancel()  # still waiting for the database: nothing to drain
        stopped.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
