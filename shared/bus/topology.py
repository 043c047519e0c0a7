"""Names and shapes of every exchange and queue, derived from the bus namespace.

``<ns>.events``  topic exchange all events are published to.
``<ns>.dead``    direct exchange that parks what a stage gave up on (routing key = stage name).
``<ns>.<stage>.work``          quorum queue with a delivery limit, dead-lettering to ``<ns>.dead``.
``<ns>.<stage>.dead``          quorum queue holding parked messages until they are recorded.
``<ns>.delay.<ms>ms``  fanout exchange in front of one delay tier.
``<ns>.retry.<ms>ms``  the delay tier, one per delay and shared by every worker: a quorum queue
                       whose TTL dead-letters each message back to the default exchange under its
                       own routing key — the name of the work queue it came from.

The retry path is at-least-once end to end: the retry is published with a confirm, a quorum
queue keeps it through broker restarts, and at-least-once dead-lettering keeps it in the tier
until the work queue confirmed it (RabbitMQ 3.10+, which requires ``reject-publish`` overflow).
Classic TTL queues, as before, dropped a message whose dead-lettering hop failed.
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

    def retry_queue(self, delay_ms: int) -> str:
        return f"{self.namespace}.retry.{delay_ms}ms"

    def delay_exchange(self, delay_ms: int) -> str:
        """Publish here with the work queue's name as routing key to deliver there after
        ``delay_ms``."""
        return f"{self.namespace}.delay.{delay_ms}ms"

    def delay_exchanges(self) -> list[tuple[str, int]]:
        return [(self.delay_exchange(d), d) for d in sorted(set(self.retry_delays_ms))]

    def legacy_retry_queues(self) -> list[str]:
        """Classic per-stage delay queues of versions before the shared quorum tiers."""
        return [
            f"{self.namespace}.{worker}.retry.{delay}ms"
            for worker in WORKER_BINDINGS
            for delay in sorted(set(self.retry_delays_ms))
        ]

    def notifier_queue(self, replica: str) -> str:
        return f"{self.namespace}.notifier.{replica}"

    def stage_queues(self, stage: str) -> list[QueueSpec]:
        """Work queue and parking queue of one stage (or the outbound worker)."""
        work = self.work_queue(stage)
        return [
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

    def delay_queues(self) -> list[QueueSpec]:
        """One quorum delay queue per tier, shared by every worker."""
        return [
            QueueSpec(
                name=self.retry_queue(delay),
                arguments={
                    "x-queue-type": "quorum",
                    "x-message-ttl": delay,
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-strategy": "at-least-once",
                    "x-overflow": "reject-publish",
                },
                bindings=((exchange, ""),),
            )
            for exchange, delay in self.delay_exchanges()
        ]

    def all_queues(self) -> list[QueueSpec]:
        workers = [spec for worker in WORKER_BINDINGS for spec in self.stage_queues(worker)]
        return workers + self.delay_queues()
