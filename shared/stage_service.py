"""Runs one stage as a service: connections, runner, dead-letter recorder, relay, health, background
jobs, signals.

Every stage's ``main`` is two lines: build the stage (an async context manager that owns the stage's
own resources, such as a render process pool) and hand it to :func:`serve_stage`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import structlog

from shared import logging as clinrelay_logging
from shared import telemetry
from shared.bus.amqp import AmqpBus
from shared.db.pool import Pool
from shared.db.postgres import PgStore
from shared.db.repositories import StageRepositories
from shared.delivery.parking import DeadLetterRecorder
from shared.delivery.runner import StageRunner
from shared.health import serve_health
from shared.runtime import (
    Background,
    Jobs,
    connect_bus,
    connect_database,
    start_relay,
    stop_on_signals,
)
from shared.settings import Settings
from shared.stage import SelfChecking, Stage

log = structlog.get_logger(__name__)

StageFactory = Callable[[Settings, Pool, Jobs], AbstractAsyncContextManager[Stage]]
"""Builds a stage and owns its own resources (a render pool, an HTTP client) for the life of the
service; it gets the service's one database pool rather than opening more, and adds the
background jobs it needs (a scheduler, a purge) to ``Jobs``, which the runtime runs."""


async def serve_stage(name: str, factory: StageFactory, settings: Settings) -> None:
    """Serve the stage until SIGTERM/SIGINT; in-flight messages finish (or are redelivered)."""
    clinrelay_logging.configure(name, settings.log_level, settings.log_format)
    telemetry.configure(f"clinrelay-{name}", settings.otel_exporter)
    async with stop_on_signals() as stop:
        pool = await connect_database(settings)
        bus = await connect_bus(settings, name=f"clinrelay-{name}")
        background = Background()
        jobs = Jobs()
        try:
            async with factory(settings, pool, jobs) as stage:
                try:
                    await _serve(name, stage, bus, pool, settings, background, jobs, stop)
                finally:
                    await jobs.stop()  # before the factory closes what the jobs use
        finally:
            await background.stop()
            await bus.close()
            await pool.close()


async def _serve(
    name: str,
    stage: Stage,
    bus: AmqpBus,
    pool: Pool,
    settings: Settings,
    background: Background,
    jobs: Jobs,
    stop: asyncio.Event,
) -> None:
    """Consume with the stage's runner and recorder, relay, health and jobs until ``stop``; then
    stop consuming and let in-flight messages finish."""
    store = PgStore(pool)
    runner = StageRunner(stage, bus, store, settings, repos=StageRepositories.on(pool))
    await runner.start()
    recorder = DeadLetterRecorder(stage.name, stage.working_step, bus, store, runner.topology)
    await recorder.start()
    start_relay(background, pool, bus, settings)
    if settings.health_port:

        async def readiness() -> dict[str, str]:
            down: dict[str, str] = {}
            if not bus.is_connected:
                down["rabbitmq"] = "not connected"
            try:
                async with pool.acquire() as conn:
                    await conn.fetchval("SELECT 1")
            except Exception as exc:
                down["postgresql"] = type(exc).__name__
            if isinstance(stage, SelfChecking):
                down.update(stage.problems())
            return down

        background.start(
            serve_health("0.0.0.0", settings.health_port, readiness),  # noqa: S104
            "health",
        )
    jobs.start()
    log.info("service.started", stage=name, jobs=jobs.names)
    await stop.wait()
    log.info("service.stopping", stage=name)
    await bus.cancel_consumers()
    await runner.drain(settings.shutdown_grace_s)
