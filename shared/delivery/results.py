"""Recording what a stage did: its steps, the next event and its artifacts, at once.

The result is the stage's alerts and its own step (after "started", when that rides along, see
:mod:`shared.delivery.started`), the next event (under an id derived from the message's, so a
redone message emits the same event) and the artifacts, with the message's de-duplication claim.
All of it is written in one database call planned from the report as read at admission
(:mod:`shared.db.stage_steps`); if the report moved since, in one transaction under its lock, step
by step. Either way, nothing of it is written twice: a second copy finds the claim.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from shared.db import outbox
from shared.db.reports import Step
from shared.db.stage_steps import NotRecorded, StepsCall, StepsRecorded, TimedStep
from shared.db.store import Store
from shared.delivery.result_group import ResultGroup
from shared.delivery.started import StartedStep
from shared.events import Envelope, ReportStatus
from shared.events.envelope import utcnow
from shared.events.notification import ALERT_OUTCOME
from shared.metrics.stage_meter import report_finished
from shared.stage import StageOutcome


def next_message_id(message_id: UUID, stage: str) -> UUID:
    """The id of the event a stage emits for a message: the same however often it is redone."""
    return uuid5(NAMESPACE_URL, f"clinrelay:{message_id}:{stage}")


class ResultRecorder:
    """Records one stage's results in ``store``."""

    def __init__(self, stage: str, store: Store, *, group_max: int = 32) -> None:
        self.stage = stage
        self.store = store
        self.group = ResultGroup(stage, store, max_calls=group_max)

    async def record(
        self, event: Envelope, outcome: StageOutcome, elapsed_ms: int, start: StartedStep
    ) -> bool:
        """Record the result; False when this stage already processed the message."""
        steps = [*start.steps(), *self.steps(outcome, elapsed_ms)]
        enqueue = self.next_event(event, outcome)
        artifacts = [(a.name, a.media_type, a.content) for a in outcome.artifacts]
        if start.head is not None:
            done = await self.group.record(
                StepsCall(
                    event.report_id,
                    start.head,
                    steps,
                    claim=(event.message_id, self.stage),
                    enqueue=enqueue,
                    artifacts=artifacts,
                )
            )
            if done is NotRecorded.DUPLICATE:
                return False
            if isinstance(done, StepsRecorded):
                if outcome.result is not None:
                    report_finished(event.kind.value, ReportStatus.COMPLETE.value, done.duration_s)
                return True
        # The report moved since it was read (or its last step would not apply): under its lock.
        return await self._record_locked(event, outcome, steps, enqueue)

    def steps(self, outcome: StageOutcome, elapsed_ms: int) -> list[TimedStep]:
        """The alerts, then the step itself."""
        now = utcnow()
        final = outcome.result is not None
        alerts = [
            Step(
                actor=self.stage,
                step=outcome.step,
                outcome=ALERT_OUTCOME,
                status=ReportStatus.PROCESSING,
                message=alert.message,
                details=alert.details,
            )
            for alert in outcome.alerts
        ]
        done = Step(
            actor=self.stage,
            step=outcome.step,
            outcome="completed",
            status=ReportStatus.COMPLETE if final else ReportStatus.PROCESSING,
            progress_percent=100 if final else outcome.progress_percent,
            message=outcome.message,
            details={**outcome.details, "elapsed_ms": elapsed_ms},
            result=outcome.result,
        )
        return [TimedStep(step, now) for step in (*alerts, done)]

    def next_event(self, event: Envelope, outcome: StageOutcome) -> tuple[outbox.OutboxRow, ...]:
        if outcome.next_event is None:
            return ()
        follow = Envelope(
            message_id=next_message_id(event.message_id, self.stage),
            type=outcome.next_event.type,
            report_id=event.report_id,
            tenant_id=event.tenant_id,
            kind=event.kind,
            payload=outcome.next_event.payload.model_dump(mode="json"),
        )
        return (outbox.event_row(follow),)

    async def _record_locked(
        self,
        event: Envelope,
        outcome: StageOutcome,
        steps: list[TimedStep],
        enqueue: tuple[outbox.OutboxRow, ...],
    ) -> bool:
        finished: float | None = None
        async with self.store.transaction() as db:
            if not await db.processed.claim(event.message_id, self.stage):
                return False
            *before, last = steps
            for timed in before:  # "started" if it rides along, the alerts
                await db.reports.record_step(
                    event.report_id, timed.step, unless_step=timed.unless_step, at=timed.at
                )
            recorded = await db.reports.record_step(
                event.report_id,
                last.step,
                enqueue=enqueue,  # durable with the step, if it applies
                at=last.at,
            )
            if recorded is None:
                return True  # the report ended meanwhile (failed elsewhere): nothing follows
            if outcome.result is not None:
                finished = await db.reports.duration_s(event.report_id)
            for artifact in outcome.artifacts:
                await db.artifacts.store(
                    event.report_id, artifact.name, artifact.media_type, artifact.content
                )
        if outcome.result is not None:  # counted once the transaction that ended it committed
            report_finished(event.kind.value, ReportStatus.COMPLETE.value, finished)
        return True
