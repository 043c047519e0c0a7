"""Process plumbing every service shares: connecting with retries, the outbox relay task, background
jobs, signals.

A service must come up even when RabbitMQ or PostgreSQL is not there yet (containers start in any
order): connections are retried with back-off until they succeed or the process is told to stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import asyncpg
import structlog

from shared.backoff import Backoff
from shared.bus.amqp import AmqpBus
from shared.bus.topology import Topology
from shared.db.outage import is_outage
from shared.db.pool import create_pool
from shared.db.postgres import PgStore
from shared.delivery.relay import OutboxRelay
from shared.settings import Settings

log = structlog.get_logger(__name__)

T = TypeVar("T")


def settle_heap() -> None:
    """Take what a service process loaded to start (modules, FastAPI's and pydantic's schemas,
    the FHIR models: ~120,000 objects in the gateway) out of the garbage collector's sight.

    They live as long as the process, yet every full collection walked them all: 60-100 ms of
    CPU in the gateway every ten seconds or so under load, during which its event loop answered
    nothing and the requests in flight waited it out (issue 15, the POST p99). After
    ``gc.freeze`` a full collection walks only what was allocated since (~9 ms). Call it once, in
    the service's own process, just before serving: frozen objects are never collected, so a
    test process that builds many apps must not."""
    gc.collect()
    gc.freeze()


def topology_of(settings: Settings) -> Topology:
    return Topology(settings.bus_namespace, settings.delivery_limit, settings.retry_delays_ms)


async def with_retries(
    what: str, connect: Callable[[], Awaitable[T]], *, max_wait: float = 5.0
) -> T:
    """Call ``connect`` until it succeeds, backing off up to ``max_wait`` seconds between tries."""
    backoff = Backoff(0.2, max_wait)
    while True:
        try:
            return await connect()
        except Exception as exc:  # OSError, asyncpg's and aiormq's own connection errors
            delay = backoff.next_delay()
            log.warning(
                "runtime.connect_retry", target=what, error=type(exc).__name__, retry_in=delay
            )
        await asyncio.sleep(delay)


async def connect_database(settings: Settings) -> asyncpg.Pool:
    return await with_retries(
        "postgresql",
        lambda: create_pool(
            settings.database_url, min_size=settings.db_pool_min, max_size=settings.db_pool_max
        ),
    )


async def connect_bus(settings: Settings, name: str) -> AmqpBus:
    return await with_retries(
        "rabbitmq",
        lambda: AmqpBus.connect(
            settings.amqp_url,
            topology_of(settings),
            publish_timeout=settings.publish_timeout_s,
            name=name,
            heartbeat_s=settings.amqp_heartbeat_s,
        ),
    )


@dataclass
class Background:
    """Tasks a service runs beside its main work; cancelled together on shutdown."""

    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self, coro: Awaitable[None], name: str) -> asyncio.Task[None]:
        async def guarded() -> None:
            try:
                await coro
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("runtime.background_task_died", task=name)
                raise

        task = asyncio.create_task(guarded(), name=name)
        self.tasks.append(task)
        return task

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.tasks.clear()


JobRun = Callable[[asyncio.Event], Awaitable[None]]
"""A background job: runs until the event is set, then finishes what it is doing and returns."""


class Jobs:
    """The background jobs of a service (a scheduler, a purge), run by the runtime.

    A stage's factory says which jobs it needs (:meth:`add`); the runtime starts them once the
    service consumes (:meth:`start`), each a named task whose death is logged, and on shutdown
    asks them to stop and waits up to ``grace_s`` before cancelling (:meth:`stop`) — before the
    factory closes what they use (an HTTP client, the pool).
    """

    def __init__(self) -> None:
        self._wanted: list[tuple[str, JobRun]] = []
        self._stopping = asyncio.Event()
        self._running = Background()

    def add(self, name: str, run: JobRun) -> None:
        self._wanted.append((name, run))

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self._wanted]

    def start(self) -> None:
        for name, run in self._wanted:
            self._running.start(run(self._stopping), name)

    async def stop(self, grace_s: float = 10.0) -> None:
        self._stopping.set()
        if self._running.tasks:
            await asyncio.wait(self._running.tasks, timeout=grace_s)
        await self._running.stop()


async def every(
    interval_s: float,
    work: Callable[[], Awaitable[object]],
    stop: asyncio.Event,
    *,
    job: str,
    survives: Callable[[Exception], bool] = is_outage,
) -> None:
    """Run ``work`` now and every ``interval_s`` seconds until ``stop`` is set.

    A failure ``survives`` accepts (by default a database outage) is logged and the next round
    comes as usual; any other ends the job (the runtime logs its death)."""
    while not stop.is_set():
        try:
            await work()
        except Exception as exc:
            if not survives(exc):
                raise
            log.warning("job.round_failed", job=job, error=type(exc).__name__)
        # asyncio.timeout, not wait_for: wait_for can swallow a cancellation on Python 3.11.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(interval_s):
                await stop.wait()


def start_relay(
    background: Background, pool: asyncpg.Pool, bus: AmqpBus, settings: Settings
) -> OutboxRelay | None:
    if not settings.outbox_relay:
        return None
    relay = OutboxRelay(
        PgStore(pool, settings.database_url),
        bus,
        batch_size=settings.outbox_batch,
        tenant_in_flight=settings.tenant_max_in_flight,
        max_refusals=settings.outbox_max_refusals,
    )
    background.start(relay.run(), "outbox-relay")
    return relay


@contextlib.asynccontextmanager
async def stop_on_signals() -> AsyncIterator[asyncio.Event]:
    """An event set by SIGTERM or SIGINT, for a graceful shutdown."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        yield stop
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


@contextlib.asynccontextmanager
async def broker_in_background(
    settings: Settings,
    name: str,
    pool: asyncpg.Pool,
    on_connected: Callable[[AmqpBus], Awaitable[None]],
) -> AsyncIterator[None]:
    """Connect to the broker in the background (retrying), then ``on_connected`` and the relay.

    For the web services: they serve without a broker (the outbox keeps what they accept), so
    start-up must not wait for one. On exit the relay stops and the connection closes.
    """
    background = Background()
    connected: list[AmqpBus] = []

    async def attach() -> None:
        bus = await connect_bus(settings, name=name)
        connected.append(bus)
        await on_connected(bus)
        start_relay(background, pool, bus, settings)

    background.start(attach(), "attach-bus")
    try:
        yield
    finally:
        await background.stop()
        for bus in connected:
            await bus.close()
