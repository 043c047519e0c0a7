"""The ``schedules`` table: create, list, get, delete, and the lease that makes a run happen once.

A due schedule is claimed with ``FOR UPDATE SKIP LOCKED`` and a lease (owner + expiry): replicas
polling together each take different schedules, and a schedule whose runner died becomes
claimable again when its lease expires. Finishing a run moves ``next_run_at`` on and clears the
lease, guarded by the owner, so a runner whose lease was taken over cannot overwrite the newer run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

import asyncpg

from shared.events.cer import CerRequest
from shared.events.device import DeviceRequest

if TYPE_CHECKING:
    from shared.db.pool import Connection

_COLUMNS = """id, tenant_id, kind, subject, ndc, request, every, next_run_at, lease_owner,
    lease_until, runs, last_run_at, last_outcome, last_data_updated, last_report_id, created_at"""

SafetyRequest = CerRequest | DeviceRequest


def request_kind(request: SafetyRequest) -> str:
    return "device" if isinstance(request, DeviceRequest) else "cer"


@dataclass(frozen=True)
class Schedule:
    id: UUID
    tenant_id: UUID
    kind: str
    """``cer`` (a drug report) or ``device``."""
    subject: str
    """What each run searches, e.g. ``ingredient:AMBRISENTAN|suspect`` or ``product_code:FRN``."""
    ndc: str | None
    request: SafetyRequest
    every: str
    next_run_at: datetime
    runs: int
    last_run_at: datetime | None
    last_outcome: str | None
    last_data_updated: date | None
    last_report_id: UUID | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Schedule:
        model: type[SafetyRequest] = DeviceRequest if row["kind"] == "device" else CerRequest
        return cls(
            id=row["id"],
            tenant_id=row["tenant_id"],
            kind=row["kind"],
            subject=row["subject"],
            ndc=row["ndc"],
            request=model.model_validate(row["request"]),
            every=row["every"],
            next_run_at=row["next_run_at"],
            runs=row["runs"],
            last_run_at=row["last_run_at"],
            last_outcome=row["last_outcome"],
            last_data_updated=row["last_data_updated"],
            last_report_id=row["last_report_id"],
            created_at=row["created_at"],
        )


async def create_schedule(
    conn: Connection, tenant_id: UUID, request: SafetyRequest, every: str, first_run_at: datetime
) -> Schedule:
    row = await conn.fetchrow(
        f"""INSERT INTO schedules (id, tenant_id, kind, subject, ndc, request, every, next_run_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {_COLUMNS}""",
        uuid4(),
        tenant_id,
        request_kind(request),
        request.subject_key,
        request.ndc if isinstance(request, CerRequest) else None,
        request.model_dump(mode="json"),
        every,
        first_run_at,
    )
    assert row is not None
    return Schedule.from_row(row)


async def list_schedules(conn: Connection, tenant_id: UUID, *, limit: int = 100) -> list[Schedule]:
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM schedules WHERE tenant_id = $1
            ORDER BY created_at DESC, id DESC LIMIT $2""",
        tenant_id,
        limit,
    )
    return [Schedule.from_row(r) for r in rows]


async def get_schedule(conn: Connection, tenant_id: UUID, schedule_id: UUID) -> Schedule | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM schedules WHERE id = $1 AND tenant_id = $2",
        schedule_id,
        tenant_id,
    )
    return Schedule.from_row(row) if row else None


async def delete_schedule(conn: Connection, tenant_id: UUID, schedule_id: UUID) -> bool:
    result = await conn.execute(
        "DELETE FROM schedules WHERE id = $1 AND tenant_id = $2", schedule_id, tenant_id
    )
    return bool(result.endswith(" 1"))


async def claim_due(conn: Connection, owner: str, *, lease_s: float, batch: int) -> list[Schedule]:
    """Lease up to ``batch`` due schedules to ``owner`` (none that another replica holds)."""
    rows = await conn.fetch(
        f"""UPDATE schedules SET lease_owner = $1,
                   lease_until = clock_timestamp() + make_interval(secs => $2)
            WHERE id IN (
                SELECT id FROM schedules
                WHERE next_run_at <= clock_timestamp()
                  AND (lease_until IS NULL OR lease_until < clock_timestamp())
                ORDER BY next_run_at
                LIMIT $3
                FOR UPDATE SKIP LOCKED)
            RETURNING {_COLUMNS}""",
        owner,
        lease_s,
        batch,
    )
    return sorted((Schedule.from_row(r) for r in rows), key=lambda s: s.next_run_at)


async def finish_run(
    conn: Connection,
    schedule: Schedule,
    owner: str,
    *,
    next_run_at: datetime,
    outcome: str,
    data_updated: date | None,
    report_id: UUID | None,
) -> bool:
    """Record a run and release the lease; False if the lease was lost (nothing written)."""
    result = await conn.execute(
        """UPDATE schedules SET next_run_at = $3, lease_owner = NULL, lease_until = NULL,
                  runs = runs + 1, last_run_at = clock_timestamp(), last_outcome = $4,
                  last_data_updated = COALESCE($5, last_data_updated),
                  last_report_id = COALESCE($6, last_report_id)
           WHERE id = $1 AND lease_owner = $2""",
        schedule.id,
        owner,
        next_run_at,
        outcome[:500],
        data_updated,
        report_id,
    )
    return bool(result.endswith(" 1"))
