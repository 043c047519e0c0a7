"""One structured log line per request: method, route, status, duration — never the query string
or the body (they can carry keys or PHI)."""

from __future__ import annotations

import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("clinrelay.access")

_QUIET = frozenset({"/healthz", "/readyz", "/metrics"})


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or scope["path"]
            level = log.debug if scope["path"] in _QUIET else log.info
            level(
                "http.request",
                method=scope["method"],
                route=path,
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
