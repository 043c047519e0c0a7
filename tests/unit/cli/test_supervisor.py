"""``clinrelay up``'s supervisor: one crashing service is restarted, the others keep running,
and stopping ends them all."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from clinrelay.supervisor import Supervisor


async def test_a_crashed_service_is_restarted_and_the_others_keep_running(
    tmp_path: Path, capsys: object
) -> None:
    starts = tmp_path / "starts"
    crasher = [
        sys.executable,
        "-c",
        f"open({str(starts)!r}, 'a').write('x'); import sys; sys.exit(3)",
        "crasher",
    ]
    steady = [sys.executable, "-c", "import time; time.sleep(60)", "steady"]
    supervisor = Supervisor([crasher, steady], grace_s=5, max_backoff_s=0.2)
    running = asyncio.create_task(supervisor.run())
    async with asyncio.timeout(20):
        while not starts.exists() or len(starts.read_text()) < 3:
            await asyncio.sleep(0.1)
    steady_process = supervisor._children[1].process
    assert steady_process is not None
    assert steady_process.returncode is None  # untouched by its neighbour's crashes

    supervisor.stop()
    await asyncio.wait_for(running, 10)

    assert steady_process.returncode is not None  # stopped with the supervisor
    assert supervisor._children[0].restarts >= 2
