"""Records what the broker dead-lettered from a stage's work queue.

A message whose worker dies every time it holds it (kill -9, out-of-memory, a segfault in a native
library) never reaches the runner's error handling. After ``delivery_limit`` deliveries the quorum
queue dead-letters it to ``<ns>.<stage>.dead``; this consumer stores it in ``dead_letters`` and ends
the report FAILED, so no report is left waiting forever.
"""

from __future__ import annotations

import structlog
from pydantic import ValidationError

from shared.bus.protocol import Bus, IncomingMessage, message_uuid
from shared.bus.topology import Topology
from shared.db.deadletters import ParkedMessage
from shared.db.outage import through_outages
from shared.db.store import Store
from shared.delivery.failures import carried_headers
from shared.events import Envelope, ReportStatus
from shared.metrics.stage_meter import StageMeter, report_finished

log = structlog.get_logger(__name__)


class DeadLetterRecorder:
    def __init__(
        self, stage: str, working_step: str, bus: Bus, store: Store, topology: Topology
    ) -> None:
        self.stage = stage
        self.working_step = working_step
        self.bus = bus
        self.store = store
        self.topology = topology
        self.meter = StageMeter(stage)

    async def start(self) -> None:
        await self.bus.consume(self.topology.dead_queue(self.stage), self.on_message, prefetch=10)

    async def on_message(self, message: IncomingMessage) -> None:
        try:
            event: Envelope | None = Envelope.from_bytes(message.body)
        except ValidationError:
            event = None
        deliveries = max(message.delivery_count, self.topology.delivery_limit)
        error = (
            f"The {self.stage} worker stopped {deliveries} times while processing this report "
            "(crash, kill or out of memory); the message was parked for an administrator."
        )
        ended = await through_outages(
            lambda: self._record(message, event, deliveries, error), what="park"
        )
        await message.ack()
        self.meter.parked("delivery_limit")
        if event is not None and ended is not None:
            report_finished(event.kind.value, ReportStatus.FAILED.value, ended)
        log.error(
            "stage.dead_lettered",
            stage=self.stage,
            report_id=str(event.report_id) if event else None,
        )

    async def _record(
        self, message: IncomingMessage, event: Envelope | None, deliveries: int, error: str
    ) -> float | None:
        """Park the message and fail its report; the report's age if it ended now."""
        parked = ParkedMessage(
            stage=self.stage,
            message_id=event.message_id if event else message_uuid(message.message_id),
            report_id=event.report_id if event else None,
            routing_key=message.routing_key,
            body=message.body,
            headers=carried_headers(message),
            reason="delivery_limit",
            error_message=error,
            attempts=deliveries,
        )
        async with self.store.transaction() as db:
            done = await db.dead_letters.park_and_fail(
                parked, working_step=self.working_step, error_details={}
            )
            if not done or event is None:
                return None
            return await db.reports.duration_s(event.report_id)
