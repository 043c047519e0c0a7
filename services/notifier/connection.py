"""One client connection: the WebSocket handshake, its key, its subscriptions, its writes.

It is an :class:`asyncio.Protocol` driving websockets' Sans-I/O ``ServerProtocol``: nothing runs
for an idle connection (no task of its own). Live messages are written straight to the
transport as the frame the hub encoded once for everyone; what the kernel has not taken yet
stays in the transport's buffer, and a client whose buffer passes the bound is closed with 4408
(it reconnects and resumes with ``since``). Commands (subscribe, unsubscribe) may need
PostgreSQL; they run in order in a short-lived task that exists only while some are pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import structlog
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import OPEN
from websockets.server import ServerProtocol

from services.notifier.commands import (
    BadCommand,
    Command,
    Subscribe,
    Unsubscribe,
    parse_command,
    parse_since,
)
from shared.auth import Principal, hash_key
from shared.events import ReportKind
from shared.live.channels import ChannelKey, ChannelKind
from shared.live.hub import Backlog
from shared.live.messages import LiveMessage, control
from shared.metrics import registry as metrics

if TYPE_CHECKING:
    from services.notifier.server import LiveServer

log = structlog.get_logger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_SLOW = 4408
MAX_PENDING_COMMANDS = 32
MAX_MESSAGE_BYTES = 16 * 1024
CLOSE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Shortcut:
    """A single-channel socket (``/v1/ws/reports/{id}`` or ``/v1/ws/reports``)."""

    channel: ChannelKind
    report_id: UUID | None = None
    since: int | None = None
    kind: str | None = None
    """Tenant feed only: pass events of this report kind alone."""


class ClientConnection(asyncio.Protocol):
    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.ws = ServerProtocol(max_size=MAX_MESSAGE_BYTES)
        self.transport: asyncio.Transport | None = None
        self.principal: Principal | None = None
        self.key_digest: bytes | None = None
        self.shortcut: Shortcut | None = None
        self.subscriptions: set[ChannelKey] = set()
        self.last_heard = time.monotonic()
        self._token: str | None = None
        self._commands: deque[Command | BadCommand] = deque()
        self._worker: asyncio.Task[None] | None = None
        self._closing = False
        self._abort_timer: asyncio.TimerHandle | None = None
        self._counted = False  # an accepted WebSocket, in clinrelay_websocket_connections

    # -- transport callbacks ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it
        self.transport = cast(asyncio.Transport, transport)
        self.server.connections.add(self)

    def data_received(self, data: bytes) -> None:
        self.last_heard = time.monotonic()
        self.ws.receive_data(data)
        for event in self.ws.events_received():
            if isinstance(event, Request):
                self._on_request(event)
            elif isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                self._on_text(bytes(event.data))
        self._flush()

    def eof_received(self) -> bool | None:
        self.ws.receive_eof()
        self._flush()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._abort_timer is not None:
            self._abort_timer.cancel()  # it holds the transport (and so this connection) alive
            self._abort_timer = None
        self._leave_channels()
        self.server.connections.discard(self)
        if self._counted:
            self._counted = False
            metrics.WS_CONNECTIONS.dec()
        if self._worker is not None:
            self._worker.cancel()

    # -- handshake -------------------------------------------------------------------------------

    def _on_request(self, request: Request) -> None:
        parts = urlsplit(request.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        http = self.server.http_response(parts.path)
        if http is not None:
            self.ws.send_response(http)
            return
        try:
            self.shortcut = _route(parts.path, query)
        except LookupError:
            self.ws.send_response(self.ws.reject(404, "No such endpoint.\n"))
            return
        except BadCommand as exc:
            self.ws.send_response(self.ws.reject(400, exc.message + "\n"))
            return
        response = self.ws.accept(request)
        self.ws.send_response(response)
        if response.status_code == 101:
            self._counted = True
            metrics.WS_CONNECTIONS.inc()
            self._token = query.get("token")
            self._start_worker()

    # -- commands --------------------------------------------------------------------------------

    def _on_text(self, data: bytes) -> None:
        if self.shortcut is not None or self._closing:
            return  # shortcut sockets are read-only
        if len(self._commands) >= MAX_PENDING_COMMANDS:
            self._commands.append(BadCommand("too_many_commands", "Too many pending commands."))
        elif self.principal is None and self._worker is None:
            return
        else:
            tenant = self.principal.tenant_id if self.principal else UUID(int=0)
            try:
                self._commands.append(parse_command(data, tenant))
            except BadCommand as exc:
                self._commands.append(exc)
        self._start_worker()

    def _start_worker(self) -> None:
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work())

    async def _work(self) -> None:
        try:
            if self.principal is None:
                if not await self._authenticate():
                    return
                if self.shortcut is not None:
                    await self._open_shortcut(self.shortcut)
            while self._commands and not self._closing:
                command = self._commands.popleft()
                if isinstance(command, BadCommand):
                    self.send(control("error", code=command.code, message=command.message))
                    continue
                await self._run(command)
        except Exception:
            log.exception("notifier.command_failed")
            self.close(1011, "internal error")

    async def _authenticate(self) -> bool:
        principal = await self.server.authenticate(self._token) if self._token else None
        if principal is None:
            self.refuse(
                CLOSE_UNAUTHENTICATED, "unauthenticated", "Pass a valid API key as ?token=<key>."
            )
            return False
        assert self._token is not None
        self.principal = principal
        self.key_digest = hash_key(self._token)
        self._token = None
        # Commands that arrived before the key was checked were parsed for no tenant: re-read.
        self._commands = deque(_for_tenant(c, principal.tenant_id) for c in self._commands)
        return True

    async def _run(self, command: Command) -> None:
        key = command.channel
        assert self.principal is not None
        if not isinstance(command, Subscribe):
            self.server.hub.unsubscribe(key, self)
            self.subscriptions.discard(key)
            self.send(control("unsubscribed", channel=key.public_name))
            return
        if key not in self.subscriptions and len(self.subscriptions) >= self.server.max_channels:
            self.send(
                control(
                    "error",
                    code="too_many_subscriptions",
                    message=f"At most {self.server.max_channels} channels per socket.",
                )
            )
            return
        if not await self.server.history.owned_by(key, self.principal.tenant_id):
            self.send(
                control(
                    "error", code="not_found", message="No such channel.", channel=key.public_name
                )
            )
            return
        self.subscriptions.add(key)

        def acknowledge(backlog: Backlog) -> None:
            self.send(
                control(
                    "subscribed",
                    channel=key.public_name,
                    seq=backlog.head,
                    recovered=backlog.recovered,
                )
            )

        await self.server.hub.subscribe(key, self, command.since, on_backlog=acknowledge)

    async def _open_shortcut(self, shortcut: Shortcut) -> None:
        assert self.principal is not None
        if shortcut.channel is ChannelKind.TENANT:
            key = ChannelKey(ChannelKind.TENANT, self.principal.tenant_id)
        else:
            assert shortcut.report_id is not None
            key = ChannelKey(ChannelKind.REPORT, shortcut.report_id)
            if not await self.server.history.owned_by(key, self.principal.tenant_id):
                self.refuse(CLOSE_NOT_FOUND, "not_found", "No such report.")
                return
        self.subscriptions.add(key)
        await self.server.hub.subscribe(key, self, shortcut.since)

    # -- writes ----------------------------------------------------------------------------------

    def deliver(self, message: LiveMessage) -> None:
        """A live or backlog message from the hub: written now, or the client is too slow."""
        shortcut = self.shortcut
        if shortcut is not None and shortcut.kind is not None and message.kind != shortcut.kind:
            return
        if shortcut is not None and shortcut.channel is ChannelKind.REPORT:
            # The single-report socket speaks its original dialect: every message is an event,
            # the first a snapshot unless resuming, and it ends with the report.
            self.send(message)
            if message.final:
                self.close(1000, "report ended")
            return
        self.send(message)

    def lagging(self) -> None:
        metrics.WS_DROPPED.labels("lagging").inc()
        self.close(CLOSE_TOO_SLOW, "too slow; resume with since")

    def send(self, message: LiveMessage) -> None:
        transport = self.transport
        if transport is None or self._closing or self.ws.state is not OPEN:
            return
        if transport.get_write_buffer_size() > self.server.buffer_bytes:
            self.server.slow_closed += 1
            metrics.WS_DROPPED.labels("slow_client").inc()
            self.close(CLOSE_TOO_SLOW, "too slow; resume with since")
            return
        transport.write(message.ws_frame)
        metrics.WS_SENT.inc()

    def write_raw(self, frame: bytes) -> None:
        """A pre-encoded control frame (heartbeat, ping), unless the client is already behind."""
        transport = self.transport
        if transport is None or self._closing or self.ws.state is not OPEN:
            return
        if transport.get_write_buffer_size() <= self.server.buffer_bytes:
            transport.write(frame)

    def refuse(self, code: int, error: str, message: str) -> None:
        self.send(control("error", code=error, message=message))
        self.close(code, error)

    def close(self, code: int, reason: str) -> None:
        """Start the closing handshake; the TCP connection goes after it, or after a timeout."""
        if self._closing:
            return
        self._closing = True
        self._leave_channels()
        self._commands.clear()
        if self.ws.state is OPEN:
            self.ws.send_close(code, reason)
            self._flush()
        if self.transport is not None:
            self._abort_later(self.transport)

    def abort(self) -> None:
        """Drop the connection at once (a dead peer)."""
        self._closing = True
        self._leave_channels()
        if self.transport is not None:
            self.transport.abort()

    def _flush(self) -> None:
        transport = self.transport
        if transport is None:
            return
        for data in self.ws.data_to_send():
            if data:
                transport.write(data)
            else:  # the protocol is done: close once the buffer is flushed
                transport.close()
        if self.ws.close_expected() and not self._closing:
            self._closing = True
            self._leave_channels()
            self._abort_later(transport)

    def _abort_later(self, transport: asyncio.Transport) -> None:
        """Drop the TCP connection if the client has not closed it within the timeout."""
        if self._abort_timer is None:
            self._abort_timer = asyncio.get_running_loop().call_later(
                CLOSE_TIMEOUT_S, transport.abort
            )

    def _leave_channels(self) -> None:
        for key in self.subscriptions:
            self.server.hub.unsubscribe(key, self)
        self.subscriptions.clear()

    @property
    def is_open(self) -> bool:
        return self.ws.state is OPEN and not self._closing


def _for_tenant(command: Command | BadCommand, tenant_id: UUID) -> Command | BadCommand:
    """A command parsed before the key was known, with its tenant channel made the caller's."""
    if isinstance(command, BadCommand) or command.channel.kind is not ChannelKind.TENANT:
        return command
    channel = ChannelKey(ChannelKind.TENANT, tenant_id)
    if isinstance(command, Subscribe):
        return Subscribe(channel, command.since)
    return Unsubscribe(channel)


def _route(path: str, query: dict[str, str]) -> Shortcut | None:
    """The socket a path asks for: None for the multiplexed one, or a shortcut.

    Raises LookupError for an unknown path and BadCommand for a bad resume point or kind.
    """
    if path == "/v1/ws":
        return None
    if path == "/v1/ws/reports":
        kind = query.get("kind")
        if kind is not None and kind not in {k.value for k in ReportKind}:
            accepted = " or ".join(f"'{k.value}'" for k in ReportKind)
            raise BadCommand("invalid_kind", f"kind is {accepted}.")
        return Shortcut(ChannelKind.TENANT, since=_since(query.get("since")), kind=kind)
    prefix = "/v1/ws/reports/"
    if path.startswith(prefix):
        try:
            report_id = UUID(path[len(prefix) :])
        except ValueError:
            raise LookupError(path) from None
        return Shortcut(
            ChannelKind.REPORT, report_id=report_id, since=_since(query.get("last_event_id"))
        )
    raise LookupError(path)


def _since(text: str | None) -> int | None:
    if text is None:
        return None
    with contextlib.suppress(ValueError):
        return parse_since(int(text))
    raise BadCommand("invalid_since", "The resume point is a whole number from 0 to 2^62.")
