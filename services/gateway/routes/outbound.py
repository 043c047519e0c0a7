"""``/v1/webhooks`` and ``/v1/notifications/email``: where a tenant is told that a report or a
batch ended. Deliveries are made by the notifier (services/notifier/outbound)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from services.gateway.deps import PrincipalDep, StateDep
from services.gateway.errors import ApiError, not_found
from shared.db import outbound
from shared.outbound.addresses import AddressRefused, check_url, resolve_allowed
from shared.outbound.event_types import OUTBOUND_EVENT_TYPES, OutboundEventType

router = APIRouter(tags=["notifications"])

EventType = OutboundEventType
ALL_EVENTS: list[EventType] = list(OUTBOUND_EVENT_TYPES)
_EMAIL = re.compile(r"^[^@\s<>,;\"]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")


class WebhookRequest(BaseModel):
    url: str = Field(max_length=2048, description="http(s) URL that receives signed POSTs")
    events: list[EventType] | None = Field(
        default=None,
        max_length=len(OUTBOUND_EVENT_TYPES),
        description="What to send; every type when absent",
    )


class WebhookView(BaseModel):
    id: UUID
    url: str
    events: list[str]
    created_at: datetime


class WebhookCreated(WebhookView):
    secret: str = Field(description="Signs every delivery (HMAC-SHA256); shown only now.")


class WebhookPage(BaseModel):
    items: list[WebhookView]


class DeliveryView(BaseModel):
    id: UUID
    event_id: UUID
    event_type: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    history: list[dict[str, Any]] = Field(description="Each attempt: at, status_code or error")
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None


class DeliveryPage(BaseModel):
    items: list[DeliveryView]


class RecipientRequest(BaseModel):
    address: str = Field(max_length=320)
    events: list[EventType] | None = Field(default=None, max_length=len(OUTBOUND_EVENT_TYPES))


class RecipientView(BaseModel):
    id: UUID
    address: str
    events: list[str]
    created_at: datetime


class RecipientPage(BaseModel):
    items: list[RecipientView]


@router.post(
    "/v1/webhooks",
    status_code=201,
    response_model=WebhookCreated,
    responses={422: {"description": "Not an http(s) URL, or an address this deployment refuses"}},
)
async def create_webhook(
    body: WebhookRequest, response: Response, state: StateDep, principal: PrincipalDep
) -> WebhookCreated:
    """Register a URL for report and batch completed/failed events and trend alerts; the secret
    is shown once."""
    try:
        _, host, port = check_url(body.url)
        await resolve_allowed(host, port, allow_private=state.settings.webhooks_allow_private)
    except AddressRefused as exc:
        raise ApiError(422, "url_not_allowed", str(exc)) from None
    events: list[str] = sorted(set(body.events or ALL_EVENTS))
    async with state.pool.acquire() as conn:
        row = await outbound.create_webhook(conn, principal.tenant_id, body.url, events)
    response.headers["Location"] = f"/v1/webhooks/{row['id']}"
    return WebhookCreated(**dict(row))


@router.get("/v1/webhooks", response_model=WebhookPage)
async def list_webhooks(state: StateDep, principal: PrincipalDep) -> WebhookPage:
    async with state.pool.acquire() as conn:
        rows = await outbound.list_webhooks(conn, principal.tenant_id)
    return WebhookPage(items=[WebhookView(**dict(r)) for r in rows])


@router.get("/v1/webhooks/{webhook_id}", response_model=WebhookView, responses={404: {}})
async def get_webhook(webhook_id: UUID, state: StateDep, principal: PrincipalDep) -> WebhookView:
    async with state.pool.acquire() as conn:
        row = await outbound.get_webhook(conn, principal.tenant_id, webhook_id)
    if row is None:
        raise not_found("webhook")
    return WebhookView(**dict(row))


@router.delete("/v1/webhooks/{webhook_id}", status_code=204, responses={404: {}})
async def delete_webhook(webhook_id: UUID, state: StateDep, principal: PrincipalDep) -> Response:
    async with state.pool.acquire() as conn:
        if not await outbound.delete_webhook(conn, principal.tenant_id, webhook_id):
            raise not_found("webhook")
    return Response(status_code=204)


@router.get(
    "/v1/webhooks/{webhook_id}/deliveries", response_model=DeliveryPage, responses={404: {}}
)
async def list_deliveries(
    webhook_id: UUID,
    state: StateDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> DeliveryPage:
    """The webhook's deliveries, newest first, with every attempt."""
    async with state.pool.acquire() as conn:
        if await outbound.get_webhook(conn, principal.tenant_id, webhook_id) is None:
            raise not_found("webhook")
        rows = await outbound.webhook_deliveries(conn, webhook_id, limit)
    return DeliveryPage(items=[DeliveryView(**dict(r)) for r in rows])


@router.post(
    "/v1/notifications/email",
    status_code=201,
    response_model=RecipientView,
    responses={422: {"description": "Not an email address"}},
)
async def add_recipient(
    body: RecipientRequest, state: StateDep, principal: PrincipalDep
) -> RecipientView:
    """Email this address when a report (or batch) completes or fails; again: new events."""
    if not _EMAIL.match(body.address):
        raise ApiError(422, "invalid_address", "'address' must be an email address.")
    events: list[str] = sorted(set(body.events or ALL_EVENTS))
    async with state.pool.acquire() as conn:
        row = await outbound.add_recipient(conn, principal.tenant_id, body.address, events)
    return RecipientView(**dict(row))


@router.get("/v1/notifications/email", response_model=RecipientPage)
async def list_recipients(state: StateDep, principal: PrincipalDep) -> RecipientPage:
    async with state.pool.acquire() as conn:
        rows = await outbound.list_recipients(conn, principal.tenant_id)
    return RecipientPage(items=[RecipientView(**dict(r)) for r in rows])


@router.delete("/v1/notifications/email/{recipient_id}", status_code=204, responses={404: {}})
async def delete_recipient(
    recipient_id: UUID, state: StateDep, principal: PrincipalDep
) -> Response:
    async with state.pool.acquire() as conn:
        if not await outbound.delete_recipient(conn, principal.tenant_id, recipient_id):
            raise not_found("email recipient")
    return Response(status_code=204)
