"""``clinrelay serve notifier``."""

from __future__ import annotations

import uvicorn

from services.notifier.app import create_app
from services.notifier.settings import NotifierSettings
from shared import logging as clinrelay_logging
from shared import telemetry


def serve() -> None:
    settings = NotifierSettings()
    clinrelay_logging.configure("notifier", settings.log_level, settings.log_format)
    telemetry.configure("clinrelay-notifier", settings.otel_exporter)
    uvicorn.run(
        create_app(settings),
        host="0.0.0.0",  # noqa: S104 - a service listens on all interfaces in its container
        port=settings.notifier_port,
        log_config=None,
        access_log=False,  # WebSocket URLs carry the API key in ?token=
        ws_ping_interval=20,
        ws_ping_timeout=20,
    )
