"""The render pool: PDFs come back from worker processes, the event loop never stalls, and a
hung or crashing render costs one worker, never the pool."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator

import orjson
import pytest

from services.renderer.fhir import build_report_bundle
from services.renderer.meta import ReportMeta
from services.renderer.pool import PoolClosed, RenderFailed, RenderPool, RenderTimeout
from services.renderer.rendering import AnalysisPayloadError, render_report
from services.renderer.reports import render_coding_pdf
from services.renderer.samples import sample_cer_analysis, sample_coding_analysis
from services.renderer.settings import RendererSettings
from shared.artifacts import CASES_ARTIFACT
from shared.events.envelope import ReportKind


@pytest.fixture(scope="module")
async def pool() -> AsyncIterator[RenderPool]:
    async with RenderPool(2, timeout_s=20.0, warm_up=False) as shared:
        yield shared


async def test_renders_the_same_pdf_as_a_direct_call(pool: RenderPool, meta: ReportMeta) -> None:
    analysis = sample_coding_analysis()
    pdf = await pool.render_coding(analysis, meta)
    assert pdf.content.startswith(b"%PDF-")
    assert pdf == render_coding_pdf(analysis, meta)


async def test_event_loop_keeps_ticking_while_reports_render(
    pool: RenderPool, meta: ReportMeta
) -> None:
    gaps: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticking = asyncio.create_task(ticker())
    pdfs = await asyncio.gather(
        *(pool.render_coding(sample_coding_analysis(), meta) for _ in range(4))
    )
    stop.set()
    await ticking
    assert all(p.pages >= 1 for p in pdfs)
    # A render takes hundreds of milliseconds; on the loop it would show up as such a gap.
    assert max(gaps) < 0.15


async def test_workers_render_in_parallel(pool: RenderPool) -> None:
    started = time.perf_counter()
    await asyncio.gather(pool.run("sleep", time.sleep, 0.6), pool.run("sleep", time.sleep, 0.6))
    assert time.perf_counter() - started < 1.1


async def test_a_failing_render_raises_and_keeps_its_worker(pool: RenderPool) -> None:
    before = pool.worker_pids
    with pytest.raises(RenderFailed, match="bad render failed: ValueError: invalid literal"):
        await pool.run("bad", int, "not a number")
    assert pool.worker_pids == before


async def test_a_hung_render_times_out_and_its_worker_is_replaced(meta: ReportMeta) -> None:
    async with RenderPool(1, timeout_s=0.5, warm_up=False) as pool:
        (hung_pid,) = pool.worker_pids
        started = time.perf_counter()
        with pytest.raises(RenderTimeout, match=r"hang report did not render within 0\.5 s"):
            await pool.run("hang", time.sleep, 60)
        assert time.perf_counter() - started < 2.0
        # The next render waits for the replacement worker, then succeeds on it.
        pool.timeout_s = 20.0
        pdf = await pool.render_coding(sample_coding_analysis(), meta)
        assert pdf.pages >= 1
        assert hung_pid not in pool.worker_pids
        assert pool.replaced == 1


async def test_a_worker_that_dies_mid_render_is_replaced() -> None:
    async with RenderPool(1, timeout_s=20.0, warm_up=False) as pool:
        (dead_pid,) = pool.worker_pids
        with pytest.raises(RenderFailed, match="exited during the crash render"):
            await pool.run("crash", os._exit, 3)
        assert await pool.run("after", int, "7") == 7
        assert dead_pid not in pool.worker_pids


async def test_a_worker_killed_while_idle_is_replaced_before_any_job_pays_for_it() -> None:
    async with RenderPool(1, timeout_s=20.0, warm_up=False) as pool:
        (dead_pid,) = pool.worker_pids
        assert pool.problems() == {}
        os.kill(dead_pid, signal.SIGKILL)
        # Readiness tells the truth at once: no worker can take a render now.
        async with asyncio.timeout(5):
            while not (seen := pool.problems()):
                await asyncio.sleep(0.02)
        assert seen == {"workers": "0 of 1 worker processes running (restarting)"}
        # The pool replaces it by itself; the next render does not fail for it.
        async with asyncio.timeout(30):
            while pool.problems() or dead_pid in pool.worker_pids or not pool.worker_pids:
                await asyncio.sleep(0.05)
        assert await pool.run("after", int, "9") == 9
        assert pool.replaced == 1


async def test_a_cancelled_render_does_not_leave_the_pool_short() -> None:
    async with RenderPool(1, timeout_s=20.0, warm_up=False) as pool:
        (busy_pid,) = pool.worker_pids
        job = asyncio.create_task(pool.run("slow", time.sleep, 60))
        await asyncio.sleep(0.3)
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
        assert await pool.run("after", int, "8") == 8
        assert busy_pid not in pool.worker_pids


async def test_workers_are_recycled_after_their_job_quota() -> None:
    async with RenderPool(1, timeout_s=20.0, max_jobs_per_worker=1, warm_up=False) as pool:
        first = pool.worker_pids
        await pool.run("one", int, "1")
        await pool.run("two", int, "2")
        assert pool.worker_pids != first
        assert pool.replaced >= 1


async def test_warm_workers_are_ready_before_start_returns(meta: ReportMeta) -> None:
    async with RenderPool(1, timeout_s=20.0, warm_up=True) as pool:
        started = time.perf_counter()
        pdf = await pool.render_coding(sample_coding_analysis(), meta)
        assert pdf.pages >= 1
        assert time.perf_counter() - started < 5.0


async def test_a_closed_pool_refuses_work() -> None:
    pool = RenderPool(1, timeout_s=5.0, warm_up=False)
    await pool.start()
    await pool.close()
    assert pool.worker_pids == []
    with pytest.raises(PoolClosed):
        await pool.run("late", int, "1")


def test_pool_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="at least one worker"):
        RenderPool(0, 1.0)
    with pytest.raises(ValueError, match="timeout must be positive"):
        RenderPool(1, 0)
    with pytest.raises(ValueError, match="spawn or forkserver"):
        RenderPool(1, 1.0, start_method="fork")


def test_pool_size_and_timeout_come_from_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLINRELAY_RENDER_WORKERS", "3")
    monkeypatch.setenv("CLINRELAY_RENDER_TIMEOUT_S", "12.5")
    settings = RendererSettings()
    assert (settings.render_workers, settings.render_timeout_s) == (3, 12.5)
    pool = RenderPool.from_settings(settings)
    assert (pool.max_workers, pool.timeout_s) == (3, 12.5)


async def test_render_report_validates_renders_and_says_what_to_store(
    pool: RenderPool, meta: ReportMeta
) -> None:
    payload = sample_cer_analysis().model_dump(mode="json")
    done = await render_report(pool, ReportKind.CER, payload, meta)
    assert done.pdf.content.startswith(b"%PDF-")
    assert done.result["pdf"]["sha256"] == done.pdf.sha256
    assert done.result["pdf"]["pages"] == done.pdf.pages
    # the FHIR export is built here and stored, so the gateway serves bytes: it is the Bundle
    # of this very PDF, the same as one built later from what is stored
    assert done.fhir_bundle is not None
    stored = orjson.loads(done.fhir_bundle)
    assert stored["type"] == "collection"
    later = build_report_bundle(
        "cer",
        orjson.loads(done.analysis_json),
        done.result["meta"],
        done.pdf.content,
        done.exports.get(CASES_ARTIFACT),
    )
    assert stored == later


async def test_render_report_rejects_a_payload_of_the_wrong_kind(
    pool: RenderPool, meta: ReportMeta
) -> None:
    payload = sample_coding_analysis().model_dump(mode="json")
    with pytest.raises(AnalysisPayloadError, match="the cer analysis payload is invalid at"):
        await render_report(pool, ReportKind.CER, payload, meta)
