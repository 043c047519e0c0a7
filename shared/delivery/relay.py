"""The outbox relay: publishes what transactions wrote to the outbox, with confirms.

Every service runs one. Relays wake on PostgreSQL NOTIFY (sent when an outbox row commits) and
poll once a second in case a notification was missed. Each claims rows with ``FOR UPDATE SKIP
LOCKED``, publishes them with confirms and deletes, in the same transaction, those the broker
confirmed, so a row leaves the outbox only once the broker has it. A broker outage stalls the
relay, never a request. A tenant's progress notifications in one batch share one message
(:mod:`shared.delivery.note_carriers`); their rows leave together, with its confirm.

Admission is fair between tenants: a report's ``report.requested`` leaves the outbox only while
its tenant has fewer than ``tenant_in_flight`` reports admitted and unfinished, so a burst from one
tenant waits here, not in the work queues in front of everyone else's reports. A finished report
writes its terminal notification to the outbox, whose NOTIFY wakes the relay to admit the next.

A row the broker *refuses* (returns it as unroutable, or nacks it) does not hold the others back:
it is held back alone, for a delay that doubles with each refusal, while the rest are published;
after ``max_refusals`` it is parked in the dead letters (stage ``relay``) for an operator, who
fixes the cause and replays it. A row the broker did not answer for (timeout, connection lost)
stays as it was and is tried again with the next batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import replace

import structlog

from shared import telemetry
from shared.backoff import Backoff
from shared.bus.protocol import Bus, Refused, Unconfirmed
from shared.db.outbox import ClaimedRow
from shared.db.store import OutboxListener, OutboxTable, Store
from shared.delivery.note_carriers import MAX_NOTES, carriers
from shared.metrics import registry as metrics

log = structlog.get_logger(__name__)


class BrokerDidNotAnswer(Exception):
    """Some message of the batch was neither confirmed nor refused in time."""


class OutboxRelay:
    def __init__(
        self,
        store: Store,
        bus: Bus,
        *,
        batch_size: int = 200,
        poll_interval: float = 1.0,
        tenant_in_flight: int = 0,
        max_refusals: int = 8,
        first_hold_s: float = 1.0,
        max_hold_s: float = 60.0,
        max_notes_per_message: int = MAX_NOTES,
    ) -> None:
        self._store = store
        self._bus = bus
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._tenant_in_flight = tenant_in_flight
        self._max_refusals = max_refusals
        self._holds = Backoff(first_hold_s, max_hold_s)
        self._max_notes = max_notes_per_message
        self._wakeup = asyncio.Event()
        self.batches = 0
        """Batches that found rows so far."""
        self.published = 0
        """Rows published (and deleted) so far."""
        self.messages = 0
        """Confirmed messages that carried them (a tenant's progress notes share one)."""
        self.held_back = 0
        """Refusals so far (each held its row back)."""
        self.parked = 0
        """Rows set aside in the dead letters after too many refusals."""
        self.last_error: str | None = None
        self.last_success: float | None = None
        self._tracer = telemetry.tracer("clinrelay.relay")

    def hold_s(self, refusals: int) -> float:
        """How long a row is held back after its ``refusals``-th refusal."""
        return self._holds.after(refusals)

    async def drain_once(self) -> int:
        """Publish one batch; returns how many rows it claimed (published, held back or parked).

        Raises when the broker did not answer for some message (they stay in the outbox)."""
        unconfirmed: str | None = None
        refused: str | None = None
        async with self._store.transaction() as db:
            claimed = await db.outbox.claim_batch(
                self._batch_size, tenant_in_flight=self._tenant_in_flight
            )
            if not claimed:
                return 0
            self.batches += 1
            sending = carriers(claimed, max_notes=self._max_notes)
            with contextlib.ExitStack() as spans:  # one producer span per message, same trace
                messages = [
                    replace(
                        carrier.message,
                        headers=spans.enter_context(
                            telemetry.publishing(
                                self._tracer,
                                carrier.message.headers,
                                f"publish {carrier.message.routing_key}",
                            )
                        ),
                    )
                    for carrier in sending
                ]
                started = time.perf_counter()
                outcomes = await self._bus.publish(messages)
                metrics.OUTBOX_PUBLISH.observe(time.perf_counter() - started)
            # A row leaves the outbox only with the confirm of the message that carried it.
            confirmed = [
                row.id
                for carrier, outcome in zip(sending, outcomes, strict=True)
                if outcome is None
                for row in carrier.rows
            ]
            await db.outbox.delete_published(confirmed)
            for carrier, outcome in zip(sending, outcomes, strict=True):
                if isinstance(outcome, Refused):
                    for row in carrier.rows:
                        await self._refused(db.outbox, row, outcome)
                    refused = outcome.error_class
                elif isinstance(outcome, Unconfirmed):
                    unconfirmed = outcome.error
        self.published += len(confirmed)
        self.messages += sum(1 for outcome in outcomes if outcome is None)
        metrics.OUTBOX_PUBLISHED.inc(len(confirmed))
        if refused is not None:  # set once committed: the held rows are visible as held
            self.last_error = refused
        if unconfirmed is not None:
            raise BrokerDidNotAnswer(unconfirmed)
        return len(claimed)

    async def _refused(self, table: OutboxTable, row: ClaimedRow, why: Refused) -> None:
        refusals = row.refusals + 1
        if refusals >= self._max_refusals:
            await table.set_aside(row, why.detail, why.error_class)
            self.parked += 1
            metrics.STAGE_PARKED.labels("relay", "refused").inc()  # a dead letter of stage relay
            log.error(
                "outbox.row_parked",
                message_id=row.message.message_id,
                routing_key=row.message.routing_key,
                refusals=refusals,
                error_class=why.error_class,
            )
            return
        hold = self.hold_s(refusals)
        await table.hold_back(row.id, hold, why.detail)
        self.held_back += 1
        log.warning(
            "outbox.row_held_back",
            message_id=row.message.message_id,
            routing_key=row.message.routing_key,
            refusals=refusals,
            error_class=why.error_class,
            retry_in=hold,
        )

    async def run(self) -> None:
        """Relay until cancelled, surviving broker and database outages."""
        backoff = Backoff(0.2, 5.0)
        listener: OutboxListener | None = None
        try:
            while True:
                try:
                    if listener is None or listener.is_closed():
                        listener = await self._listen()
                    refusals_before = self.held_back + self.parked
                    while await self.drain_once() == self._batch_size:
                        pass
                    self.last_success = time.monotonic()
                    if self.held_back + self.parked == refusals_before:
                        self.last_error = None
                    backoff.reset()
                except Exception as exc:  # database or broker down: keep the rows, try later
                    self.last_error = type(exc).__name__
                    metrics.OUTBOX_ERRORS.inc()
                    delay = backoff.next_delay()
                    log.warning("outbox.relay_error", error=type(exc).__name__, retry_in=delay)
                    await asyncio.sleep(delay)
                    continue
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
                # cancellation that arrives as the wakeup fires, and shutdown then hangs here.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._poll_interval):
                        await self._wakeup.wait()
                self._wakeup.clear()
        finally:
            if listener is not None and not listener.is_closed():
                await listener.close()

    async def _listen(self) -> OutboxListener:
        listener = await self._store.listen_outbox(self._wakeup.set)
        self._wakeup.set()  # drain whatever accumulated while we were not listening
        return listener
