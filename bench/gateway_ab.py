"""POST /v1/reports of two versions of the gateway side by side, against the bare app.

    .venv/bin/python -m bench.gateway_ab BEFORE_TREE [--seconds 5] [--rounds 3] [--connections 8]

BEFORE_TREE is a checkout of the older code (``git worktree add --detach /tmp/before <commit>``).
With ``--relay-apart`` the gateway of this checkout runs without its outbox relay
(``CLINRELAY_OUTBOX_RELAY=false``) and a relay of its own process drains its outbox beside it
(``bench.outbox_relay``'s child); that process's CPU per request is printed too (``BEFORE_TREE``
may then be this checkout: the same code with the relay in the gateway and apart).
Three processes run at once: the bare app (``bench.bare_gateway``), the gateway from BEFORE_TREE and
the gateway from this checkout, each gateway on a scratch database and bus namespace of its own
(so neither's outbox relay drains the other's rows). In each round every side is loaded in turn
(order reversed every other round) with the 3 KB Bundle, unpaced and then paced at 200 requests/s;
the CPU time the process spent per request is read from ``/proc``. Prints, per side, the
throughput ratio to the bare app, the p99 ratio at 200 req/s and the CPU per request, each as the
median of the rounds with the lowest and highest round.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
from contextlib import AsyncExitStack
from pathlib import Path
from uuid import uuid4

from bench import gateway as post_bench
from bench.common import scratch_database
from bench.outbox_relay import start_relay

SIDES = ("bare", "before", "after")


def spread(values: list[float], digits: int = 3) -> str:
    return (
        f"{statistics.median(values):.{digits}f} "
        f"({min(values):.{digits}f}–{max(values):.{digits}f})"
    )


def unpaced(
    url: str, body: Path, key: str, seconds: int, connections: int, pids: list[int]
) -> tuple[post_bench.Run, list[float]]:
    """A run at max rate after a warm-up, and the CPU seconds each of ``pids`` spent in it."""
    post_bench.wrk(url, body, key, 0.0, 2, connections)
    started = [post_bench.cpu_seconds(pid) for pid in pids]
    run = post_bench.parse("", "max", post_bench.wrk(url, body, key, 0.0, seconds, connections))
    return run, [post_bench.cpu_seconds(pid) - at for pid, at in zip(pids, started, strict=True)]


async def main(
    before: Path, seconds: int, rounds: int, connections: int, relay_apart: bool = False
) -> None:
    async with AsyncExitStack() as stack:
        dsn_before, amqp_url = await stack.enter_async_context(scratch_database())
        dsn_after, _ = await stack.enter_async_context(scratch_database())
        keys = {
            "bare": "",
            "before": await post_bench.gateway_key(dsn_before),
            "after": await post_bench.gateway_key(dsn_after),
        }
        ports = {side: post_bench.free_port() for side in SIDES}
        namespaces = {"before": f"bench{uuid4().hex[:8]}", "after": f"bench{uuid4().hex[:8]}"}
        common = {
            **os.environ,
            "CLINRELAY_AMQP_URL": amqp_url,
            "CLINRELAY_LOG_LEVEL": "WARNING",
            "CLINRELAY_RATE_LIMIT_PER_MINUTE": "0",  # one key drives all the load
            "CLINRELAY_TENANT_MAX_IN_FLIGHT": "0",  # no stage runs: nothing would be admitted
        }

        def gateway(side: str, tree: Path, dsn: str) -> subprocess.Popen[bytes]:
            env = {
                **common,
                **({"CLINRELAY_OUTBOX_RELAY": "false"} if relay_apart and side == "after" else {}),
                "CLINRELAY_DATABASE_URL": dsn,
                "CLINRELAY_BUS_NAMESPACE": namespaces[side],
                "CLINRELAY_GATEWAY_PORT": str(ports[side]),
                "PYTHONPATH": str(tree),
            }
            argv = [sys.executable, "-m", "clinrelay", "serve", "gateway"]
            return subprocess.Popen(argv, cwd=tree, env=env, stdout=subprocess.DEVNULL)

        processes = {
            "bare": post_bench.start(
                [sys.executable, "-m", "bench.bare_gateway", str(ports["bare"])], common
            ),
            "before": gateway("before", before, dsn_before),
            "after": gateway("after", post_bench.ROOT, dsn_after),
        }
        relay = start_relay(dsn_after, amqp_url, namespaces["after"]) if relay_apart else None
        relay_ms: list[float] = []
        try:
            for port in ports.values():
                post_bench.wait_for_port(port)
            achieved: dict[str, list[float]] = {side: [] for side in SIDES}
            p99: dict[str, list[float]] = {side: [] for side in SIDES}
            cpu_ms: dict[str, list[float]] = {side: [] for side in SIDES}
            with tempfile.TemporaryDirectory() as tmp:
                body = Path(tmp, "small.json")
                body.write_bytes(post_bench.small_bundle())
                for number in range(rounds):
                    order = SIDES if number % 2 == 0 else tuple(reversed(SIDES))
                    for side in order:
                        url = f"http://127.0.0.1:{ports[side]}/v1/reports"
                        watched = [processes[side].pid]
                        if relay is not None and side == "after":
                            watched.append(relay.pid)
                        run, spent = unpaced(url, body, keys[side], seconds, connections, watched)
                        achieved[side].append(run.achieved)
                        cpu_ms[side].append(spent[0] / (run.achieved * seconds) * 1000)
                        if len(spent) > 1:
                            relay_ms.append(spent[1] / (run.achieved * seconds) * 1000)
                        paced, _ = post_bench.measure(
                            side, ports[side], keys[side], body, 200, seconds, connections
                        )
                        p99[side].append(paced.p99_ms)
                    print(
                        f"round {number + 1}: "
                        + ", ".join(
                            f"{side} {achieved[side][-1]:,.0f} req/s, {cpu_ms[side][-1]:.2f} ms "
                            f"CPU/req, p99@200 {p99[side][-1]:.1f} ms"
                            for side in SIDES
                        ),
                        flush=True,
                    )
            for side in ("before", "after"):
                ratio = [g / b for g, b in zip(achieved[side], achieved["bare"], strict=True)]
                tail = [g / b for g, b in zip(p99[side], p99["bare"], strict=True)]
                print(
                    f"{side}: post ratio {spread(ratio)}, p99@200 ratio {spread(tail, 2)}, "
                    f"CPU per request {spread(cpu_ms[side], 2)} ms"
                )
            print(f"bare: CPU per request {spread(cpu_ms['bare'], 2)} ms")
            if relay_ms:
                print(
                    f"after's relay, in its own process: CPU per request {spread(relay_ms, 2)} ms"
                )
        finally:
            for process in processes.values():
                process.terminate()
                process.wait(timeout=30)
            if relay is not None:
                relay.terminate()
                relay.communicate(timeout=30)
            for namespace in namespaces.values():
                await post_bench.delete_topology(amqp_url, namespace)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--relay-apart",
        action="store_true",
        help="run this checkout's outbox relay in a process of its own beside its gateway",
    )
    arguments = parser.parse_args()
    asyncio.run(
        main(
            arguments.before.resolve(),
            arguments.seconds,
            arguments.rounds,
            arguments.connections,
            arguments.relay_apart,
        )
    )
