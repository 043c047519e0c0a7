"""Request dependencies: the database pool, settings and the calling principal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from services.gateway.errors import ApiError
from services.gateway.group_accept import GroupAccept
from services.gateway.settings import GatewaySettings
from shared.auth import CachedAuthenticator, Principal
from shared.bus.amqp import AmqpBus
from shared.live.history import PgHistory
from shared.live.hub import Hub
from shared.metrics.broker import BrokerStats


@dataclass
class GatewayState:
    settings: GatewaySettings
    pool: asyncpg.Pool
    authenticate: CachedAuthenticator
    accept_group: GroupAccept
    """Accepts POST /v1/reports, a tenant's concurrent reports in one statement."""
    bus: AmqpBus | None = None
    hub: Hub | None = None
    """Live status for /v1/events, fed from this gateway's own queue once the broker is up."""
    history: PgHistory | None = None
    broker_stats: BrokerStats | None = None
    """Queue depth and consumers per stage, refreshed in the background (metrics, status)."""


async def get_state(request: Request) -> GatewayState:
    """Async on purpose: FastAPI runs a plain ``def`` dependency in its thread pool, and that
    hand-off cost a POST more CPU than validating its Bundle (issue 15)."""
    state: GatewayState = request.app.state.gateway
    return state


StateDep = Annotated[GatewayState, Depends(get_state)]


def unauthenticated(message: str) -> ApiError:
    return ApiError(401, "unauthenticated", message, headers={"WWW-Authenticate": "Bearer"})


def bearer_token(header: bytes | str | None) -> str:
    """The key in an ``Authorization: Bearer <key>`` header, or a 401."""
    text = header.decode("latin-1") if isinstance(header, bytes) else (header or "")
    scheme, _, token = text.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthenticated("Send your API key as 'Authorization: Bearer <key>'.")
    return token.strip()


async def get_principal(request: Request, state: StateDep) -> Principal:
    """The caller. The request guard (services.gateway.guard) has usually authenticated it
    already, before reading the body; otherwise it is done here."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        principal = await state.authenticate(bearer_token(request.headers.get("authorization")))
    if principal is None:
        raise unauthenticated("The API key is unknown or revoked.")
    return principal


async def get_admin(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if not principal.is_admin:
        raise ApiError(403, "forbidden", "This needs an admin (or operator) API key.")
    return principal


async def get_operator(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if not principal.is_operator:
        raise ApiError(
            403,
            "forbidden",
            "This needs an operator API key (created with `clinrelay keys create --operator`).",
        )
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
AdminDep = Annotated[Principal, Depends(get_admin)]
OperatorDep = Annotated[Principal, Depends(get_operator)]
