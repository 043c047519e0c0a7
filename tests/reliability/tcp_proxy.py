"""A TCP proxy a test puts between a service and its broker or database, to break the link.

``down()`` resets every connection and refuses new ones (the peer is gone); ``freeze()`` keeps
the open connections' sockets but stops moving their bytes — a silent partition of those links
(a dropped NAT entry, a half-dead path): only heartbeats or timeouts notice — while new
connections work; ``up()`` serves again on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: dict[tuple[asyncio.StreamWriter, asyncio.StreamWriter], asyncio.Event] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.accepted = 0

    async def start(self) -> int:
        if self.port == 0:
            with socket.socket() as probe:  # a free port, kept across down()/up()
                probe.bind(("127.0.0.1", 0))
                self.port = probe.getsockname()[1]
        self._server = await asyncio.start_server(
            self._accept, "127.0.0.1", self.port, reuse_address=True
        )
        return self.port

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        link = (writer, up_writer)
        flowing = asyncio.Event()
        flowing.set()
        self._links[link] = flowing
        for src, dst in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(src, dst, link, flowing))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(
        self,
        src: asyncio.StreamReader,
        dst: asyncio.StreamWriter,
        link: tuple[asyncio.StreamWriter, asyncio.StreamWriter],
        flowing: asyncio.Event,
    ) -> None:
        try:
            while data := await src.read(65536):
                await flowing.wait()
                dst.write(data)
                await dst.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._close(link)

    def _close(self, link: tuple[asyncio.StreamWriter, asyncio.StreamWriter]) -> None:
        self._links.pop(link, None)
        for writer in link:
            transport = writer.transport
            with contextlib.suppress(Exception):
                sock = transport.get_extra_info("socket")
                if sock is not None:  # a reset, as when the peer's host goes away
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()

    def freeze(self) -> int:
        """Keep the open connections but stop forwarding their bytes (both ways); returns how
        many were frozen. Connections made afterwards flow."""
        for flowing in self._links.values():
            flowing.clear()
        return len(self._links)

    async def down(self) -> None:
        """Refuse new connections and reset the open ones."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for link in list(self._links):
            self._close(link)

    async def up(self) -> None:
        if self._server is None:
            await self.start()

    async def close(self) -> None:
        await self.down()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


@contextlib.asynccontextmanager
async def proxy_for(url: str, default_port: int) -> AsyncIterator[TcpProxy]:
    """A started proxy to the host and port ``url`` names, closed on leaving."""
    parts = urlsplit(url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or default_port)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()


def through(url: str, proxy: TcpProxy) -> str:
    """``url`` (an AMQP URL or a PostgreSQL DSN) with its host and port replaced by the proxy's,
    keeping the credentials, path and query."""
    parts = urlsplit(url)
    netloc = f"{parts.netloc.rsplit('@', 1)[0]}@127.0.0.1:{proxy.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
