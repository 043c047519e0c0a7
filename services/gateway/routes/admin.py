"""``/v1/admin``: what the pipeline gave up on, for an operator to inspect and replay."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import orjson
from fastapi import APIRouter, Query

from services.gateway.deps import AdminDep, StateDep
from services.gateway.errors import ApiError, not_found
from services.gateway.schemas import DeadLetterDetail, DeadLetterPage, DeadLetterView, Replayed
from shared.bus.topology import STAGES
from shared.db import deadletters

router = APIRouter(prefix="/v1/admin", tags=["admin"])


@router.get("/dead-letters", response_model=DeadLetterPage)
async def list_dead_letters(
    state: StateDep,
    _admin: AdminDep,
    stage: str | None = None,
    include_replayed: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> DeadLetterPage:
    """Parked messages, newest first (replayed ones only when asked)."""
    if stage is not None and stage not in STAGES:
        raise ApiError(422, "invalid_stage", f"'stage' must be one of: {', '.join(STAGES)}.")
    async with state.pool.acquire() as conn:
        rows = await deadletters.list_dead_letters(
            conn, stage=stage, include_replayed=include_replayed, limit=limit
        )
    return DeadLetterPage(items=[DeadLetterView(**dict(r)) for r in rows])


@router.get("/dead-letters/{dead_letter_id}", response_model=DeadLetterDetail)
async def get_dead_letter(
    dead_letter_id: UUID, state: StateDep, _admin: AdminDep
) -> DeadLetterDetail:
    """One parked message with its envelope, to see why it failed."""
    async with state.pool.acquire() as conn:
        row = await deadletters.get_dead_letter(conn, dead_letter_id)
    if row is None:
        raise not_found("dead letter")
    fields = dict(row)
    body = fields.pop("body")
    try:
        envelope = orjson.loads(body)
    except orjson.JSONDecodeError:
        envelope = None
    return DeadLetterDetail(**fields, envelope=envelope if isinstance(envelope, dict) else None)


@router.post("/dead-letters/{dead_letter_id}/replay", status_code=202, response_model=Replayed)
async def replay_dead_letter(dead_letter_id: UUID, state: StateDep, admin: AdminDep) -> Replayed:
    """Send a parked message back to its stage; its report returns to PROCESSING."""
    async with state.pool.acquire() as conn, conn.transaction():
        try:
            envelope = await deadletters.replay_dead_letter(
                conn, dead_letter_id, actor=f"admin:{admin.key_prefix}"
            )
        except LookupError:
            raise not_found("dead letter") from None
        except deadletters.ReplayRefused as exc:
            raise ApiError(409, "replay_refused", str(exc)) from None
    return Replayed(
        dead_letter_id=dead_letter_id, report_id=envelope.report_id, message_id=envelope.message_id
    )
