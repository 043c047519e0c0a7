"""Rendering off the event loop: the render jobs of a :class:`~shared.workers.ProcessPool`.

WeasyPrint is CPU-bound and synchronous; each render runs in a worker process, bounded by
``CLINRELAY_RENDER_TIMEOUT_S``. A hung render costs its worker (killed and replaced), never the
pool; a worker that dies is replaced the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from services.renderer.meta import RenderedPdf, ReportMeta
from services.renderer.reports import render_cer_pdf, render_coding_pdf, render_device_pdf
from services.renderer.settings import RendererSettings
from services.renderer.worker import warm_up as warm_up_renderer
from shared.workers import JobFailed, JobTimeout, PoolClosed, ProcessPool

if TYPE_CHECKING:
    from shared.events.cer import CerAnalysis
    from shared.events.coding import CodingAnalysis
    from shared.events.device import DeviceAnalysis, DeviceListingRow
    from shared.events.faers_case import CaseListingRow

RenderTimeout = JobTimeout
"""A render did not finish within the pool's timeout; its worker was replaced."""
RenderFailed = JobFailed
"""A render raised in its worker, or the worker died; the message names the cause."""

__all__ = ["PoolClosed", "RenderFailed", "RenderPool", "RenderTimeout"]


class RenderPool(ProcessPool):
    """``max_workers`` render processes; ``async render_*`` methods run one job each.

    Use as ``async with RenderPool(2, 30.0) as pool: pdf = await pool.render_coding(a, meta)``.
    """

    job_word = "render"
    timeout_text = "the {label} report did not render within {timeout_s:g} s"

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
        super().__init__(
            max_workers,
            timeout_s,
            # Workers render a sample report once when they start (the first real one is faster).
            initializer=warm_up_renderer if warm_up else None,
            max_jobs_per_worker=max_jobs_per_worker,
            start_method=start_method,
            startup_timeout_s=startup_timeout_s,
        )

    @classmethod
    def from_settings(cls, settings: RendererSettings) -> RenderPool:
        """A pool sized and timed by ``CLINRELAY_RENDER_*`` configuration."""
        return cls(
            settings.render_workers,
            settings.render_timeout_s,
            max_jobs_per_worker=settings.render_max_jobs_per_worker,
            start_method=settings.render_start_method,
        )

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
