"""Runs pieces of clinrelay in the test's event loop against the real broker and database.

A :class:`Pipeline` owns one isolated deployment (its own database and bus namespace) and starts
what a test needs: stage runners (real stages or test doubles), relays, the gateway and the
notifier as real HTTP/WebSocket servers on free ports.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID, uuid4

import asyncpg
import httpx
import uvicorn

from shared.auth import Role, create_key
from shared.bus.amqp import AmqpBus
from shared.db.migrate import apply_migrations, drop_database, ensure_database
from shared.db.pool import create_pool
from shared.db.postgres import PgStore
from shared.db.repositories import StageRepositories
from shared.delivery.parking import DeadLetterRecorder
from shared.delivery.relay import OutboxRelay
from shared.delivery.runner import StageRunner
from shared.runtime import Jobs, topology_of
from shared.settings import Settings
from shared.stage import Stage
from shared.stage_service import StageFactory
from shared.web_service import http_options

S = TypeVar("S", bound=Settings)


def with_database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@contextlib.asynccontextmanager
async def migrated_template(server_dsn: str, prefix: str) -> AsyncIterator[str]:
    """A new database with every migration applied, to clone per test; its name (dropped on
    leaving)."""
    name = f"{prefix}{uuid4().hex[:10]}"
    dsn = with_database(server_dsn, name)
    await ensure_database(dsn)
    await apply_migrations(dsn)
    try:
        yield name
    finally:
        await drop_database(dsn)


@contextlib.asynccontextmanager
async def database_from(server_dsn: str, template: str, name: str) -> AsyncIterator[str]:
    """A database ``name`` cloned from ``template`` (fast: no migrations run); its DSN. Dropped on
    leaving."""
    admin = await asyncpg.connect(server_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()
    dsn = with_database(server_dsn, name)
    try:
        yield dsn
    finally:
        await drop_database(dsn)


class _Server:
    """A uvicorn server in this event loop, on a free port."""

    def __init__(self, app: Any, **options: Any) -> None:
        config = uvicorn.Config(
            app,
            **options,
            host="127.0.0.1",
            port=0,
            log_config=None,
            access_log=False,
            lifespan="on",
            ws_ping_interval=None,
        )
        self.server = uvicorn.Server(config)
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> int:
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self.task.done():
                self.task.result()
            await asyncio.sleep(0.01)
        port: int = self.server.servers[0].sockets[0].getsockname()[1]
        return port

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            await self.task


class Pipeline:
    def __init__(self, *, database_url: str, amqp_url: str, namespace: str) -> None:
        self.database_url = database_url
        self.amqp_url = amqp_url
        self.namespace = namespace
        self.overrides: dict[str, Any] = {
            "database_url": database_url,
            "amqp_url": amqp_url,
            "bus_namespace": namespace,
            "retry_delays_ms": (100, 200),
            "max_attempts": 3,
            "delivery_limit": 3,
            "stage_timeout_s": 60.0,
            "shutdown_grace_s": 2.0,
            "log_format": "console",
        }
        self._pool: asyncpg.Pool | None = None
        self._buses: list[AmqpBus] = []
        self._servers: list[_Server] = []
        self._gateway_app: Any = None
        self._tasks: list[asyncio.Task[None]] = []
        self.runners: dict[str, StageRunner] = {}
        self._stack = contextlib.AsyncExitStack()
        self.gateway_url: str | None = None
        self.notifier_url: str | None = None
        self.notifier: Any = None

    def settings(self, cls: type[S] = Settings, **extra: Any) -> S:  # type: ignore[assignment]
        return cls(**{**self.overrides, **extra})

    async def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            self._pool = await create_pool(self.database_url, max_size=10)
        return self._pool

    async def bus(self, **extra: Any) -> AmqpBus:
        settings: Settings = self.settings(**extra)
        bus = await AmqpBus.connect(
            settings.amqp_url,
            topology_of(settings),
            publish_timeout=5,
            name="test",
            heartbeat_s=settings.amqp_heartbeat_s,
        )
        self._buses.append(bus)
        return bus

    async def start_relay(self, **options: Any) -> OutboxRelay:
        store = PgStore(await self.pool(), self.database_url)
        relay = OutboxRelay(store, await self.bus(), **options)
        self._tasks.append(asyncio.create_task(relay.run()))
        return relay

    async def start_stage(self, stage: Stage, **extra: Any) -> StageRunner:
        """Consume the stage's queue with ``stage`` (and record its dead letters)."""
        bus = await self.bus(**extra)
        pool = await self.pool()
        store = PgStore(pool)
        repos = StageRepositories.on(pool)
        runner = StageRunner(stage, bus, store, self.settings(**extra), repos=repos)
        await runner.start()
        await DeadLetterRecorder(
            stage.name, stage.working_step, bus, store, runner.topology
        ).start()
        self.runners[stage.name] = runner
        return runner

    async def start_service_stage(
        self, factory: StageFactory, settings_cls: type[Settings], **extra: Any
    ) -> StageRunner:
        """Run a real stage the way its service does: built by the service's own factory."""
        settings = self.settings(settings_cls, **extra)
        jobs = Jobs()
        stage = await self._stack.enter_async_context(factory(settings, await self.pool(), jobs))
        jobs.start()
        self._stack.push_async_callback(jobs.stop)  # before the factory's exit, as in a service
        return await self.start_stage(stage, **extra)

    async def start_openfda_fixture(self) -> str:
        """The openFDA fixture server on a free port; its base URL."""
        from clinrelay.openfda_fixture.server import create_fixture_app

        server = _Server(create_fixture_app())
        port = await server.start()
        self._servers.append(server)
        return f"http://127.0.0.1:{port}"

    async def start_gateway(self, **extra: Any) -> str:
        from services.gateway.app import create_app as create_gateway
        from services.gateway.settings import GatewaySettings

        settings = self.settings(GatewaySettings, **extra)
        app = create_gateway(settings)
        server = _Server(app, **http_options(settings))

        port = await server.start()
        self._servers.append(server)
        self.gateway_url = f"http://127.0.0.1:{port}"
        self._gateway_app = app
        return self.gateway_url

    async def gateway_live(self) -> None:
        """Until the gateway's live queue is bound (its broker connection is made in the
        background, so /v1/events answers 503 for a moment after start)."""
        state = self._gateway_app.state
        await self._until(
            lambda: getattr(state, "gateway", None) is not None and state.gateway.hub is not None,
            "the gateway's live queue is bound",
        )

    async def start_notifier(self, **extra: Any) -> str:
        """The notifier's socket server on a free port (its own queue, no relay)."""
        from services.notifier.app import running_notifier
        from services.notifier.settings import NotifierSettings

        settings = self.settings(NotifierSettings, outbox_relay=False, **extra)
        server, port = await self._stack.enter_async_context(
            running_notifier(settings, "127.0.0.1", 0)
        )
        self.notifier = server
        await self._until(server.bus_ready, "the notifier's queue is bound")
        self.notifier_url = f"ws://127.0.0.1:{port}"
        self.overrides["public_ws_url"] = self.notifier_url
        return self.notifier_url

    async def _until(self, condition: Any, what: str, timeout: float = 15.0) -> None:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.02)

    async def api_key(
        self, tenant: str = "acme", *, admin: bool = False, operator: bool = False
    ) -> str:
        role = Role.OPERATOR if operator else Role.ADMIN if admin else Role.CLIENT
        async with (await self.pool()).acquire() as conn:
            return await create_key(conn, tenant, role=role)

    @contextlib.asynccontextmanager
    async def client(self, key: str) -> AsyncIterator[httpx.AsyncClient]:
        assert self.gateway_url, "start_gateway() first"
        async with httpx.AsyncClient(
            base_url=self.gateway_url, headers={"Authorization": f"Bearer {key}"}, timeout=30
        ) as client:
            yield client

    async def wait_for_status(
        self,
        report_id: UUID | str,
        statuses: tuple[str, ...] = ("COMPLETE", "FAILED"),
        timeout: float = 30.0,
    ) -> asyncpg.Record:
        """Poll the database until the report reaches one of ``statuses``."""
        pool = await self.pool()
        async with asyncio.timeout(timeout):
            while True:
                row = await pool.fetchrow(
                    "SELECT * FROM reports WHERE id = $1", UUID(str(report_id))
                )
                if row is not None and row["status"] in statuses:
                    return row
                await asyncio.sleep(0.05)

    async def _delete_topology(self) -> None:
        """Delete this test's queues, whoever declared them (gateway, stages, notifier).

        Quorum queues hold broker file descriptors: leaked test topologies add up across runs
        until the broker stops accepting connections, so this runs on a connection of its own,
        which declares nothing: a service run as its own process (``live_gateway``) declares the
        namespace with the default retry delays and delivery limit, not the test's, and
        declaring the test's over them fails (the topology then stayed behind). Both sets of
        names are deleted.
        """
        default_delays = Settings.model_fields["retry_delays_ms"].default
        both: tuple[Settings, Settings] = (
            self.settings(),
            self.settings(retry_delays_ms=default_delays),
        )
        for settings in both:
            try:
                bus = await AmqpBus.connect(
                    self.amqp_url,
                    topology_of(settings),
                    publish_timeout=5,
                    name="cleanup",
                    declare=False,
                )
            except Exception:  # the broker is gone (a restart test failed midway)
                return
            try:
                await bus.delete_topology()
            finally:
                await bus.close()

    async def close(self) -> None:
        """Stop everything this pipeline started. Each step is bounded: a step that hangs is
        abandoned (the test's own assertions already ran) and named in a warning in the log,
        so a slow broker or database cannot stall the suite."""
        hung: list[str] = []

        async def bounded(step: str, seconds: float, operation: Awaitable[object]) -> None:
            try:
                async with asyncio.timeout(seconds):
                    await operation
            except TimeoutError:
                hung.append(step)
            except Exception:  # a component already broken by the test: keep tearing down
                return

        for server in reversed(self._servers):
            await bounded("stop a server", 10, server.stop())
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            await bounded(
                "cancel a background task", 10, asyncio.gather(task, return_exceptions=True)
            )
        for bus in self._buses:
            await bounded("close a bus connection", 5, bus.close())
        await bounded("close the stages' own resources", 30, self._stack.aclose())
        await bounded("delete the bus topology", 30, self._delete_topology())
        if self._pool is not None:
            await bounded("close the database pool", 10, self._pool.close())
            if hung and hung[-1] == "close the database pool":
                self._pool.terminate()
        if hung:
            logging.getLogger("tests.harness").warning("teardown steps hung: %s", ", ".join(hung))
