"""The notifier's listening socket and what runs across all its connections.

One asyncio server accepts WebSocket clients (``/v1/ws`` and its shortcuts) and answers the
health probes (``/healthz``, ``/readyz``) on the same port. Heartbeats and the re-check of API
keys are sweeps over all connections, one task each for the whole process.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from uuid import UUID

import asyncpg
import orjson
import structlog
from websockets.datastructures import Headers
from websockets.frames import Frame, Opcode
from websockets.http11 import Response

from services.notifier.connection import CLOSE_UNAUTHENTICATED, ClientConnection
from services.notifier.settings import NotifierSettings
from shared.auth import CachedAuthenticator
from shared.db.api_keys import valid_key_hashes
from shared.db.outage import is_outage
from shared.live.history import PgHistory
from shared.live.hub import Hub
from shared.live.messages import control
from shared.metrics import exposition

log = structlog.get_logger(__name__)

_PING = Frame(Opcode.PING, b"").serialize(mask=False)


class LiveServer:
    def __init__(
        self,
        settings: NotifierSettings,
        pool: asyncpg.Pool,
        hub: Hub,
        history: PgHistory,
        *,
        bus_ready: Callable[[], bool],
    ) -> None:
        self.settings = settings
        self.pool = pool
        self.hub = hub
        self.history = history
        self.authenticate = CachedAuthenticator(pool, settings.auth_cache_s)
        self.bus_ready = bus_ready
        self.buffer_bytes = settings.subscriber_buffer_bytes
        self.max_channels = settings.max_channels_per_socket
        self.connections: set[ClientConnection] = set()
        self.slow_closed = 0
        self.revoked_closed = 0
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> int:
        """Listen on ``host:port`` (0: any free port); returns the port."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: ClientConnection(self), host, port, backlog=4096
        )
        bound: int = self._server.sockets[0].getsockname()[1]
        return bound

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for connection in list(self.connections):
            connection.close(1001, "going away")
        # Give clients a moment to answer the close frames before the rest are dropped.
        for _ in range(40):
            if not self.connections:
                break
            await asyncio.sleep(0.05)
        for connection in list(self.connections):
            connection.abort()

    # -- plain HTTP on the same port ---------------------------------------------------------

    def http_response(self, path: str) -> Response | None:
        if path == "/metrics":
            payload = exposition.render()
            headers = Headers(
                [
                    ("Content-Type", exposition.CONTENT_TYPE),
                    ("Content-Length", str(len(payload))),
                    ("Connection", "close"),
                ]
            )
            return Response(200, "OK", headers, payload)
        if path == "/healthz":
            return _json_response(200, {"status": "ok"})
        if path == "/readyz":
            if not self.bus_ready():
                body = {"status": "unavailable", "down": {"rabbitmq": "not subscribed"}}
                return _json_response(503, body)
            return _json_response(
                200,
                {
                    "status": "ready",
                    "connections": len(self.connections),
                    "subscribers": self.hub.subscriber_count,
                    "channels": self.hub.channel_count,
                },
            )
        return None

    # -- sweeps over every connection --------------------------------------------------------

    async def heartbeats(self) -> None:
        """Every ``heartbeat_s``: a heartbeat message and a ping to each socket (a ping only to
        the shortcut sockets); drop those silent for three periods."""
        period = self.settings.heartbeat_s
        while True:
            await asyncio.sleep(period)
            beat = control("heartbeat").ws_frame + _PING
            silent_since = time.monotonic() - 3 * period
            for connection in list(self.connections):
                if not connection.is_open:
                    continue
                if connection.last_heard < silent_since:
                    connection.abort()
                else:  # the shortcut sockets keep their original dialect: pings only
                    connection.write_raw(_PING if connection.shortcut else beat)

    def key_revoked(self, key_id: UUID) -> None:
        """A key was revoked (PostgreSQL announced it): close its sockets now."""
        for connection in list(self.connections):
            principal = connection.principal
            if principal is not None and principal.key_id == key_id:
                self.revoked_closed += 1
                connection.refuse(
                    CLOSE_UNAUTHENTICATED, "unauthenticated", "The API key was revoked."
                )

    async def recheck_keys(self) -> None:
        """Close the sockets of keys revoked since they connected, within ``auth_cache_s`` —
        the fallback for announcements missed while the revocation listener was down."""
        period = max(self.settings.auth_cache_s, 1.0)
        while True:
            await asyncio.sleep(period)
            digests = {c.key_digest for c in self.connections if c.key_digest is not None}
            if not digests:
                continue
            try:
                async with self.pool.acquire() as conn:
                    valid = await valid_key_hashes(conn, list(digests))
            except Exception as exc:
                if not is_outage(exc):
                    raise
                continue  # the database is away: keep serving, check again later
            for digest in digests - valid:
                self.authenticate.forget(digest)
            for connection in list(self.connections):
                if connection.key_digest is not None and connection.key_digest not in valid:
                    self.revoked_closed += 1
                    connection.refuse(
                        CLOSE_UNAUTHENTICATED, "unauthenticated", "The API key was revoked."
                    )


def _json_response(status: int, body: Mapping[str, object]) -> Response:
    payload = orjson.dumps(body)
    headers = Headers(
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(payload))),
            ("Connection", "close"),
        ]
    )
    reason = {200: "OK", 503: "Service Unavailable"}.get(status, "")
    return Response(status, reason, headers, payload)
