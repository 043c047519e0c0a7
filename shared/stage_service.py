"""Runs one stage as a service: connections, runner, dead-letter recorder, relay, health, signals.

Every stage's ``main`` is two lines: build the stage (an async context manager that owns the stage's
own resources, such as a render process pool) and hand it to :func:`serve_stage`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import structlog

from shared import logging as clinrelay_logging
from shared import telemetry
from shared.db.pool import Pool
from shared.db.postgres import PgStore
from shared.db.repositories import StageRepositories
from shared.delivery.parking import DeadLetterRecorder
from shared.delivery.runner import StageRunner
from shared.health import serve_health
from shared.runtime import (
    Background,
    connect_bus,
    connect_database,
    start_relay,
    stop_on_signals,
)
from shared.settings import Settings
from shared.stage import SelfChecking, Stage

log = structlog.get_logger(__name__)

StageFactory = Callable[[Settings, Pool], AbstractAsyncContextManager[Stage]]
"""Builds a stage and owns its own resources (a render pool, an HTTP client, background jobs)
for the life of the service; it gets the service's one database pool rather than opening more."""


async def serve_stage(name: str, factory: StageFactory, settings: Settings) -> None:
    """Serve the stage until SIGTERM/SIGINT; in-flight messages finish (or are redelivered)."""
    clinrelay_logging.configure(name, settings.log_level, settings.log_format)
    telemetry.configure(f"clinrelay-{name}", settings.otel_exporter)
    async with stop_on_signals() as stop:
        pool = await connect_database(settings)
        bus = await connect_bus(settings, name=f"clinrelay-{name}")
        background = Background()
        try:
            async with factory(settings, pool) as stage:
                store = PgStore(pool)
                repos = StageRepositories.on(pool)
                runner = StageRunner(stage, bus, store, settings, repos=repos)
                await runner.start()
                recorder = DeadLetterRecorder(
                    stage.name, stage.working_step, bus, store, runner.topology
                )
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
                log.info("service.started", stage=name)
                await stop.wait()
                log.info("service.stopping", stage=name)
                await bus.cancel_consumers()
                await runner.drain(settings.shutdown_grace_s)
        finally:
            await background.stop()
            await bus.close()
            await pool.close()
