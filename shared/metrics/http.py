"""Counting HTTP requests of an ASGI app by route template, status and latency.

The route label is the template the router matched (``/v1/reports/{report_id}``), never the path
a client sent: ids would make a series per report, and an unmatched path is any string at all
(it is counted as ``unmatched``). WebSocket and lifespan scopes pass through untouched
(:class:`~shared.http_middleware.HttpMiddleware`).
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Receive, Scope, Send

from shared.http_middleware import HttpMiddleware, Response, route_template
from shared.metrics.registry import HTTP_DURATION, HTTP_REQUESTS

UNMATCHED = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class HttpMetrics(HttpMiddleware):
    """ASGI middleware: ``clinrelay_http_requests_total`` and the latency histogram."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        super().__init__(app)
        self.service = service

    async def around(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        response = Response(send)
        try:
            await self.app(scope, receive, response.send)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope) or UNMATCHED
            method = scope["method"] if scope["method"] in _METHODS else "other"
            HTTP_REQUESTS.labels(self.service, method, route, str(response.status)).inc()
            HTTP_DURATION.labels(self.service, method, route).observe(elapsed)
