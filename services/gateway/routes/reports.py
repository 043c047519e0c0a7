"""``/v1/reports``: submit work, follow it, fetch what it made."""

from __future__ import annotations

from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Header, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from services.gateway.analysis import ReportAnalysis, report_analysis
from services.gateway.deps import PrincipalDep, StateDep
from services.gateway.errors import ApiError, not_found
from services.gateway.intake import interpret, read_body
from services.gateway.pagination import after_cursor, encode_cursor
from services.gateway.schemas import (
    AuditEvent,
    AuditTrail,
    AuditVerification,
    Links,
    ReportAccepted,
    ReportPage,
    ReportView,
    links_for,
    report_view,
)
from shared.artifacts import (
    ANALYSIS_ARTIFACT,
    CASES_ARTIFACT,
    FHIR_ARTIFACT,
    FHIR_MEDIA_TYPE,
    PDF_ARTIFACT,
    TABLE_NAMES,
    table_artifact,
)
from shared.db import artifacts, audit, report_rows, retries, submissions
from shared.events import ReportKind, ReportStatus
from shared.events.coding import CodingAnalysis
from shared.metrics import registry as metrics

if TYPE_CHECKING:
    from shared.db.pool import Connection

router = APIRouter(prefix="/v1/reports", tags=["reports"])

INLINE_BODY_BYTES = 8 * 1024
"""Bodies up to this size are validated on the event loop (~0.4 ms of CPU at most)."""

TableName = StrEnum("TableName", {name: name for name in TABLE_NAMES})  # type: ignore[misc]
"""The tables of a safety report that export as CSV."""

_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {
                            "type": "object",
                            "required": ["kind", "bundle"],
                            "properties": {
                                "kind": {"const": "coding"},
                                "bundle": {
                                    "type": "object",
                                    "description": "A FHIR R4 Bundle with an Encounter and notes",
                                },
                            },
                        },
                        {
                            "type": "object",
                            "description": "A drug safety report: exactly one of ndc, "
                            "ingredient or brand",
                            "required": ["kind"],
                            "additionalProperties": False,
                            "properties": {
                                "kind": {"const": "cer"},
                                "ndc": {"type": "string", "maxLength": 40},
                                "ingredient": {"type": "string", "minLength": 2, "maxLength": 100},
                                "brand": {"type": "string", "minLength": 2, "maxLength": 100},
                                "roles": {
                                    "type": "array",
                                    "minItems": 1,
                                    "maxItems": 3,
                                    "uniqueItems": True,
                                    "items": {"enum": ["suspect", "interacting", "concomitant"]},
                                },
                                "since": {"type": "string", "format": "date"},
                                "until": {"type": "string", "format": "date"},
                                "data_lock_point": {"type": "string", "format": "date"},
                                "interval_start": {"type": "string", "format": "date"},
                                "signal_preset": {"enum": ["evans", "ema", "ic025"]},
                            },
                        },
                        {
                            "type": "object",
                            "description": "A device safety report (MAUDE): exactly one of "
                            "product_code, brand_name or manufacturer",
                            "required": ["kind"],
                            "additionalProperties": False,
                            "properties": {
                                "kind": {"const": "device"},
                                "product_code": {"type": "string", "pattern": "^[A-Za-z]{3}$"},
                                "brand_name": {"type": "string", "minLength": 2, "maxLength": 100},
                                "manufacturer": {
                                    "type": "string",
                                    "minLength": 2,
                                    "maxLength": 100,
                                },
                                "since": {"type": "string", "format": "date"},
                                "until": {"type": "string", "format": "date"},
                                "data_lock_point": {"type": "string", "format": "date"},
                                "interval_start": {"type": "string", "format": "date"},
                            },
                        },
                    ]
                }
            },
            "application/fhir+json": {
                "schema": {"type": "object", "description": "A bare FHIR R4 Bundle (coding)"}
            },
        },
    }
}


def _links(request: Request, state: StateDep, report_id: UUID) -> Links:
    base = state.settings.public_base_url or str(request.base_url)
    return links_for(base, state.settings.notifier_url, report_id)


@router.post(
    "",
    status_code=202,
    response_model=ReportAccepted,
    openapi_extra=_REQUEST_BODY,
    responses={
        400: {"description": "Invalid JSON"},
        409: {"description": "Idempotency-Key reused with a different body"},
        413: {"description": "Body over the size limit, or a note over the per-note limit"},
        415: {"description": "Unsupported Content-Type"},
        422: {"description": "The request or its FHIR Bundle is invalid; the problems are listed"},
    },
)
async def submit_report(
    request: Request,
    response: Response,
    state: StateDep,
    principal: PrincipalDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> ReportAccepted:
    """Accept a report for asynchronous processing: 202 with its id and where to follow it.

    The report and its outbox message are stored in one transaction; this never waits on the broker.
    """
    body = await read_body(request, state.settings.max_body_bytes)
    check = partial(
        interpret,
        body,
        request.headers.get("content-type", ""),
        max_note_chars=state.settings.max_note_chars,
        fhir_validation=state.settings.fhir_validation,
    )
    # A small body is checked in well under a millisecond: less than handing it to a worker
    # thread and back costs (issue 15). Larger ones go to the thread pool, off the event loop.
    small = len(body) <= INLINE_BODY_BYTES
    submission = check() if small else await run_in_threadpool(check)
    try:
        # Stored with the tenant's other reports arriving meanwhile, in one statement (group
        # commit, services.gateway.group_accept); returns once this one is committed.
        created = await state.accept_group.accept(
            principal.tenant_id, submissions.Acceptance(submission, idempotency_key)
        )
    except submissions.IdempotencyConflict:
        raise ApiError(
            409,
            "idempotency_conflict",
            "This Idempotency-Key was already used with a different request body.",
        ) from None
    report_id = created.id
    links = _links(request, state, report_id)
    response.headers["Location"] = links.self
    if created.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    else:
        metrics.REPORTS_ACCEPTED.labels(kind=submission.kind.value).inc()
    return ReportAccepted(id=report_id, status=created.status, links=links)


@router.get("", response_model=ReportPage)
async def list_reports(
    request: Request,
    state: StateDep,
    principal: PrincipalDep,
    status: ReportStatus | None = None,
    kind: ReportKind | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> ReportPage:
    """The caller's reports, newest first; pass ``next_cursor`` back as ``cursor`` for more."""
    after = after_cursor(cursor)
    async with state.pool.acquire() as conn:
        rows = await report_rows.list_reports(
            conn,
            principal.tenant_id,
            status=status.value if status else None,
            kind=kind.value if kind else None,
            limit=limit + 1,
            after=after,
        )
    page, more = rows[:limit], len(rows) > limit
    next_cursor = encode_cursor(page[-1]["created_at"], page[-1]["id"]) if more else None
    return ReportPage(
        items=[report_view(r, _links(request, state, r["id"])) for r in page],
        next_cursor=next_cursor,
    )


@router.get("/{report_id}", response_model=ReportView, responses={404: {}})
async def get_report(
    report_id: UUID, request: Request, state: StateDep, principal: PrincipalDep
) -> ReportView:
    """Status, progress, timings; the error when FAILED, the result summary when COMPLETE."""
    async with state.pool.acquire() as conn:
        row = await report_rows.fetch_report(conn, principal.tenant_id, report_id)
    if row is None:
        raise not_found()
    return report_view(row, _links(request, state, report_id))


async def _complete_report(
    conn: Connection, tenant_id: UUID, report_id: UUID, what: str
) -> asyncpg.Record:
    """The tenant's report when COMPLETE; 404 when absent, 409 naming its status otherwise."""
    row = await report_rows.fetch_report(conn, tenant_id, report_id)
    if row is None:
        raise not_found()
    if row["status"] != ReportStatus.COMPLETE:
        raise ApiError(
            409,
            "report_not_complete",
            f"The report is {row['status']} ({row['current_step']}, "
            f"{row['progress_percent']}%); the {what} exists once it is COMPLETE.",
            status=row["status"],
            progress_percent=row["progress_percent"],
        )
    return row


@router.get(
    "/{report_id}/pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}},
        404: {},
        409: {"description": "The report is not COMPLETE yet (or FAILED)"},
    },
)
async def get_pdf(report_id: UUID, state: StateDep, principal: PrincipalDep) -> Response:
    """The finished PDF; 409 with the report's status while it is not COMPLETE."""
    async with state.pool.acquire() as conn:
        row = await _complete_report(conn, principal.tenant_id, report_id, "PDF")
        artifact = await artifacts.load_artifact(conn, report_id, PDF_ARTIFACT)
    if artifact is None:
        raise ApiError(404, "not_found", "The report has no PDF.")
    filename = f"clinrelay-{row['kind']}-{report_id}.pdf"
    return Response(
        content=artifact["content"],
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "ETag": f'"{artifact["sha256"].hex()}"',
        },
    )


@router.get("/{report_id}/events", response_model=AuditTrail, responses={404: {}})
async def get_events(report_id: UUID, state: StateDep, principal: PrincipalDep) -> AuditTrail:
    """The report's audit trail in order: who did which step, when, with what outcome."""
    async with state.pool.acquire() as conn:
        row = await report_rows.fetch_report(conn, principal.tenant_id, report_id)
        if row is None:
            raise not_found()
        events, chain_valid = await audit.trail(conn, report_id)
    return AuditTrail(
        report_id=report_id,
        chain_valid=chain_valid,
        events=[AuditEvent(**dict(e)) for e in events],
    )


@router.get("/{report_id}/audit/verify", response_model=AuditVerification, responses={404: {}})
async def verify_audit(
    report_id: UUID, state: StateDep, principal: PrincipalDep
) -> AuditVerification:
    """Check the report's audit trail against its hash chain and its own count of events: whether
    it is intact, and else the first event altered or missing (deleting the last events shows)."""
    async with state.pool.acquire() as conn:
        if await report_rows.fetch_report(conn, principal.tenant_id, report_id) is None:
            raise not_found()
        check = await audit.check_trail(conn, report_id)
    if check is None:  # deleted between the two reads
        raise not_found()
    return AuditVerification(
        report_id=report_id,
        intact=check.intact,
        first_bad_seq=check.first_bad_seq,
        problem=check.problem,
        events_checked=check.events_checked,
        events_recorded=check.events_recorded,
    )


@router.get(
    "/{report_id}/analysis",
    response_model=ReportAnalysis,
    responses={
        404: {"description": "No such report, or not a coding report"},
        409: {"description": "The report is not COMPLETE yet (or FAILED)"},
    },
)
async def get_analysis(report_id: UUID, state: StateDep, principal: PrincipalDep) -> ReportAnalysis:
    """A coding report's analysis as de-identified JSON: the codes the encounters document (with
    category, assertion, score, evidence and alternatives), the mentions set aside, a verdict on
    every billed code, the claim findings, the corrected claim and the CMS-HCC revenue estimate
    (gained, at risk, net). The same analysis the PDF was drawn from."""
    async with state.pool.acquire() as conn:
        row = await _complete_report(conn, principal.tenant_id, report_id, "analysis")
        if row["kind"] != ReportKind.CODING:
            raise ApiError(
                404, "not_found", "Only coding reports have an analysis; see the PDF instead."
            )
        artifact = await artifacts.load_artifact(conn, report_id, ANALYSIS_ARTIFACT)
    if artifact is None:
        raise ApiError(404, "not_found", "The report has no stored analysis.")
    return await run_in_threadpool(_coding_analysis_view, report_id, artifact["content"])


def _coding_analysis_view(report_id: UUID, content: bytes) -> ReportAnalysis:
    return report_analysis(report_id, CodingAnalysis.model_validate_json(content))


@router.get(
    "/{report_id}/fhir",
    response_class=Response,
    responses={
        200: {"content": {"application/fhir+json": {}}},
        404: {},
        409: {"description": "The report is not COMPLETE yet (or FAILED)"},
    },
)
async def get_fhir(report_id: UUID, state: StateDep, principal: PrincipalDep) -> Response:
    """The finished report as a FHIR R4 Bundle (collection): a DiagnosticReport with the PDF in
    presentedForm; for coding reports, Conditions (assertion and score coded), DetectedIssues and
    Provenance; for safety reports, the case line listing as a DocumentReference."""
    async with state.pool.acquire() as conn:
        await _complete_report(conn, principal.tenant_id, report_id, "FHIR Bundle")
        bundle = await artifacts.load_artifact(conn, report_id, FHIR_ARTIFACT)
    if bundle is None:
        raise ApiError(404, "not_found", "The report has no FHIR output.")
    return Response(bundle["content"], media_type=FHIR_MEDIA_TYPE)


@router.post(
    "/{report_id}/retry",
    status_code=202,
    response_model=ReportView,
    responses={
        404: {"description": "No such report"},
        409: {"description": "The report is not FAILED, or its input is no longer kept"},
    },
)
async def retry(
    report_id: UUID, request: Request, state: StateDep, principal: PrincipalDep
) -> ReportView:
    """Run a FAILED report again from its first stage; it goes back to PENDING (202)."""
    async with state.pool.acquire() as conn:
        async with conn.transaction():
            try:
                found = await retries.retry_report(
                    conn, principal.tenant_id, report_id, actor=f"key:{principal.key_prefix}"
                )
            except retries.RetryRefused as exc:
                raise ApiError(409, "retry_refused", str(exc)) from None
        if not found:
            raise not_found()
        row = await report_rows.fetch_report(conn, principal.tenant_id, report_id)
    assert row is not None
    return report_view(row, _links(request, state, report_id))


async def _csv_artifact(
    state: StateDep, tenant_id: UUID, report_id: UUID, name: str, filename: str
) -> Response:
    async with state.pool.acquire() as conn:
        await _complete_report(conn, tenant_id, report_id, "CSV export")
        artifact = await artifacts.load_artifact(conn, report_id, name)
    if artifact is None:
        raise ApiError(
            404, "not_found", "The report has no such export (only safety reports have them)."
        )
    return Response(
        content=artifact["content"],
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "ETag": f'"{artifact["sha256"].hex()}"',
        },
    )


_CSV_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}},
    404: {"description": "No such report, or it has no such export (coding reports)"},
    409: {"description": "The report is not COMPLETE yet (or FAILED)"},
}


@router.get("/{report_id}/cases.csv", response_class=Response, responses=_CSV_RESPONSES)
async def get_cases_csv(report_id: UUID, state: StateDep, principal: PrincipalDep) -> Response:
    """A safety report's case line listing: one header line, one line per case (RFC 4180)."""
    return await _csv_artifact(
        state, principal.tenant_id, report_id, CASES_ARTIFACT, f"cases-{report_id}.csv"
    )


@router.get("/{report_id}/tables/{table}.csv", response_class=Response, responses=_CSV_RESPONSES)
async def get_table_csv(
    report_id: UUID, table: TableName, state: StateDep, principal: PrincipalDep
) -> Response:
    """One table of a safety report as CSV: events, disproportionality, seriousness, trend,
    alerts (device reports: event_types, device_problems, patient_problems, trend, alerts)."""
    return await _csv_artifact(
        state,
        principal.tenant_id,
        report_id,
        table_artifact(table.value),
        f"{table.value}-{report_id}.csv",
    )
