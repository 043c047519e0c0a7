"""Runs several service processes side by side for ``clinrelay up``.

Each service is its own process, so one crashing does not take the others down: a process that
exits unexpectedly is restarted with back-off. Their output is prefixed with the service name.
Ctrl-C (or SIGTERM) stops them all: SIGTERM first, SIGKILL for those still alive after a grace.

A service runs in a process group of its own, with its worker processes (the analyzer's and the
renderer's pools). When the service dies -- even by ``kill -9``, which gives it no chance to stop
its workers -- the supervisor notices the process itself exiting (not the end of its output,
which orphaned workers keep open), kills what is left of its group and starts it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from shared.backoff import Backoff


@dataclass
class _Child:
    name: str
    argv: list[str]
    process: asyncio.subprocess.Process | None = None
    restarts: int = 0
    started_at: float = 0.0
    pumps: list[asyncio.Task[None]] = field(default_factory=list)


class Supervisor:
    def __init__(
        self,
        commands: list[list[str]],
        *,
        grace_s: float = 15.0,
        max_backoff_s: float = 30.0,
        env: dict[str, str] | None = None,
    ) -> None:
        self._children = [_Child(name=argv[-1], argv=argv) for argv in commands]
        self._grace_s = grace_s
        self._max_backoff_s = max_backoff_s
        self._env = env
        self._stopping = asyncio.Event()

    async def run_until_interrupted(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._stopping.set)
        try:
            await self.run()
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        watchers = [asyncio.create_task(self._keep_running(child)) for child in self._children]
        await self._stopping.wait()
        self._say("supervisor", "stopping all services")
        for watcher in watchers:
            watcher.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)
        await self._terminate_all()

    async def _keep_running(self, child: _Child) -> None:
        backoff = Backoff(min(1.0, self._max_backoff_s), self._max_backoff_s)
        while not self._stopping.is_set():
            await self._start(child)
            assert child.process is not None
            code = await _exited(child.process)
            await self._bury(child)
            if self._stopping.is_set():
                return
            if time.monotonic() - child.started_at > 60:
                backoff.reset()  # it ran a while: this is a new crash, not the same one again
            child.restarts += 1
            delay = backoff.next_delay()
            self._say(
                "supervisor", f"{child.name} exited with code {code}; restarting in {delay:g} s"
            )
            await asyncio.sleep(delay)

    async def _start(self, child: _Child) -> None:
        child.process = await asyncio.create_subprocess_exec(
            *child.argv,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=self._env,
            start_new_session=True,  # Ctrl-C reaches the supervisor, which stops children in order
        )
        child.started_at = time.monotonic()
        assert child.process.stdout is not None
        child.pumps = [asyncio.create_task(self._pump(child.name, child.process.stdout))]

    async def _bury(self, child: _Child) -> None:
        """After the service process exited: kill its orphaned workers (its process group) and
        finish copying what they had written; never wait on them for long."""
        assert child.process is not None
        _kill_group(child.process.pid)
        await _group_gone(child.process.pid, timeout_s=_GROUP_GRACE_S)
        if child.pumps:
            _, pending = await asyncio.wait(child.pumps, timeout=_PUMP_GRACE_S)
            for pump in pending:
                pump.cancel()
            await asyncio.gather(*child.pumps, return_exceptions=True)
        child.pumps = []

    async def _pump(self, name: str, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            self._say(name, line.decode(errors="replace").rstrip())

    def _say(self, name: str, line: str) -> None:
        sys.stdout.write(f"{name:>10} | {line}\n")
        sys.stdout.flush()

    async def _terminate_all(self) -> None:
        started = [c for c in self._children if c.process is not None]
        alive = [c.process for c in started if c.process and c.process.returncode is None]
        for process in alive:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(
                asyncio.gather(*(_exited(p) for p in alive)), timeout=self._grace_s
            )
        except TimeoutError:
            for process in alive:
                if process.returncode is None:
                    with contextlib.suppress(ProcessLookupError):
                        process.kill()
            await asyncio.gather(*(_exited(p) for p in alive))
        # Whatever the services left behind (workers of a service that did not stop them).
        await asyncio.gather(*(self._bury(c) for c in started))
        self._say("supervisor", "all services stopped")


_EXIT_POLL_S = 0.1
_PUMP_GRACE_S = 2.0
_GROUP_GRACE_S = 5.0


async def _exited(process: asyncio.subprocess.Process) -> int:
    """The process's exit code, as soon as it exits.

    ``Process.wait()`` is not used: on some Python versions it also waits for the process's
    pipes to close, which never happens while its orphaned workers hold them open.
    """
    while (code := process.returncode) is None:  # noqa: ASYNC110 - no exit event without pipes
        await asyncio.sleep(_EXIT_POLL_S)
    return code


async def _group_gone(pgid: int, *, timeout_s: float) -> None:
    """Wait until no live process is left in the group: SIGKILL is delivered asynchronously, and a
    dying worker closes its output (ending our pump) before it is gone, so neither the signal nor
    the end of output says it has exited. Bounded: one stuck in the kernel is not waited for."""
    deadline = time.monotonic() + timeout_s
    while _group_members(pgid) and time.monotonic() < deadline:  # noqa: ASYNC110 - no exit event
        await asyncio.sleep(_EXIT_POLL_S / 2)


def _group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes in a process group, read from /proc; where /proc is missing,
    whether the group can still be signalled."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return []
        return [pgid]
    members = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # exited while we looked
            continue
        # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
        state, _ppid, pgrp = stat[stat.rindex(")") + 2 :].split()[:3]
        if int(pgrp) == pgid and state not in ("Z", "X"):
            members.append(int(entry.name))
    return members


def _kill_group(pgid: int) -> None:
    """SIGKILL every process left in a service's process group (the group has the service's
    pid: it was started in a session of its own)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
