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


def schemathesis_command(url: str, key: str, *, max_examples: int, seed: int) -> list[str]:
    """``st run`` against the gateway's own OpenAPI document with an API key: every operation,
    positive and negative examples, no 5xx, every status/header/body as documented, and
    authentication enforced where it is declared."""
    return [
        str(Path(sys.executable).with_name("st")),
        "run",
        f"{url}/openapi.json",
        "--header",
        f"Authorization: Bearer {key}",
        "--checks",
        "not_a_server_error,status_code_conformance,content_type_conformance,"
        "response_headers_conformance,response_schema_conformance,negative_data_rejection,"
        "ignored_auth,unsupported_method",
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--phases",
        "examples,coverage,fuzzing",
        # readiness answers 503 by design while no stage consumes (none runs here)
        "--exclude-path",
        "/readyz",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        "--no-color",
        "--suppress-health-check",
        "all",
    ]
