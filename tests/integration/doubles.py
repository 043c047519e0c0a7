"""Test-double stages and report fixtures shared by the integration tests."""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from pydantic import BaseModel

from shared.db.submissions import Submission, create_report
from shared.events import Envelope, ReportKind, routing
from shared.stage import Artifact, NextEvent, StageContext, StageError, StageOutcome
from tests.integration.harness import Pipeline


class Payload(BaseModel):
    value: int


class RecordingStage:
    """A stage whose behaviour per call is scripted: "ok", "crash", "permanent" or "hang"."""

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
            raise RuntimeError("Patient John Smith DOB 01/02/1950 broke the parser")
        if action == "permanent":
            raise StageError("The Bundle has no clinical note to code.", permanent=True)
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


async def new_report(pipe: Pipeline, tenant: str = "acme") -> UUID:
    pool = await pipe.pool()
    async with pool.acquire() as conn:
        tenant_id = await conn.fetchval(
            "INSERT INTO tenants (id, name) VALUES (gen_random_uuid(), $1) "
            "ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id",
            tenant,
        )
        created = await create_report(
            conn,
            tenant_id,
            Submission(kind=ReportKind.CODING, fingerprint=b"x", raw_input=b"{}"),
            None,
        )
    report_id: UUID = created.id
    return report_id
