"""``clinrelay serve notifier``."""

from __future__ import annotations

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

    async def run() -> None:
        async with stop_on_signals() as stop, running_notifier(settings):
            await stop.wait()

    uvloop.run(run())
