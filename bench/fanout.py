"""Fan-out: many WebSocket subscribers on the tenant feed while events are recorded steadily.

    nice -n 10 .venv/bin/python -m bench.fanout [--subscribers 2000] [--processes 4] [--rate 50]
                                                [--seconds 20] [--client c|python]
                                                [--notifiers 1]

The notifier runs as its own process (``clinrelay serve notifier``, as deployed) on a scratch
database and bus namespace. This process plays the stages: it records steps of 50 reports with
``record_step`` (the stages' own path: audit row, tenant-feed number, outbox row, one transaction)
at ``--rate`` per second, and an outbox relay publishes them on the bus with confirms. Subscribers
live in ``--processes`` load-generator processes on 127.0.0.1 (bench/fanout_client.c, built with
the machine's cc; ``--client python`` for bench/fanout_client.py), every one subscribed to the
tenant channel, so each event goes to every subscriber.

Measured in one run: the delay from an event's recorded time to its arrival (p50/p99/max) with
one subscriber (the floor) and with all of them; the notifier's resident memory before, with
every subscriber connected and idle, and after they all left; CPU seconds per process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import orjson

from bench.common import scratch_database
from bench.gateway import delete_topology, free_port, gateway_key, wait_for_port
from shared.bus.amqp import AmqpBus
from shared.db.pool import create_pool
from shared.db.postgres import PgStore
from shared.db.reports import Step, record_step
from shared.db.submissions import Submission, create_report
from shared.delivery.relay import OutboxRelay
from shared.events import ReportKind, ReportStatus
from shared.runtime import topology_of
from shared.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def client_command(kind: str) -> list[str]:
    """The load generator: the C one (built here with the machine's cc, once per run) or the
    Python one (bench/fanout_client.py), which costs more CPU per message than the notifier."""
    if kind == "python":
        return [PYTHON, "-m", "bench.fanout_client"]
    binary = Path(tempfile.mkdtemp(prefix="clinrelay-fanout-")) / "fanout_client"
    source = ROOT / "bench" / "fanout_client.c"
    subprocess.run(["cc", "-O2", "-o", str(binary), str(source)], check=True)
    return [str(binary)]


class Clients:
    """Load-generator processes, driven over their stdin/stdout."""

    def __init__(self, command: list[str], urls: list[str], total: int, processes: int) -> None:
        per = [total // processes + (i < total % processes) for i in range(processes)]
        self.procs = [
            subprocess.Popen(
                ["nice", "-n", "10", *command, urls[i % len(urls)], str(n)],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            for i, n in enumerate(per)
            if n
        ]

    def _line(self, proc: subprocess.Popen[bytes]) -> bytes:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("a load generator died")
        return line

    def _say(self, word: str) -> None:
        for proc in self.procs:
            assert proc.stdin is not None
            proc.stdin.write(word.encode() + b"\n")
            proc.stdin.flush()

    async def ready(self) -> None:
        for proc in self.procs:
            assert (await asyncio.to_thread(self._line, proc)).strip() == b"ready"

    def measure(self) -> None:
        self._say("measure")

    async def report(self) -> tuple[list[float], int]:
        self._say("report")
        delays: list[float] = []
        received = 0
        for proc in self.procs:
            data = orjson.loads(await asyncio.to_thread(self._line, proc))
            delays.extend(data["delays"])
            received += data["received"]
        return delays, received

    def cpu(self) -> float:
        return sum(cpu_s(p.pid) for p in self.procs)

    async def quit(self) -> None:
        self._say("quit")
        for proc in self.procs:
            await asyncio.to_thread(proc.wait, 30)


async def record_events(pool: Any, reports: list[UUID], rate: float, seconds: float) -> int:
    """Record ``rate`` steps a second for ``seconds``, round-robin over ``reports``."""
    count = int(rate * seconds)
    start = time.monotonic()
    for i in range(count):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        async with pool.acquire() as conn, conn.transaction():
            await record_step(
                conn,
                reports[i % len(reports)],
                Step(
                    actor="bench",
                    step="analyzing",
                    outcome="progress",
                    status=ReportStatus.PROCESSING,
                    message=f"step {i}",
                ),
            )
    return count


def percentiles(delays: list[float]) -> dict[str, float]:
    if not delays:
        return {"n": 0}
    ordered = sorted(delays)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"n": len(ordered), "p50": q[49], "p99": q[98], "max": ordered[-1]}


def start_notifier(env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = ["nice", "-n", "10", str(Path(PYTHON).parent / "clinrelay"), "serve", "notifier"]
    return subprocess.Popen(command, cwd=ROOT, env=env)


async def _reports(pool: Any) -> list[UUID]:
    tenant_id = await pool.fetchval("SELECT id FROM tenants WHERE name = 'bench'")
    reports = []
    async with pool.acquire() as conn:
        for _ in range(50):
            created = await create_report(
                conn,
                tenant_id,
                Submission(kind=ReportKind.CER, fingerprint=b"b", parameters={}),
                None,
            )
            reports.append(created.id)
    return reports


async def _connections(ws_url: str) -> int:
    """How many sockets the notifier still holds (those too slow were closed with 4408)."""
    import httpx

    base = ws_url.replace("ws://", "http://").split("/v1/")[0]
    async with httpx.AsyncClient() as client:
        connections: int = (await client.get(f"{base}/readyz")).json()["connections"]
    return connections


async def _measure(
    client: list[str],
    pool: Any,
    reports: list[UUID],
    urls: list[str],
    pids: list[int],
    subscribers: int,
    processes: int,
    rate: float,
    seconds: float,
) -> dict[str, Any]:
    """The floor (one subscriber), then every subscriber: delays, memory, CPU."""

    def rss() -> int:
        return sum(rss_kib(pid) for pid in pids)

    def notifier_cpu() -> float:
        return sum(cpu_s(pid) for pid in pids)

    results: dict[str, Any] = {"notifiers": len(pids), "rss_start_kib": rss()}
    floor = Clients(client, urls[:1], 1, 1)
    await floor.ready()
    floor.measure()
    await record_events(pool, reports, rate, min(seconds, 10))
    await asyncio.sleep(1)
    results["floor"] = percentiles((await floor.report())[0])
    await floor.quit()
    await asyncio.sleep(1)
    results["rss_before_kib"] = rss()

    crowd = Clients(client, urls, subscribers, processes)
    await crowd.ready()
    await asyncio.sleep(3)
    results["rss_idle_kib"] = rss()
    crowd.measure()
    cpu0 = (notifier_cpu(), crowd.cpu(), cpu_s(os.getpid()))
    sent = await record_events(pool, reports, rate, seconds)
    await asyncio.sleep(2)
    cpu1 = (notifier_cpu(), crowd.cpu(), cpu_s(os.getpid()))
    delays, received = await crowd.report()
    results["connections_left"] = sum([await _connections(url) for url in urls])
    results["crowd"] = percentiles(delays)
    results["expected"] = sent * subscribers
    results["received"] = received
    results["cpu_s"] = {
        "notifier": cpu1[0] - cpu0[0],
        "load_generators": cpu1[1] - cpu0[1],
        "stages_and_relay": cpu1[2] - cpu0[2],
        "wall": seconds + 2,
    }
    await crowd.quit()
    await asyncio.sleep(3)
    results["rss_after_kib"] = rss()
    # The same number connect again: memory freed by the first wave is reused, not added to.
    again = Clients(client, urls, subscribers, processes)
    await again.ready()
    await asyncio.sleep(3)
    results["rss_second_idle_kib"] = rss()
    await again.quit()
    await asyncio.sleep(3)
    results["rss_second_after_kib"] = rss()
    results["per_idle_connection_kib"] = (
        results["rss_idle_kib"] - results["rss_before_kib"]
    ) / subscribers
    return results


async def main(
    subscribers: int, processes: int, rate: float, seconds: float, client_kind: str, notifiers: int
) -> None:
    client = client_command(client_kind)
    async with scratch_database() as (dsn, amqp_url):
        namespace = f"benchfan{uuid4().hex[:8]}"
        settings = Settings(
            database_url=dsn, amqp_url=amqp_url, bus_namespace=namespace, log_level="WARNING"
        )
        key = await gateway_key(dsn)
        pool = await create_pool(dsn, max_size=4)
        bus = await AmqpBus.connect(amqp_url, topology_of(settings), name="bench-fanout")
        relay = OutboxRelay(PgStore(pool, dsn), bus)
        relay_task = asyncio.create_task(relay.run())
        ports = [free_port() for _ in range(notifiers)]
        env = {
            **os.environ,
            "CLINRELAY_DATABASE_URL": dsn,
            "CLINRELAY_AMQP_URL": amqp_url,
            "CLINRELAY_BUS_NAMESPACE": namespace,
            "CLINRELAY_OUTBOX_RELAY": "false",
            "CLINRELAY_LOG_LEVEL": "WARNING",
            "CLINRELAY_HEARTBEAT_S": "600",
        }
        # Replicas, as deployed: each binds its own queue and serves its share of the sockets.
        replicas = [start_notifier({**env, "CLINRELAY_NOTIFIER_PORT": str(p)}) for p in ports]
        try:
            for port in ports:
                await asyncio.to_thread(wait_for_port, port)
            reports = await _reports(pool)
            await asyncio.sleep(2)  # the relay publishes the 'accepted' events
            urls = [f"ws://127.0.0.1:{port}/v1/ws?token={key}" for port in ports]
            pids = [replica.pid for replica in replicas]
            results = await _measure(
                client, pool, reports, urls, pids, subscribers, processes, rate, seconds
            )
            print(orjson.dumps(results, option=orjson.OPT_INDENT_2).decode())
        finally:
            for replica in replicas:
                replica.terminate()
                replica.wait(30)
            relay_task.cancel()
            await asyncio.gather(relay_task, return_exceptions=True)
            await bus.close()
            await pool.close()
            await delete_topology(amqp_url, namespace)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--client", choices=("c", "python"), default="c")
    parser.add_argument("--notifiers", type=int, default=1, help="notifier replicas")
    args = parser.parse_args()
    asyncio.run(
        main(args.subscribers, args.processes, args.rate, args.seconds, args.client, args.notifiers)
    )
