"""The five services as real processes under ``clinrelay up``'s supervisor, on a test's own
database and bus namespace, and the checks that every accepted report ended exactly once.

Fault tests kill these processes (or their pool workers) with SIGKILL and watch the supervisor and
the pools bring them back while reports are in flight.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import orjson

from clinrelay.cli.ops import SERVICES
from clinrelay.supervisor import Supervisor
from tests.integration.bundles import note_bundle
from tests.integration.harness import Pipeline

STAGES = ("ingestor", "analyzer", "renderer")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def children_of(pid: int) -> list[int]:
    """Living child processes of ``pid`` (a stage's pool workers), from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, parent = stat.read_text().rsplit(")", 1)[1].split()[:2]
        except (OSError, ValueError):
            continue
        if int(parent) == pid and state != "Z":
            found.append(int(stat.parent.name))
    return found


@dataclass
class Road:
    pipe: Pipeline
    supervisor: Supervisor
    gateway_url: str
    key: str
    accepted: list[UUID] = field(default_factory=list)

    def pid(self, service: str) -> int | None:
        """The service's process id, None while it is down."""
        child = next(c for c in self.supervisor._children if c.name == service)
        if child.process is None or child.process.returncode is not None:
            return None
        return child.process.pid

    def restarts(self, service: str) -> int:
        return next(c.restarts for c in self.supervisor._children if c.name == service)

    def kill(self, service: str) -> int:
        pid = self.pid(service)
        assert pid is not None, f"{service} is down"
        os.kill(pid, signal.SIGKILL)
        return pid

    def pool_workers(self, service: str) -> list[int]:
        """The stage's worker processes (not multiprocessing's resource tracker)."""
        parent = self.pid(service)
        if parent is None:
            return []
        workers = []
        for pid in children_of(parent):
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"spawn_main" in command and b"resource_tracker" not in command:
                workers.append(pid)
        return workers

    async def submit(self, count: int) -> list[UUID]:
        body = orjson.dumps(note_bundle())
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/fhir+json"}
        async with httpx.AsyncClient(base_url=self.gateway_url, headers=headers, timeout=60) as c:
            responses = await asyncio.gather(
                *(c.post("/v1/reports", content=body) for _ in range(count))
            )
        ids = []
        for response in responses:
            assert response.status_code == 202, response.text
            ids.append(UUID(response.json()["id"]))
        self.accepted.extend(ids)
        return ids

    async def in_flight(self) -> int:
        pool = await self.pipe.pool()
        count: int = await pool.fetchval(
            "SELECT count(*) FROM reports WHERE id = ANY($1) AND status NOT IN "
            "('COMPLETE', 'FAILED')",
            self.accepted,
        )
        return count

    async def until_working(self, stage: str, *, after: int = 0) -> None:
        """Until ``stage`` has started more than ``after`` reports."""
        while await self.started(stage) <= after:
            await asyncio.sleep(0.1)

    async def started(self, stage: str) -> int:
        pool = await self.pipe.pool()
        count: int = await pool.fetchval(
            "SELECT count(*) FROM report_events WHERE actor = $1 AND outcome = 'started'", stage
        )
        return count

    async def until_all_final(self) -> None:
        while await self.in_flight():
            await asyncio.sleep(0.5)

    async def until_ready(self) -> None:
        async with httpx.AsyncClient(base_url=self.gateway_url, timeout=5) as client:
            while True:
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.5)


@asynccontextmanager
async def running_services(pipe: Pipeline, **settings: str) -> AsyncIterator[Road]:
    """Gateway, notifier and the three stages as processes, as ``clinrelay up`` runs them."""
    gateway = free_port()
    # The test's own connections declare the same topology as the services.
    pipe.overrides.update(retry_delays_ms=(300, 600), delivery_limit=5, max_attempts=3)
    env = {
        **os.environ,
        "CLINRELAY_DATABASE_URL": pipe.database_url,
        "CLINRELAY_AMQP_URL": pipe.amqp_url,
        "CLINRELAY_BUS_NAMESPACE": pipe.namespace,
        "CLINRELAY_RETRY_DELAYS_MS": "300,600",
        "CLINRELAY_DELIVERY_LIMIT": "5",
        "CLINRELAY_MAX_ATTEMPTS": "3",
        "CLINRELAY_GATEWAY_PORT": str(gateway),
        "CLINRELAY_NOTIFIER_PORT": str(free_port()),
        "CLINRELAY_LOG_LEVEL": "WARNING",
        "CLINRELAY_RATE_LIMIT_PER_MINUTE": "0",
        "CLINRELAY_SCHEDULER_ENABLED": "false",
        "CLINRELAY_ANALYZER_WORKERS": "1",
        "CLINRELAY_RENDER_WORKERS": "1",
        **{f"CLINRELAY_{k.upper()}": v for k, v in settings.items()},
    }
    commands = [[sys.executable, "-m", "clinrelay", "serve", s] for s in SERVICES]
    supervisor = Supervisor(commands, env=env, grace_s=10, max_backoff_s=1)
    running = asyncio.create_task(supervisor.run())
    road = Road(pipe, supervisor, f"http://127.0.0.1:{gateway}", await pipe.api_key("acme"))
    try:
        async with asyncio.timeout(240):  # the analyzer loads its NLP pipeline first
            await road.until_ready()
        yield road
    finally:
        supervisor.stop()
        await running


async def assert_each_ended_exactly_once(pipe: Pipeline, report_ids: list[UUID]) -> None:
    """Every report COMPLETE, with one result, one PDF, one completion per stage and one terminal
    event; no audit row twice; progress never lower than before; nothing parked."""
    pool = await pipe.pool()
    rows = await pool.fetch(
        "SELECT id, status, result, error_message FROM reports WHERE id = ANY($1)", report_ids
    )
    assert len(rows) == len(report_ids)
    failed = [(r["id"], r["error_message"]) for r in rows if r["status"] != "COMPLETE"]
    assert not failed, f"{len(failed)} report(s) did not complete: {failed[:5]}"
    assert all(r["result"] is not None for r in rows)

    pdfs = Counter(
        r["report_id"]
        for r in await pool.fetch(
            "SELECT report_id FROM artifacts WHERE report_id = ANY($1) AND name = 'report.pdf'",
            report_ids,
        )
    )
    assert set(pdfs) == set(report_ids)
    assert max(pdfs.values()) == 1, "a report has two PDFs"

    events = await pool.fetch(
        """SELECT report_id, seq, actor, step, outcome, status, progress_percent
           FROM report_events WHERE report_id = ANY($1) ORDER BY report_id, seq""",
        report_ids,
    )
    by_report: dict[UUID, list[Any]] = {}
    for event in events:
        by_report.setdefault(event["report_id"], []).append(event)
    for report_id, trail in by_report.items():
        once = Counter(
            (e["actor"], e["outcome"]) for e in trail if e["outcome"] in ("started", "completed")
        )
        for stage in STAGES:
            assert once[(stage, "completed")] == 1, (report_id, stage, once)
            assert once[(stage, "started")] == 1, (report_id, stage, once)
        terminal = [e for e in trail if e["status"] in ("COMPLETE", "FAILED")]
        assert len(terminal) == 1, (report_id, [(e["actor"], e["outcome"]) for e in terminal])
        progress = [e["progress_percent"] for e in trail]
        assert progress == sorted(progress), (report_id, progress)
    assert await pool.fetchval("SELECT count(*) FROM dead_letters") == 0
