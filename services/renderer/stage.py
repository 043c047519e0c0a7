"""The renderer stage: draws the analysis as a PDF (in worker processes) and completes the report.

It stores the PDF, the analysis it was drawn from, the report as a FHIR R4 Bundle and a safety
report's CSV exports as artifacts (names in :mod:`shared.artifacts`), and the report's
``result``: where the PDF is, its pages and hash, and a summary of the figures.
"""

from __future__ import annotations

import time
from typing import ClassVar

from services.renderer.meta import ReportMeta
from services.renderer.pool import RenderFailed, RenderPool, RenderTimeout
from services.renderer.rendering import KINDS, AnalysisPayloadError, render_report
from services.renderer.settings import RendererSettings
from shared.artifacts import (
    ANALYSIS_ARTIFACT,
    ANALYSIS_MEDIA_TYPE,
    CSV_MEDIA_TYPE,
    FHIR_ARTIFACT,
    FHIR_MEDIA_TYPE,
    PDF_ARTIFACT,
    PDF_MEDIA_TYPE,
)
from shared.db.listings import ListingMissing
from shared.events import Envelope, ReportKind
from shared.events.device import DeviceListingRow
from shared.events.envelope import utcnow
from shared.events.faers_case import CaseListingRef, CaseListingRow
from shared.stage import (
    Artifact,
    KindHandler,
    StageContext,
    StageError,
    StageOutcome,
    handle_by_kind,
)


class RendererStage:
    name: ClassVar[str] = "renderer"
    working_step: ClassVar[str] = "rendering"
    working_progress: ClassVar[int] = 75
    handles_phi: ClassVar[bool] = False

    def __init__(self, settings: RendererSettings, pool: RenderPool) -> None:
        self.settings = settings
        self.pool = pool
        # every kind is drawn by its entry in rendering.KINDS; the stage's work around it is one
        self.handlers: dict[ReportKind, KindHandler] = {kind: self.render for kind in KINDS}

    @property
    def prefetch(self) -> int:
        return self.settings.render_workers

    def problems(self) -> dict[str, str]:
        """Why the stage cannot work now (for /readyz): no render worker alive."""
        return self.pool.problems()

    async def handle(self, event: Envelope, ctx: StageContext) -> StageOutcome:
        return await handle_by_kind(self.name, self.handlers, event, ctx)

    async def render(self, event: Envelope, ctx: StageContext) -> StageOutcome:
        """Draw the report of ``event``'s kind, store it and complete the report."""
        origin = await ctx.repos.reports.provenance(event.report_id)
        meta = ReportMeta(
            report_id=event.report_id,
            tenant_id=event.tenant_id,
            tenant_name=origin.tenant_name if origin else None,
            generated_at=utcnow(),
            requested_at=origin.requested_at if origin else None,
        )

        async def listing(
            ref: CaseListingRef, row_type: type[CaseListingRow] | type[DeviceListingRow]
        ) -> tuple[CaseListingRow, ...] | tuple[DeviceListingRow, ...]:
            try:
                rows = await ctx.repos.listings.load(ref.report_id, ref.sha256, row_type)
            except ListingMissing as exc:
                raise StageError(str(exc)) from None
            return rows  # type: ignore[return-value]

        render_started = time.perf_counter()
        try:
            done = await render_report(
                self.pool, event.kind, event.payload, meta, load_listing=listing
            )
        except AnalysisPayloadError as exc:
            raise StageError(
                f"The analysis could not be rendered: {exc}.", permanent=True
            ) from None
        except RenderTimeout:
            raise StageError(
                f"Rendering the PDF took longer than {self.settings.render_timeout_s:g} s."
            ) from None
        except RenderFailed as exc:
            raise StageError(f"Rendering the PDF failed: {exc}") from None
        render_s = time.perf_counter() - render_started
        return StageOutcome(
            step="rendered",
            progress_percent=100,
            message=f"PDF rendered ({done.pdf.pages} page(s))",
            details={"pages": done.pdf.pages, "bytes": len(done.pdf.content)},
            result=done.result,
            timings_s={"render": render_s},
            artifacts=(
                Artifact(PDF_ARTIFACT, PDF_MEDIA_TYPE, done.pdf.content),
                Artifact(ANALYSIS_ARTIFACT, ANALYSIS_MEDIA_TYPE, done.analysis_json),
                *(
                    (Artifact(FHIR_ARTIFACT, FHIR_MEDIA_TYPE, done.fhir_bundle),)
                    if done.fhir_bundle is not None
                    else ()
                ),
                *(
                    Artifact(name, CSV_MEDIA_TYPE, content)
                    for name, content in sorted(done.exports.items())
                ),
            ),
        )
