"""CPU-bound work off the event loop: a pool of worker processes, each job bounded by a timeout.

Rendering (WeasyPrint) and coding (the NLP pipeline) are CPU-bound and synchronous, so running them
in the service's own process would stall every other message and heartbeat. :class:`ProcessPool`
keeps ``max_workers`` processes, sends each job to an idle one over a pipe and awaits the answer
without blocking the loop. A job that runs past ``timeout_s`` (or whose caller is cancelled) gets
its worker killed and replaced, so a hung job costs one worker for a moment, never the pool. A
worker that dies (out of memory, ``kill -9``) is replaced the same way: unlike a
``ProcessPoolExecutor``, which breaks for good when one of its workers dies, the pool heals, and
:meth:`ProcessPool.problems` says truthfully whether it can take work meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, SpawnContext
from typing import TYPE_CHECKING, ParamSpec, Self, TypeVar, cast

import structlog

from shared.backoff import Backoff
from shared.workers.worker import Job, serve_jobs

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

log = structlog.get_logger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

_STOP_GRACE_S = 2.0
_RESPAWN_MAX_DELAY_S = 30.0
_WATCH_INTERVAL_S = 1.0


class JobTimeout(Exception):
    """A job did not finish within the pool's timeout; its worker was replaced."""


class JobFailed(Exception):
    """A job raised in its worker, or the worker died; the message names the cause."""


class PoolClosed(Exception):
    """The pool is shut down and takes no more jobs."""


@dataclass(eq=False)  # identity semantics: workers live in a set
class _Worker:
    process: BaseProcess
    connection: Connection
    jobs_done: int = 0

    @property
    def pid(self) -> int | None:
        return self.process.pid


class ProcessPool:
    """``max_workers`` worker processes; :meth:`run` runs one job in the next idle one.

    Use as ``async with ProcessPool(2, 30.0, initializer=load) as pool: await pool.run(...)``.
    Workers start on :meth:`start` (or entering the context) and each runs ``initializer`` (a
    module-level function: loading models, warming caches) before it takes jobs.
    """

    job_word = "job"
    """What a job is called in error texts ("the coding job did not finish within 30 s")."""
    timeout_text = "the {label} {job_word} did not finish within {timeout_s:g} s"

    def __init__(
        self,
        max_workers: int,
        timeout_s: float,
        *,
        initializer: Callable[[], object] | None = None,
        max_jobs_per_worker: int = 500,
        start_method: str = "spawn",
        startup_timeout_s: float = 120.0,
    ) -> None:
        if max_workers < 1:
            raise ValueError("a worker pool needs at least one worker")
        if timeout_s <= 0:
            raise ValueError("the job timeout must be positive")
        self.max_workers = max_workers
        self.timeout_s = timeout_s
        self.max_jobs_per_worker = max_jobs_per_worker
        self.initializer = initializer
        """Runs once in each worker before its first job (the first real job is not slowed)."""
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
        self._watcher: asyncio.Task[None] | None = None
        self.replaced = 0
        """How many workers were replaced after a timeout, a crash or their job quota."""
        self.start_failures = 0
        """Failed attempts to start a replacement worker since the last successful start."""

    async def __aenter__(self) -> Self:
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
        if self._watcher is None:
            self._watcher = asyncio.get_running_loop().create_task(self._watch())

    @property
    def worker_pids(self) -> list[int]:
        return sorted(w.pid for w in self._workers if w.pid is not None)

    def problems(self) -> dict[str, str]:
        """Why the pool cannot take work now (empty when it can), for a readiness probe.

        It can while at least one worker process is alive; a dead worker is noticed here at
        once, not when a job is next sent to it.
        """
        if self._closed:
            return {"workers": "the pool is closed"}
        alive = sum(1 for w in self._workers if w.process.is_alive())
        if alive:
            return {}
        state = (
            f"replacement failing to start ({self.start_failures} attempts)"
            if self.start_failures
            else "restarting"
        )
        return {"workers": f"0 of {self.max_workers} worker processes running ({state})"}

    async def run(
        self, label: str, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """``function(*args)`` in the next idle worker; ``function`` must be importable by name.

        Raises :class:`JobTimeout` after ``timeout_s`` (counted from when a worker takes the
        job, not while waiting for one), :class:`JobFailed` when the function raised or its
        worker died, and :class:`PoolClosed` after :meth:`close`.
        """
        if kwargs:
            raise TypeError("pool jobs take positional arguments only")
        if self._closed:
            raise PoolClosed("the worker pool is closed")
        if not self._workers and not self._replacements:
            await self.start()
        worker = await self._idle_worker()
        healthy = False
        try:
            job = Job(function, args, label, self.job_word)
            status, value = await self._exchange(worker, job)
            healthy = True
        finally:
            self._release(worker, healthy=healthy)
        if status != "ok":
            raise JobFailed(str(value))
        return cast(T, value)

    async def _watch(self) -> None:
        """Replace workers that die while idle at once, not when a job next finds them."""
        while not self._closed:
            await asyncio.sleep(_WATCH_INTERVAL_S)
            idle: list[_Worker] = []
            while not self._idle.empty():
                idle.append(self._idle.get_nowait())
            for worker in idle:
                if worker.process.is_alive():
                    self._idle.put_nowait(worker)
                else:
                    self._died_idle(worker)

    def _died_idle(self, worker: _Worker) -> None:
        log.warning("worker.died_idle", pid=worker.pid, exitcode=worker.process.exitcode)
        self._release(worker, healthy=False)

    async def _idle_worker(self) -> _Worker:
        """The next idle worker that is still alive: one that died while idle (killed, out of
        memory) is replaced, and does not cost a job an attempt."""
        while True:
            worker = await self._idle.get()
            if worker.process.is_alive():
                return worker
            self._died_idle(worker)

    async def _exchange(self, worker: _Worker, job: Job) -> tuple[str, object]:
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        fd = worker.connection.fileno()
        loop.add_reader(fd, _resolve, ready)
        try:
            worker.connection.send(job)
            async with asyncio.timeout(self.timeout_s):
                await ready
        except TimeoutError:
            log.warning("worker.timeout", job=job.label, timeout_s=self.timeout_s, pid=worker.pid)
            text = self.timeout_text.format(
                label=job.label, job_word=self.job_word, timeout_s=self.timeout_s
            )
            raise JobTimeout(text) from None
        except OSError as exc:  # the worker died before taking the job
            raise JobFailed(f"worker process unavailable ({type(exc).__name__})") from None
        finally:
            loop.remove_reader(fd)
        try:
            # The answer is ready to read: receiving it is I/O, the work happened elsewhere.
            result: tuple[str, object] = worker.connection.recv()
        except (EOFError, OSError) as exc:
            worker.process.join(_STOP_GRACE_S)
            raise JobFailed(
                f"the worker process exited during the {job.label} {self.job_word} "
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
        backoff = Backoff(1.0, _RESPAWN_MAX_DELAY_S)
        while not self._closed:
            try:
                fresh = await asyncio.to_thread(self._spawn)
            except JobFailed as exc:
                # Keep trying: a pool that silently shrinks would stall every later report.
                self.start_failures += 1
                delay = backoff.next_delay()
                log.error("worker.start_failed", error=str(exc), retry_in_s=delay)
                await asyncio.sleep(delay)
                continue
            self.start_failures = 0
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
            target=serve_jobs,
            args=(child_end, self.initializer),
            name=f"clinrelay-{self.job_word}",
            daemon=True,
        )
        process.start()
        child_end.close()
        worker = _Worker(process=process, connection=parent_end)
        self._workers.add(worker)
        try:
            if not parent_end.poll(self.startup_timeout_s):
                raise JobFailed(
                    f"a worker process did not start within {self.startup_timeout_s:g} s"
                )
            status, _ = parent_end.recv()
        except (EOFError, OSError) as exc:
            self._stop(worker)
            raise JobFailed(
                f"a worker process exited while starting (exit code {process.exitcode})"
            ) from exc
        except JobFailed:
            self._stop(worker)
            raise
        if status != "ready":  # pragma: no cover - the worker's first message is always "ready"
            self._stop(worker)
            raise JobFailed(f"a worker process sent {status!r} instead of ready")
        log.info("worker.started", pid=process.pid, job=self.job_word)
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
        log.info("worker.stopped", pid=worker.pid, exitcode=worker.process.exitcode)

    async def close(self) -> None:
        """Stop every worker; jobs still running are abandoned."""
        self._closed = True
        if self._watcher is not None:
            self._watcher.cancel()
            await asyncio.gather(self._watcher, return_exceptions=True)
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
