"""Telling a database outage from a failed query, and waiting one out.

A restart of PostgreSQL must not fail reports: work that hits a lost connection waits (with the
message still unacknowledged, so nothing is lost if the process dies meanwhile) and is redone once
the database answers again. Only errors that say "the database is not there right now" count;
a constraint violation or a bad query is a real failure and is raised at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
import structlog

from shared.backoff import Backoff

log = structlog.get_logger(__name__)

T = TypeVar("T")

_OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # connection refused or reset
    asyncpg.InterfaceError,  # connection closed under us, pool closing...
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08
    asyncpg.exceptions.OperatorInterventionError,  # 57P01 admin shutdown, 57P03 cannot connect now
    asyncpg.TooManyConnectionsError,
    # The driver lost track of a connection's state (seen when a connection breaks mid-query):
    # the query may be fine, the connection is not, so it is waited out like a lost connection.
    asyncpg.InternalClientError,
)


def is_outage(exc: BaseException) -> bool:
    return isinstance(exc, _OUTAGE_ERRORS)


def fails_all_alike(exc: BaseException) -> bool:
    """Whether a statement carrying several callers' values failed in a way each of them alone
    would too: an outage, but not a value the driver could not encode (asyncpg's DataError is
    an InterfaceError), which is one caller's doing."""
    return is_outage(exc) and not isinstance(exc, asyncpg.DataError)


async def through_outages(
    operation: Callable[[], Awaitable[T]], *, what: str, max_wait_s: float = 900.0
) -> T:
    """Run ``operation``; while the database is unreachable, wait and run it again.

    Gives up (re-raising) after ``max_wait_s`` of continuous outage.
    """
    backoff = Backoff(0.2, 5.0)
    waited = 0.0
    while True:
        try:
            return await operation()
        except Exception as exc:
            if not is_outage(exc) or waited >= max_wait_s:
                raise
            delay = backoff.next_delay()
            log.warning("db.outage_wait", during=what, error=type(exc).__name__, retry_in=delay)
            await asyncio.sleep(delay)
            waited += delay
