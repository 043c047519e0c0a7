"""The scheduler loop that runs inside every ingestor replica.

Each poll leases the due schedules no other replica holds. One live request per endpoint asks
openFDA for its data release (``meta.last_updated`` of drug or device events); only when it differs
from the release of the last regenerated report is a new report submitted, through the same path
as ``POST /v1/reports`` (report row, audit event and ``report.requested`` in one transaction).
The submission's idempotency key is the schedule and its due time, so a run redone after a lost
lease cannot create a second report.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import asyncpg
import structlog

from shared.db import schedules as stored_schedules
from shared.db.schedules import SafetyRequest, Schedule
from shared.intake.cadence import parse_cadence
from shared.runtime import every

log = structlog.get_logger(__name__)

ReleaseProbe = Callable[[str], Awaitable[date | None]]
"""Returns openFDA's current ``meta.last_updated`` for a report kind's endpoint (``cer``: drug
events, ``device``: device events; None when it cannot say)."""

SubmitReport = Callable[[UUID, SafetyRequest, str], Awaitable[UUID]]
"""Submits a safety report for (tenant, request, idempotency key); returns the report id."""

RETRY_AFTER_FAILURE = timedelta(minutes=15)


@dataclass(frozen=True)
class RunResult:
    schedule_id: UUID
    outcome: str
    report_id: UUID | None


class Scheduler:
    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        owner: str,
        probe: ReleaseProbe,
        submit: SubmitReport,
        lease_s: float = 300.0,
        batch: int = 10,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._pool = pool
        self.owner = owner
        self._probe = probe
        self._submit = submit
        self._lease_s = lease_s
        self._batch = batch
        self._clock = clock

    async def _run(self, schedule: Schedule, release: date | None) -> RunResult:
        cadence = parse_cadence(schedule.every)
        now = self._clock()
        # Runs missed while no replica was up collapse into this one.
        next_run = cadence.next_after(max(now, schedule.next_run_at))
        report_id: UUID | None = None
        if release is not None and release == schedule.last_data_updated:
            outcome = "unchanged"
        else:
            key = f"schedule:{schedule.id}:{schedule.next_run_at.isoformat()}"
            request = schedule.request.model_copy(update={"schedule_id": schedule.id})
            report_id = await self._submit(schedule.tenant_id, request, key)
            outcome = "regenerated"
        async with self._pool.acquire() as conn:
            kept = await stored_schedules.finish_run(
                conn,
                schedule,
                self.owner,
                next_run_at=next_run,
                outcome=outcome,
                data_updated=release if outcome == "regenerated" else None,
                report_id=report_id,
            )
        if not kept:
            log.warning("scheduler.lease_lost", schedule_id=str(schedule.id))
        return RunResult(schedule.id, outcome, report_id)

    async def _fail(self, schedule: Schedule, reason: str) -> RunResult:
        async with self._pool.acquire() as conn:
            await stored_schedules.finish_run(
                conn,
                schedule,
                self.owner,
                next_run_at=self._clock() + RETRY_AFTER_FAILURE,
                outcome=f"failed: {reason}",
                data_updated=None,
                report_id=None,
            )
        return RunResult(schedule.id, f"failed: {reason}", None)

    async def run_due(self) -> list[RunResult]:
        """Claim the due schedules, run each once, release them; returns what was done."""
        async with self._pool.acquire() as conn:
            claimed = await stored_schedules.claim_due(
                conn, self.owner, lease_s=self._lease_s, batch=self._batch
            )
        if not claimed:
            return []
        results = []
        releases: dict[str, date | None] = {}
        failures: dict[str, str] = {}
        for schedule in claimed:
            kind = schedule.kind
            if kind not in releases and kind not in failures:
                try:
                    releases[kind] = await self._probe(kind)
                except Exception as exc:  # openFDA down: retry later, report nothing as changed
                    failures[kind] = getattr(exc, "message", type(exc).__name__)
                    log.warning("scheduler.probe_failed", error=failures[kind], kind=kind)
            if kind in failures:
                reason = f"openFDA probe failed ({failures[kind]})"
                results.append(await self._fail(schedule, reason))
                continue
            try:
                results.append(await self._run(schedule, releases[kind]))
            except Exception as exc:
                log.exception("scheduler.run_failed", schedule_id=str(schedule.id))
                results.append(await self._fail(schedule, type(exc).__name__))
        for result in results:
            log.info("scheduler.ran", schedule_id=str(result.schedule_id), outcome=result.outcome)
        return results

    async def run_forever(self, stop: asyncio.Event, poll_s: float) -> None:
        """Poll until ``stop`` is set; a failing poll (database restart) is retried next time."""
        await every(poll_s, self.run_due, stop, job="cer-scheduler", survives=_poll_again)


def _poll_again(exc: Exception) -> bool:
    """A poll that failed in the database (a restart, a conflict) is simply tried next time."""
    return isinstance(exc, OSError | asyncpg.PostgresError)
