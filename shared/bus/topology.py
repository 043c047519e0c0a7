"""Names and shapes of every exchange and queue, derived from the bus namespace.

``<ns>.events``  topic exchange all events are published to.
``<ns>.dead``    direct exchange that parks what a stage gave up on (routing key = stage name).
``<ns>.<stage>.work``          quorum queue with a delivery limit, dead-lettering to ``<ns>.dead``.
``<ns>.<stage>.retry.<ms>ms``  delay tier: its TTL expires messages back into the work queue.
``<ns>.<stage>.dead``          quorum queue holding parked messages until they are recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.events import routing

STAGE_BINDINGS: dict[str, tuple[str, ...]] = {
    "ingestor": (routing.REPORT_REQUESTED,),
    "analyzer": (routing.REPORT_INGESTED,),
    "renderer": (routing.REPORT_ANALYZED,),
}
STAGES: tuple[str, ...] = tuple(STAGE_BINDINGS)

OUTBOUND = "outbound"
"""The notifier's worker for webhooks and email: fed by the final notifications and by its own
delivery attempts, retried through delay tiers like a stage (but no stage: no report step)."""
OUTBOUND_ATTEMPT = "outbound.attempt"
WORKER_BINDINGS: dict[str, tuple[str, ...]] = {
    **STAGE_BINDINGS,
    OUTBOUND: (
        routing.REPORT_COMPLETED,
        routing.REPORT_FAILED,
        routing.REPORT_ALERT,
        routing.BATCH_COMPLETED,
        OUTBOUND_ATTEMPT,
    ),
}


@dataclass(frozen=True)
class QueueSpec:
    name: str
    arguments: dict[str, Any]
    bindings: tuple[tuple[str, str], ...] = ()  # (exchange, routing key)
    durable: bool = True


@dataclass(frozen=True)
class Topology:
    namespace: str
    delivery_limit: int
    retry_delays_ms: tuple[int, ...]

    @property
    def events_exchange(self) -> str:
        return f"{self.namespace}.events"

    @property
    def dead_exchange(self) -> str:
        return f"{self.namespace}.dead"

    def work_queue(self, stage: str) -> str:
        return f"{self.namespace}.{stage}.work"

    def dead_queue(self, stage: str) -> str:
        return f"{self.namespace}.{stage}.dead"

    def retry_queue(self, stage: str, delay_ms: int) -> str:
        return f"{self.namespace}.{stage}.retry.{delay_ms}ms"

    def notifier_queue(self, replica: str) -> str:
        return f"{self.namespace}.notifier.{replica}"

    def stage_queues(self, stage: str) -> list[QueueSpec]:
        """Work queue, parking queue and delay tiers of one stage (or the outbound worker)."""
        work = self.work_queue(stage)
        specs = [
            QueueSpec(
                name=work,
                arguments={
                    "x-queue-type": "quorum",
                    "x-delivery-limit": self.delivery_limit,
                    "x-dead-letter-exchange": self.dead_exchange,
                    "x-dead-letter-routing-key": stage,
                    "x-dead-letter-strategy": "at-least-once",
                    "x-overflow": "reject-publish",
                },
                bindings=tuple((self.events_exchange, key) for key in WORKER_BINDINGS[stage]),
            ),
            QueueSpec(
                name=self.dead_queue(stage),
                arguments={"x-queue-type": "quorum"},
                bindings=((self.dead_exchange, stage),),
            ),
        ]
        for delay in sorted(set(self.retry_delays_ms)):
            specs.append(
                QueueSpec(
                    name=self.retry_queue(stage, delay),
                    arguments={
                        "x-queue-type": "classic",
                        "x-message-ttl": delay,
                        "x-dead-letter-exchange": "",
                        "x-dead-letter-routing-key": work,
                    },
                )
            )
        return specs

    def all_queues(self) -> list[QueueSpec]:
        return [spec for worker in WORKER_BINDINGS for spec in self.stage_queues(worker)]
