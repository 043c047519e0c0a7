"""Every query the gateway runs, in one place; routes stay thin.

Tenant isolation lives here: every read of a report is filtered by the caller's tenant, so a report
of another tenant is indistinguishable from one that does not exist.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import asyncpg

from services.gateway.submission import Submission
from shared.db import outbox
from shared.db.reports import Step, record_step, verify_chain
from shared.events import Envelope, ReportStatus, routing

if TYPE_CHECKING:
    from shared.db.pool import Connection


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before with a different request."""


@dataclass(frozen=True)
class Created:
    report: asyncpg.Record
    replayed: bool
    """True when an earlier request with the same Idempotency-Key is being returned."""


_REPORT_COLUMNS = """id, tenant_id, kind, status, progress_percent, current_step, created_at,
    updated_at, started_at, completed_at, processing_time_ms, error_message, error_details,
    retry_count, request, result, event_seq"""


async def create_report(
    conn: Connection,
    tenant_id: UUID,
    submission: Submission,
    idempotency_key: str | None,
) -> Created:
    """Store the report, its raw input, its first audit event and report.requested, atomically."""
    async with conn.transaction():
        report_id = uuid4()
        inserted = await conn.fetchrow(
            f"""INSERT INTO reports (id, tenant_id, kind, request, idempotency_key, request_hash)
                VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
                RETURNING {_REPORT_COLUMNS}""",
            report_id,
            tenant_id,
            submission.kind.value,
            submission.parameters,
            idempotency_key,
            submission.fingerprint,
        )
        if inserted is None:
            existing = await conn.fetchrow(
                f"""SELECT {_REPORT_COLUMNS}, request_hash FROM reports
                    WHERE tenant_id = $1 AND idempotency_key = $2""",
                tenant_id,
                idempotency_key,
            )
            assert existing is not None
            if existing["request_hash"] != submission.fingerprint:
                raise IdempotencyConflict
            return Created(existing, replayed=True)
        if submission.raw_input is not None:
            await conn.execute(
                "INSERT INTO report_inputs (report_id, media_type, body) VALUES ($1, $2, $3)",
                report_id,
                submission.input_media_type,
                submission.raw_input,
            )
        await record_step(
            conn,
            report_id,
            Step(
                actor="gateway",
                step="accepted",
                outcome="accepted",
                status=ReportStatus.PENDING,
                progress_percent=0,
                message=f"{submission.kind.value} report accepted",
            ),
        )
        await outbox.enqueue_event(
            conn,
            Envelope(
                type=routing.REPORT_REQUESTED,
                report_id=report_id,
                tenant_id=tenant_id,
                kind=submission.kind,
                payload=submission.parameters,
            ),
        )
        report = await get_report(conn, tenant_id, report_id)
        assert report is not None
        return Created(report, replayed=False)


async def get_report(conn: Connection, tenant_id: UUID, report_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_REPORT_COLUMNS} FROM reports WHERE id = $1 AND tenant_id = $2",
        report_id,
        tenant_id,
    )


def encode_cursor(created_at: datetime, report_id: UUID) -> str:
    raw = f"{created_at.isoformat()}|{report_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    """Raises ValueError for a cursor this gateway did not make."""
    padded = cursor + "=" * (-len(cursor) % 4)
    created, _, report_id = base64.urlsafe_b64decode(padded).decode().partition("|")
    return datetime.fromisoformat(created), UUID(report_id)


async def list_reports(
    conn: Connection,
    tenant_id: UUID,
    *,
    status: str | None,
    kind: str | None,
    limit: int,
    after: tuple[datetime, UUID] | None,
) -> list[asyncpg.Record]:
    """Newest first; keyset pagination on (created_at, id) so pages are stable under inserts."""
    conditions = ["tenant_id = $1"]
    args: list[Any] = [tenant_id]
    if status is not None:
        args.append(status)
        conditions.append(f"status = ${len(args)}")
    if kind is not None:
        args.append(kind)
        conditions.append(f"kind = ${len(args)}")
    if after is not None:
        args.extend(after)
        conditions.append(f"(created_at, id) < (${len(args) - 1}, ${len(args)})")
    args.append(limit)
    return await conn.fetch(
        f"""SELECT {_REPORT_COLUMNS} FROM reports WHERE {" AND ".join(conditions)}
            ORDER BY created_at DESC, id DESC LIMIT ${len(args)}""",
        *args,
    )


async def report_events(conn: Connection, report_id: UUID) -> tuple[list[asyncpg.Record], bool]:
    """The audit trail in order, and whether its hash chain is intact."""
    rows = await conn.fetch(
        """SELECT seq, at, actor, step, outcome, status, progress_percent, message, details
           FROM report_events WHERE report_id = $1 ORDER BY seq""",
        report_id,
    )
    return rows, await verify_chain(conn, report_id)


async def get_artifact(conn: Connection, report_id: UUID, name: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT media_type, content, sha256 FROM artifacts WHERE report_id = $1 AND name = $2",
        report_id,
        name,
    )
