"""End-to-end throughput: sample encounters per minute through all five services, and how long a
recorded step takes to reach a WebSocket subscriber.

    .venv/bin/python -m bench.e2e [--reports 40] [--analyzer-workers 1] [--render-workers 1]

The five services run as separate processes (as ``clinrelay up`` runs them) on a scratch database
and bus namespace. The bundled sample encounter is POSTed ``--reports`` times at once; the clock
stops when the last report is COMPLETE. One subscriber per report listens on the notifier; for every
event it receives, the delay from the event's recorded time (``at``, taken in the transaction that
recorded it) to its arrival is kept.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime

import httpx
import orjson
import websockets

from bench.gateway import SAMPLE, gateway_key
from bench.stack import running_stack


async def subscriber_delays(ws_url: str, key: str, delays: list[float]) -> None:
    async with websockets.connect(f"{ws_url}?token={key}") as socket:
        try:
            async for raw in socket:
                arrived = datetime.now(UTC)
                message = orjson.loads(raw)
                if message.get("type") == "event":
                    sent = datetime.fromisoformat(message["at"])
                    delays.append((arrived - sent).total_seconds() * 1000)
        except websockets.ConnectionClosed:
            pass


async def run(reports: int, analyzer_workers: int, render_workers: int) -> None:
    workers = {
        "CLINRELAY_ANALYZER_WORKERS": str(analyzer_workers),
        "CLINRELAY_ANALYZER_PREFETCH": str(analyzer_workers + 1),
        "CLINRELAY_RENDER_WORKERS": str(render_workers),
    }
    async with running_stack(workers) as stack:
        await measure(stack.base_url, await gateway_key(stack.dsn), reports)


async def measure(base_url: str, key: str, reports: int) -> None:
    body = SAMPLE.read_bytes()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/fhir+json"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as client:
        warm = (await client.post("/v1/reports", content=body)).json()  # loads the pipelines
        await subscriber_delays(warm["links"]["ws"], key, [])
        delays: list[float] = []
        started = time.perf_counter()
        accepted = [(await client.post("/v1/reports", content=body)).json() for _ in range(reports)]
        await asyncio.gather(*(subscriber_delays(a["links"]["ws"], key, delays) for a in accepted))
        elapsed = time.perf_counter() - started
        finals = [(await client.get(f"/v1/reports/{a['id']}")).json() for a in accepted]
    complete = [f for f in finals if f["status"] == "COMPLETE"]
    latencies = sorted(
        (
            datetime.fromisoformat(f["completed_at"]) - datetime.fromisoformat(f["created_at"])
        ).total_seconds()
        for f in complete
    )
    quantiles = statistics.quantiles(delays, n=100)
    print(
        f"{len(complete)}/{reports} COMPLETE in {elapsed:.1f} s: "
        f"{60 * len(complete) / elapsed:.1f} reports/min"
    )
    print(
        f"accepted → COMPLETE: p50 {statistics.median(latencies):.2f} s, "
        f"max {latencies[-1]:.2f} s (all submitted at once)"
    )
    print(
        f"step recorded → pushed to subscriber ({len(delays)} events): "
        f"p50 {quantiles[49]:.1f} ms, p95 {quantiles[94]:.1f} ms, max {max(delays):.1f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=40)
    parser.add_argument("--analyzer-workers", type=int, default=1)
    parser.add_argument("--render-workers", type=int, default=1)
    options = parser.parse_args()
    asyncio.run(run(options.reports, options.analyzer_workers, options.render_workers))
