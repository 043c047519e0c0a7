"""Runs an HTTP/WebSocket service (the gateway, the notifier) the way every clinrelay service runs:
PHI-safe structured logs, tracing, and uvicorn without its access log (URLs can carry keys)."""

from __future__ import annotations

from typing import Any

import uvicorn

from shared import logging as clinrelay_logging
from shared import telemetry
from shared.http_limits import bounded_http_protocol
from shared.runtime import settle_heap
from shared.settings import Settings


def http_options(settings: Settings) -> dict[str, Any]:
    """uvicorn options every HTTP service (and the test harness) runs with: a bounded head."""
    return {"http": bounded_http_protocol(settings.max_header_bytes)}


def serve_web(name: str, app: Any, settings: Settings, port: int, **options: Any) -> None:
    """Serve ``app`` on all interfaces at ``port`` until SIGTERM/SIGINT."""
    clinrelay_logging.configure(name, settings.log_level, settings.log_format)
    telemetry.configure(f"clinrelay-{name}", settings.otel_exporter)
    settle_heap()  # the app is built: what it loaded stays, out of the collector's way
    uvicorn.run(
        app,
        host="0.0.0.0",  # noqa: S104 - a service listens on all interfaces in its container
        port=port,
        log_config=None,  # keep structlog's PHI-safe handler
        access_log=False,
        **http_options(settings),
        **options,
    )
