"""The analyzer's coding workers: one killed (kill -9, out of memory) is replaced, the stage says
it cannot work meanwhile, and the next report is coded on a fresh worker; a report that runs past
the coding time limit is a retriable attempt, never a broken pool."""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any
from uuid import uuid4

import pytest
import structlog

from services.analyzer.main import analyzer_stage
from services.analyzer.settings import AnalyzerSettings
from services.analyzer.stage import AnalyzerStage
from shared.events import Envelope, ReportKind, routing
from shared.runtime import Jobs
from shared.stage import StageContext, StageError
from tests.unit.analyzer.test_analysis import make_case


def coding_event() -> Envelope:
    return Envelope(
        type=routing.REPORT_INGESTED,
        report_id=uuid4(),
        tenant_id=uuid4(),
        kind=ReportKind.CODING,
        payload=make_case(()).model_dump(mode="json"),
    )


NO_POOL: Any = None  # the analyzer's factory takes the service's pool and does not use it


def context(settings: AnalyzerSettings) -> StageContext:
    repos: Any = None  # coding reports never touch the database in the analyzer
    return StageContext(settings=settings, repos=repos, log=structlog.get_logger())


@pytest.mark.timeout(600)  # two workers load the NLP pipeline, slow on a busy machine
async def test_a_killed_coding_worker_is_replaced_and_readiness_says_so_meanwhile() -> None:
    settings = AnalyzerSettings(analyzer_workers=1)
    async with analyzer_stage(settings, NO_POOL, Jobs()) as stage:
        assert isinstance(stage, AnalyzerStage)
        ctx = context(settings)
        assert (await stage.handle(coding_event(), ctx)).step == "analyzed"
        workers = set(stage.workers.worker_pids)
        assert workers, "no coding worker process"
        for pid in workers:
            os.kill(pid, signal.SIGKILL)

        # Readiness is truthful: no worker can take a report now.
        async with asyncio.timeout(10):
            while not stage.problems():
                await asyncio.sleep(0.05)
        assert "0 of 1" in stage.problems()["workers"]

        # The pool heals by itself (no report has to fail first), and reports are coded again.
        async with asyncio.timeout(120):
            while stage.problems():
                await asyncio.sleep(0.1)
        assert (await stage.handle(coding_event(), ctx)).step == "analyzed"
        assert set(stage.workers.worker_pids).isdisjoint(workers)


@pytest.mark.timeout(600)
async def test_coding_past_its_time_limit_is_a_retriable_attempt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No report is coded in a millisecond: every attempt runs past this limit.
    monkeypatch.setenv("CLINRELAY_CODING_TIMEOUT_S", "0.001")
    settings = AnalyzerSettings(analyzer_workers=1)
    async with analyzer_stage(settings, NO_POOL, Jobs()) as stage:
        assert isinstance(stage, AnalyzerStage)
        busy = set(stage.workers.worker_pids)
        with pytest.raises(StageError) as failed:
            await stage.handle(coding_event(), context(settings))
        assert not failed.value.permanent  # the runner retries it after the back-off
        assert failed.value.message == "Coding the notes took longer than 0.001 s."
        assert failed.value.details["cause"] == "timeout"
        # The worker still coding was killed and is being replaced: the pool is not broken.
        async with asyncio.timeout(120):
            while stage.problems() or set(stage.workers.worker_pids) & busy:
                await asyncio.sleep(0.1)
