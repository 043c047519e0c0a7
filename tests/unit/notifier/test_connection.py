"""A connection's writes: the shared frame as is, and a client too far behind closed with 4408
(its buffer bounded) and dropped from its channels."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from websockets.frames import Frame
from websockets.protocol import OPEN
from websockets.server import ServerProtocol
from websockets.streams import StreamReader

from services.notifier.commands import BadCommand, Subscribe, parse_command
from services.notifier.connection import ClientConnection
from shared.live.channels import ChannelKey, ChannelKind
from shared.live.messages import report_event


class FakeTransport:
    def __init__(self, waiting: int) -> None:
        self.waiting = waiting
        self.written: list[bytes] = []

    def get_write_buffer_size(self) -> int:
        return self.waiting

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def abort(self) -> None:
        pass

    def close(self) -> None:
        pass


class FakeHub:
    def __init__(self) -> None:
        self.left: list[ChannelKey] = []

    def unsubscribe(self, key: ChannelKey, subscriber: Any) -> None:
        self.left.append(key)


class FakeServer:
    def __init__(self) -> None:
        self.buffer_bytes = 1024
        self.slow_closed = 0
        self.hub = FakeHub()
        self.connections: set[Any] = set()


def open_connection(waiting: int) -> tuple[ClientConnection, FakeTransport, FakeServer]:
    server = FakeServer()
    connection = ClientConnection(server)  # type: ignore[arg-type]
    connection.ws = ServerProtocol(state=OPEN)
    transport = FakeTransport(waiting)
    connection.transport = transport  # type: ignore[assignment]
    return connection, transport, server


def parse_frames(data: bytes) -> list[Frame]:
    reader = StreamReader()
    reader.feed_data(data)
    frames = []
    parser = Frame.parse(reader.read_exact, mask=False)
    while True:
        try:
            next(parser)
        except StopIteration as done:
            frames.append(done.value)
            if reader.at_eof() or not reader.buffer:
                return frames
            parser = Frame.parse(reader.read_exact, mask=False)


KEY = ChannelKey(ChannelKind.TENANT, uuid4())


async def test_a_client_keeping_up_gets_the_shared_frame_itself() -> None:
    connection, transport, _ = open_connection(waiting=0)
    message = report_event(KEY, 1, {"status": "PROCESSING"})
    connection.deliver(message)
    assert transport.written == [message.ws_frame]
    assert transport.written[0] is message.ws_frame


async def test_a_client_too_far_behind_is_closed_with_4408_and_leaves_its_channels() -> None:
    connection, transport, server = open_connection(waiting=4096)
    connection.subscriptions.add(KEY)
    connection.deliver(report_event(KEY, 1, {"status": "PROCESSING"}))
    [close] = parse_frames(b"".join(transport.written))
    assert close.data[:2] == (4408).to_bytes(2, "big")
    assert server.slow_closed == 1
    assert server.hub.left == [KEY]
    connection.deliver(report_event(KEY, 2, {"status": "PROCESSING"}))
    assert len(transport.written) == 1  # nothing more after closing


def test_commands_are_parsed_without_echoing_input() -> None:
    tenant = uuid4()
    assert parse_command(b'{"subscribe": "tenant", "since": 4}', tenant) == Subscribe(
        ChannelKey(ChannelKind.TENANT, tenant), 4
    )
    for bad in (b"[]", b'{"subscribe": "secret-words"}', b'{"subscribe": "tenant", "since": -1}'):
        with pytest.raises(BadCommand) as refused:
            parse_command(bad, tenant)
        assert "secret-words" not in refused.value.message
