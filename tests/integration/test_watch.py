"""``clinrelay watch``: a report's events with a progress bar until it ends; the tenant's feed."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from tests.integration.doubles import RecordingStage, new_report
from tests.integration.harness import Pipeline


async def start_watch(pipe: Pipeline, key: str, *args: str) -> asyncio.subprocess.Process:
    assert pipe.notifier_url
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "clinrelay",
        "watch",
        *args,
        "--ws-url",
        pipe.notifier_url,
        "--key",
        key,
        env={**os.environ, "COLUMNS": "160"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def subscribed(process: asyncio.subprocess.Process, timeout: float = 30) -> str:
    """What the watch printed until it said it is subscribed (a user sees that line too)."""
    assert process.stderr is not None
    seen: list[str] = []
    async with asyncio.timeout(timeout):
        while True:
            line = (await process.stderr.readline()).decode()
            assert line, "watch ended before it subscribed: " + "".join(seen)
            seen.append(line)
            if line.startswith("Watching "):
                return "".join(seen)


async def test_watch_a_report_until_it_ends(pipeline: Pipeline) -> None:
    await pipeline.start_notifier()
    await pipeline.start_relay()
    key = await pipeline.api_key("acme")
    report_id = await new_report(pipeline, "acme")
    process = await start_watch(pipeline, key, str(report_id))
    assert f"Watching report:{report_id}" in await subscribed(process)
    await pipeline.start_stage(RecordingStage())
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err
    assert "COMPLETE" in err.decode()
    assert "rendered" in err.decode()


async def test_watch_the_tenant_feed_shows_every_report(pipeline: Pipeline) -> None:
    await pipeline.start_notifier()
    await pipeline.start_relay()
    await pipeline.start_stage(RecordingStage())
    key = await pipeline.api_key("acme")
    process = await start_watch(pipeline, key, "--tenant")
    await subscribed(process)
    reports = [await new_report(pipeline, "acme") for _ in range(2)]
    for report_id in reports:
        await pipeline.wait_for_status(report_id)
    await asyncio.sleep(1.0)
    process.send_signal(signal.SIGINT)
    _, err = await asyncio.wait_for(process.communicate(), 15)
    text = err.decode()
    for report_id in reports:
        assert str(report_id)[:8] in text


async def test_watch_needs_exactly_one_target(pipeline: Pipeline) -> None:
    await pipeline.start_notifier()
    process = await start_watch(pipeline, "cr_x", "--tenant", "--batch", "b")
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert "say what to watch" in err.decode()
