"""Feeding a hub from the bus: each replica's own queue, bound to every notification key while
the replica has subscribers.

A gateway under a POST load usually has none, and a bound queue cost it a delivery to read, wrap
and acknowledge for every report it accepted (and the broker the routing and the delivery) only
to drop it (issue 15). So the queue is declared and consumed at start-up but bound only when a
subscriber joins, before the subscriber's backlog is read from PostgreSQL: what commits after the
binding arrives live, what committed before is in the backlog, the overlap is dropped by sequence
number (:mod:`shared.live.hub`). It is unbound once nobody has followed anything for
``linger_s``, so a client that reconnects does not bind it again each time. If the broker cannot
bind it, the subscriber still gets its backlog and binding is retried: the hub fills the gap
between the backlog and the first live event from PostgreSQL, as after any broker outage.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from uuid import uuid4

import structlog

from shared import telemetry
from shared.backoff import Backoff
from shared.bus.protocol import Bus, Handler, IncomingMessage, PrivateBindings
from shared.bus.topology import Topology
from shared.events import StatusNotification, routing
from shared.events.batch import BatchNotification
from shared.events.notification import EARLIER_NOTES_HEADER
from shared.live.hub import Hub

log = structlog.get_logger(__name__)

TENANT_SEQ_HEADER = "x-clinrelay-tenant-seq"
"""Set on batch notifications by the outbox trigger of migration 0041: their tenant-feed number."""

LIVE_KEYS = (*routing.NOTIFICATIONS, *routing.BATCH_NOTIFICATIONS)


def replica_name(service: str) -> str:
    return f"{service}-{socket.gethostname()}-{os.getpid()}-{uuid4().hex[:6]}"


def hub_handler(hub: Hub, service: str) -> Handler:
    """A bus handler passing report and batch notifications to ``hub``."""
    tracer = telemetry.tracer(f"clinrelay.{service}")

    async def on_notification(message: IncomingMessage) -> None:
        if hub.channel_count == 0:
            # Nobody follows anything here any more (the queue is unbound once nobody has for a
            # while): the hub would pass this on to no one, so it is neither parsed nor traced
            # (issue 15). A subscriber who joins later reads its backlog from PostgreSQL first.
            await message.ack()
            return
        try:
            with (
                telemetry.continued_from(message.headers),
                tracer.start_as_current_span("notify"),
            ):
                if message.routing_key in routing.BATCH_NOTIFICATIONS:
                    seq = message.headers.get(TENANT_SEQ_HEADER)
                    hub.publish_batch(
                        BatchNotification.model_validate_json(message.body),
                        seq if isinstance(seq, int) else None,
                    )
                else:
                    own = StatusNotification.model_validate_json(message.body)
                    for note in (*earlier_notes(message), own):
                        hub.publish(note)
        except ValueError:  # pydantic's ValidationError is one
            log.warning("live.bad_notification", routing_key=message.routing_key)
        await message.ack()

    return on_notification


def earlier_notes(message: IncomingMessage) -> list[StatusNotification]:
    """The notifications riding on a notification message, before its own (migration 0090)."""
    riders = message.headers.get(EARLIER_NOTES_HEADER)
    if riders is None:
        return []
    if not isinstance(riders, list | tuple):
        raise ValueError(f"{EARLIER_NOTES_HEADER} is not a list")
    return [StatusNotification.model_validate_json(rider) for rider in riders]


class LiveBinding:
    """Binds a hub's queue while the hub has subscribers (:class:`shared.live.hub.Demand`)."""

    def __init__(
        self,
        bindings: PrivateBindings,
        *,
        linger_s: float = 30.0,
        wait_s: float = 5.0,
        retry: Backoff | None = None,
    ) -> None:
        self._bindings = bindings
        self._linger_s = linger_s
        self._wait_s = wait_s
        self._retry = retry or Backoff(0.5, 10.0)
        self._lock = asyncio.Lock()
        self._bound = False
        self._wanted = False
        self._binding: asyncio.Task[None] | None = None
        self._unbinding: asyncio.Task[None] | None = None
        self._linger: asyncio.TimerHandle | None = None

    @property
    def bound(self) -> bool:
        return self._bound

    async def wanted(self) -> None:
        self._wanted = True
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None
        if self._bound and self._unbinding is None:
            return
        if self._binding is None:
            self._binding = asyncio.create_task(self._bind(), name="live-bind")
        # Shielded: a subscriber that gives up waiting does not stop the binding for the others.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._wait_s):
                await asyncio.shield(self._binding)

    def idle(self) -> None:
        self._wanted = False
        if self._linger is None:
            self._linger = asyncio.get_running_loop().call_later(self._linger_s, self._unbind_now)

    def _unbind_now(self) -> None:
        self._linger = None
        if not self._wanted and self._unbinding is None:
            self._unbinding = asyncio.create_task(self._unbind(), name="live-unbind")

    async def _bind(self) -> None:
        try:
            while self._wanted:
                async with self._lock:
                    if self._bound:
                        return
                    try:
                        await self._bindings.bind()
                    except Exception as exc:  # broker away: the robust connection comes back
                        delay = self._retry.next_delay()
                        log.warning("live.bind_failed", error=type(exc).__name__, retry_in=delay)
                    else:
                        self._bound = True
                        self._retry.reset()
                        return
                await asyncio.sleep(delay)
        finally:
            self._binding = None

    async def _unbind(self) -> None:
        try:
            async with self._lock:
                if self._wanted or not self._bound:
                    return
                try:
                    await self._bindings.unbind()
                except Exception as exc:  # still bound: the hub acks what comes unparsed
                    log.warning("live.unbind_failed", error=type(exc).__name__)
                else:
                    self._bound = False
        finally:
            self._unbinding = None

    async def close(self) -> None:
        self._wanted = False
        if self._linger is not None:
            self._linger.cancel()
        for task in (self._binding, self._unbinding):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task


async def feed_hub(
    bus: Bus, topology: Topology, hub: Hub, service: str, *, linger_s: float = 30.0
) -> LiveBinding:
    """Declare this process's own queue (gone with its connection), feed ``hub`` from it, and
    bind it while ``hub`` has subscribers."""
    bindings = await bus.bind_private_queue(
        topology.notifier_queue(replica_name(service)),
        LIVE_KEYS,
        hub_handler(hub, service),
        prefetch=500,
        bound=False,
    )
    live = LiveBinding(bindings, linger_s=linger_s)
    hub.on_demand(live)
    if hub.channel_count:  # subscribed before the broker connected
        await live.wanted()
    return live
