"""The bounded HTTP protocol: an oversized request head is refused with 431 before it is held."""

from __future__ import annotations

import asyncio
import contextlib
import resource
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
import uvicorn

from shared.http_limits import bounded_http_protocol

LIMIT = 16 * 1024


async def echo_size(scope: dict[str, Any], receive: Any, send: Any) -> None:
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


@pytest.fixture
async def port() -> AsyncIterator[int]:
    config = uvicorn.Config(
        echo_size,
        port=0,
        log_config=None,
        access_log=False,
        lifespan="off",
        http=bounded_http_protocol(LIMIT),
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    yield server.servers[0].sockets[0].getsockname()[1]
    server.should_exit = True
    await task


async def exchange(port: int, request: bytes, *, chunk: int = 1 << 20) -> bytes:
    """Send ``request`` (in pieces) and read until the server closes or answers one request."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        with contextlib.suppress(ConnectionError):
            for start in range(0, len(request), chunk):
                writer.write(request[start : start + chunk])
                await writer.drain()
        return await asyncio.wait_for(reader.read(1 << 16), 10)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def test_a_head_over_the_limit_gets_431_in_the_error_shape(port: int) -> None:
    answer = await exchange(
        port, b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 40_000 + b"\r\n\r\n"
    )
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431")
    assert orjson.loads(body)["error"]["code"] == "headers_too_large"


async def test_a_64_mb_header_is_refused_without_being_held(port: int) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    request = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (64 << 20) + b"\r\n\r\n"
    answer = await exchange(port, request)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert answer.startswith(b"HTTP/1.1 431")  # the client reads the refusal, not a reset
    assert grown_mb < 200  # the request itself is 64 MB in this process; the server held none


async def test_requests_within_the_limit_pass_with_their_bodies(port: int) -> None:
    body = b"x" * 300_000  # head and a large body may arrive in one read: no false refusal
    head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nX-Pad: %s\r\n\r\n" % (
        len(body),
        b"p" * (LIMIT - 200),
    )
    answer = await exchange(port, head + body, chunk=len(head + body))
    assert answer.startswith(b"HTTP/1.1 200")
    assert b"\r\n300000\r\n" in answer
