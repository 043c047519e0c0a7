"""A burst of coding reports against the real services: nothing FAILED, lost or done twice, and
how the pipeline absorbs it.

    nice -n 10 .venv/bin/python -m bench.burst [--reports 2000] [--concurrency 32]
        [--analyzer-workers 1] [--render-workers 1] [--bundle sample|short]

The five services run as separate processes under ``clinrelay up``'s supervisor, on a scratch
database and bus namespace of their own. ``--reports`` coding Bundles are POSTed as fast as
``--concurrency`` clients can (a burst with bounded concurrency); then the clock runs until every
accepted report is final. Reported:

- accepted / COMPLETE / FAILED / lost (accepted, never final) / duplicated (a stage completing a
  report twice, a second PDF or terminal event), from the database;
- throughput (reports completed per minute over the whole run) and the burst's POST rate;
- POST latency during the burst (p50 / p95 / p99 / max);
- accepted → COMPLETE latency (p50 / p95 / max);
- peak depth of each stage's work queue (ready messages, polled every 0.5 s);
- drain time: from the last POST answered to the last report final;
- each stage's mean work time per report (the ``elapsed_ms`` of its completed events) and, from
  them, how many render workers keep up with the analyzer.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import math
import statistics
import time
from collections import Counter
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import orjson

from bench.gateway import SAMPLE, gateway_key
from bench.stack import running_stack
from shared.bus.amqp import AmqpBus
from shared.runtime import topology_of
from shared.settings import Settings

STAGES = ("ingestor", "analyzer", "renderer")
SHORT_NOTE = """Chief complaint: follow-up of diabetes.
History: Type 2 diabetes mellitus with hyperglycemia. Essential hypertension.
Denies chest pain. Plan: continue metformin 1000 mg twice daily; recheck HbA1c in 3 months.
"""


def short_bundle() -> bytes:
    """A one-note coding Bundle (a short visit): the same road, a shorter PDF."""
    note = base64.b64encode(SHORT_NOTE.encode()).decode()
    return orjson.dumps(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {
                    "resource": {
                        "resourceType": "Patient",
                        "id": "p1",
                        "gender": "female",
                        "birthDate": "1951-06-02",
                    }
                },
                {
                    "resource": {
                        "resourceType": "Encounter",
                        "id": "e1",
                        "status": "finished",
                        "class": {"code": "AMB"},
                        "subject": {"reference": "Patient/p1"},
                    }
                },
                {
                    "resource": {
                        "resourceType": "DocumentReference",
                        "id": "d1",
                        "status": "current",
                        "subject": {"reference": "Patient/p1"},
                        "context": {"encounter": [{"reference": "Encounter/e1"}]},
                        "content": [{"attachment": {"contentType": "text/plain", "data": note}}],
                    }
                },
            ],
        }
    )


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


async def post_all(
    client: httpx.AsyncClient, body: bytes, reports: int, concurrency: int
) -> tuple[list[UUID], list[float], int]:
    """POST ``reports`` Bundles with at most ``concurrency`` in flight; ids, latencies (ms) and
    how many were refused."""
    ids: list[UUID] = []
    latencies: list[float] = []
    refused = 0
    remaining = iter(range(reports))

    async def post_once() -> httpx.Response:
        # As a careful client does: one Idempotency-Key per report, and a POST whose connection
        # dropped (a keep-alive connection the server had just closed) is sent again under it.
        headers = {"Idempotency-Key": str(uuid4())}
        for attempt in range(3):
            try:
                return await client.post("/v1/reports", content=body, headers=headers)
            except httpx.TransportError:
                if attempt == 2:
                    raise
                print("  POST connection dropped; sent again with its Idempotency-Key")
        raise AssertionError("unreachable")

    async def client_loop() -> None:
        nonlocal refused
        for _ in remaining:
            started = time.perf_counter()
            response = await post_once()
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code == 202:
                ids.append(UUID(response.json()["id"]))
            else:
                refused += 1
                print(f"  POST refused: {response.status_code} {response.text[:200]}")

    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    return ids, latencies, refused


async def watch_queues(
    amqp_url: str, namespace: str, peaks: dict[str, int], stop: asyncio.Event
) -> None:
    settings = Settings(amqp_url=amqp_url, bus_namespace=namespace)
    bus = await AmqpBus.connect(amqp_url, topology_of(settings), publish_timeout=5, name="burst")
    try:
        while not stop.is_set():
            for stage in STAGES:
                try:
                    state = await bus.queue_state(bus.topology.work_queue(stage))
                except Exception:  # a busy broker answering late: the next sample will do
                    peaks["missed samples"] = peaks.get("missed samples", 0) + 1
                    continue
                if state is not None:
                    peaks[stage] = max(peaks.get(stage, 0), state.messages)
            await asyncio.sleep(0.5)
    finally:
        await bus.close()


async def until_final(
    conn: asyncpg.Connection, ids: list[UUID], deadline: float, started: float
) -> None:
    last_print = 0.0
    while True:
        rows = await conn.fetch(
            "SELECT status, count(*) AS n FROM reports WHERE id = ANY($1) GROUP BY status", ids
        )
        counts: dict[str, int] = {row["status"]: row["n"] for row in rows}
        waiting = len(ids) - counts.get("COMPLETE", 0) - counts.get("FAILED", 0)
        now = time.perf_counter()
        if now - last_print > 30:
            print(f"  {now - started:6.0f} s: {counts}", flush=True)
            last_print = now
        if waiting == 0 or now > deadline:
            return
        await asyncio.sleep(1)


async def audit(conn: asyncpg.Connection, ids: list[UUID]) -> dict[str, Any]:
    """Exactly-once accounting from the database."""
    rows = await conn.fetch(
        "SELECT id, status, created_at, completed_at FROM reports WHERE id = ANY($1)", ids
    )
    status = Counter(r["status"] for r in rows)
    completions = Counter(
        (r["report_id"], r["actor"])
        for r in await conn.fetch(
            "SELECT report_id, actor FROM report_events WHERE report_id = ANY($1) "
            "AND outcome = 'completed'",
            ids,
        )
    )
    terminal = Counter(
        r["report_id"]
        for r in await conn.fetch(
            "SELECT report_id FROM report_events WHERE report_id = ANY($1) "
            "AND status IN ('COMPLETE', 'FAILED')",
            ids,
        )
    )
    pdfs = Counter(
        r["report_id"]
        for r in await conn.fetch(
            "SELECT report_id FROM artifacts WHERE report_id = ANY($1) AND name = 'report.pdf'",
            ids,
        )
    )
    work_ms = {
        r["actor"]: float(r["ms"])
        for r in await conn.fetch(
            "SELECT actor, avg((details->>'elapsed_ms')::int) AS ms FROM report_events "
            "WHERE report_id = ANY($1) AND outcome = 'completed' GROUP BY actor",
            ids,
        )
    }
    e2e = [
        (r["completed_at"] - r["created_at"]).total_seconds()
        for r in rows
        if r["status"] == "COMPLETE" and r["completed_at"] is not None
    ]
    retries = await conn.fetchval(
        "SELECT count(*) FROM report_events WHERE report_id = ANY($1) AND outcome = 'retrying'",
        ids,
    )
    return {
        "status": status,
        "lost": len(ids) - len(rows) + sum(v for k, v in status.items() if k not in _FINAL),
        "duplicated": sum(1 for v in completions.values() if v > 1)
        + sum(1 for v in terminal.values() if v > 1)
        + sum(1 for v in pdfs.values() if v > 1),
        "work_ms": work_ms,
        "e2e": e2e,
        "retries": retries,
        "dead_letters": await conn.fetchval("SELECT count(*) FROM dead_letters"),
    }


_FINAL = ("COMPLETE", "FAILED")


async def run(options: argparse.Namespace) -> None:
    body = SAMPLE.read_bytes() if options.bundle == "sample" else short_bundle()
    workers = {
        "CLINRELAY_ANALYZER_WORKERS": str(options.analyzer_workers),
        "CLINRELAY_ANALYZER_PREFETCH": str(options.analyzer_workers + 1),
        "CLINRELAY_RENDER_WORKERS": str(options.render_workers),
    }
    async with running_stack(workers, ready_timeout_s=300) as stack:
        key = await gateway_key(stack.dsn)
        conn = await asyncpg.connect(stack.dsn)
        stop = asyncio.Event()
        peaks: dict[str, int] = {}
        try:
            headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/fhir+json"}
            limits = httpx.Limits(max_connections=options.concurrency)
            async with httpx.AsyncClient(
                base_url=stack.base_url, headers=headers, timeout=120, limits=limits
            ) as client:
                warm = (await client.post("/v1/reports", content=body)).json()
                warmed = time.perf_counter()
                await until_final(conn, [UUID(warm["id"])], warmed + 300, warmed)
                watcher = asyncio.create_task(
                    watch_queues(stack.amqp_url, stack.namespace, peaks, stop)
                )
                started = time.perf_counter()
                ids, post_ms, refused = await post_all(
                    client, body, options.reports, options.concurrency
                )
                posted = time.perf_counter()
                deadline = started + options.max_minutes * 60
                await until_final(conn, ids, deadline, started)
                finished = time.perf_counter()
                stop.set()
                await asyncio.gather(watcher, return_exceptions=True)
            result = await audit(conn, ids)
        finally:
            stop.set()
            await conn.close()
    report(options, result, ids, refused, post_ms, started, posted, finished, peaks)


def report(
    options: argparse.Namespace,
    result: dict[str, Any],
    ids: list[UUID],
    refused: int,
    post_ms: list[float],
    started: float,
    posted: float,
    finished: float,
    peaks: dict[str, int],
) -> None:
    status = result["status"]
    complete = status.get("COMPLETE", 0)
    e2e = result["e2e"]
    work = result["work_ms"]
    print(
        f"\n{options.reports} {options.bundle} coding reports, concurrency {options.concurrency}, "
        f"analyzer workers {options.analyzer_workers}, render workers {options.render_workers}"
    )
    print(
        f"accepted {len(ids)}, refused {refused}; COMPLETE {complete}, "
        f"FAILED {status.get('FAILED', 0)}, lost {result['lost']}, "
        f"duplicated {result['duplicated']}; retries {result['retries']}, "
        f"dead letters {result['dead_letters']}"
    )
    total = finished - started
    print(
        f"burst: {len(ids)} POSTs in {posted - started:.1f} s "
        f"({len(ids) / (posted - started):.0f}/s); POST latency p50 "
        f"{quantile(post_ms, 0.5):.0f} ms, p95 {quantile(post_ms, 0.95):.0f} ms, "
        f"p99 {quantile(post_ms, 0.99):.0f} ms, max {max(post_ms):.0f} ms"
    )
    print(
        f"throughput: {complete} COMPLETE in {total:.0f} s = {60 * complete / total:.1f} "
        f"reports/min; drain after the last POST {finished - posted:.0f} s"
    )
    if e2e:
        print(
            f"accepted -> COMPLETE: p50 {statistics.median(e2e):.0f} s, "
            f"p95 {quantile(e2e, 0.95):.0f} s, max {max(e2e):.0f} s"
        )
    print(
        "peak work-queue depth: "
        + ", ".join(f"{s} {peaks.get(s, 0)}" for s in STAGES)
        + f" ({peaks.get('missed samples', 0)} samples missed)"
    )
    print("mean work per report: " + ", ".join(f"{s} {work.get(s, 0):.0f} ms" for s in STAGES))
    if work.get("analyzer") and work.get("renderer"):
        keep_up = math.ceil(work["renderer"] * options.analyzer_workers / work["analyzer"])
        print(
            f"render workers to keep up with {options.analyzer_workers} analyzer worker(s): "
            f"{keep_up} (given a core each)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--analyzer-workers", type=int, default=1)
    parser.add_argument("--render-workers", type=int, default=1)
    parser.add_argument("--bundle", choices=("sample", "short"), default="sample")
    parser.add_argument(
        "--max-minutes", type=float, default=120, help="stop waiting for the drain after this"
    )
    asyncio.run(run(parser.parse_args()))
