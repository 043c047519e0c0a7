"""The gateway's FastAPI application: REST API, auth, outbox relay and the admin dead-letter API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI

from services.gateway.access_log import AccessLog
from services.gateway.deps import GatewayState
from services.gateway.errors import install_error_handlers
from services.gateway.group_accept import GroupAccept
from services.gateway.guard import RequestGuard
from services.gateway.openapi import install_openapi
from services.gateway.outage_shield import outage_shield
from services.gateway.routes import (
    admin,
    batches,
    dashboard,
    events,
    health,
    outbound,
    reports,
    schedules,
    status,
)
from services.gateway.settings import GatewaySettings
from shared.auth import CachedAuthenticator
from shared.bus.amqp import AmqpBus
from shared.http_middleware import WatchedHttp
from shared.live.feed import LiveBinding, feed_hub
from shared.live.history import PgHistory
from shared.live.hub import Hub
from shared.metrics.backlog import watch_backlog
from shared.metrics.broker import BrokerStats
from shared.metrics.http import RequestMetrics
from shared.runtime import Background, broker_in_background, connect_database
from shared.tracing_http import RequestSpan
from shared.version import __version__

log = structlog.get_logger(__name__)


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await connect_database(settings)
        state = GatewayState(
            settings=settings,
            pool=pool,
            authenticate=CachedAuthenticator(pool, settings.auth_cache_s),
            accept_group=GroupAccept(pool, max_reports=settings.accept_group_max),
        )
        app.state.gateway = state
        revocations = asyncio.create_task(
            state.authenticate.watch_revocations(settings.database_url), name="key-revocations"
        )
        figures = Background()  # queue depth and backlogs for /metrics and the system status
        figures.start(watch_backlog(pool, settings.metrics_refresh_s), "backlog-figures")
        live: list[LiveBinding] = []

        async def connected(bus: AmqpBus) -> None:
            state.bus = bus  # the relay, /readyz and the live events of /v1/events
            history = PgHistory(pool)
            hub = Hub(history)
            live.append(await feed_hub(bus, bus.topology, hub, "gateway"))
            state.history, state.hub = history, hub
            stats = BrokerStats(
                bus.topology,
                settings.amqp_url,
                management_url=settings.rabbitmq_management_url,
                passive_declare=bus.queue_state,
                interval_s=settings.metrics_refresh_s,
            )
            state.broker_stats = stats
            figures.start(stats.run(), "broker-figures")

        try:
            async with broker_in_background(settings, "clinrelay-gateway", pool, connected):
                yield
        finally:
            await figures.stop()
            if state.broker_stats is not None:
                await state.broker_stats.close()
            revocations.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await revocations
            for binding in live:
                await binding.close()
            if state.hub is not None:
                await state.hub.close()
            await state.accept_group.close()
            await pool.close()

    app = FastAPI(
        title="clinrelay",
        version=__version__,
        summary="Clinical coding and drug-safety reports, off the request path.",
        lifespan=lifespan,
        # FastAPI's own server span stays (it is the request's span, see shared.tracing_http);
        # its operation spans — dependency resolution, endpoint, serialization, each a recorded
        # span under clinrelay's SDK provider — cost a small POST more CPU than its validation
        # (issue 15), and clinrelay's trace is POST → publish → stages, not FastAPI's internals.
        telemetry={"operation_spans": False},
    )
    app.add_middleware(RequestGuard, settings=settings)
    # Outside the guard, in one pass: the span, metrics and access log see every answer, the
    # guard's refusals and the shield's (its key check reads the database, which may be down).
    app.add_middleware(
        WatchedHttp,
        watches=[RequestSpan("gateway"), RequestMetrics("gateway"), AccessLog()],
        shield=outage_shield,
    )
    install_error_handlers(app)
    install_openapi(app, settings)
    app.include_router(reports.router)
    app.include_router(batches.router)
    app.include_router(schedules.router)
    app.include_router(events.router)
    app.include_router(outbound.router)
    app.include_router(admin.router)
    app.include_router(status.router)
    app.include_router(health.router)
    dashboard.install_dashboard(app)
    return app
