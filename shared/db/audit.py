"""Checking a report's audit trail: every event present, in order, and hashing to what was recorded.

Each event carries the SHA-256 of its predecessor (see :mod:`shared.db.reports`), so an edited
event breaks the chain at that event. A chain alone cannot show that its *last* events are gone —
what is left still links up — so the check also compares with the report row's own count of
events (``event_seq``) and the hash of its last one (``event_hash``), which every step updates in
the same transaction as the event it appends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

import asyncpg

from shared.db.reports import Step, event_hash, hashed_fields
from shared.events import ReportStatus

if TYPE_CHECKING:
    from shared.db.pool import Connection

Problem = Literal["altered", "missing", "unexpected"]


@dataclass(frozen=True)
class AuditCheck:
    intact: bool
    first_bad_seq: int | None
    """The first event altered or missing (None when intact)."""
    problem: Problem | None
    events_checked: int
    """Events found in the trail."""
    events_recorded: int
    """Events the report says it has (its ``event_seq``)."""


async def check_trail(conn: Connection, report_id: UUID) -> AuditCheck | None:
    """Verify the report's audit trail; None when there is no such report."""
    report = await conn.fetchrow(
        "SELECT event_seq, event_hash FROM reports WHERE id = $1", report_id
    )
    if report is None:
        return None
    rows = await conn.fetch(
        """SELECT seq, at, actor, step, outcome, status, progress_percent, message, details,
                  prev_hash, hash
           FROM report_events WHERE report_id = $1 ORDER BY seq""",
        report_id,
    )
    recorded: int = report["event_seq"]
    found = first_problem(report_id, [dict(r) for r in rows], recorded, report["event_hash"])
    if found is None:
        return AuditCheck(True, None, None, len(rows), recorded)
    seq, problem = found
    return AuditCheck(False, seq, problem, len(rows), recorded)


async def trail(conn: Connection, report_id: UUID) -> tuple[list[asyncpg.Record], bool]:
    """The audit trail in order, and whether it is intact (see :func:`check_trail`)."""
    rows = await conn.fetch(
        """SELECT seq, at, actor, step, outcome, status, progress_percent, message, details
           FROM report_events WHERE report_id = $1 ORDER BY seq""",
        report_id,
    )
    check = await check_trail(conn, report_id)
    return rows, check is not None and check.intact


def first_problem(
    report_id: UUID, rows: list[dict[str, Any]], recorded: int, last_hash: bytes | None
) -> tuple[int, Problem] | None:
    """The first event (by number) that is altered, missing or unexpected, in ``rows`` ordered by
    ``seq``, given the report's own count of events and the hash of its last one."""
    prev: bytes | None = None
    for expected_seq, row in enumerate(rows, start=1):
        problem = _row_problem(report_id, row, expected_seq, recorded, prev)
        if problem is not None:
            return problem
        prev = row["hash"]
    if len(rows) < recorded:
        return len(rows) + 1, "missing"  # the last events are gone
    if recorded and prev != last_hash:
        return recorded, "altered"  # the last event replaced by a self-consistent one
    return None


def _row_problem(
    report_id: UUID, row: dict[str, Any], expected_seq: int, recorded: int, prev: bytes | None
) -> tuple[int, Problem] | None:
    seq: int = row["seq"]
    if seq != expected_seq:
        return expected_seq, "missing"  # a gap: event expected_seq is gone
    if seq > recorded:
        return seq, "unexpected"  # beyond what the report ever recorded
    step = Step(
        actor=row["actor"],
        step=row["step"],
        outcome=row["outcome"],
        status=ReportStatus(row["status"]),
        progress_percent=row["progress_percent"],
        message=row["message"],
        details=row["details"],
    )
    if (
        row["prev_hash"] != prev
        or event_hash(prev, hashed_fields(report_id, seq, row["at"], step)) != row["hash"]
    ):
        return seq, "altered"
    return None
