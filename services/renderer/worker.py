"""What runs inside a render worker process: receive a job, run it, send back the outcome.

The parent (:class:`~services.renderer.pool.RenderPool`) owns scheduling and timeouts; a worker
only loops over its pipe. Jobs name a module-level function and its arguments, so the pool can run
any renderer entry point (and tests can run a deliberately slow or crashing one).
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from uuid import UUID

from services.renderer.meta import ReportMeta
from services.renderer.reports import render_coding_pdf
from services.renderer.samples import sample_coding_analysis

_ERROR_TEXT_LIMIT = 300


@dataclass(frozen=True)
class RenderJob:
    """``function(*args)`` to run in a worker; ``label`` names it in logs and errors."""

    function: Callable[..., object]
    args: tuple[object, ...]
    label: str


def serve_jobs(connection: Connection, warm_up: bool = True) -> None:
    """Say ``("ready", None)`` once warmed up, then answer jobs from ``connection`` with
    ``("ok", result)`` or ``("error", text)`` until the parent closes the pipe."""
    # Ctrl-C reaches the whole process group; the parent decides when workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if warm_up:
        _warm_up()
    connection.send(("ready", None))
    while True:
        try:
            job: RenderJob = connection.recv()
        except (EOFError, OSError):
            return
        try:
            outcome: tuple[str, object] = ("ok", job.function(*job.args))
        except Exception as exc:
            outcome = ("error", describe_failure(job.label, exc))
        try:
            connection.send(outcome)
        except (BrokenPipeError, OSError):
            return


def describe_failure(label: str, exc: Exception) -> str:
    """A short description of a failed job: the renderer's inputs are de-identified, but the
    text is still cut, so a failure never carries a whole snippet into logs and reports."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    if len(text) > _ERROR_TEXT_LIMIT:
        text = text[:_ERROR_TEXT_LIMIT] + "…"
    return f"{label} render failed: {type(exc).__name__}" + (f": {text}" if text else "")


def _warm_up() -> None:
    """Render the sample report once: WeasyPrint's first render pays for font discovery and
    stylesheet parsing, which the first real report should not wait for."""
    meta = ReportMeta(report_id=UUID(int=0), tenant_id=UUID(int=0), generated_at=datetime.now(UTC))
    render_coding_pdf(sample_coding_analysis(), meta)
