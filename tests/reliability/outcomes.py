"""What "every accepted report ended exactly once" means, checked in the database.

For each report: COMPLETE (no FAILED that the input did not cause), one result, one PDF, one
terminal event, no duplicated step and no step that moved progress backwards, an intact audit
trail; and nothing parked.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any, ClassVar
from uuid import UUID

from shared.db.audit import check_trail
from shared.events import Envelope
from shared.stage import Artifact, StageContext, StageOutcome
from tests.integration.harness import Pipeline

REPEATABLE = frozenset({"retrying", "alert"})
"""Outcomes a report may record more than once (one per failed attempt, one per alert)."""


class PdfAnalyzer:
    """The last stage of the test road: completes the report with a result and a PDF."""

    name: ClassVar[str] = "analyzer"
    working_step: ClassVar[str] = "analyzing"
    working_progress: ClassVar[int] = 40
    handles_phi: ClassVar[bool] = False
    prefetch = 8

    def __init__(self) -> None:
        self.calls = 0

    async def handle(self, event: Envelope, ctx: StageContext) -> StageOutcome:
        self.calls += 1
        return StageOutcome(
            step="rendered",
            progress_percent=100,
            message="done",
            result={"report": str(event.report_id)},
            artifacts=(Artifact("report.pdf", "application/pdf", b"%PDF-1.7 fault test"),),
        )


async def until_final(pipe: Pipeline, report_ids: list[UUID], timeout: float) -> None:
    pool = await pipe.pool()
    async with asyncio.timeout(timeout):
        while await pool.fetchval(
            "SELECT count(*) FROM reports WHERE id = ANY($1::uuid[]) "
            "AND status NOT IN ('COMPLETE', 'FAILED')",
            report_ids,
        ):
            await asyncio.sleep(0.2)


async def assert_each_ended_once(pipe: Pipeline, report_ids: list[UUID]) -> None:
    pool = await pipe.pool()
    problems: dict[str, Any] = {}
    async with pool.acquire() as conn:
        for report_id in report_ids:
            report = await conn.fetchrow(
                "SELECT status, result, error_message FROM reports WHERE id = $1", report_id
            )
            events = await conn.fetch(
                "SELECT seq, actor, step, outcome, status, progress_percent FROM report_events "
                "WHERE report_id = $1 ORDER BY seq",
                report_id,
            )
            pdfs = await conn.fetchval(
                "SELECT count(*) FROM artifacts WHERE report_id = $1 AND name = 'report.pdf'",
                report_id,
            )
            audit = await check_trail(conn, report_id)
            terminal = [e for e in events if e["status"] in ("COMPLETE", "FAILED")]
            steps = Counter(
                (e["actor"], e["step"], e["outcome"])
                for e in events
                if e["outcome"] not in REPEATABLE
            )
            progress = [e["progress_percent"] for e in events]
            assert report is not None, f"report {report_id} is gone"
            found = {
                "status": report["status"] if report["status"] != "COMPLETE" else None,
                "error": report["error_message"],
                "no result": report["result"] is None or None,
                "pdfs": pdfs if pdfs != 1 else None,
                "terminal events": len(terminal) if len(terminal) != 1 else None,
                "repeated steps": [k for k, n in steps.items() if n > 1] or None,
                "backwards": progress if progress != sorted(progress) else None,
                "audit": None if audit is not None and audit.intact else audit,
            }
            found = {k: v for k, v in found.items() if v is not None}
            if found:
                problems[str(report_id)] = found
        parked = await conn.fetch("SELECT stage, reason, error_message FROM dead_letters")
    assert not problems, problems
    assert not parked, [dict(p) for p in parked]
