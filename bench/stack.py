"""The five services as separate processes (as ``clinrelay up`` runs them), for benchmarks.

Each run gets a scratch database and a bus namespace of its own; both are removed afterwards.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from uuid import uuid4

import httpx

from bench.common import scratch_database
from bench.gateway import delete_topology, free_port
from clinrelay.cli.ops import SERVICES
from clinrelay.supervisor import Supervisor


@dataclass(frozen=True)
class Stack:
    dsn: str
    amqp_url: str
    namespace: str
    base_url: str
    ws_url: str


@asynccontextmanager
async def running_stack(
    settings: Mapping[str, str], *, ready_timeout_s: float = 120
) -> AsyncIterator[Stack]:
    """Start the five services with ``settings`` (``CLINRELAY_*`` variables) added to the
    environment; yields once the gateway's /readyz says every stage has a consumer."""
    async with scratch_database() as (dsn, amqp_url):
        gateway, notifier, openfda = free_port(), free_port(), free_port()
        namespace = f"bench{uuid4().hex[:8]}"
        env = {
            **os.environ,
            "CLINRELAY_DATABASE_URL": dsn,
            "CLINRELAY_AMQP_URL": amqp_url,
            "CLINRELAY_BUS_NAMESPACE": namespace,
            "CLINRELAY_GATEWAY_PORT": str(gateway),
            "CLINRELAY_NOTIFIER_PORT": str(notifier),
            "CLINRELAY_LOG_LEVEL": "WARNING",
            "CLINRELAY_RATE_LIMIT_PER_MINUTE": "0",  # a few keys drive all the load
            "CLINRELAY_SCHEDULER_ENABLED": "false",
            # drug and device reports read the bundled openFDA fixture, never the internet
            "CLINRELAY_OPENFDA_URL": f"http://127.0.0.1:{openfda}",
            **settings,
        }
        fixture = [sys.executable, "-m", "clinrelay", "openfda-fixture", "--port", str(openfda)]
        supervisor = Supervisor(
            [fixture, *([sys.executable, "-m", "clinrelay", "serve", s] for s in SERVICES)],
            env=env,
        )
        supervised = asyncio.create_task(supervisor.run())
        stack = Stack(
            dsn, amqp_url, namespace, f"http://127.0.0.1:{gateway}", f"ws://127.0.0.1:{notifier}"
        )
        try:
            await until_ready(stack.base_url, ready_timeout_s)
            yield stack
        finally:
            supervisor.stop()
            await supervised
            await delete_topology(amqp_url, namespace)


async def until_ready(base_url: str, timeout_s: float = 120) -> None:
    """Wait for the gateway's /readyz: every stage has a consumer."""
    async with httpx.AsyncClient(base_url=base_url) as client, asyncio.timeout(timeout_s):
        while True:
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass  # not listening yet
            await asyncio.sleep(0.5)
