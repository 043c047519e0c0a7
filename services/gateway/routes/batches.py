"""``/v1/batches``: many reports in one request (NDJSON or a JSON array), followed as one."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Header, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from services.gateway.batch_intake import interpret_batch
from services.gateway.deps import PrincipalDep, StateDep
from services.gateway.errors import ApiError, not_found
from services.gateway.intake import read_body
from services.gateway.pagination import after_cursor, encode_cursor
from services.gateway.schemas import (
    BatchAccepted,
    BatchCountsView,
    BatchItemAccepted,
    BatchItemRejected,
    BatchLinks,
    BatchPage,
    BatchReport,
    BatchSummary,
    BatchView,
    links_for,
)
from shared.db import batches
from shared.db.submissions import IdempotencyConflict
from shared.events.batch import BatchCounts, batch_status
from shared.metrics import registry as metrics

router = APIRouter(prefix="/v1/batches", tags=["batches"])

_ITEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A FHIR R4 Bundle (a coding report) or a request as POST /v1/reports takes it "
    '({"kind": "coding", "bundle": ...} or {"kind": "cer", "ndc": ...}).',
}
_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            media_type: {
                "schema": {
                    "type": "string",
                    "description": "One item per line (blank lines are skipped).",
                }
            }
            for media_type in ("application/x-ndjson", "application/fhir+ndjson")
        }
        | {"application/json": {"schema": {"type": "array", "items": _ITEM_SCHEMA}}},
    }
}


def _base(request: Request, state: StateDep) -> str:
    return (state.settings.public_base_url or str(request.base_url)).rstrip("/")


def _batch_links(base: str, batch_id: UUID) -> BatchLinks:
    return BatchLinks(self=f"{base}/v1/batches/{batch_id}")


@router.post(
    "",
    status_code=202,
    response_model=BatchAccepted,
    openapi_extra=_REQUEST_BODY,
    responses={
        409: {"description": "Idempotency-Key reused with a different batch"},
        413: {"description": "Body over the batch size limit, or too many items"},
        422: {"description": "No item is acceptable; each one's problem is listed"},
    },
)
async def submit_batch(
    request: Request,
    response: Response,
    state: StateDep,
    principal: PrincipalDep,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> BatchAccepted:
    """Accept one report per valid item: 202 with the batch id, each report's id and line, and
    each refused item's line and error. Nothing is stored when no item is acceptable (422).

    The batch and all its reports are stored in one transaction; this never waits on the broker.
    """
    settings = state.settings
    body = await read_body(request, settings.max_batch_bytes)
    parsed = await run_in_threadpool(
        interpret_batch,
        body,
        request.headers.get("content-type", ""),
        settings.max_batch_items,
        settings.max_note_chars,
        settings.fhir_validation,
    )
    del body
    rejected = [BatchItemRejected(line=r.line, error=r.error) for r in parsed.rejected]
    if not parsed.items:
        raise ApiError(
            422,
            "no_acceptable_item",
            f"None of the {len(rejected)} items can be accepted; each one's problem is listed.",
            rejected=[r.model_dump() for r in rejected],
        )
    fingerprint = batches.batch_fingerprint(parsed.items, [r.line for r in parsed.rejected])
    async with state.pool.acquire() as conn:
        try:
            created = await batches.create_batch(
                conn,
                principal.tenant_id,
                parsed.items,
                rejected=len(rejected),
                fingerprint=fingerprint,
                idempotency_key=idempotency_key,
            )
        except IdempotencyConflict:
            raise ApiError(
                409,
                "idempotency_conflict",
                "This Idempotency-Key was already used with a different batch.",
            ) from None
        report_ids = created.report_ids
        if not created.replayed:
            for item in parsed.items:
                metrics.REPORTS_ACCEPTED.labels(kind=item.submission.kind.value).inc()
        if created.replayed:
            response.headers["Idempotent-Replayed"] = "true"
            rows = await batches.batch_reports(conn, created.batch["id"])
            report_ids = {row["batch_line"]: row["id"] for row in rows}
    base = _base(request, state)
    batch_id = created.batch["id"]
    links = _batch_links(base, batch_id)
    response.headers["Location"] = links.self
    return BatchAccepted(
        id=batch_id,
        total=created.batch["total"],
        reports=[
            BatchItemAccepted(
                line=line,
                id=report_id,
                links=links_for(base, state.settings.notifier_url, report_id),
            )
            for line, report_id in sorted(report_ids.items())
        ],
        rejected=rejected,
        links=links,
    )


def _counts(batch: asyncpg.Record) -> BatchCounts:
    return BatchCounts(
        pending=batch["pending"],
        processing=batch["processing"],
        complete=batch["complete"],
        failed=batch["failed"],
    )


@router.get("/{batch_id}", response_model=BatchView)
async def get_batch(
    batch_id: UUID, request: Request, state: StateDep, principal: PrincipalDep
) -> BatchView:
    """The batch's status, its counts by report status, its progress and every report's state."""
    async with state.pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
        batch = await batches.get_batch(conn, principal.tenant_id, batch_id)
        if batch is None:
            raise not_found("batch")
        rows = await batches.batch_reports(conn, batch_id)
    counts = _counts(batch)
    final = ("COMPLETE", "FAILED")
    progress = (
        sum(100 if r["status"] in final else r["progress_percent"] for r in rows) // len(rows)
        if rows
        else 100
    )
    return BatchView(
        id=batch_id,
        status=batch_status(counts, batch["total"]),
        total=batch["total"],
        rejected=batch["rejected"],
        counts=BatchCountsView(**counts.model_dump()),
        progress_percent=progress,
        created_at=batch["created_at"],
        completed_at=batch["completed_at"],
        last_event_id=batch["event_seq"],
        reports=[
            BatchReport(
                line=r["batch_line"],
                id=r["id"],
                kind=r["kind"],
                status=r["status"],
                progress_percent=r["progress_percent"],
                current_step=r["current_step"],
                error=r["error_message"] if r["status"] == "FAILED" else None,
            )
            for r in rows
        ],
        links=_batch_links(_base(request, state), batch_id),
    )


@router.get("", response_model=BatchPage)
async def list_batches(
    request: Request,
    state: StateDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> BatchPage:
    """The caller's batches, newest first; pass ``next_cursor`` back as ``cursor`` for more."""
    after = after_cursor(cursor)
    async with state.pool.acquire() as conn:
        rows = await batches.list_batches(conn, principal.tenant_id, limit=limit + 1, after=after)
    page, more = rows[:limit], len(rows) > limit
    base = _base(request, state)
    return BatchPage(
        items=[
            BatchSummary(
                id=row["id"],
                status=batch_status(_counts(row), row["total"]),
                total=row["total"],
                rejected=row["rejected"],
                counts=BatchCountsView(**_counts(row).model_dump()),
                created_at=row["created_at"],
                completed_at=row["completed_at"],
                links=_batch_links(base, row["id"]),
            )
            for row in page
        ],
        next_cursor=(encode_cursor(page[-1]["created_at"], page[-1]["id"]) if more else None),
    )
