"""The one consumer runner every stage uses: it owns the ack, retry and dead-letter policy.

For each delivery:

1. decode the envelope (an undecodable message is parked at once: no retry can fix it);
2. skip it if this stage already processed that message id, or the report is already final;
   park it if no such report exists (an operator looks at it; it is not a duplicate); the same
   read tells where the report stands (its last audit event);
3. run the stage's domain code, bounded by the stage timeout; "started" (once per stage, however
   often the message is redelivered) is recorded once the work has taken
   ``stage_started_after_s``, or else with the result (:mod:`shared.delivery.started`);
4. at once: mark the message processed, store artifacts, record the steps and write the next
   event to the outbox — one database call planned from the report as read in 2, or, if another
   step was recorded since, one transaction under the report's lock
   (:mod:`shared.db.stage_steps`); only then ack. The next event is durable before the ack, and a
   redelivery after a crash finds the message already processed and produces nothing twice.
   Under load the admission reads of 2 and the results of 4 are group-committed: what arrives
   while the previous statement runs goes into the next one (:mod:`shared.delivery.admissions`,
   :mod:`shared.delivery.result_group`), and the ack still waits for the statement carrying the
   delivery's result.

A database step that fails for another reason than an outage (outages are waited out with the
message unacknowledged) is a failed attempt like a failing stage: same back-off, same parking,
with a message that says which step failed.

On failure, :mod:`shared.delivery.failures` retries the message through the stage's delay tiers (TTL
queues that dead-letter back into the work queue) or, after the last attempt or at once for a
permanent failure, parks it in ``dead_letters`` and ends the report FAILED with a message a person
can act on.

"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from uuid import UUID

import structlog
from pydantic import ValidationError

from shared import telemetry
from shared.bus.protocol import Bus, IncomingMessage
from shared.bus.topology import Topology
from shared.db.outage import through_outages
from shared.db.reports import ReportHead
from shared.db.repositories import StageRepositories
from shared.db.store import Store
from shared.delivery.admissions import AdmissionReads
from shared.delivery.failures import (
    FailurePolicy,
    attempt_of,
    describe_exception,
    traceback_frames,
    working_step,
)
from shared.delivery.results import ResultRecorder
from shared.delivery.started import StartedStep
from shared.events import Envelope
from shared.events.envelope import utcnow
from shared.metrics.stage_meter import StageMeter
from shared.settings import Settings
from shared.stage import Stage, StageContext, StageError, StageOutcome

log = structlog.get_logger(__name__)

T = TypeVar("T")


class _StoreFailed(Exception):
    """A database step of a delivery failed for another reason than an outage."""

    def __init__(self, what: str, error: Exception) -> None:
        super().__init__(what)
        self.what = what
        self.error = error


class _StageTimedOut(Exception):
    """The stage's work overran the stage timeout."""


class StageRunner:
    """Consumes one stage's work queue and applies the delivery policy around its domain code.

    ``store`` keeps the delivery's state (:class:`~shared.db.postgres.PgStore`, or
    :class:`~shared.db.memory.MemoryStore` in unit tests); ``repos`` are what the stage's own code
    may read and write (``ctx.repos``)."""

    def __init__(
        self,
        stage: Stage,
        bus: Bus,
        store: Store,
        settings: Settings,
        *,
        repos: StageRepositories,
    ) -> None:
        self.stage = stage
        self.bus = bus
        self.store = store
        self.settings = settings
        self.topology = Topology(
            settings.bus_namespace, settings.delivery_limit, settings.retry_delays_ms
        )
        self.log = log.bind(stage=stage.name)
        self.ctx = StageContext(settings=settings, repos=repos, log=self.log)
        self.meter = StageMeter(stage.name)
        self.admissions = AdmissionReads(store, max_calls=settings.stage_result_group_max)
        self.results = ResultRecorder(stage.name, store, group_max=settings.stage_result_group_max)
        self.failures = FailurePolicy(
            stage, bus, store, settings, self.topology, self.log, self.meter
        )
        self._tracer = telemetry.tracer(f"clinrelay.{stage.name}")
        self._in_flight = 0
        self._working_on: set[UUID] = set()
        """Message ids being processed here: a second copy arriving meanwhile is not redone."""
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def queue(self) -> str:
        return self.topology.work_queue(self.stage.name)

    async def start(self) -> None:
        await self.bus.consume(self.queue, self.on_message, prefetch=self.stage.prefetch)
        self.log.info("stage.consuming", queue=self.queue, prefetch=self.stage.prefetch)

    async def drain(self, grace_s: float) -> None:
        """Wait until no message is being processed (after consumers were cancelled)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout=grace_s)

    async def on_message(self, message: IncomingMessage) -> None:
        self._in_flight += 1
        self._idle.clear()
        self.meter.consumed()
        self.meter.in_flight.inc()
        try:
            await self._on_message(message)
        finally:
            self.meter.in_flight.dec()
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def _on_message(self, message: IncomingMessage) -> None:
        attempt = attempt_of(message)
        try:
            event = Envelope.from_bytes(message.body)
        except ValidationError:
            await self.failures.undecodable(message)
            return
        with (
            telemetry.continued_from(message.headers),
            self._tracer.start_as_current_span(f"{self.stage.name} {event.type}") as span,
        ):
            span.set_attribute("clinrelay.report_id", str(event.report_id))
            span.set_attribute("clinrelay.attempt", attempt)
            await self._process(message, event, attempt)

    async def _process(self, message: IncomingMessage, event: Envelope, attempt: int) -> None:
        log_ = self.log.bind(report_id=str(event.report_id), message_id=str(event.message_id))
        if event.message_id in self._working_on:
            # The copy in hand settles the message whatever happens (done, retried, parked, or
            # redelivered if this process dies), so this one can go.
            log_.info("stage.duplicate_skipped", in_flight=True)
            self.meter.duplicate()
            await message.ack()
            return
        self._working_on.add(event.message_id)
        try:
            await self._process_once(message, event, attempt, log_)
        finally:
            self._working_on.discard(event.message_id)

    async def _process_once(
        self,
        message: IncomingMessage,
        event: Envelope,
        attempt: int,
        log_: structlog.typing.FilteringBoundLogger,
    ) -> None:
        start = await self._admit(message, event, log_)
        if start is None:
            return
        started = time.perf_counter()
        failure: tuple[str, dict[str, Any], bool] | None = None
        try:
            outcome = await through_outages(lambda: self._work(event), what="stage work")
        except StageError as exc:
            failure = (exc.message, exc.details, exc.permanent)
        except _StageTimedOut:
            text = (
                f"The {self.stage.name} stage did not finish within "
                f"{self.settings.stage_timeout_s:g} s."
            )
            failure = (text, {"cause": "timeout"}, False)
        except Exception as exc:
            description = describe_exception(exc, may_hold_phi=self.stage.handles_phi)
            if self.stage.handles_phi:
                # The traceback would repeat the exception's text, which may quote the input.
                log_.error("stage.crashed", error=description, frames=traceback_frames(exc))
            else:
                log_.exception("stage.crashed", error=description)
            text = (
                f"The {self.stage.name} stage failed with an internal error ({type(exc).__name__})."
            )
            failure = (text, {"cause": type(exc).__name__}, False)
        finally:
            await start.settle()
        if failure is not None:
            await self._record_start_before_failing(start, log_)
            text, details, permanent = failure
            await self.failures.failed(message, event, text, details, permanent=permanent)
            return
        elapsed = time.perf_counter() - started
        elapsed_ms = int(elapsed * 1000)
        try:
            committed = await self._stored(
                "storing the result", lambda: self.results.record(event, outcome, elapsed_ms, start)
            )
        except _StoreFailed as exc:
            await self._record_start_before_failing(start, log_)
            await self._store_failed(message, event, exc, log_)
            return
        await message.ack()
        if committed:
            self.meter.completed(event.kind.value, elapsed, outcome.timings_s)
        else:
            self.meter.duplicate()
        log_.info(
            "stage.done" if committed else "stage.duplicate_skipped",
            step=outcome.step,
            elapsed_ms=elapsed_ms,
        )

    async def _work(self, event: Envelope) -> StageOutcome:
        """The stage's work on the event, bounded by the stage timeout.

        Overrunning it raises :class:`_StageTimedOut`, not the ``TimeoutError`` asyncio raises:
        that one is an ``OSError``, which :func:`through_outages` takes for a lost database
        connection and waits out by running the stage again."""
        deadline = asyncio.timeout(self.settings.stage_timeout_s)
        try:
            async with deadline:
                return await self.stage.handle(event, self.ctx)
        except TimeoutError:
            if deadline.expired():
                raise _StageTimedOut from None
            raise

    async def _admit(
        self,
        message: IncomingMessage,
        event: Envelope,
        log_: structlog.typing.FilteringBoundLogger,
    ) -> StartedStep | None:
        """Whether the stage should work on the message: its "started" step, on its way (see
        :mod:`shared.delivery.started`); None when the message was settled here (a duplicate,
        a final report, an unknown report)."""
        # Database outages are waited out with the message unacknowledged (see shared.db.outage):
        # they are not the report's fault and must not use up its attempts.
        try:
            seen, head = await self._stored(
                "the de-duplication check", lambda: self._state_of(event)
            )
            if head is None:
                # Not a duplicate: a message nobody can act on, kept for an operator to look at.
                await self.failures.unknown_report(message, event)
                return None
            if seen or head.status.is_final:
                # A report that is already final takes no more work from stale messages.
                log_.info("stage.duplicate_skipped", redelivered=message.redelivered)
                self.meter.duplicate()
                await message.ack()
                return None
            start = StartedStep(
                self.store, event.report_id, working_step(self.stage, "started"), head, utcnow()
            )
            delay = self.settings.stage_started_after_s
            if delay == 0:
                await self._stored("recording the start", start.record)
            elif start.pending:
                start.record_after(delay, lambda: self._record_start(start, log_))
        except _StoreFailed as exc:
            await self._store_failed(message, event, exc, log_)
            return None
        return start

    async def _record_start(
        self, start: StartedStep, log_: structlog.typing.FilteringBoundLogger
    ) -> None:
        """Record "started" while the work goes on; if that fails, it is recorded with the
        result (or before the failure) instead."""
        try:
            await self._stored("recording the start", start.record)
        except _StoreFailed as exc:
            log_.warning("stage.start_not_recorded", error=type(exc.error).__name__)

    async def _record_start_before_failing(
        self, start: StartedStep, log_: structlog.typing.FilteringBoundLogger
    ) -> None:
        """A failed attempt's trail says the stage started before it says how it failed."""
        if start.pending:
            await self._record_start(start, log_)

    async def _stored(self, what: str, operation: Callable[[], Awaitable[T]]) -> T:
        """Run a database step of the delivery: outages are waited out, any other failure is
        raised as :class:`_StoreFailed` naming the step."""
        try:
            return await through_outages(operation, what=what)
        except Exception as exc:
            raise _StoreFailed(what, exc) from exc

    async def _store_failed(
        self,
        message: IncomingMessage,
        event: Envelope,
        failure: _StoreFailed,
        log_: structlog.typing.FilteringBoundLogger,
    ) -> None:
        """A database step failed for another reason than an outage (a constraint, a trigger, a
        bug): an attempt like any other, retried after the back-off, parked after the last one."""
        error = type(failure.error).__name__
        # The database's text may quote stored values; the ingestor's may hold PHI.
        description = describe_exception(failure.error, may_hold_phi=self.stage.handles_phi)
        log_.error("stage.store_failed", during=failure.what, error=description)
        text = f"The {self.stage.name} stage failed {failure.what} in the database ({error})."
        details = {"cause": "database", "during": failure.what, "error": error}
        await self.failures.failed(message, event, text, details, permanent=False)

    async def _state_of(self, event: Envelope) -> tuple[bool, ReportHead | None]:
        """Whether this stage already processed the message, and where the report stands (None
        when there is no such report)."""
        return await self.admissions.read((event.message_id, self.stage.name, event.report_id))
