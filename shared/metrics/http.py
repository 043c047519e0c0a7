"""Counting HTTP requests of an ASGI app by route template, status and latency.

The route label is the template the router matched (``/v1/reports/{report_id}``), never the path
a client sent: ids would make a series per report, and an unmatched path is any string at all
(it is counted as ``unmatched``). WebSocket and lifespan scopes pass through untouched
(:class:`~shared.http_middleware.HttpMiddleware`). The gateway runs :class:`RequestMetrics` as
one watch of its :class:`~shared.http_middleware.WatchedHttp`.
"""

from __future__ import annotations

from starlette.types import Scope

from shared.http_middleware import Watch, route_template
from shared.metrics.registry import HTTP_DURATION, HTTP_REQUESTS

UNMATCHED = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetrics(Watch):
    """``clinrelay_http_requests_total`` and the latency histogram, per route template."""

    def __init__(self, service: str) -> None:
        self.service = service

    def opened(self, scope: Scope) -> None:
        return None

    def closed(self, scope: Scope, token: object, status: int, elapsed_s: float) -> None:
        route = route_template(scope) or UNMATCHED
        method = scope["method"] if scope["method"] in _METHODS else "other"
        HTTP_REQUESTS.labels(self.service, method, route, str(status)).inc()
        HTTP_DURATION.labels(self.service, method, route).observe(elapsed_s)
