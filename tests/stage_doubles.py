"""Test-double stages: scripted behaviour per call, for the delivery tests on the in-memory road
(tests/unit/shared) and on RabbitMQ and PostgreSQL (tests/integration)."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from pydantic import BaseModel

from shared.events import Envelope, routing
from shared.stage import Artifact, NextEvent, StageContext, StageError, StageOutcome

PHI_IN_AN_EXCEPTION = "Patient John Smith DOB 01/02/1950 broke the parser"


class Payload(BaseModel):
    value: int


class RecordingStage:
    """A stage whose behaviour per call is scripted: "ok", "slow", "crash", "permanent", "hang"."""

    name: ClassVar[str] = "ingestor"
    working_step: ClassVar[str] = "ingesting"
    working_progress: ClassVar[int] = 10
    handles_phi: ClassVar[bool] = True

    def __init__(self, script: list[str] | None = None, *, final: bool = True) -> None:
        self.script = list(script or [])
        self.calls = 0
        self.final = final
        self.prefetch = 4

    async def handle(self, event: Envelope, ctx: StageContext) -> StageOutcome:
        self.calls += 1
        action = self.script.pop(0) if self.script else "ok"
        if action == "crash":
            raise RuntimeError(PHI_IN_AN_EXCEPTION)
        if action == "permanent":
            raise StageError("The Bundle has no clinical note to code.", permanent=True)
        if action == "hang":
            await asyncio.sleep(3600)
        if action == "slow":
            await asyncio.sleep(0.1)
        if self.final:
            return StageOutcome(
                step="rendered",
                progress_percent=100,
                message="done",
                result={"pages": 1},
                artifacts=(Artifact("report.pdf", "application/pdf", b"%PDF-1.7 test"),),
            )
        return StageOutcome(
            step="ingested",
            progress_percent=35,
            message="ingested",
            next_event=NextEvent(routing.REPORT_INGESTED, Payload(value=self.calls)),
        )


class CountingAnalyzer:
    name: ClassVar[str] = "analyzer"
    working_step: ClassVar[str] = "analyzing"
    working_progress: ClassVar[int] = 40
    handles_phi: ClassVar[bool] = False
    prefetch = 4

    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []

    async def handle(self, event: Envelope, ctx: StageContext) -> StageOutcome:
        self.payloads.append(event.payload)
        return StageOutcome(step="analyzed", progress_percent=100, message="ok", result={"n": 1})
