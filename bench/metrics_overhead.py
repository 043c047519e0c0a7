"""What metrics and tracing cost: the stage hop and the POST, with and without them.

    .venv/bin/python -m bench.metrics_overhead [--reports 300] [--posts 300] [--repeat 3]

Transport: three no-op stages behind the real StageRunner and outbox relay (bench.transport's
road), once as shipped and once with every metric call of the runner, the failure policy and the
relay replaced by a no-op. POST: the real gateway in this process (uvicorn, real database and
broker) answering ``POST /v1/reports`` with a one-note Bundle, one request at a time, once as
shipped and once without its metrics and tracing middleware. Runs alternate (on, off, on, off…)
so drifting machine load hits both; the figures are medians and their ratio. Goal: ≤ 3 % each.

Besides wall-clock figures (which other processes on a shared machine disturb), each path reports
the CPU time this process spent per hop or per POST (``time.process_time``): the work metrics add
is CPU work, and a process's CPU time is far less sensitive to its neighbours than elapsed time.
Broker and database CPU are not in it, so the CPU ratio overstates the overhead if anything.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import socket
import statistics
import time
from collections.abc import Iterator
from typing import Any
from unittest import mock
from uuid import uuid4

import httpx
import orjson
import uvicorn
from starlette.middleware import Middleware

from bench.common import scratch_database, settings_for
from bench.transport import clinrelay_hops
from shared import logging as clinrelay_logging
from shared.auth import Role, create_key
from shared.db.pool import create_pool
from shared.http_middleware import WatchedHttp
from shared.metrics.http import RequestMetrics
from shared.tracing_http import RequestSpan


class _Nothing:
    """Accepts any metric call and does nothing."""

    def __getattr__(self, _: str) -> Any:
        return self

    def __call__(self, *_: object, **__: object) -> _Nothing:
        return self


@contextlib.contextmanager
def metrics_off() -> Iterator[None]:
    """Every metric the transport records, replaced by a no-op."""
    nothing = _Nothing()
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch("shared.delivery.runner.StageMeter", return_value=nothing))
        stack.enter_context(mock.patch("shared.delivery.results.report_finished", nothing))
        stack.enter_context(mock.patch("shared.delivery.failures.report_finished", nothing))
        stack.enter_context(mock.patch("shared.delivery.relay.metrics", nothing))
        yield


Figures = tuple[float, float]
"""(wall-clock figure, CPU milliseconds of this process per unit of work)"""


async def _hops(dsn: str, amqp_url: str, reports: int) -> Figures:
    cpu = time.process_time()
    rate, _round_trips = await clinrelay_hops(dsn, amqp_url, reports)
    return rate, (time.process_time() - cpu) * 1000 / (3 * reports)


def _medians(runs: list[Figures]) -> Figures:
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


async def transport(dsn: str, amqp_url: str, reports: int, repeat: int) -> tuple[Figures, Figures]:
    on: list[Figures] = []
    off: list[Figures] = []
    await clinrelay_hops(dsn, amqp_url, max(reports // 5, 20))  # warm-up
    for _ in range(repeat):
        on.append(await _hops(dsn, amqp_url, reports))
        with metrics_off():
            off.append(await _hops(dsn, amqp_url, reports))
    return _medians(on), _medians(off)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


_PATIENT = "urn:uuid:6f1f2c70-0000-4000-8000-000000000001"
_ENCOUNTER = "urn:uuid:6f1f2c70-0000-4000-8000-000000000002"
BUNDLE = orjson.dumps(
    {  # one synthetic encounter with one short note: the POST path, not FHIR validation, dominates
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": _PATIENT, "resource": {"resourceType": "Patient", "id": "p1"}},
            {
                "fullUrl": _ENCOUNTER,
                "resource": {
                    "resourceType": "Encounter",
                    "id": "e1",
                    "status": "finished",
                    "class": {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                        "code": "AMB",
                    },
                    "subject": {"reference": _PATIENT},
                },
            },
            {
                "resource": {
                    "resourceType": "DocumentReference",
                    "id": "d1",
                    "status": "current",
                    "subject": {"reference": _PATIENT},
                    "content": [
                        {
                            "attachment": {
                                "contentType": "text/plain",
                                "data": base64.b64encode(
                                    b"Chest pain on exertion. Essential hypertension."
                                ).decode(),
                            }
                        }
                    ],
                    "context": {"encounter": [{"reference": _ENCOUNTER}]},
                },
            },
        ],
    }
)


def _without_instruments(middleware: Middleware) -> Middleware:
    """The gateway's middleware without the request span and metrics watches (the access log and
    the outage shield stay): what the POST costs uninstrumented."""
    factory: object = middleware.cls
    if factory is not WatchedHttp:
        return middleware
    options: dict[str, Any] = dict(middleware.kwargs)
    watches = [w for w in options["watches"] if not isinstance(w, RequestSpan | RequestMetrics)]
    assert len(watches) < len(options["watches"]), "no instrument watch found"
    return Middleware(WatchedHttp, watches=watches, shield=options.get("shield"))


async def _post_latencies(dsn: str, amqp_url: str, posts: int, *, instrumented: bool) -> Figures:
    from services.gateway.app import create_app
    from services.gateway.settings import GatewaySettings
    from shared.web_service import http_options

    base = settings_for(dsn, amqp_url, f"bench{uuid4().hex[:8]}")
    settings = GatewaySettings(**base.model_dump(), rate_limit_per_minute=0)
    app = create_app(settings)
    if not instrumented:
        app.user_middleware = [_without_instruments(m) for m in app.user_middleware]
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_config=None, access_log=False,
            lifespan="on", **http_options(settings),
        )
    )  # fmt: skip
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.01)
    pool = await create_pool(dsn, max_size=2)
    async with pool.acquire() as conn:
        key = await create_key(conn, f"bench-{uuid4().hex[:6]}", role=Role.CLIENT)
    await pool.close()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/fhir+json"}
    timings: list[float] = []
    cpu = 0.0
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for i in range(posts + 20):
                started = time.perf_counter()
                response = await client.post("/v1/reports", content=BUNDLE, headers=headers)
                elapsed = time.perf_counter() - started
                if response.status_code != 202:
                    raise RuntimeError(f"POST answered {response.status_code}: {response.text}")
                if i == 19:  # the first requests warm the caches and the pool
                    cpu = time.process_time()
                if i >= 20:
                    timings.append(elapsed)
            cpu = time.process_time() - cpu
    finally:
        server.should_exit = True
        await task
    return statistics.median(timings) * 1000, cpu * 1000 / posts


async def post(dsn: str, amqp_url: str, posts: int, repeat: int) -> tuple[Figures, Figures]:
    on: list[Figures] = []
    off: list[Figures] = []
    for _ in range(repeat):
        on.append(await _post_latencies(dsn, amqp_url, posts, instrumented=True))
        off.append(await _post_latencies(dsn, amqp_url, posts, instrumented=False))
    return _medians(on), _medians(off)


async def main(reports: int, posts: int, repeat: int) -> None:
    clinrelay_logging.configure("bench", "WARNING", "console")
    async with scratch_database() as (dsn, amqp_url):
        hops_on, hops_off = await transport(dsn, amqp_url, reports, repeat)
        post_on, post_off = await post(dsn, amqp_url, posts, repeat)
    rows = (
        ("stage hop: hops/s (higher is better)", hops_on[0], hops_off[0], hops_off[0] / hops_on[0]),
        ("stage hop: CPU ms per hop", hops_on[1], hops_off[1], hops_on[1] / hops_off[1]),
        ("POST: median ms, one at a time", post_on[0], post_off[0], post_on[0] / post_off[0]),
        ("POST: CPU ms per POST", post_on[1], post_off[1], post_on[1] / post_off[1]),
    )  # fmt: skip
    print("| path | with metrics | without | overhead |")
    print("|---|---|---|---|")
    for label, on, off, ratio in rows:
        print(f"| {label} | {on:,.2f} | {off:,.2f} | {(ratio - 1) * 100:+.1f} % |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.reports, args.posts, args.repeat))
