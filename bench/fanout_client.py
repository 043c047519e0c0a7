"""Load generator for bench.fanout: many WebSocket subscribers in one process, cheaply.

    python -m bench.fanout_client URL COUNT

Opens COUNT sockets to the notifier's ``/v1/ws`` (URL holds the token), subscribes each to the
tenant channel, prints ``ready``, then obeys lines on stdin: ``measure`` (forget what was
received), ``report`` (print one JSON line: per-event delays in ms, messages, gaps) and ``quit``
(close every socket and exit). Frames are parsed by hand (server frames are unmasked), and only
the ``"at"`` of each event is read, so one process can take tens of thousands of messages a
second; the delay is arrival time minus the event's recorded time (the clock of this machine).
"""

from __future__ import annotations

import asyncio
import base64
import os
import sys
import time
from datetime import datetime
from urllib.parse import urlsplit

import orjson

_AT = b'"at":"'


class Subscriber(asyncio.Protocol):
    def __init__(self, stats: Stats, request: bytes) -> None:
        self.stats = stats
        self.request = request
        self.buffer = bytearray()
        self.handshaken = False
        self.ready = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.handshaken:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            del self.buffer[: end + 4]
            self.handshaken = True
            assert self.transport is not None
            self.transport.write(_masked_text(b'{"subscribe":"tenant"}'))
        self._frames()

    def _frames(self) -> None:
        # Walk the frames without copying them; only event frames' "at" is read (C-speed find),
        # and the buffer is trimmed once per chunk.
        buffer = self.buffer
        now = time.time()
        at = 0
        end = len(buffer)
        while end - at >= 2:
            length = buffer[at + 1] & 0x7F
            start = at + 2
            if length == 126:
                if end - at < 4:
                    break
                length, start = int.from_bytes(buffer[at + 2 : at + 4], "big"), at + 4
            elif length == 127:
                if end - at < 10:
                    break
                length, start = int.from_bytes(buffer[at + 2 : at + 10], "big"), at + 10
            if end < start + length:
                break
            opcode = buffer[at] & 0x0F
            if opcode == 0x1:
                self._message(buffer, start, start + length, now)
            elif opcode == 0x9 and self.transport is not None:  # ping: answer
                self.transport.write(bytes([0x8A, 0x80]) + os.urandom(4))
            at = start + length
        if at:
            del buffer[:at]

    def _message(self, buffer: bytearray, start: int, end: int, now: float) -> None:
        i = buffer.find(_AT, start, end)
        if i < 0:
            if not self.ready.done() and buffer.find(b'"subscribed"', start, end) >= 0:
                self.ready.set_result(None)
            return
        self.stats.received += 1
        if self.stats.measuring:
            stamp = bytes(buffer[i + 6 : buffer.index(b'"', i + 6, end)])
            self.stats.delays.append(
                (now - datetime.fromisoformat(stamp.decode()).timestamp()) * 1000
            )


class Stats:
    def __init__(self) -> None:
        self.delays: list[float] = []
        self.received = 0
        self.measuring = False


def _masked_text(payload: bytes) -> bytes:
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + mask + masked


async def main(url: str, count: int) -> None:
    parts = urlsplit(url)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n"
    ).encode()
    stats = Stats()
    loop = asyncio.get_running_loop()
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    subscribers: list[Subscriber] = []
    for start in range(0, count, 100):
        batch = await asyncio.gather(
            *(
                loop.create_connection(lambda: Subscriber(stats, request), host, port)
                for _ in range(min(100, count - start))
            )
        )
        subscribers.extend(protocol for _, protocol in batch)
    async with asyncio.timeout(120):
        await asyncio.gather(*(s.ready for s in subscribers))
    print("ready", flush=True)
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := (await reader.readline()).strip():
        if line == b"measure":
            stats.delays, stats.received, stats.measuring = [], 0, True
        elif line == b"report":
            print(orjson.dumps({"delays": stats.delays, "received": stats.received}).decode())
            sys.stdout.flush()
            stats.measuring = False
        elif line == b"quit":
            break
    for subscriber in subscribers:
        if subscriber.transport is not None:
            subscriber.transport.close()
    await asyncio.sleep(0.5)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
