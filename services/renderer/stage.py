"""The renderer stage: draws the analysis as a PDF (in worker processes) and completes the report.

It stores the PDF, the analysis it was drawn from, the report as a FHIR R4 Bundle and a safety
report's CSV exports as artifacts (names in :mod:`shared.artifacts`), and the report's
``result``: where the PDF is, its pages and hash, and a summary of the figures.
"""

from __future__ import annotations

from typing import ClassVar

from services.renderer.meta import ReportMeta
from services.renderer.pool import RenderFailed, RenderPool, RenderTimeout
from services.renderer.rendering import AnalysisPayloadError, render_report
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
from shared.db.listings import ListingMissing, load_listing
from shared.events import Envelope
from shared.events.cer import CaseListingRef, CaseListingRow
from shared.events.device import DeviceListingRow
from shared.events.envelope import utcnow
from shared.stage import Artifact, StageContext, StageError, StageOutcome


class RendererStage:
    name: ClassVar[str] = "renderer"
    working_step: ClassVar[str] = "rendering"
    working_progress: ClassVar[int] = 75
    handles_phi: ClassVar[bool] = False

    def __init__(self, settings: RendererSettings, pool: RenderPool) -> None:
        self.settings = settings
        self.pool = pool

    @property
    def prefetch(self) -> int:
        return self.settings.render_workers

    def problems(self) -> dict[str, str]:
        """Why the stage cannot work now (for /readyz): no render worker alive."""
        return self.pool.problems()

    async def handle(self, event: Envelope, ctx: StageContext) -> StageOutcome:
        row = await ctx.db.fetchrow(
            """SELECT r.created_at, t.name FROM reports r JOIN tenants t ON t.id = r.tenant_id
               WHERE r.id = $1""",
            event.report_id,
        )
        meta = ReportMeta(
            report_id=event.report_id,
            tenant_id=event.tenant_id,
            tenant_name=row["name"] if row else None,
            generated_at=utcnow(),
            requested_at=row["created_at"] if row else None,
        )

        async def listing(
            ref: CaseListingRef, row_type: type[CaseListingRow] | type[DeviceListingRow]
        ) -> tuple[CaseListingRow, ...] | tuple[DeviceListingRow, ...]:
            async with ctx.db.acquire() as conn:
                try:
                    rows = await load_listing(conn, ref.report_id, ref.sha256, row_type)
                except ListingMissing as exc:
                    raise StageError(str(exc)) from None
            return rows  # type: ignore[return-value]

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
        return StageOutcome(
            step="rendered",
            progress_percent=100,
            message=f"PDF rendered ({done.pdf.pages} page(s))",
            details={"pages": done.pdf.pages, "bytes": len(done.pdf.content)},
            result=done.result,
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
