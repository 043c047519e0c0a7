"""A stage service process whose domain work is a test double, for crash tests.

``python -m tests.reliability.stage_process DELAY_S`` serves the ingestor queue with the real
runtime (runner, relay, dead-letter recorder, signals) around a stage that takes DELAY_S seconds
and then completes the report with a one-page "PDF". Configuration comes from CLINRELAY_* variables.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import ClassVar

from shared.db.pool import Pool
from shared.events import Envelope
from shared.runtime import Jobs
from shared.settings import Settings
from shared.stage import Artifact, Stage, StageContext, StageOutcome
from shared.stage_service import serve_stage


class SlowStage:
    name: ClassVar[str] = "ingestor"
    working_step: ClassVar[str] = "ingesting"
    working_progress: ClassVar[int] = 10
    handles_phi: ClassVar[bool] = True
    prefetch = 2

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s

    async def handle(self, event: Envelope, ctx: StageContext) -> StageOutcome:
        await asyncio.sleep(self.delay_s)
        return StageOutcome(
            step="rendered",
            progress_percent=100,
            message="done",
            result={"pages": 1},
            artifacts=(Artifact("report.pdf", "application/pdf", b"%PDF-1.7 test"),),
        )


def main() -> None:
    delay = float(sys.argv[1])

    @asynccontextmanager
    async def factory(_: Settings, __: Pool, ___: Jobs) -> AsyncIterator[Stage]:
        yield SlowStage(delay)

    asyncio.run(serve_stage("ingestor", factory, Settings()))


if __name__ == "__main__":
    main()
