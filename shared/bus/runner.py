"""The one consumer runner every stage uses: it owns the ack, retry and dead-letter policy.

For each delivery:

1. decode the envelope (an undecodable message is parked at once: no retry can fix it);
2. skip it if this stage already processed that message id, or the report is already final;
3. record "started" (once per stage, however often the message is redelivered);
4. run the stage's domain code, bounded by the stage timeout;
5. in one transaction: mark the message processed, store artifacts, record the step and write the
   next event to the outbox; only then ack. The next event is durable before the ack, and a
   redelivery after a crash finds the message already processed and produces nothing twice.

On failure the message is retried through the stage's delay tiers (TTL queues that dead-letter back
into the work queue); after the last attempt, or at once for a permanent failure, it is parked in
``dead_letters`` and the report ends FAILED with a message a person can act on.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
import traceback
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

import asyncpg
import structlog
from pydantic import ValidationError

from shared import telemetry
from shared.bus.protocol import Bus, IncomingMessage, OutgoingMessage, message_uuid
from shared.bus.topology import Topology
from shared.db import outbox
from shared.db.deadletters import park_message
from shared.db.outage import through_outages
from shared.db.reports import Step, current_status, record_step
from shared.events import Envelope, ReportStatus
from shared.settings import Settings
from shared.stage import Stage, StageContext, StageError, StageOutcome

if TYPE_CHECKING:
    from shared.db.pool import Connection

ATTEMPT_HEADER = "x-clinrelay-attempt"
_BROKER_HEADERS = ("x-death", "x-delivery-count", "x-first-death", "x-last-death")

log = structlog.get_logger(__name__)


def next_message_id(message_id: UUID, stage: str) -> UUID:
    """The id of the event a stage emits for a message: the same however often it is redone."""
    return uuid5(NAMESPACE_URL, f"clinrelay:{message_id}:{stage}")


def describe_exception(exc: BaseException, *, may_hold_phi: bool) -> str:
    """A loggable description: with PHI possible in the input, the type only, never the text."""
    if isinstance(exc, StageError):
        return exc.message
    if may_hold_phi:
        return type(exc).__name__
    text = str(exc)
    return f"{type(exc).__name__}: {text[:500]}" if text else type(exc).__name__


class StageRunner:
    """Consumes one stage's work queue and applies the delivery policy around its domain code."""

    def __init__(self, stage: Stage, bus: Bus, pool: asyncpg.Pool, settings: Settings) -> None:
        self.stage = stage
        self.bus = bus
        self.pool = pool
        self.settings = settings
        self.topology = Topology(
            settings.bus_namespace, settings.delivery_limit, settings.retry_delays_ms
        )
        self.log = log.bind(stage=stage.name)
        self.ctx = StageContext(settings=settings, db=pool, log=self.log)
        self._tracer = telemetry.tracer(f"clinrelay.{stage.name}")
        self._in_flight = 0
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
        try:
            await self._on_message(message)
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def _on_message(self, message: IncomingMessage) -> None:
        attempt = _attempt_of(message)
        try:
            event = Envelope.from_bytes(message.body)
        except ValidationError:
            await self._park_undecodable(message)
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
        # Database outages are waited out with the message unacknowledged (see shared.db.outage):
        # they are not the report's fault and must not use up its attempts.
        if await through_outages(lambda: self._already_done(event), what="dedup check"):
            log_.info("stage.duplicate_skipped", redelivered=message.redelivered)
            await message.ack()
            return
        await through_outages(lambda: self._mark_started(event), what="mark started")
        started = time.perf_counter()
        try:
            outcome = await through_outages(
                lambda: asyncio.wait_for(
                    self.stage.handle(event, self.ctx), timeout=self.settings.stage_timeout_s
                ),
                what="stage work",
            )
        except StageError as exc:
            await self._fail(message, event, attempt, exc.message, exc.details, exc.permanent)
            return
        except TimeoutError:
            text = (
                f"The {self.stage.name} stage did not finish within "
                f"{self.settings.stage_timeout_s:g} s."
            )
            await self._fail(message, event, attempt, text, {"cause": "timeout"}, False)
            return
        except Exception as exc:
            description = describe_exception(exc, may_hold_phi=self.stage.handles_phi)
            if self.stage.handles_phi:
                # The traceback would repeat the exception's text, which may quote the input.
                log_.error("stage.crashed", error=description, frames=_frames(exc))
            else:
                log_.exception("stage.crashed", error=description)
            text = (
                f"The {self.stage.name} stage failed with an internal error ({type(exc).__name__})."
            )
            await self._fail(message, event, attempt, text, {"cause": type(exc).__name__}, False)
            return
        elapsed_ms = int((time.perf_counter() - started) * 1000)
        committed = await through_outages(
            lambda: self._commit(event, outcome, elapsed_ms), what="commit"
        )
        await message.ack()
        log_.info(
            "stage.done" if committed else "stage.duplicate_skipped",
            step=outcome.step,
            elapsed_ms=elapsed_ms,
        )

    async def _already_done(self, event: Envelope) -> bool:
        row = await self.pool.fetchrow(
            """SELECT EXISTS (SELECT 1 FROM processed_messages
                              WHERE message_id = $1 AND stage = $2) AS seen,
                      (SELECT status FROM reports WHERE id = $3) AS status""",
            event.message_id,
            self.stage.name,
            event.report_id,
        )
        assert row is not None
        # A report that is already final (or gone) takes no more work from stale messages.
        return bool(row["seen"]) or row["status"] is None or ReportStatus(row["status"]).is_final

    async def _mark_started(self, event: Envelope) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await record_step(
                conn,
                event.report_id,
                Step(
                    actor=self.stage.name,
                    step=self.stage.working_step,
                    outcome="started",
                    status=ReportStatus.PROCESSING,
                    progress_percent=self.stage.working_progress,
                ),
                unless_step=self.stage.working_step,  # a redelivery or retry: started once
            )

    async def _commit(self, event: Envelope, outcome: StageOutcome, elapsed_ms: int) -> bool:
        async with self.pool.acquire() as conn, conn.transaction():
            first = await conn.fetchval(
                """INSERT INTO processed_messages (message_id, stage) VALUES ($1, $2)
                   ON CONFLICT DO NOTHING RETURNING 1""",
                event.message_id,
                self.stage.name,
            )
            if not first:
                return False
            final = outcome.result is not None
            recorded = await record_step(
                conn,
                event.report_id,
                Step(
                    actor=self.stage.name,
                    step=outcome.step,
                    outcome="completed",
                    status=ReportStatus.COMPLETE if final else ReportStatus.PROCESSING,
                    progress_percent=100 if final else outcome.progress_percent,
                    message=outcome.message,
                    details={**outcome.details, "elapsed_ms": elapsed_ms},
                    result=outcome.result,
                ),
            )
            if recorded is None:
                return True  # the report ended meanwhile (failed elsewhere): nothing follows
            for artifact in outcome.artifacts:
                await _store_artifact(
                    conn, event.report_id, artifact.name, artifact.media_type, artifact.content
                )
            if outcome.next_event is not None:
                follow = Envelope(
                    message_id=next_message_id(event.message_id, self.stage.name),
                    type=outcome.next_event.type,
                    report_id=event.report_id,
                    tenant_id=event.tenant_id,
                    kind=event.kind,
                    payload=outcome.next_event.payload.model_dump(mode="json"),
                )
                await outbox.enqueue_event(conn, follow)
        return True

    async def _fail(
        self,
        message: IncomingMessage,
        event: Envelope,
        attempt: int,
        error: str,
        details: dict[str, Any],
        permanent: bool,
    ) -> None:
        max_attempts = self.settings.max_attempts
        if not permanent and attempt < max_attempts:
            delay_ms = self.settings.retry_delay_ms(attempt)
            await through_outages(
                lambda: self._record_retry(event, attempt, error, delay_ms), what="record retry"
            )
            retry = OutgoingMessage(
                routing_key=message.routing_key,
                body=message.body,
                message_id=str(event.message_id),
                headers={**_plain_headers(message), ATTEMPT_HEADER: attempt + 1},
            )
            await self.bus.send_to_queue(
                self.topology.retry_queue(self.stage.name, delay_ms), retry
            )
            await message.ack()
            self.log.warning(
                "stage.retry_scheduled",
                report_id=str(event.report_id),
                attempt=attempt,
                delay_ms=delay_ms,
                error=error,
            )
            return
        await through_outages(
            lambda: self._park_and_fail(message, event, attempt, error, details, permanent),
            what="park",
        )
        await message.ack()
        self.log.error(
            "stage.failed", report_id=str(event.report_id), attempts=attempt, error=error
        )

    async def _park_and_fail(
        self,
        message: IncomingMessage,
        event: Envelope,
        attempt: int,
        error: str,
        details: dict[str, Any],
        permanent: bool,
    ) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            parked = await park_message(
                conn,
                stage=self.stage.name,
                message_id=event.message_id,
                report_id=event.report_id,
                routing_key=message.routing_key,
                body=message.body,
                headers=_plain_headers(message),
                reason="permanent_error" if permanent else "attempts_exhausted",
                error_message=error,
                attempts=attempt,
            )
            status = await current_status(conn, event.report_id)
            if parked and status is not None and not status.is_final:
                await record_step(
                    conn,
                    event.report_id,
                    Step(
                        actor=self.stage.name,
                        step=self.stage.working_step,
                        outcome="failed",
                        status=ReportStatus.FAILED,
                        progress_percent=self.stage.working_progress,
                        message=error,
                        error_message=error,
                        error_details={
                            "stage": self.stage.name,
                            "attempts": attempt,
                            "retryable": not permanent,
                            "trace_id": telemetry.current_trace_id(),
                            **details,
                        },
                    ),
                )

    async def _record_retry(self, event: Envelope, attempt: int, error: str, delay_ms: int) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            first = await conn.fetchval(
                """INSERT INTO processed_messages (message_id, stage) VALUES ($1, $2)
                   ON CONFLICT DO NOTHING RETURNING 1""",
                event.message_id,
                f"{self.stage.name}#attempt{attempt}",
            )
            if not first:
                return
            await record_step(
                conn,
                event.report_id,
                Step(
                    actor=self.stage.name,
                    step=self.stage.working_step,
                    outcome="retrying",
                    status=ReportStatus.PROCESSING,
                    progress_percent=self.stage.working_progress,
                    message=(
                        f"Attempt {attempt} of {self.settings.max_attempts} failed: {error} "
                        f"Retrying in {delay_ms / 1000:g} s."
                    ),
                    details={"attempt": attempt, "delay_ms": delay_ms},
                    retry=True,
                ),
            )

    async def _park_undecodable(self, message: IncomingMessage) -> None:
        async with self.pool.acquire() as conn:
            await park_message(
                conn,
                stage=self.stage.name,
                message_id=message_uuid(message.message_id),
                report_id=None,
                routing_key=message.routing_key,
                body=message.body,
                headers=_plain_headers(message),
                reason="undecodable",
                error_message="The message is not a clinrelay event envelope.",
                attempts=_attempt_of(message),
            )
        await message.ack()
        self.log.error("stage.undecodable_parked", routing_key=message.routing_key)


async def _store_artifact(
    conn: Connection, report_id: UUID, name: str, media_type: str, content: bytes
) -> None:
    await conn.execute(
        """INSERT INTO artifacts (report_id, name, media_type, content, sha256)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (report_id, name) DO UPDATE
             SET media_type = EXCLUDED.media_type, content = EXCLUDED.content,
                 sha256 = EXCLUDED.sha256, created_at = now()""",
        report_id,
        name,
        media_type,
        content,
        hashlib.sha256(content).digest(),
    )


def _attempt_of(message: IncomingMessage) -> int:
    value = message.headers.get(ATTEMPT_HEADER, 1)
    return value if isinstance(value, int) and value >= 1 else 1


def _plain_headers(message: IncomingMessage) -> dict[str, Any]:
    """Headers worth carrying on: ours and the trace context, not the broker's bookkeeping."""
    return {
        k: v
        for k, v in message.headers.items()
        if isinstance(v, str | int | float | bool) and not k.startswith(_BROKER_HEADERS)
    }


def _frames(exc: BaseException) -> list[str]:
    """Where an exception came from (file:line in function), without any of its text."""
    frames = traceback.extract_tb(exc.__traceback__)
    return [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} in {f.name}" for f in frames[-8:]]
