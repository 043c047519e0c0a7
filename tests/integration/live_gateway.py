"""The gateway as its own process (``clinrelay serve gateway``), for what must see it from
outside: its memory, and schemathesis, which drives it with blocking HTTP calls."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(frozen=True)
class LiveGateway:
    url: str
    pid: int

    def memory_kb(self) -> tuple[int, int]:
        """(resident now, resident at its highest) of the gateway process, in KiB."""
        fields = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0])
        return fields["VmRSS"], fields["VmHWM"]


@contextlib.asynccontextmanager
async def live_gateway(
    database_url: str, amqp_url: str, namespace: str, **settings: str
) -> AsyncIterator[LiveGateway]:
    """Run the gateway in a process of its own until the block ends (``settings`` are
    ``CLINRELAY_*`` values without the prefix)."""
    port = free_port()
    env = {
        **os.environ,
        "CLINRELAY_DATABASE_URL": database_url,
        "CLINRELAY_AMQP_URL": amqp_url,
        "CLINRELAY_BUS_NAMESPACE": namespace,
        "CLINRELAY_GATEWAY_PORT": str(port),
        "CLINRELAY_LOG_LEVEL": "WARNING",
        **{f"CLINRELAY_{name.upper()}": value for name, value in settings.items()},
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "clinrelay",
        "serve",
        "gateway",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with asyncio.timeout(60), httpx.AsyncClient(base_url=url) as client:
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get("/healthz")).status_code == 200:
                        break
                if process.returncode is not None:
                    raise RuntimeError("the gateway process exited at start-up")
                await asyncio.sleep(0.2)
        yield LiveGateway(url, process.pid)
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()
