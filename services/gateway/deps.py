"""Request dependencies: the database pool, settings and the calling principal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from services.gateway.errors import ApiError
from services.gateway.settings import GatewaySettings
from shared.auth import CachedAuthenticator, Principal
from shared.bus.amqp import AmqpBus


@dataclass
class GatewayState:
    settings: GatewaySettings
    pool: asyncpg.Pool
    authenticate: CachedAuthenticator
    bus: AmqpBus | None = None


def get_state(request: Request) -> GatewayState:
    state: GatewayState = request.app.state.gateway
    return state


StateDep = Annotated[GatewayState, Depends(get_state)]


def _bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "unauthenticated",
            "Send your API key as 'Authorization: Bearer <key>'.",
        )
    return token.strip()


async def get_principal(request: Request, state: StateDep) -> Principal:
    principal = await state.authenticate(_bearer_token(request))
    if principal is None:
        raise ApiError(401, "unauthenticated", "The API key is unknown or revoked.")
    return principal


async def get_admin(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if not principal.is_admin:
        raise ApiError(403, "forbidden", "This needs an admin API key.")
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
AdminDep = Annotated[Principal, Depends(get_admin)]
