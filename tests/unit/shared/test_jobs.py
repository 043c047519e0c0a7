"""Background jobs as the service runtime runs them: a periodic job runs now and every interval,
survives what it is told to survive (a database outage) and ends on anything else; on shutdown
the runtime asks every job to stop, waits for it, and cancels one that does not listen."""

from __future__ import annotations

import asyncio

import pytest

from shared.runtime import Jobs, every


async def test_a_periodic_job_runs_now_and_every_interval_until_asked_to_stop() -> None:
    stop = asyncio.Event()
    rounds = 0

    async def work() -> None:
        nonlocal rounds
        rounds += 1
        if rounds == 3:
            stop.set()

    async with asyncio.timeout(2):
        await every(0.01, work, stop, job="test")
    assert rounds == 3


async def test_an_outage_postpones_a_round_and_anything_else_ends_the_job() -> None:
    stop = asyncio.Event()
    failures: list[Exception] = [ConnectionRefusedError(), ValueError("a bug")]
    rounds = 0

    async def work() -> None:
        nonlocal rounds
        rounds += 1
        raise failures.pop(0)

    with pytest.raises(ValueError, match="a bug"):
        async with asyncio.timeout(2):
            await every(0.01, work, stop, job="test")
    assert rounds == 2  # the outage was waited out, the bug was not


async def test_the_runtime_starts_the_jobs_and_stops_them_before_going_on() -> None:
    jobs = Jobs()
    seen: list[str] = []

    async def polite(stop: asyncio.Event) -> None:
        seen.append("polite started")
        await stop.wait()
        seen.append("polite finished its round")

    async def deaf(stop: asyncio.Event) -> None:
        seen.append("deaf started")
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            seen.append("deaf cancelled")
            raise

    jobs.add("polite", polite)
    jobs.add("deaf", deaf)
    assert seen == []  # adding a job runs nothing: the runtime starts them
    jobs.start()
    await asyncio.sleep(0.01)
    assert jobs.names == ["polite", "deaf"]
    assert {t.get_name() for t in asyncio.all_tasks()} >= {"polite", "deaf"}

    async with asyncio.timeout(2):
        await jobs.stop(grace_s=0.05)

    assert seen == ["polite started", "deaf started", "polite finished its round", "deaf cancelled"]
