"""What runs inside a pool's worker process: receive a job, run it, send back the outcome.

The parent (:class:`~shared.workers.pool.ProcessPool`) owns scheduling and timeouts; a worker only
loops over its pipe. Jobs name a module-level function and its arguments, so a pool can run any
entry point (and tests can run a deliberately slow or crashing one).
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection

_ERROR_TEXT_LIMIT = 300


@dataclass(frozen=True)
class Job:
    """``function(*args)`` to run in a worker; ``label`` and ``word`` name it in logs and errors
    ("coding render")."""

    function: Callable[..., object]
    args: tuple[object, ...]
    label: str
    word: str = "job"


def serve_jobs(connection: Connection, initializer: Callable[[], object] | None = None) -> None:
    """Run ``initializer``, say ``("ready", None)``, then answer jobs from ``connection`` with
    ``("ok", result)`` or ``("error", text)`` until the parent closes the pipe."""
    # Ctrl-C reaches the whole process group; the parent decides when workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer()
    connection.send(("ready", None))
    while True:
        try:
            job: Job = connection.recv()
        except (EOFError, OSError):
            return
        try:
            outcome: tuple[str, object] = ("ok", job.function(*job.args))
        except Exception as exc:
            outcome = ("error", describe_failure(f"{job.label} {job.word}", exc))
        try:
            connection.send(outcome)
        except (BrokenPipeError, OSError):
            return


def describe_failure(label: str, exc: Exception) -> str:
    """A short description of a failed job: the pools' inputs are de-identified, but the text is
    still cut, so a failure never carries a whole snippet into logs and reports."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    if len(text) > _ERROR_TEXT_LIMIT:
        text = text[:_ERROR_TEXT_LIMIT] + "…"
    return f"{label} failed: {type(exc).__name__}" + (f": {text}" if text else "")
