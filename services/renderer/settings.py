"""The renderer's own configuration (``CLINRELAY_RENDER_*``), on top of the shared settings."""

from __future__ import annotations

import os

from pydantic import Field

from shared.settings import Settings


def _default_workers() -> int:
    return max(1, os.cpu_count() or 1)


class RendererSettings(Settings):
    render_workers: int = Field(default_factory=_default_workers, ge=1, le=64)
    """Worker processes rendering PDFs in parallel (WeasyPrint is CPU-bound: about one per core)."""
    render_timeout_s: float = Field(default=60.0, gt=0)
    """A render still running after this long is abandoned and its worker process replaced."""
    render_max_jobs_per_worker: int = Field(default=500, ge=1)
    """A worker is replaced after this many renders, bounding memory WeasyPrint's caches hold."""
    render_start_method: str = Field(default="spawn", pattern="^(spawn|forkserver)$")
    """How workers start; never "fork", which is unsafe in a process running an event loop."""
