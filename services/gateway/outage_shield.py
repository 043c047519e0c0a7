"""The gateway's outermost answer to what escaped everything else: never a bare 500 or a reset.

A database outage (connection refused or lost, the server shutting down or not accepting
connections yet) anywhere — the key check in :mod:`services.gateway.guard`, a route, a
dependency — becomes ``503 database_unavailable`` with ``Retry-After`` in the documented error
shape; the client retries and nothing was half-stored (each write is one transaction). Any other
unexpected exception is logged (type and frames only: request values may hold PHI) and answered
``500 internal_error`` in the same shape. Once a response has started, nothing can be changed:
the exception goes on to the server, which closes the connection.
"""

from __future__ import annotations

import structlog
from starlette.types import ASGIApp

from services.gateway.errors import ApiError
from shared.db.outage import is_outage
from shared.delivery.failures import traceback_frames

log = structlog.get_logger(__name__)

RETRY_AFTER_S = 5


def database_unavailable() -> ApiError:
    return ApiError(
        503,
        "database_unavailable",
        f"The database is not reachable right now; nothing was stored. Retry in {RETRY_AFTER_S} s.",
        headers={"Retry-After": str(RETRY_AFTER_S)},
        retry_after_s=RETRY_AFTER_S,
    )


def internal_error() -> ApiError:
    return ApiError(
        500,
        "internal_error",
        "The gateway failed on this request; it is logged. Retry later or contact the operator.",
    )


def outage_shield(exc: Exception) -> ASGIApp:
    """The answer to ``exc``, which escaped everything else before a response started: the
    :class:`~shared.http_middleware.WatchedHttp` shield of the gateway."""
    if is_outage(exc):
        log.warning("http.database_unavailable", error=type(exc).__name__)
        return database_unavailable().response()
    log.error("http.unhandled_error", error=type(exc).__name__, frames=traceback_frames(exc))
    return internal_error().response()
