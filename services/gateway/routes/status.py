"""``GET /v1/admin/status``: per-stage queue depth, work and backlogs (operator keys only)."""

from __future__ import annotations

from fastapi import APIRouter

from services.gateway.deps import OperatorDep, StateDep
from services.gateway.status_views import WINDOW, SystemStatus, system_status
from shared.bus.topology import STAGES
from shared.db import deadletter_search, outbox
from shared.db import pipeline_figures as figures
from shared.events.envelope import utcnow
from shared.metrics.broker import BrokerSnapshot

router = APIRouter(prefix="/v1/admin", tags=["admin"])


@router.get("/status", response_model=SystemStatus)
async def system(state: StateDep, _: OperatorDep) -> SystemStatus:
    """The pipeline now: each stage's queue depth, consumers and in-flight messages (from the
    broker, at most a few seconds old), its throughput, failure rate and p50/p95/p99 processing
    time over the last 15 minutes, the oldest report waiting for it, and the outbox and
    dead-letter backlogs."""
    async with state.pool.acquire() as conn:
        work = await figures.stage_windows(conn, STAGES, WINDOW)
        waiting = await figures.oldest_waiting_s(conn)
        backlog = await outbox.outbox_backlog(conn)
        dead = await deadletter_search.open_dead_letters(conn)
    stats = state.broker_stats
    broker = stats.snapshot if stats is not None else BrokerSnapshot(error="not connected")
    return system_status(utcnow(), STAGES, broker, work, waiting, backlog, dead)
