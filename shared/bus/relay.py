"""The outbox relay: publishes what transactions wrote to the outbox, with confirms.

Every service runs one. Relays wake on PostgreSQL NOTIFY (sent when an outbox row commits) and
poll once a second in case a notification was missed. Each claims rows with ``FOR UPDATE SKIP
LOCKED``, publishes them as one confirmed batch and deletes them in the same transaction, so a row
leaves the outbox only once the broker has it. A broker outage stalls the relay, never a request.

Admission is fair between tenants: a report's ``report.requested`` leaves the outbox only while
its tenant has fewer than ``tenant_in_flight`` reports admitted and unfinished, so a burst from one
tenant waits here, not in the work queues in front of everyone else's reports. A finished report
writes its terminal notification to the outbox, whose NOTIFY wakes the relay to admit the next.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import asyncpg
import structlog

from shared.bus.protocol import Bus
from shared.db import outbox
from shared.db.pool import connect

log = structlog.get_logger(__name__)


class OutboxRelay:
    def __init__(
        self,
        pool: asyncpg.Pool,
        bus: Bus,
        dsn: str,
        *,
        batch_size: int = 200,
        poll_interval: float = 1.0,
        tenant_in_flight: int = 0,
    ) -> None:
        self._pool = pool
        self._bus = bus
        self._dsn = dsn
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._tenant_in_flight = tenant_in_flight
        self._wakeup = asyncio.Event()
        self.published = 0
        self.last_error: str | None = None
        self.last_success: float | None = None

    async def drain_once(self) -> int:
        """Publish one batch; returns how many messages left the outbox."""
        async with self._pool.acquire() as conn, conn.transaction():
            claimed = await outbox.claim_batch(
                conn, self._batch_size, tenant_in_flight=self._tenant_in_flight
            )
            if not claimed:
                return 0
            await self._bus.publish([message for _, message in claimed])
            await outbox.delete_published(conn, [row_id for row_id, _ in claimed])
        self.published += len(claimed)
        return len(claimed)

    async def run(self) -> None:
        """Relay until cancelled, surviving broker and database outages."""
        backoff = 0.2
        listener: asyncpg.Connection | None = None
        try:
            while True:
                try:
                    if listener is None or listener.is_closed():
                        listener = await self._listen()
                    while await self.drain_once() == self._batch_size:
                        pass
                    self.last_success = time.monotonic()
                    self.last_error = None
                    backoff = 0.2
                except Exception as exc:  # database or broker down: keep the rows, try later
                    self.last_error = type(exc).__name__
                    log.warning("outbox.relay_error", error=type(exc).__name__, retry_in=backoff)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll_interval)
                self._wakeup.clear()
        finally:
            if listener is not None and not listener.is_closed():
                await listener.close()

    async def _listen(self) -> asyncpg.Connection:
        conn = await connect(self._dsn)

        def on_notify(*_: object) -> None:
            self._wakeup.set()

        try:
            await conn.add_listener(outbox.NOTIFY_CHANNEL, on_notify)
        except BaseException:  # cancelled (shutdown) or failed: do not leak the connection
            conn.terminate()
            raise
        self._wakeup.set()  # drain whatever accumulated while we were not listening
        return conn
