"""POST accept latency and throughput of the gateway, against a bare FastAPI app, under wrk.

    .venv/bin/python -m bench.gateway [--seconds 10] [--connections 8]

Both apps run as one uvicorn worker in their own process, and validate the same body with the
same code; the gateway also authenticates the key and stores the report, its raw input, its audit
event and its outbox rows in one transaction (and its relay publishes them). wrk (Debian package
``wrk``) drives both in turn, paced to fixed rates with a per-connection delay (so a rate is a
target: the achieved rate is reported) and then unpaced for the maximum. The ratio
gateway / bare at each rate is the cost of accepting durably.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import orjson

from bench.common import scratch_database
from shared.auth import create_key
from shared.bus.amqp import AmqpBus
from shared.db.pool import connect
from shared.runtime import topology_of
from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "clinrelay" / "samples" / "coding-encounter-bundle.json"

LUA = """
local f = io.open(os.getenv("BENCH_BODY"), "rb"); wrk.body = f:read("*a"); f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/fhir+json"
local key = os.getenv("BENCH_KEY")
if key and key ~= "" then wrk.headers["Authorization"] = "Bearer " .. key end
local pace = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
function delay() return pace end
"""


@dataclass(frozen=True)
class Run:
    target: str
    rate: str
    achieved: float
    p50_ms: float
    p99_ms: float
    non_2xx: int


def small_bundle() -> bytes:
    from tests.integration.bundles import note_bundle

    return orjson.dumps(note_bundle())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port}")


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, body: Path, key: str, delay_ms: float, seconds: int, connections: int) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    env = {**os.environ, "BENCH_BODY": str(body), "BENCH_KEY": key, "BENCH_DELAY_MS": str(delay_ms)}
    result = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name, url],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    os.unlink(script.name)
    return result.stdout


def parse(target: str, rate: str, output: str) -> Run:
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.MULTILINE))
    achieved = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return Run(
        target,
        rate,
        achieved,
        _ms(percentiles["50"]),
        _ms(percentiles["99"]),
        int(non_2xx.group(1)) if non_2xx else 0,
    )


def row(rate: int, b: Run, g: Run) -> str:
    return (
        f"| {rate or 'max'} | {b.achieved:,.0f} | {b.p50_ms:.1f} / {b.p99_ms:.1f} "
        f"| {g.achieved:,.0f} | {g.p50_ms:.1f} / {g.p99_ms:.1f} "
        f"| {g.p50_ms / b.p50_ms:.2f} | {b.non_2xx + g.non_2xx} |"
    )


TABLE_HEAD = (
    "| rate (target) | bare req/s | bare p50 / p99 ms | gateway req/s "
    "| gateway p50 / p99 ms | p50 ratio | non-2xx |\n|---|---|---|---|---|---|---|"
)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has spent so far (from ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    name: str,
    port: int,
    key: str,
    body: Path,
    rate: int,
    seconds: int,
    connections: int,
    watched: Callable[[], list[int]] = list,
) -> tuple[Run, float]:
    """One paced (``rate`` > 0) or unpaced wrk run after a 2 s warm-up, and the CPU time the
    ``watched`` processes (asked for after the warm-up) spent during it."""
    delay = 1000.0 * connections / rate if rate else 0.0
    url = f"http://127.0.0.1:{port}/v1/reports"
    wrk(url, body, key, delay, 2, connections)
    pids = watched()
    started = sum(cpu_seconds(pid) for pid in pids)
    run = parse(name, str(rate), wrk(url, body, key, delay, seconds, connections))
    return run, sum(cpu_seconds(pid) for pid in pids) - started


def database_backends(database: str) -> list[int]:
    """The PostgreSQL server processes serving ``database`` now (read from ``/proc``, so the
    bench needs no connection of its own for it)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = stat.read_bytes()
        except OSError:
            continue
        if command.startswith(b"postgres: ") and f" {database} ".encode() in command:
            pids.append(int(stat.parent.name))
    return pids


async def gateway_key(dsn: str, tenant: str = "bench") -> str:
    conn = await connect(dsn)
    try:
        return await create_key(conn, tenant)
    finally:
        await conn.close()


async def delete_topology(amqp_url: str, namespace: str) -> None:
    """The gateway declared the topology and queued every report: remove it all."""
    settings = Settings(amqp_url=amqp_url, bus_namespace=namespace)
    # declares nothing: re-declaring a namespace its processes declared can only fail or recreate
    bus = await AmqpBus.connect(
        amqp_url, topology_of(settings), name="bench-cleanup", declare=False
    )
    await bus.delete_topology()
    await bus.close()


def start(argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)


async def main(seconds: int, connections: int, rates: list[int]) -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    async with scratch_database() as (dsn, amqp_url):
        key = await gateway_key(dsn)
        ours, bare = free_port(), free_port()
        env = {
            **os.environ,
            "CLINRELAY_DATABASE_URL": dsn,
            "CLINRELAY_AMQP_URL": amqp_url,
            "CLINRELAY_BUS_NAMESPACE": f"bench{uuid4().hex[:8]}",
            "CLINRELAY_GATEWAY_PORT": str(ours),
            "CLINRELAY_LOG_LEVEL": "WARNING",
            "CLINRELAY_RATE_LIMIT_PER_MINUTE": "0",  # one key drives all the load
        }
        processes = [
            start([sys.executable, "-m", "clinrelay", "serve", "gateway"], env),
            start([sys.executable, "-m", "bench.bare_gateway", str(bare)], env),
        ]
        try:
            wait_for_port(ours)
            wait_for_port(bare)
            with tempfile.TemporaryDirectory() as tmp:
                small = Path(tmp, "small.json")
                small.write_bytes(small_bundle())
                for label, body in (("3 KB note Bundle", small), ("104 KB sample", SAMPLE)):
                    print(f"\n### {label}\n")
                    print(TABLE_HEAD)
                    for rate in [*rates, 0]:
                        targets = {"bare": (bare, ""), "gateway": (ours, key)}
                        runs = {
                            name: measure(name, port, k, body, rate, seconds, connections)[0]
                            for name, (port, k) in targets.items()
                        }
                        print(row(rate, runs["bare"], runs["gateway"]))
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
            await delete_topology(amqp_url, env["CLINRELAY_BUS_NAMESPACE"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rates", default="25,50,100,200")
    options = parser.parse_args()
    asyncio.run(
        main(options.seconds, options.connections, [int(r) for r in options.rates.split(",")])
    )
