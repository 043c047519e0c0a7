"""One structured log line per request: method, route, status, duration — never the query string
or the body (they can carry keys or PHI)."""

from __future__ import annotations

import structlog
from starlette.types import Scope

from shared.http_middleware import Watch, route_template

log = structlog.get_logger("clinrelay.access")

_QUIET = frozenset({"/healthz", "/readyz", "/metrics"})


class AccessLog(Watch):
    """A watch of the gateway's :class:`~shared.http_middleware.WatchedHttp`."""

    def opened(self, scope: Scope) -> None:
        return None

    def closed(self, scope: Scope, token: object, status: int, elapsed_s: float) -> None:
        level = log.debug if scope["path"] in _QUIET else log.info
        level(
            "http.request",
            method=scope["method"],
            route=route_template(scope) or scope["path"],
            status=status,
            duration_ms=round(elapsed_s * 1000, 2),
        )
