"""``GET /v1/admin/status``: the whole pipeline at a glance, for an operator.

Queue figures come from the broker (cached by :class:`~shared.metrics.broker.BrokerStats`, so the
request never waits on RabbitMQ); work figures from the audit trail of the last 15 minutes, so
they cover every replica of every stage; backlogs from the outbox and dead-letter tables.
Nothing here names a tenant or a report.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from shared.db.outbox import OutboxBacklog
from shared.db.pipeline_figures import StageWindow
from shared.metrics.broker import BrokerSnapshot, QueueFigures

WINDOW = timedelta(minutes=15)


class ProcessingTime(BaseModel):
    p50_ms: float | None = Field(description="Median time of a successful attempt.")
    p95_ms: float | None
    p99_ms: float | None


class StageStatus(BaseModel):
    queue_depth: int | None = Field(
        description="Messages in the work queue: waiting plus delivered and not yet acknowledged."
    )
    ready: int | None = Field(description="Messages waiting for a consumer.")
    in_flight: int | None = Field(
        description="Messages delivered to a consumer and not acknowledged (management API only)."
    )
    consumers: int | None
    retrying: int | None = Field(description="Messages waiting in the stage's retry delay queues.")
    completed: int = Field(description="Attempts that completed in the window.")
    failed: int = Field(description="Reports the stage failed (gave up on) in the window.")
    retried: int = Field(description="Attempts that failed and were scheduled again.")
    throughput_per_minute: float = Field(description="Completed attempts a minute, on average.")
    failure_rate: float | None = Field(
        description="Failed attempts (retried or given up) over all attempts; null with none."
    )
    processing_time: ProcessingTime
    oldest_waiting_s: float | None = Field(
        description="How long the report that has waited longest for this stage has waited."
    )
    dead_letters: int = Field(description="Parked messages not yet replayed or discarded.")


class BrokerView(BaseModel):
    source: str = Field(description="management, amqp (ready messages only) or none.")
    age_s: float | None = Field(description="Age of the queue figures.")
    error: str | None


class OutboxView(BaseModel):
    rows: int
    oldest_age_s: float


class SystemStatus(BaseModel):
    generated_at: datetime
    window_s: int
    stages: dict[str, StageStatus]
    outbox: OutboxView
    dead_letters: dict[str, int] = Field(description="Open dead letters by stage.")
    broker: BrokerView


def stage_status(
    queue: QueueFigures | None,
    work: StageWindow,
    oldest_waiting_s: float | None,
    dead_letters: int,
) -> StageStatus:
    attempts = work.completed + work.failed + work.retried
    return StageStatus(
        queue_depth=queue.messages if queue else None,
        ready=queue.ready if queue else None,
        in_flight=queue.unacknowledged if queue else None,
        consumers=queue.consumers if queue else None,
        retrying=queue.retrying if queue else None,
        completed=work.completed,
        failed=work.failed,
        retried=work.retried,
        throughput_per_minute=round(work.completed / (WINDOW.total_seconds() / 60), 3),
        failure_rate=round((work.failed + work.retried) / attempts, 4) if attempts else None,
        processing_time=ProcessingTime(p50_ms=work.p50_ms, p95_ms=work.p95_ms, p99_ms=work.p99_ms),
        oldest_waiting_s=None if oldest_waiting_s is None else round(oldest_waiting_s, 3),
        dead_letters=dead_letters,
    )


def system_status(
    now: datetime,
    stages: tuple[str, ...],
    broker: BrokerSnapshot,
    work: dict[str, StageWindow],
    waiting: dict[str, float | None],
    outbox: OutboxBacklog,
    dead_letters: dict[str, int],
) -> SystemStatus:
    age = broker.age_s()
    return SystemStatus(
        generated_at=now,
        window_s=int(WINDOW.total_seconds()),
        stages={
            stage: stage_status(
                broker.stages.get(stage),
                work[stage],
                waiting.get(stage),
                dead_letters.get(stage, 0),
            )
            for stage in stages
        },
        outbox=OutboxView(rows=outbox.rows, oldest_age_s=round(outbox.oldest_age_s, 3)),
        dead_letters=dead_letters,
        broker=BrokerView(
            source=broker.source, age_s=None if age is None else round(age, 3), error=broker.error
        ),
    )
