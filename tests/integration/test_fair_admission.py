"""Fair admission between tenants, on the real broker and database.

What a user would notice: one tenant's burst does not hold another tenant's single report behind
it — the burst waits in the outbox beyond the tenant's quota of reports in flight, the other
tenant's report goes straight to work, and every held-back report is still produced, once.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar
from uuid import UUID

from shared.events import Envelope
from shared.stage import StageContext, StageOutcome
from tests.integration.doubles import new_report
from tests.integration.harness import Pipeline

QUOTA = 3


class GatedStage:
    """Holds every report it receives until the test opens the gate, recording who arrived."""

    name: ClassVar[str] = "ingestor"
    working_step: ClassVar[str] = "ingesting"
    working_progress: ClassVar[int] = 10
    handles_phi: ClassVar[bool] = True
    prefetch = 50

    def __init__(self) -> None:
        self.arrived: list[UUID] = []
        self.gate = asyncio.Event()

    async def handle(self, event: Envelope, ctx: StageContext) -> StageOutcome:
        self.arrived.append(event.report_id)
        await self.gate.wait()
        return StageOutcome(
            step="rendered", progress_percent=100, message="done", result={"pages": 1}
        )


async def _until(condition: object, timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():  # type: ignore[operator]
            await asyncio.sleep(0.02)


async def test_a_burst_waits_beyond_its_quota_and_another_tenant_goes_first(
    pipeline: Pipeline,
) -> None:
    stage = GatedStage()
    await pipeline.start_stage(stage)
    burst = [await new_report(pipeline, tenant="burst") for _ in range(10)]
    quiet = await new_report(pipeline, tenant="quiet")
    await pipeline.start_relay(tenant_in_flight=QUOTA)

    await _until(lambda: len(stage.arrived) == QUOTA + 1)
    await asyncio.sleep(0.5)  # nothing more is admitted while the burst's quota is used up
    assert set(stage.arrived) == {*burst[:QUOTA], quiet}
    pool = await pipeline.pool()
    assert (
        await pool.fetchval("SELECT count(*) FROM outbox WHERE admission_tenant IS NOT NULL") == 7
    )

    stage.gate.set()  # finishing admitted reports admits the rest, oldest first
    for report_id in [*burst, quiet]:
        row = await pipeline.wait_for_status(report_id)
        assert row["status"] == "COMPLETE"
    assert sorted(map(str, stage.arrived)) == sorted(map(str, [*burst, quiet]))  # each once


async def test_a_quota_of_zero_admits_everything_at_once(pipeline: Pipeline) -> None:
    stage = GatedStage()
    await pipeline.start_stage(stage)
    burst = [await new_report(pipeline, tenant="burst") for _ in range(10)]
    await pipeline.start_relay(tenant_in_flight=0)

    await _until(lambda: len(stage.arrived) == 10)
    assert set(stage.arrived) == set(burst)
    stage.gate.set()
    for report_id in burst:
        assert (await pipeline.wait_for_status(report_id))["status"] == "COMPLETE"
