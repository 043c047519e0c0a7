"""One structured log line per request: method, route, status, duration — never the query string
or the body (they can carry keys or PHI)."""

from __future__ import annotations

import time

import structlog
from starlette.types import Receive, Scope, Send

from shared.http_middleware import HttpMiddleware, Response, route_template

log = structlog.get_logger("clinrelay.access")

_QUIET = frozenset({"/healthz", "/readyz", "/metrics"})


class AccessLog(HttpMiddleware):
    async def around(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        response = Response(send)
        try:
            await self.app(scope, receive, response.send)
        finally:
            level = log.debug if scope["path"] in _QUIET else log.info
            level(
                "http.request",
                method=scope["method"],
                route=route_template(scope) or scope["path"],
                status=response.status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
