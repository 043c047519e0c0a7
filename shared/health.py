"""A minimal HTTP endpoint for the stage services' probes and Prometheus scrapes.

Stage services have no web framework (they need none); Kubernetes still needs ``/healthz`` and
``/readyz`` and Prometheus ``/metrics``. This answers exactly those three paths on its own port.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import orjson

from shared.metrics import exposition

ReadinessCheck = Callable[[], Awaitable[dict[str, str]]]
"""Returns the failing checks by name (empty when ready)."""


async def serve_health(host: str, port: int, readiness: ReadinessCheck) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await asyncio.wait_for(reader.readline(), timeout=5)
            parts = request_line.decode("latin-1").split()
            path = (parts[1] if len(parts) > 1 else "/").split("?", 1)[0]
            body: dict[str, object]
            content_type = "application/json"
            payload: bytes | None = None
            if path == "/metrics":
                status, body = 200, {}
                content_type, payload = exposition.CONTENT_TYPE, exposition.render()
            elif path == "/healthz":
                status, body = 200, {"status": "ok"}
            elif path == "/readyz":
                down = await readiness()
                status = 503 if down else 200
                body = {"status": "unavailable", "down": down} if down else {"status": "ready"}
            else:
                status, body = 404, {"error": "not found"}
            if payload is None:
                payload = orjson.dumps(body)
            reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
            writer.write(
                f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
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
