"""``clinrelay up``'s supervisor: one crashing service is restarted, the others keep running,
and stopping ends them all."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
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

    assert exit_code(steady_process) is not None  # stopped with the supervisor
    assert supervisor._children[0].restarts >= 2


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) is dead for our purpose.
    with contextlib.suppress(FileNotFoundError):
        if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
            return False
    return True


async def test_a_service_killed_with_9_is_restarted_though_its_workers_hold_its_output(
    tmp_path: Path,
) -> None:
    """Like the analyzer with its pool: the service's worker processes inherit its stdout and
    outlive a kill -9. The supervisor watches the process (not its output), kills the dead
    service's process group, and starts it again."""
    pids = tmp_path / "pids"
    service = [
        sys.executable,
        "-c",
        "import os, subprocess, sys, time\n"
        "worker = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
        f"open({str(pids)!r}, 'a').write(f'{{os.getpid()}} {{worker.pid}}\\n')\n"
        "print('serving', flush=True)\n"
        "time.sleep(120)\n",
        "analyzer",
    ]
    supervisor = Supervisor([service], grace_s=5, max_backoff_s=0.2)
    running = asyncio.create_task(supervisor.run())

    async def started(times: int) -> list[tuple[int, int]]:
        async with asyncio.timeout(20):
            while not pids.exists() or len(pids.read_text().splitlines()) < times:
                await asyncio.sleep(0.05)
        return [
            (int(a), int(b)) for a, b in (line.split() for line in pids.read_text().splitlines())
        ]

    try:
        [(first, first_worker)] = await started(1)
        os.kill(first, signal.SIGKILL)
        second, second_worker = (await started(2))[1]
        assert second != first
        assert not _alive(first_worker), "the dead service's worker was left running"
        assert _alive(second_worker)
        assert supervisor._children[0].restarts == 1
    finally:
        supervisor.stop()
        await asyncio.wait_for(running, 15)
    assert not _alive(second_worker), "stopping left a worker behind"


def exit_code(process: asyncio.subprocess.Process) -> int | None:
    """The process's exit code as of now (a call, so the type checker does not assume it fixed)."""
    return process.returncode
