"""``/v1/admin/dead-letters``: what the pipeline gave up on — find, inspect, replay, discard, count.

An admin key works on its own tenant's dead letters only; another tenant's are 404, as if they did
not exist. An operator key (``clinrelay keys create --operator``) works across tenants and may
narrow to one with ``tenant_id``; it alone sees messages that belong to no report.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

import orjson
from fastapi import APIRouter, Depends, Query

from services.gateway.dead_letter_views import (
    ERROR_CLASS_PATTERN,
    BulkReplayed,
    DeadLetterAction,
    DeadLetterDetail,
    DeadLetterPage,
    DeadLetterStatsView,
    DeadLetterView,
    Discard,
    Moment,
    Reason,
    Replayed,
    ReplayRefusal,
    ReplaySelection,
    Stage,
    attempt_view,
    dead_letter_view,
    stats_view,
)
from services.gateway.deps import AdminDep, StateDep
from services.gateway.errors import ApiError, not_found
from services.gateway.pagination import after_cursor, encode_cursor
from shared.auth import Principal
from shared.db import deadletter_search as search
from shared.db import deadletters
from shared.db.deadletter_search import DeadLetterFilter, State

router = APIRouter(prefix="/v1/admin", tags=["admin"])


def _tenant_scope(principal: Principal, tenant_id: UUID | None) -> UUID | None:
    """Whose dead letters the caller may see: its own tenant's, or an operator's choice."""
    if principal.is_operator:
        return tenant_id
    if tenant_id is not None and tenant_id != principal.tenant_id:
        raise ApiError(
            403, "forbidden", "Only an operator key may look at another tenant's dead letters."
        )
    return principal.tenant_id


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _window(
    since: datetime | None, until: datetime | None
) -> tuple[datetime | None, datetime | None]:
    since, until = _utc(since), _utc(until)
    if since and until and since >= until:
        raise ApiError(422, "invalid_request", "'since' must be before 'until'.")
    return since, until


async def dead_letter_filter(
    principal: AdminDep,
    stage: Stage | None = None,
    reason: Reason | None = None,
    error_class: Annotated[str | None, Query(pattern=ERROR_CLASS_PATTERN)] = None,
    since: Annotated[Moment | None, Query(description="Parked at or after.")] = None,
    until: Annotated[Moment | None, Query(description="Parked before.")] = None,
    report_id: UUID | None = None,
    tenant_id: Annotated[UUID | None, Query(description="Operators only.")] = None,
) -> DeadLetterFilter:
    """The filters every listing and count takes (unknown parameters are a 422)."""
    since, until = _window(since, until)
    return DeadLetterFilter(
        tenant_id=_tenant_scope(principal, tenant_id),
        stage=stage,
        reason=reason,
        error_class=error_class,
        since=since,
        until=until,
        report_id=report_id,
        state="any",
    )


FilterDep = Annotated[DeadLetterFilter, Depends(dead_letter_filter)]


@router.get("/dead-letters", response_model=DeadLetterPage)
async def list_dead_letters(
    state: StateDep,
    found: FilterDep,
    status: Annotated[
        State, Query(description="open (default), replayed, discarded or any.")
    ] = "open",
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> DeadLetterPage:
    """Parked messages, newest first, filtered; pass ``next_cursor`` back as ``cursor``."""
    after = after_cursor(cursor)
    chosen = replace(found, state=status)
    async with state.pool.acquire() as conn:
        rows = await search.search_dead_letters(conn, chosen, limit=limit + 1, after=after)
    page, more = rows[:limit], len(rows) > limit
    return DeadLetterPage(
        items=[DeadLetterView(**dead_letter_view(r)) for r in page],
        next_cursor=encode_cursor(page[-1]["parked_at"], page[-1]["id"]) if more else None,
    )


@router.get("/dead-letters/stats", response_model=DeadLetterStatsView)
async def dead_letter_stats(state: StateDep, found: FilterDep) -> DeadLetterStatsView:
    """Counts by state, stage, error class and UTC day, and the replays' success rate."""
    async with state.pool.acquire() as conn:
        stats = await search.dead_letter_stats(conn, found)
    return stats_view(stats)


@router.post("/dead-letters/replay", response_model=BulkReplayed)
async def replay_dead_letters(
    selection: ReplaySelection, state: StateDep, admin: AdminDep
) -> BulkReplayed:
    """Replay every open dead letter the filters match (up to ``limit``), in one transaction;
    ``dry_run`` only counts them. Each replay is on its report's audit trail."""
    since, until = _window(selection.since, selection.until)
    found = DeadLetterFilter(
        tenant_id=_tenant_scope(admin, selection.tenant_id),
        stage=selection.stage,
        reason=selection.reason,
        error_class=selection.error_class,
        since=since,
        until=until,
        report_id=selection.report_id,
        state="open",
    )
    replayed: list[Replayed] = []
    refused: list[ReplayRefusal] = []
    async with state.pool.acquire() as conn, conn.transaction():
        matched = await search.count_dead_letters(conn, found)
        if not selection.dry_run:
            rows = await search.search_dead_letters(conn, found, limit=selection.limit, lock=True)
            for row in rows:
                try:
                    async with conn.transaction():
                        envelope = await deadletters.replay_dead_letter(
                            conn, row["id"], admin.actor, actor_tenant=admin.tenant_id
                        )
                except deadletters.ReplayRefused as exc:
                    refused.append(ReplayRefusal(dead_letter_id=row["id"], message=str(exc)))
                    continue
                replayed.append(
                    Replayed(
                        dead_letter_id=row["id"],
                        report_id=envelope.report_id,
                        message_id=envelope.message_id,
                    )
                )
        remaining = await search.count_dead_letters(conn, found)
    return BulkReplayed(
        dry_run=selection.dry_run,
        matched=matched,
        replayed=replayed,
        refused=refused,
        remaining=remaining,
    )


@router.get("/dead-letters/{dead_letter_id:uuid}", response_model=DeadLetterDetail)
async def get_dead_letter(
    dead_letter_id: UUID, state: StateDep, admin: AdminDep
) -> DeadLetterDetail:
    """One parked message: its envelope, every recorded attempt (time, error) and who acted."""
    async with state.pool.acquire() as conn:
        row = await search.get_dead_letter(conn, dead_letter_id, _tenant_scope(admin, None))
        if row is None:
            raise not_found("dead letter")
        history = await search.attempt_history(conn, row)
        done = await search.actions(conn, dead_letter_id)
    try:
        envelope = orjson.loads(row["body"])
    except orjson.JSONDecodeError:
        envelope = None
    return DeadLetterDetail(
        **dead_letter_view(row),
        envelope=envelope if isinstance(envelope, dict) else None,
        attempts_history=[attempt_view(h, row["attempts"]) for h in history],
        actions=[DeadLetterAction(**dict(a)) for a in done],
    )


@router.post(
    "/dead-letters/{dead_letter_id:uuid}/replay",
    status_code=202,
    response_model=Replayed,
    responses={409: {"description": "Already replayed or discarded, or not a clinrelay event"}},
)
async def replay_dead_letter(dead_letter_id: UUID, state: StateDep, admin: AdminDep) -> Replayed:
    """Send a parked message back to its stage; its report returns to PROCESSING."""
    async with state.pool.acquire() as conn, conn.transaction():
        try:
            envelope = await deadletters.replay_dead_letter(
                conn,
                dead_letter_id,
                admin.actor,
                tenant_id=_tenant_scope(admin, None),
                actor_tenant=admin.tenant_id,
            )
        except LookupError:
            raise not_found("dead letter") from None
        except deadletters.ReplayRefused as exc:
            raise ApiError(409, "replay_refused", str(exc)) from None
    return Replayed(
        dead_letter_id=dead_letter_id, report_id=envelope.report_id, message_id=envelope.message_id
    )


@router.post(
    "/dead-letters/{dead_letter_id:uuid}/discard",
    response_model=DeadLetterView,
    responses={409: {"description": "Already replayed or discarded"}},
)
async def discard_dead_letter(
    dead_letter_id: UUID, body: Discard, state: StateDep, admin: AdminDep
) -> DeadLetterView:
    """Close a parked message without replaying it, with a reason (kept in its audit record);
    its report stays FAILED."""
    scope = _tenant_scope(admin, None)
    async with state.pool.acquire() as conn, conn.transaction():
        try:
            await deadletters.discard_dead_letter(
                conn,
                dead_letter_id,
                admin.actor,
                body.reason,
                tenant_id=scope,
                actor_tenant=admin.tenant_id,
            )
        except LookupError:
            raise not_found("dead letter") from None
        except deadletters.DiscardRefused as exc:
            raise ApiError(409, "discard_refused", str(exc)) from None
        row = await search.get_dead_letter(conn, dead_letter_id, scope)
    assert row is not None
    return DeadLetterView(**dead_letter_view(row))
