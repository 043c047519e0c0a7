"""Batches: many reports accepted in one transaction and followed as one.

:func:`create_batch` stores the batch, each of its reports (exactly as a single submission is
stored: raw input, first audit event, ``report.requested``) and the batch's first notification,
atomically. From then on the database keeps the batch's counts: a trigger (migration 0020) updates
them whenever one of its reports changes status and writes the matching ``batch.progress`` or
``batch.completed`` notification to the outbox in the same transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import asyncpg

from shared.db import outbox
from shared.db.submissions import IdempotencyConflict, Submission, add_batch_reports
from shared.events import routing
from shared.events.batch import BatchCounts, BatchNotification, batch_status

if TYPE_CHECKING:
    from shared.db.pool import Connection

BATCH_COLUMNS = """id, tenant_id, total, rejected, pending, processing, complete, failed,
    event_seq, created_at, updated_at, completed_at"""


@dataclass(frozen=True)
class BatchItem:
    """One accepted item of a batch: its line (NDJSON) or 1-based position (JSON array)."""

    line: int
    submission: Submission


@dataclass(frozen=True)
class CreatedBatch:
    batch: asyncpg.Record
    report_ids: dict[int, UUID]
    """Report id by item line (empty when an earlier request is being replayed)."""
    replayed: bool


def batch_fingerprint(items: Sequence[BatchItem], rejected_lines: Sequence[int]) -> bytes:
    """Equal batches (same items in the same lines, same refusals), equal fingerprints."""
    digest = hashlib.sha256()
    for item in items:
        digest.update(item.line.to_bytes(4, "big") + item.submission.fingerprint)
    for line in rejected_lines:
        digest.update(b"!" + line.to_bytes(4, "big"))
    return digest.digest()


async def create_batch(
    conn: Connection,
    tenant_id: UUID,
    items: Sequence[BatchItem],
    *,
    rejected: int,
    fingerprint: bytes,
    idempotency_key: str | None,
) -> CreatedBatch:
    """Store a batch of at least one report, atomically; with an Idempotency-Key already used for
    an equal batch, the earlier batch (``replayed``); for a different one, IdempotencyConflict."""
    if not items:
        raise ValueError("a batch holds at least one report")
    async with conn.transaction():
        batch_id = uuid4()
        inserted = await conn.fetchrow(
            f"""INSERT INTO batches (id, tenant_id, total, rejected, pending, event_seq,
                                     idempotency_key, request_hash)
                VALUES ($1, $2, $3, $4, $3, 1, $5, $6)
                ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
                RETURNING {BATCH_COLUMNS}""",
            batch_id,
            tenant_id,
            len(items),
            rejected,
            idempotency_key,
            fingerprint,
        )
        if inserted is None:
            existing = await conn.fetchrow(
                f"""SELECT {BATCH_COLUMNS}, request_hash FROM batches
                    WHERE tenant_id = $1 AND idempotency_key = $2""",
                tenant_id,
                idempotency_key,
            )
            assert existing is not None
            if existing["request_hash"] != fingerprint:
                raise IdempotencyConflict
            return CreatedBatch(existing, {}, replayed=True)
        report_ids = await add_batch_reports(
            conn, tenant_id, batch_id, {item.line: item.submission for item in items}
        )
        await _enqueue_notification(conn, first_notification(inserted))
        return CreatedBatch(inserted, report_ids, replayed=False)


def first_notification(batch: asyncpg.Record) -> BatchNotification:
    counts = BatchCounts(pending=batch["total"], processing=0, complete=0, failed=0)
    return BatchNotification(
        event_id=batch["event_seq"],
        batch_id=batch["id"],
        tenant_id=batch["tenant_id"],
        status=batch_status(counts, batch["total"]),
        total=batch["total"],
        counts=counts,
        progress_percent=0,
        at=batch["created_at"],
    )


async def _enqueue_notification(conn: Connection, note: BatchNotification) -> None:
    await outbox.enqueue(
        conn,
        message_id=_notification_id(note.batch_id, note.event_id),
        routing_key=routing.BATCH_PROGRESS,
        body=note.model_dump_json().encode(),
    )


def _notification_id(batch_id: UUID, event_id: int) -> UUID:
    # The same derivation as the database's: md5('batch:<id>:<seq>') read as a UUID.
    return UUID(hashlib.md5(f"batch:{batch_id}:{event_id}".encode()).hexdigest())  # noqa: S324


async def get_batch(conn: Connection, tenant_id: UUID, batch_id: UUID) -> asyncpg.Record | None:
    """The tenant's batch, or None (also for another tenant's batch)."""
    return await conn.fetchrow(
        f"SELECT {BATCH_COLUMNS} FROM batches WHERE id = $1 AND tenant_id = $2",
        batch_id,
        tenant_id,
    )


async def batch_reports(conn: Connection, batch_id: UUID) -> list[asyncpg.Record]:
    """The batch's reports in item order, with what a progress view needs."""
    return await conn.fetch(
        """SELECT id, batch_line, kind, status, progress_percent, current_step, error_message,
                  updated_at
           FROM reports WHERE batch_id = $1 ORDER BY batch_line""",
        batch_id,
    )


async def list_batches(
    conn: Connection, tenant_id: UUID, *, limit: int, after: tuple[datetime, UUID] | None
) -> list[asyncpg.Record]:
    """The tenant's batches, newest first (keyset pagination on created_at, id)."""
    args: list[Any] = [tenant_id, limit]
    condition = ""
    if after is not None:
        args.extend(after)
        condition = "AND (created_at, id) < ($3, $4)"
    return await conn.fetch(
        f"""SELECT {BATCH_COLUMNS} FROM batches WHERE tenant_id = $1 {condition}
            ORDER BY created_at DESC, id DESC LIMIT $2""",
        *args,
    )
