"""``clinrelay serve gateway``."""

from __future__ import annotations

import uvicorn

from services.gateway.app import create_app
from services.gateway.settings import GatewaySettings
from shared import logging as clinrelay_logging
from shared import telemetry


def serve() -> None:
    settings = GatewaySettings()
    clinrelay_logging.configure("gateway", settings.log_level, settings.log_format)
    telemetry.configure("clinrelay-gateway", settings.otel_exporter)
    uvicorn.run(
        create_app(settings),
        host="0.0.0.0",  # noqa: S104 - a service listens on all interfaces in its container
        port=settings.gateway_port,
        log_config=None,  # keep structlog's PHI-safe handler
        access_log=False,
        proxy_headers=True,
    )
