"""Rendering off the event loop: a pool of worker processes, each render bounded by a timeout.

WeasyPrint is CPU-bound and synchronous, so a render in the service's own process would stall
every other message and heartbeat. :class:`RenderPool` keeps ``max_workers`` processes, sends each
job to an idle one over a pipe and awaits the answer without blocking the loop. A render that runs
past ``timeout_s`` (or whose caller is cancelled) gets its worker killed and replaced, so a hung
render costs one worker for a moment, never the pool. A worker that dies is replaced the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, SpawnContext
from typing import TYPE_CHECKING, ParamSpec, TypeVar, cast

import structlog

from services.renderer.meta import RenderedPdf, ReportMeta
from services.renderer.reports import render_cer_pdf, render_coding_pdf, render_device_pdf
from services.renderer.settings import RendererSettings
from services.renderer.worker import RenderJob, serve_jobs

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from shared.events.cer import CaseListingRow, CerAnalysis
    from shared.events.coding import CodingAnalysis
    from shared.events.device import DeviceAnalysis, DeviceListingRow

log = structlog.get_logger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

_STOP_GRACE_S = 2.0
_RESPAWN_MAX_DELAY_S = 30.0


class RenderTimeout(Exception):
    """A render did not finish within the pool's timeout; its worker was replaced."""


class RenderFailed(Exception):
    """A render raised in its worker, or the worker died; the message names the cause."""


class PoolClosed(Exception):
    """The pool is shut down and takes no more renders."""


@dataclass(eq=False)  # identity semantics: workers live in a set
class _Worker:
    process: BaseProcess
    connection: Connection
    jobs_done: int = 0

    @property
    def pid(self) -> int | None:
        return self.process.pid


class RenderPool:
    """``max_workers`` render processes; ``async render_*`` methods run one job each.

    Use as ``async with RenderPool(2, 30.0) as pool: pdf = await pool.render_coding(a, meta)``.
    Workers start on :meth:`start` (or entering the context) and import WeasyPrint once each.
    """

    def __init__(
        self,
        max_workers: int,
        timeout_s: float,
        *,
        max_jobs_per_worker: int = 500,
        start_method: str = "spawn",
        warm_up: bool = True,
        startup_timeout_s: float = 120.0,
    ) -> None:
        if max_workers < 1:
            raise ValueError("a render pool needs at least one worker")
        if timeout_s <= 0:
            raise ValueError("the render timeout must be positive")
        self.max_workers = max_workers
        self.timeout_s = timeout_s
        self.max_jobs_per_worker = max_jobs_per_worker
        self.warm_up = warm_up
        """Workers render a sample report once when they start (first real render is faster)."""
        self.startup_timeout_s = startup_timeout_s
        self._context: SpawnContext | ForkServerContext
        if start_method == "spawn":
            self._context = multiprocessing.get_context("spawn")
        elif start_method == "forkserver":
            self._context = multiprocessing.get_context("forkserver")
        else:  # fork would copy the event loop's threads and locks into the child
            raise ValueError(f"start_method must be spawn or forkserver, not {start_method!r}")
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._workers: set[_Worker] = set()
        self._closed = False
        self._replacements: set[asyncio.Task[None]] = set()
        self.replaced = 0
        """How many workers were replaced after a timeout, a crash or their job quota."""

    @classmethod
    def from_settings(cls, settings: RendererSettings) -> RenderPool:
        """A pool sized and timed by ``CLINRELAY_RENDER_*`` configuration."""
        return cls(
            settings.render_workers,
            settings.render_timeout_s,
            max_jobs_per_worker=settings.render_max_jobs_per_worker,
            start_method=settings.render_start_method,
        )

    async def __aenter__(self) -> RenderPool:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Start the missing worker processes and wait until each is ready (idempotent)."""
        # Workers being replaced in the background count as present: they come back on their own.
        missing = self.max_workers - len(self._workers) - len(self._replacements)
        started = await asyncio.gather(*(asyncio.to_thread(self._spawn) for _ in range(missing)))
        for worker in started:
            self._idle.put_nowait(worker)

    @property
    def worker_pids(self) -> list[int]:
        return sorted(w.pid for w in self._workers if w.pid is not None)

    async def render_coding(self, analysis: CodingAnalysis, meta: ReportMeta) -> RenderedPdf:
        """The coding report's PDF, rendered in a worker process."""
        return await self.run("coding", render_coding_pdf, analysis, meta)

    async def render_cer(
        self,
        analysis: CerAnalysis,
        meta: ReportMeta,
        listing: Sequence[CaseListingRow] = (),
    ) -> RenderedPdf:
        """The drug-safety (CER) report's PDF, rendered in a worker process."""
        return await self.run("cer", render_cer_pdf, analysis, meta, tuple(listing))

    async def render_device(
        self,
        analysis: DeviceAnalysis,
        meta: ReportMeta,
        listing: Sequence[DeviceListingRow] = (),
    ) -> RenderedPdf:
        """The device safety (MAUDE) report's PDF, rendered in a worker process."""
        return await self.run("device", render_device_pdf, analysis, meta, tuple(listing))

    async def run(
        self, label: str, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """``function(*args)`` in the next idle worker; ``function`` must be importable by name.

        Raises :class:`RenderTimeout` after ``timeout_s`` (counted from when a worker takes the
        job, not while waiting for one), :class:`RenderFailed` when the function raised or its
        worker died, and :class:`PoolClosed` after :meth:`close`.
        """
        if kwargs:
            raise TypeError("render jobs take positional arguments only")
        if self._closed:
            raise PoolClosed("the render pool is closed")
        if not self._workers and not self._replacements:
            await self.start()
        worker = await self._idle.get()
        healthy = False
        try:
            status, value = await self._exchange(worker, RenderJob(function, args, label))
            healthy = True
        finally:
            self._release(worker, healthy=healthy)
        if status != "ok":
            raise RenderFailed(str(value))
        return cast(T, value)

    async def _exchange(self, worker: _Worker, job: RenderJob) -> tuple[str, object]:
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        fd = worker.connection.fileno()
        loop.add_reader(fd, _resolve, ready)
        try:
            worker.connection.send(job)
            async with asyncio.timeout(self.timeout_s):
                await ready
        except TimeoutError:
            log.warning("render.timeout", job=job.label, timeout_s=self.timeout_s, pid=worker.pid)
            raise RenderTimeout(
                f"the {job.label} report did not render within {self.timeout_s:g} s"
            ) from None
        except OSError as exc:  # the worker died before taking the job
            raise RenderFailed(f"render worker unavailable ({type(exc).__name__})") from None
        finally:
            loop.remove_reader(fd)
        try:
            # The answer is ready to read: receiving it is I/O, the rendering happened elsewhere.
            result: tuple[str, object] = worker.connection.recv()
        except (EOFError, OSError) as exc:
            worker.process.join(_STOP_GRACE_S)
            raise RenderFailed(
                f"the render worker exited during the {job.label} render "
                f"(exit code {worker.process.exitcode}, {type(exc).__name__})"
            ) from None
        worker.jobs_done += 1
        return result

    def _release(self, worker: _Worker, *, healthy: bool) -> None:
        reusable = healthy and worker.jobs_done < self.max_jobs_per_worker
        if reusable and not self._closed and worker.process.is_alive():
            self._idle.put_nowait(worker)
            return
        # Replace in the background: a cancelled caller must not leave the pool a worker short.
        task = asyncio.get_running_loop().create_task(self._replace(worker))
        self._replacements.add(task)
        task.add_done_callback(self._replacements.discard)

    async def _replace(self, worker: _Worker) -> None:
        await asyncio.to_thread(self._stop, worker)
        self.replaced += 1
        delay = 1.0
        while not self._closed:
            try:
                fresh = await asyncio.to_thread(self._spawn)
            except RenderFailed as exc:
                # Keep trying: a pool that silently shrinks would stall every later report.
                log.error("render.worker_start_failed", error=str(exc), retry_in_s=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RESPAWN_MAX_DELAY_S)
                continue
            await self._add_idle(fresh)
            return

    async def _add_idle(self, worker: _Worker) -> None:
        if self._closed:  # closed while the worker was starting
            await asyncio.to_thread(self._stop, worker)
        else:
            self._idle.put_nowait(worker)

    def _spawn(self) -> _Worker:
        """Start a worker and wait (in the calling thread) until it says it is ready."""
        parent_end, child_end = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=serve_jobs, args=(child_end, self.warm_up), name="clinrelay-render", daemon=True
        )
        process.start()
        child_end.close()
        worker = _Worker(process=process, connection=parent_end)
        self._workers.add(worker)
        try:
            if not parent_end.poll(self.startup_timeout_s):
                raise RenderFailed(
                    f"a render worker did not start within {self.startup_timeout_s:g} s"
                )
            status, _ = parent_end.recv()
        except (EOFError, OSError) as exc:
            self._stop(worker)
            raise RenderFailed(
                f"a render worker exited while starting (exit code {process.exitcode})"
            ) from exc
        except RenderFailed:
            self._stop(worker)
            raise
        if status != "ready":  # pragma: no cover - the worker's first message is always "ready"
            self._stop(worker)
            raise RenderFailed(f"a render worker sent {status!r} instead of ready")
        log.info("render.worker_started", pid=process.pid)
        return worker

    def _stop(self, worker: _Worker, *, graceful: bool = False) -> None:
        """Close the worker's pipe; an idle worker then exits by itself, a busy or hung one is
        killed (at once, or after a short grace when ``graceful``)."""
        self._workers.discard(worker)
        with contextlib.suppress(OSError):
            worker.connection.close()
        if graceful:
            worker.process.join(_STOP_GRACE_S)
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(_STOP_GRACE_S)
        log.info("render.worker_stopped", pid=worker.pid, exitcode=worker.process.exitcode)

    async def close(self) -> None:
        """Stop every worker; renders still running are abandoned."""
        self._closed = True
        if self._replacements:
            await asyncio.gather(*self._replacements, return_exceptions=True)
        idle = set()
        while not self._idle.empty():
            idle.add(self._idle.get_nowait())
        await asyncio.gather(
            *(
                asyncio.to_thread(self._stop, worker, graceful=worker in idle)
                for worker in list(self._workers)
            )
        )


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
