"""What happens to a message whose stage work failed: another attempt after a back-off, or parking.

A failed attempt is re-published (with confirm) to the stage's delay queue for that attempt, whose
TTL dead-letters it back into the work queue; each retry is an audit event, recorded once per
attempt. After the last attempt, or at once for a permanent failure, the message is parked in
``dead_letters`` and the report ends FAILED with the stage's message (PHI-free by construction:
only :class:`~shared.stage.StageError` texts are shown; other exceptions show their type alone).
"""

from __future__ import annotations

import traceback
from typing import Any

import structlog

from shared import telemetry
from shared.bus.protocol import Bus, IncomingMessage, OutgoingMessage, message_uuid
from shared.bus.topology import Topology
from shared.db.deadletters import ParkedMessage
from shared.db.outage import through_outages
from shared.db.reports import Step
from shared.db.store import Store
from shared.events import Envelope, ReportStatus
from shared.metrics.stage_meter import StageMeter, report_finished
from shared.settings import Settings
from shared.stage import Stage, StageError

ATTEMPT_HEADER = "x-clinrelay-attempt"
_BROKER_HEADERS = ("x-death", "x-delivery-count", "x-first-death", "x-last-death")


def working_step(
    stage: Stage,
    outcome: str,
    *,
    message: str | None = None,
    details: dict[str, Any] | None = None,
    retry: bool = False,
) -> Step:
    """A step of ``stage`` at work (started, retrying): the report stays PROCESSING at the
    stage's progress."""
    return Step(
        actor=stage.name,
        step=stage.working_step,
        outcome=outcome,
        status=ReportStatus.PROCESSING,
        progress_percent=stage.working_progress,
        message=message,
        details=details or {},
        retry=retry,
    )


def attempt_of(message: IncomingMessage) -> int:
    """Which attempt of its stage this delivery is (1 for the first)."""
    value = message.headers.get(ATTEMPT_HEADER, 1)
    return value if isinstance(value, int) and value >= 1 else 1


def carried_headers(message: IncomingMessage) -> dict[str, Any]:
    """Headers worth carrying on: ours and the trace context, not the broker's bookkeeping."""
    return {
        k: v
        for k, v in message.headers.items()
        if isinstance(v, str | int | float | bool) and not k.startswith(_BROKER_HEADERS)
    }


def describe_exception(exc: BaseException, *, may_hold_phi: bool) -> str:
    """A loggable description: with PHI possible in the input, the type only, never the text."""
    if isinstance(exc, StageError):
        return exc.message
    if may_hold_phi:
        return type(exc).__name__
    text = str(exc)
    return f"{type(exc).__name__}: {text[:500]}" if text else type(exc).__name__


def traceback_frames(exc: BaseException) -> list[str]:
    """Where an exception came from (file:line in function), without any of its text."""
    frames = traceback.extract_tb(exc.__traceback__)
    return [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} in {f.name}" for f in frames[-8:]]


class FailurePolicy:
    """Retry or park a failed message of one stage, and settle it."""

    def __init__(
        self,
        stage: Stage,
        bus: Bus,
        store: Store,
        settings: Settings,
        topology: Topology,
        log: structlog.typing.FilteringBoundLogger,
        meter: StageMeter | None = None,
    ) -> None:
        self.meter = meter or StageMeter(stage.name)
        self.stage = stage
        self.bus = bus
        self.store = store
        self.settings = settings
        self.topology = topology
        self.log = log

    async def failed(
        self,
        message: IncomingMessage,
        event: Envelope,
        error: str,
        details: dict[str, Any],
        *,
        permanent: bool,
    ) -> None:
        attempt = attempt_of(message)
        self.meter.failed(event.kind.value, permanent=permanent)
        if not permanent and attempt < self.settings.max_attempts:
            await self._retry(message, event, attempt, error)
            return
        ended = await through_outages(
            lambda: self._park(message, event, attempt, error, details, permanent), what="park"
        )
        await message.ack()
        self.meter.parked("permanent_error" if permanent else "attempts_exhausted")
        if ended is not None:
            report_finished(event.kind.value, ReportStatus.FAILED.value, ended)
        self.log.error(
            "stage.failed", report_id=str(event.report_id), attempts=attempt, error=error
        )

    async def undecodable(self, message: IncomingMessage) -> None:
        """Park a message that is not an envelope at all: no attempt could ever succeed."""

        parked = ParkedMessage(
            stage=self.stage.name,
            message_id=message_uuid(message.message_id),
            report_id=None,
            routing_key=message.routing_key,
            body=message.body,
            headers=carried_headers(message),
            reason="undecodable",
            error_message="The message is not a clinrelay event envelope.",
            attempts=attempt_of(message),
        )

        async def park() -> None:
            async with self.store.connection() as db:
                await db.dead_letters.park(parked)

        await through_outages(park, what="park")
        await message.ack()
        self.meter.parked("undecodable")
        self.log.error("stage.undecodable_parked", routing_key=message.routing_key)

    async def unknown_report(self, message: IncomingMessage, event: Envelope) -> None:
        """Park an envelope whose report does not exist: no attempt can do anything with it, and
        dropping it silently would hide a bug or a lost row."""

        parked = ParkedMessage(
            stage=self.stage.name,
            message_id=event.message_id,
            report_id=None,
            routing_key=message.routing_key,
            body=message.body,
            headers=carried_headers(message),
            reason="unknown_report",
            error_message=f"No report {event.report_id} exists for this {event.type} event.",
            attempts=attempt_of(message),
        )

        async def park() -> None:
            async with self.store.connection() as db:
                await db.dead_letters.park(parked)

        await through_outages(park, what="park")
        await message.ack()
        self.log.error(
            "stage.unknown_report_parked",
            report_id=str(event.report_id),
            message_id=str(event.message_id),
        )

    async def _retry(
        self, message: IncomingMessage, event: Envelope, attempt: int, error: str
    ) -> None:
        delay_ms = self.settings.retry_delay_ms(attempt)
        await through_outages(
            lambda: self._record_retry(event, attempt, error, delay_ms), what="record retry"
        )
        retry = OutgoingMessage(
            routing_key=message.routing_key,
            body=message.body,
            message_id=str(event.message_id),
            headers={**carried_headers(message), ATTEMPT_HEADER: attempt + 1},
        )
        await self.bus.send_delayed(self.topology.work_queue(self.stage.name), delay_ms, retry)
        await message.ack()
        self.meter.retried()
        self.log.warning(
            "stage.retry_scheduled",
            report_id=str(event.report_id),
            attempt=attempt,
            delay_ms=delay_ms,
            error=error,
        )

    async def _record_retry(self, event: Envelope, attempt: int, error: str, delay_ms: int) -> None:
        async with self.store.transaction() as db:
            attempt_key = f"{self.stage.name}#attempt{attempt}"
            if not await db.processed.claim(event.message_id, attempt_key):
                return  # this attempt's failure is already on record
            await db.reports.record_step(
                event.report_id,
                working_step(
                    self.stage,
                    "retrying",
                    message=(
                        f"Attempt {attempt} of {self.settings.max_attempts} failed: {error} "
                        f"Retrying in {delay_ms / 1000:g} s."
                    ),
                    details={"attempt": attempt, "delay_ms": delay_ms},
                    retry=True,
                ),
            )

    async def _park(
        self,
        message: IncomingMessage,
        event: Envelope,
        attempt: int,
        error: str,
        details: dict[str, Any],
        permanent: bool,
    ) -> float | None:
        """Park the message and fail its report; returns the report's age if it ended now."""
        parked = ParkedMessage(
            stage=self.stage.name,
            message_id=event.message_id,
            report_id=event.report_id,
            routing_key=message.routing_key,
            body=message.body,
            headers=carried_headers(message),
            reason="permanent_error" if permanent else "attempts_exhausted",
            error_message=error,
            attempts=attempt,
        )
        error_details = {
            "attempts": attempt,
            "retryable": not permanent,
            "trace_id": telemetry.current_trace_id(),
            **details,
        }
        async with self.store.transaction() as db:
            if not await db.dead_letters.park_and_fail(
                parked, working_step=self.stage.working_step, error_details=error_details
            ):
                return None  # a redelivery of a give-up already on record: counted then
            return await db.reports.duration_s(event.report_id)
