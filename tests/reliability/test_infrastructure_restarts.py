"""Broker restart and database restart: no accepted report is lost or done twice.

These restart the machine's RabbitMQ and PostgreSQL, which disturbs anything else using them, so
they run only when ``CLINRELAY_TEST_DISRUPTIVE=1`` (CI sets it: there, the suite runs alone).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from shared.db.outage import through_outages
from tests.integration.doubles import CountingAnalyzer, RecordingStage, new_report
from tests.integration.harness import Pipeline

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("CLINRELAY_TEST_DISRUPTIVE") != "1",
        reason="restarts the shared broker/database; CI runs it with CLINRELAY_TEST_DISRUPTIVE=1",
    ),
]


def run(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True, timeout=120)


def postgres_cluster() -> str:
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir())
    return versions[-1]


async def completed_once(pipe: Pipeline, report_ids: list[object]) -> None:
    pool = await pipe.pool()
    for report_id in report_ids:
        row = await pipe.wait_for_status(report_id, timeout=120)  # type: ignore[arg-type]
        assert row["status"] == "COMPLETE"
        completions = await pool.fetchval(
            "SELECT count(*) FROM report_events WHERE report_id = $1 AND outcome = 'completed'"
            " AND actor = 'analyzer'",
            report_id,
        )
        assert completions == 1


@pytest.mark.skipif(shutil.which("rabbitmqctl") is None, reason="needs rabbitmqctl")
async def test_broker_restart_loses_nothing_and_consumers_come_back(pipeline: Pipeline) -> None:
    analyzer = CountingAnalyzer()
    await pipeline.start_stage(RecordingStage(final=False))
    await pipeline.start_stage(analyzer)
    await pipeline.start_relay()
    before = [await new_report(pipeline) for _ in range(3)]
    await completed_once(pipeline, before)

    await asyncio.to_thread(run, "rabbitmqctl", "stop_app")
    try:
        # Accepted while the broker is down: they wait in the outbox.
        during = [await new_report(pipeline) for _ in range(3)]
    finally:
        await asyncio.to_thread(run, "rabbitmqctl", "start_app")
    await asyncio.to_thread(run, "rabbitmqctl", "await_startup")
    after = [await new_report(pipeline) for _ in range(3)]

    # The robust connections reconnect and re-register their consumers: everything completes.
    await completed_once(pipeline, during + after)
    assert len(analyzer.payloads) == 9


async def test_database_restart_loses_nothing(pipeline: Pipeline) -> None:
    await pipeline.start_stage(RecordingStage(final=False))
    await pipeline.start_stage(CountingAnalyzer())
    await pipeline.start_relay()
    first = [await new_report(pipeline) for _ in range(3)]
    cluster = postgres_cluster()

    await asyncio.to_thread(
        run, "pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"
    )
    second = [
        await through_outages(lambda: new_report(pipeline), what="test submit") for _ in range(3)
    ]

    await completed_once(pipeline, first + second)
    pool = await pipeline.pool()
    assert await pool.fetchval("SELECT count(*) FROM dead_letters") == 0
