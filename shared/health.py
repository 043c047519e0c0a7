"""A minimal HTTP endpoint for the stage services' liveness and readiness probes.

Stage services have no web framework (they need none); Kubernetes still needs ``/healthz`` and
``/readyz``. This answers exactly those two paths, with JSON, on its own port.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import orjson

ReadinessCheck = Callable[[], Awaitable[dict[str, str]]]
"""Returns the failing checks by name (empty when ready)."""


async def serve_health(host: str, port: int, readiness: ReadinessCheck) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await asyncio.wait_for(reader.readline(), timeout=5)
            parts = request_line.decode("latin-1").split()
            path = parts[1] if len(parts) > 1 else "/"
            body: dict[str, object]
            if path == "/healthz":
                status, body = 200, {"status": "ok"}
            elif path == "/readyz":
                down = await readiness()
                status = 503 if down else 200
                body = {"status": "unavailable", "down": down} if down else {"status": "ready"}
            else:
                status, body = 404, {"error": "not found"}
            payload = orjson.dumps(body)
            reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
            writer.write(
                f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
                + payload
            )
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    server = await asyncio.start_server(handle, host, port)
    async with server:
        await server.serve_forever()
