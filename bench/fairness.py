"""Fairness between tenants: how long one tenant's single report waits behind another's burst.

    .venv/bin/python -m bench.fairness [--burst 60] [--quota 8]

The five services run as separate processes on a scratch database and bus namespace, twice: with
admission control off (``CLINRELAY_TENANT_MAX_IN_FLIGHT=0``) and with ``--quota``. Each time tenant
"busy" POSTs ``--burst`` sample encounters at once, then tenant "quiet" POSTs one; the clock of each
report runs from its acceptance to COMPLETE (the times the gateway and the renderer recorded).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import dataclass
from datetime import datetime

import httpx

from bench.gateway import SAMPLE, gateway_key
from bench.stack import running_stack

FINAL = ("COMPLETE", "FAILED")


@dataclass(frozen=True)
class Outcome:
    quota: int
    quiet_s: float
    busy_p50_s: float
    busy_max_s: float
    drain_s: float
    failed: int


def _client(base_url: str, key: str) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/fhir+json"}
    return httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60)


async def _wait_final(client: httpx.AsyncClient, report_ids: list[str]) -> list[dict[str, str]]:
    finals: dict[str, dict[str, str]] = {}
    async with asyncio.timeout(1800):
        while len(finals) < len(report_ids):
            for report_id in report_ids:
                if report_id not in finals:
                    report = (await client.get(f"/v1/reports/{report_id}")).json()
                    if report["status"] in FINAL:
                        finals[report_id] = report
            await asyncio.sleep(0.5)
    return list(finals.values())


def _seconds(report: dict[str, str]) -> float:
    done = datetime.fromisoformat(report["completed_at"])
    return (done - datetime.fromisoformat(report["created_at"])).total_seconds()


async def one_run(quota: int, burst: int) -> Outcome:
    async with running_stack({"CLINRELAY_TENANT_MAX_IN_FLIGHT": str(quota)}) as stack:
        body = SAMPLE.read_bytes()
        async with (
            _client(stack.base_url, await gateway_key(stack.dsn, "busy")) as busy,
            _client(stack.base_url, await gateway_key(stack.dsn, "quiet")) as quiet,
        ):
            warm = (await quiet.post("/v1/reports", content=body)).json()  # loads the pipelines
            await _wait_final(quiet, [warm["id"]])
            started = time.perf_counter()
            posts = await asyncio.gather(
                *(busy.post("/v1/reports", content=body) for _ in range(burst))
            )
            lone = (await quiet.post("/v1/reports", content=body)).json()
            quiet_final = (await _wait_final(quiet, [lone["id"]]))[0]
            busy_finals = await _wait_final(busy, [p.json()["id"] for p in posts])
            drain = time.perf_counter() - started
    everything = [quiet_final, *busy_finals]
    done = sorted(_seconds(r) for r in busy_finals if r["status"] == "COMPLETE")
    return Outcome(
        quota=quota,
        quiet_s=_seconds(quiet_final) if quiet_final["status"] == "COMPLETE" else float("nan"),
        busy_p50_s=statistics.median(done),
        busy_max_s=done[-1],
        drain_s=drain,
        failed=sum(r["status"] == "FAILED" for r in everything),
    )


async def run(burst: int, quota: int) -> None:
    print(f"tenant 'busy' posts {burst} encounters at once, then tenant 'quiet' posts one")
    print("| admission quota | quiet's report | busy p50 | busy max | all done | FAILED |")
    print("|---|---|---|---|---|---|")
    for q in (0, quota):
        o = await one_run(q, burst)
        label = "off" if o.quota == 0 else f"{o.quota} in flight per tenant"
        print(
            f"| {label} | {o.quiet_s:.1f} s | {o.busy_p50_s:.1f} s | {o.busy_max_s:.1f} s "
            f"| {o.drain_s:.1f} s | {o.failed} |",
            flush=True,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--burst", type=int, default=60)
    parser.add_argument("--quota", type=int, default=8)
    options = parser.parse_args()
    asyncio.run(run(options.burst, options.quota))
