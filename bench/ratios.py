"""Every speed goal of issue 15 as a ratio to its floor, measured side by side in one run.

    .venv/bin/python -m bench ratios [--renders 12] [--hop-reports 200] [--repeat 3]
                                     [--post-seconds 5]

Needs the local PostgreSQL and RabbitMQ (a scratch database and bus namespace, removed after) and
``wrk`` (``apt-get install wrk``). Each comparison takes turns between the two sides, so machine
load weighs on both alike; every ratio is the median of the per-round ratios, with the spread
(lowest–highest round) printed next to it:

- ``render_ratio``: the coding report (``render_coding_pdf``) over WeasyPrint's minimal call of the
  same content (``bench.render``); ``cer_chart_share``: the share of the CER's render time its
  three charts take; both wall time in this process.
- ``hop_ratio``: clinrelay hops/s (runner + outbox relay, three no-op stages) over the bare hop
  (consume → UPDATE → confirmed publish → ack), with database round trips per hop
  (``bench.transport``).
- ``post_ratio``: accepted POST/s of the gateway over the bare FastAPI app validating the same
  3 KB Bundle, unpaced (``bench.gateway``); ``post_p99_ratio_200``: gateway p99 over bare p99
  paced at 200 requests/s. Alongside (not a goal, the floor unchanged): ``post_cpu_ms_*``, the
  CPU per request at max rate of the bare app, of the gateway process (the request and its
  outbox relay) and of the scratch database's PostgreSQL backends (in a third run, as reading
  them costs a little), and ``post_cpu_ratio``, bare over gateway process: the throughput ratio
  a CPU-bound gateway would reach with the database and broker on other cores.
- ``validate_104kb_ms``: CPU ms to validate and admit the 104 KB sample Bundle (``interpret``),
  ``validate_104kb_vs_r4b``: that over validating its entries with the fhir.resources R4B
  models alone, and ``validate_104kb_speedup``: the same admission as it ran before issue 15
  (every resource through the R4B models, PHI harvested; ``bench.fhir_parse``) over it now.

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import orjson

from bench import gateway as post_bench
from bench.common import scratch_database
from bench.fhir_parse import admit_before, validate_entries_with_the_library
from bench.render.__main__ import chart_share, render_ratio, run_interleaved, scenarios_of
from bench.transport import hop_ratio
from services.gateway.intake import interpret
from services.renderer.meta import ReportMeta
from shared import logging as clinrelay_logging


def spread(values: list[float]) -> str:
    return f"{min(values):.2f}–{max(values):.2f}"


def render_figures(renders: int, rounds: int) -> dict[str, Any]:
    meta = ReportMeta(report_id=uuid4(), tenant_id=uuid4(), generated_at=datetime.now(UTC))
    scenarios = scenarios_of(meta)
    ratios, shares = [], []
    for _ in range(rounds):
        timings = run_interleaved(scenarios, renders)
        ratios.append(render_ratio(timings))
        shares.append(chart_share(timings))
    print(
        f"render: coding / minimal call {statistics.median(ratios):.3f} ({spread(ratios)}); "
        f"CER charts {statistics.median(shares):.1%} of its render time ({spread(shares)}); "
        f"{rounds} rounds of {renders} interleaved renders"
    )
    return {
        "render_ratio": round(statistics.median(ratios), 3),
        "render_ratio_spread": [round(min(ratios), 3), round(max(ratios), 3)],
        "cer_chart_share": round(statistics.median(shares), 3),
    }


def validation_figures(rounds: int) -> dict[str, Any]:
    raw = post_bench.SAMPLE.read_bytes()
    sides: dict[str, Callable[[], object]] = {
        "ours": lambda: interpret(raw, "application/fhir+json"),
        "before": lambda: admit_before(raw),
        "r4b": lambda: validate_entries_with_the_library(raw),
    }
    cpu: dict[str, list[float]] = {name: [] for name in sides}
    for run in sides.values():
        run()
    speedups = []
    for _ in range(rounds):
        block: dict[str, list[float]] = {name: [] for name in sides}
        for _ in range(10):
            for name, run in sides.items():
                started = time.process_time()
                run()
                block[name].append(time.process_time() - started)
        speedups.append(statistics.median(block["before"]) / statistics.median(block["ours"]))
        for name, values in block.items():
            cpu[name].extend(values)
    ours, r4b = statistics.median(cpu["ours"]), statistics.median(cpu["r4b"])
    before = statistics.median(cpu["before"])
    print(
        f"validation of the 104 KB sample: {ours * 1000:.1f} ms CPU (interpret), "
        f"{before * 1000:.1f} ms as before issue 15 (R4B models, PHI harvest): "
        f"{statistics.median(speedups):.2f}× faster ({spread(speedups)}); "
        f"{r4b * 1000:.1f} ms validating its entries with fhir.resources R4B alone"
    )
    return {
        "validate_104kb_ms": round(ours * 1000, 2),
        "validate_104kb_vs_r4b": round(ours / r4b, 3),
        "validate_104kb_speedup": round(statistics.median(speedups), 2),
        "validate_104kb_speedup_spread": [round(min(speedups), 2), round(max(speedups), 2)],
    }


async def hop_figures(reports: int, rounds: int) -> dict[str, Any]:
    async with scratch_database() as (dsn, amqp_url):
        result = await hop_ratio(dsn, amqp_url, reports, rounds)
    print(
        f"hop: clinrelay {result.ours:,.0f} / bare {result.bare:,.0f} hops/s, ratio "
        f"{result.ratio:.3f} ({spread(list(result.ratios))}); "
        f"{result.round_trips:.1f} database round trips per hop"
    )
    return {
        "hop_ratio": round(result.ratio, 3),
        "hop_ratio_spread": [round(min(result.ratios), 3), round(max(result.ratios), 3)],
        "round_trips_per_hop": round(result.round_trips, 1),
    }


async def post_figures(seconds: int, rounds: int, connections: int = 8) -> dict[str, Any]:
    async with scratch_database() as (dsn, amqp_url):
        key = await post_bench.gateway_key(dsn)
        ours, bare = post_bench.free_port(), post_bench.free_port()
        namespace = f"bench{uuid4().hex[:8]}"
        env = {
            **os.environ,
            "CLINRELAY_DATABASE_URL": dsn,
            "CLINRELAY_AMQP_URL": amqp_url,
            "CLINRELAY_BUS_NAMESPACE": namespace,
            "CLINRELAY_GATEWAY_PORT": str(ours),
            "CLINRELAY_LOG_LEVEL": "WARNING",
            "CLINRELAY_RATE_LIMIT_PER_MINUTE": "0",  # one key drives all the load
            # No stage runs here, so every report stays PENDING: a per-tenant quota would hold the
            # whole run's report.requested rows in the outbox and re-count them on every relay
            # pass. The accept path is what is measured, so admission control is off.
            "CLINRELAY_TENANT_MAX_IN_FLIGHT": "0",
        }
        processes = [
            post_bench.start([sys.executable, "-m", "clinrelay", "serve", "gateway"], env),
            post_bench.start([sys.executable, "-m", "bench.bare_gateway", str(bare)], env),
        ]
        try:
            post_bench.wait_for_port(ours)
            post_bench.wait_for_port(bare)
            with tempfile.TemporaryDirectory() as tmp:
                body = Path(tmp, "small.json")
                body.write_bytes(post_bench.small_bundle())
                throughput: list[tuple[post_bench.Run, post_bench.Run]] = []
                tail: list[tuple[post_bench.Run, post_bench.Run]] = []
                cpu: list[tuple[float, float, float]] = []
                database = dsn.rsplit("/", 1)[1]
                failed = 0
                for _ in range(rounds):
                    for rate, into in ((0, throughput), (200, tail)):
                        b, bare_cpu = post_bench.measure(
                            "bare",
                            bare,
                            "",
                            body,
                            rate,
                            seconds,
                            connections,
                            lambda: [processes[1].pid],
                        )
                        g, gateway_cpu = post_bench.measure(
                            "gateway",
                            ours,
                            key,
                            body,
                            rate,
                            seconds,
                            connections,
                            lambda: [processes[0].pid],
                        )
                        failed += b.non_2xx + g.non_2xx
                        into.append((b, g))
                        if rate == 0:  # the database's share, measured on a run of its own
                            _, database_cpu = post_bench.measure(
                                "gateway",
                                ours,
                                key,
                                body,
                                rate,
                                seconds,
                                connections,
                                lambda: post_bench.database_backends(database),
                            )
                            accepted = g.achieved * seconds
                            cpu.append(
                                (
                                    bare_cpu / (b.achieved * seconds) * 1000,
                                    gateway_cpu / accepted * 1000,
                                    database_cpu / accepted * 1000,
                                )
                            )
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
            await post_bench.delete_topology(amqp_url, namespace)
    ratios = [g.achieved / b.achieved for b, g in throughput]
    tails = [g.p99_ms / b.p99_ms for b, g in tail]
    bare_ms, gateway_ms, database_ms = (statistics.median(c[i] for c in cpu) for i in range(3))
    print(
        "POST, 3 KB Bundle: gateway / bare at max rate "
        + ", ".join(f"{g.achieved:,.0f}/{b.achieved:,.0f}" for b, g in throughput)
        + f" req/s, ratio {statistics.median(ratios):.3f} ({spread(ratios)}); p99 at 200 req/s "
        + ", ".join(f"{g.p99_ms:.1f}/{b.p99_ms:.1f}" for b, g in tail)
        + f" ms, ratio {statistics.median(tails):.2f} ({spread(tails)}); non-2xx {failed}"
    )
    print(
        f"POST CPU per request at max rate: bare app {bare_ms:.2f} ms, gateway process (request "
        f"and its outbox relay) {gateway_ms:.2f} ms, PostgreSQL {database_ms:.2f} ms; bare over "
        f"gateway process {bare_ms / gateway_ms:.3f}, over gateway and database "
        f"{bare_ms / (gateway_ms + database_ms):.3f}"
    )
    return {
        "post_ratio": round(statistics.median(ratios), 3),
        "post_ratio_spread": [round(min(ratios), 3), round(max(ratios), 3)],
        "post_p99_ratio_200": round(statistics.median(tails), 2),
        "post_non_2xx": failed,
        "post_cpu_ms_bare": round(bare_ms, 2),
        "post_cpu_ms_gateway": round(gateway_ms, 2),
        "post_cpu_ms_database": round(database_ms, 2),
        "post_cpu_ratio": round(bare_ms / gateway_ms, 3),
    }


PARTS = ("render", "validation", "hop", "post")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench ratios", description=__doc__)
    parser.add_argument("--renders", type=int, default=6, help="renders per scenario per round")
    parser.add_argument("--hop-reports", type=int, default=200)
    parser.add_argument("--post-seconds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of every comparison")
    parser.add_argument(
        "--only",
        default=",".join(PARTS),
        help="comma-separated parts to run (default all): " + ", ".join(PARTS),
    )
    args = parser.parse_args(argv)
    parts = {part.strip() for part in args.only.split(",")}
    if not parts <= set(PARTS):
        parser.error(f"--only: choose among {', '.join(PARTS)}")
    clinrelay_logging.configure("bench", "WARNING", "json")  # a log line per hop is not the hop

    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    figures: dict[str, Any] = {}
    if "render" in parts:
        figures.update(render_figures(args.renders, args.repeat))
    if "validation" in parts:
        figures.update(validation_figures(args.repeat))
    if "hop" in parts:
        figures.update(asyncio.run(hop_figures(args.hop_reports, args.repeat)))
    if "post" in parts:
        figures.update(asyncio.run(post_figures(args.post_seconds, args.repeat)))
    figures["load_average"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
    figures["cores"] = os.cpu_count()
    figures["seconds"] = round(time.perf_counter() - started)
    print(orjson.dumps(figures).decode())
