"""The delivery road without services: the real runner, failure policy, dead-letter recorder and
outbox relay on the in-memory store (:mod:`shared.db.memory`) and the in-memory bus
(:mod:`shared.bus.memory`), with a scripted test-double stage."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from uuid import UUID, uuid4

from shared.bus.memory import MemoryBroker, MemoryBus
from shared.db.memory import MemoryStore, StoredReport, no_database
from shared.db.outbox import event_row
from shared.db.reports import Step
from shared.db.repositories import StageRepositories
from shared.delivery.parking import DeadLetterRecorder
from shared.delivery.relay import OutboxRelay
from shared.delivery.runner import StageRunner
from shared.events import Envelope, ReportKind, ReportStatus, routing
from shared.runtime import topology_of
from shared.settings import Settings
from shared.stage import Stage


class Road:
    """One namespace on one in-memory broker and one in-memory store."""

    def __init__(self, **settings: Any) -> None:
        defaults: dict[str, Any] = {
            "bus_namespace": f"u{uuid4().hex[:10]}",
            "retry_delays_ms": (20, 40),
            "max_attempts": 3,
            "delivery_limit": 3,
            "stage_timeout_s": 5.0,
        }
        self.settings = Settings(**{**defaults, **settings})
        self.store = MemoryStore()
        self.broker = MemoryBroker()
        self.topology = topology_of(self.settings)
        self.runners: dict[str, StageRunner] = {}
        self._buses: list[MemoryBus] = []
        self._tasks: list[asyncio.Task[None]] = []

    def bus(self) -> MemoryBus:
        bus = MemoryBus(self.broker, self.topology)
        self._buses.append(bus)
        return bus

    async def start_stage(self, stage: Stage) -> StageRunner:
        """Consume the stage's queue with ``stage`` and record its dead letters."""
        bus = self.bus()
        repos = StageRepositories.on(no_database())
        runner = StageRunner(stage, bus, self.store, self.settings, repos=repos)
        await runner.start()
        recorder = DeadLetterRecorder(
            stage.name, stage.working_step, bus, self.store, runner.topology
        )
        await recorder.start()
        self.runners[stage.name] = runner
        return runner

    def relay(self, **options: Any) -> OutboxRelay:
        return OutboxRelay(self.store, self.bus(), **options)

    def start_relay(self, **options: Any) -> OutboxRelay:
        relay = self.relay(**options)
        self._tasks.append(asyncio.create_task(relay.run()))
        return relay

    async def submit(self, tenant_id: UUID | None = None) -> UUID:
        """What the gateway's submission writes: the report, "accepted" and report.requested."""
        tenant = tenant_id or uuid4()
        report = self.store.add_report(tenant, ReportKind.CODING)
        requested = Envelope(
            type=routing.REPORT_REQUESTED,
            report_id=report.id,
            tenant_id=tenant,
            kind=ReportKind.CODING,
            payload={},
        )
        async with self.store.transaction() as db:
            await db.reports.record_step(
                report.id,
                Step(
                    actor="gateway",
                    step="accepted",
                    outcome="accepted",
                    status=ReportStatus.PENDING,
                    progress_percent=0,
                ),
                enqueue=[event_row(requested)],
            )
        return report.id

    async def produce_one(self, stage: Stage) -> tuple[UUID, StoredReport]:
        """Run ``stage`` with a relay, submit a report and wait until it is final."""
        await self.start_stage(stage)
        self.start_relay()
        report_id = await self.submit()
        return report_id, await self.wait_for_final(report_id)

    def report(self, report_id: UUID) -> StoredReport:
        return self.store.tables.reports[report_id]

    def audit(self, report_id: UUID) -> list[tuple[str, str, str]]:
        return [
            (e.step.actor, e.step.step, e.step.outcome) for e in self.store.events_of(report_id)
        ]

    async def wait_for_final(self, report_id: UUID, timeout: float = 5.0) -> StoredReport:
        async with asyncio.timeout(timeout):
            while not self.report(report_id).status.is_final:
                await asyncio.sleep(0.005)
        return self.report(report_id)

    async def wait_until(self, condition: Any, timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.005)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for bus in self._buses:
            await bus.close()
        self.broker.close()
