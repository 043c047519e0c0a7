"""What the renderer stage does with one ``report.analyzed`` event, minus the bus.

The stage (wired by the service's ``main``) builds a :class:`ReportMeta`, awaits
:func:`render_report` and stores the outcome: the PDF and the analysis it was drawn from as
artifacts, the FHIR R4 Bundle the gateway serves as ``GET /v1/reports/{id}/fhir`` (built here,
from the same analysis, metadata and PDF), the CSV exports, and :func:`report_result` as the
report's ``result``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson
import structlog
from pydantic import ValidationError

from services.renderer.exports import cases_csv, cer_tables, device_cases_csv, device_tables
from services.renderer.fhir import FhirOutputError, build_report_bundle
from services.renderer.meta import RenderedPdf, ReportMeta
from services.renderer.pool import RenderPool
from services.renderer.summary import analysis_summary
from shared.artifacts import (
    ANALYSIS_ARTIFACT,
    CASES_ARTIFACT,
    PDF_ARTIFACT,
    PDF_MEDIA_TYPE,
    table_artifact,
)
from shared.events.cer import CerAnalysis
from shared.events.coding import CodingAnalysis
from shared.events.device import DeviceAnalysis, DeviceListingRow
from shared.events.envelope import ReportKind
from shared.events.faers_case import CaseListingRef, CaseListingRow

log = structlog.get_logger(__name__)


class AnalysisPayloadError(ValueError):
    """The event's payload is not an analysis of the report's kind (a permanent failure)."""


ListingLoader = Callable[
    [CaseListingRef, type[CaseListingRow] | type[DeviceListingRow]],
    Awaitable[tuple[CaseListingRow, ...] | tuple[DeviceListingRow, ...]],
]
Analysis = CodingAnalysis | CerAnalysis | DeviceAnalysis
Drawn = tuple[RenderedPdf, dict[str, bytes]]
"""A kind's PDF and its CSV exports by artifact name."""


@dataclass(frozen=True)
class RenderedReport:
    pdf: RenderedPdf
    analysis_json: bytes
    """The validated analysis, re-serialised: what the PDF was drawn from."""
    result: dict[str, Any]
    fhir_bundle: bytes | None = None
    """The report as a FHIR R4 Bundle (JSON), or None when it could not be built (logged)."""
    exports: dict[str, bytes] = field(default_factory=dict)
    """CSV exports by artifact name (``cases.csv``, ``tables/<name>.csv``)."""


def parse_analysis(kind: ReportKind, payload: Mapping[str, Any]) -> Analysis:
    """The analysis payload of a ``report.analyzed`` event, validated for ``kind``.

    Raises :class:`AnalysisPayloadError` naming the first problem (field path and message only,
    never the field's value).
    """
    model = KINDS[ReportKind(kind)].model
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "payload"
        raise AnalysisPayloadError(
            f"the {kind.value} analysis payload is invalid at {where}: {first['msg']} "
            f"({exc.error_count()} error(s))"
        ) from None


async def render_report(
    pool: RenderPool,
    kind: ReportKind,
    payload: Mapping[str, Any],
    meta: ReportMeta,
    *,
    load_listing: ListingLoader | None = None,
) -> RenderedReport:
    """Validate ``payload`` for ``kind``, render its PDF in ``pool`` and say what to store.

    A safety report's case line listing is read with ``load_listing`` (it is stored apart) and
    goes into the PDF's appendix and ``cases.csv``; every table goes to CSV too.
    Raises :class:`AnalysisPayloadError` for a payload of the wrong shape, and the pool's
    ``RenderTimeout`` / ``RenderFailed`` when rendering does not succeed.
    """
    analysis = parse_analysis(kind, payload)
    pdf, exports = await KINDS[ReportKind(kind)].draw(pool, analysis, meta, load_listing)
    fhir_bundle = await _fhir_bundle(kind, analysis, meta, pdf, exports.get(CASES_ARTIFACT))
    return RenderedReport(
        pdf=pdf,
        analysis_json=orjson.dumps(analysis.model_dump(mode="json")),
        fhir_bundle=fhir_bundle,
        result={
            **report_result(meta, pdf),
            "summary": analysis_summary(analysis),
            **({"exports": sorted(exports)} if exports else {}),
        },
        exports=exports,
    )


_Row = TypeVar("_Row", CaseListingRow, DeviceListingRow)


async def _listing_rows(
    listing: CaseListingRef | None, load_listing: ListingLoader | None, row_type: type[_Row]
) -> tuple[_Row, ...]:
    """The stored case listing of a safety report, as rows of its kind (none when there is no
    listing or no loader)."""
    if listing is None or load_listing is None:
        return ()
    loaded = await load_listing(listing, row_type)
    return tuple(r for r in loaded if isinstance(r, row_type))


async def _draw_coding(
    pool: RenderPool, analysis: Analysis, meta: ReportMeta, _load_listing: ListingLoader | None
) -> Drawn:
    assert isinstance(analysis, CodingAnalysis)
    return await pool.render_coding(analysis, meta), {}


async def _draw_cer(
    pool: RenderPool, analysis: Analysis, meta: ReportMeta, load_listing: ListingLoader | None
) -> Drawn:
    assert isinstance(analysis, CerAnalysis)
    rows = await _listing_rows(analysis.listing, load_listing, CaseListingRow)
    pdf = await pool.render_cer(analysis, meta, rows)
    tables = cer_tables(analysis)
    return pdf, {
        CASES_ARTIFACT: cases_csv(rows),
        **{table_artifact(name): table for name, table in tables.items()},
    }


async def _draw_device(
    pool: RenderPool, analysis: Analysis, meta: ReportMeta, load_listing: ListingLoader | None
) -> Drawn:
    assert isinstance(analysis, DeviceAnalysis)
    rows = await _listing_rows(analysis.listing, load_listing, DeviceListingRow)
    pdf = await pool.render_device(analysis, meta, rows)
    tables = device_tables(analysis)
    return pdf, {
        CASES_ARTIFACT: device_cases_csv(rows),
        **{table_artifact(name): table for name, table in tables.items()},
    }


@dataclass(frozen=True)
class KindRendering:
    """How one kind of report is rendered: the analysis model it reads and how it is drawn."""

    model: type[Analysis]
    draw: Callable[[RenderPool, Analysis, ReportMeta, ListingLoader | None], Awaitable[Drawn]]


KINDS: dict[ReportKind, KindRendering] = {
    ReportKind.CODING: KindRendering(CodingAnalysis, _draw_coding),
    ReportKind.CER: KindRendering(CerAnalysis, _draw_cer),
    ReportKind.DEVICE: KindRendering(DeviceAnalysis, _draw_device),
}
"""Every kind the renderer draws, the same way the other stages list their kinds' handlers."""


async def _fhir_bundle(
    kind: ReportKind,
    analysis: Analysis,
    meta: ReportMeta,
    pdf: RenderedPdf,
    cases: bytes | None,
) -> bytes | None:
    """The FHIR R4 Bundle of the report, or None (logged) when it does not validate.

    A Bundle that fails validation is a bug in the FHIR builder, not in the report: the PDF and
    the exports are still stored and the report completes; ``GET /fhir`` then answers 404.
    """
    try:
        bundle = await asyncio.to_thread(
            build_report_bundle, kind, analysis, meta, pdf.content, cases
        )
    except FhirOutputError as exc:
        log.error("fhir_bundle_invalid", kind=kind.value, error=str(exc))
        return None
    return orjson.dumps(bundle)


def report_result(meta: ReportMeta, pdf: RenderedPdf) -> dict[str, Any]:
    """The report's ``result`` once rendered: where the PDF is, its hash and pages, the metadata."""
    return {
        "pdf": {
            "artifact": PDF_ARTIFACT,
            "media_type": PDF_MEDIA_TYPE,
            "bytes": len(pdf.content),
            "pages": pdf.pages,
            "sha256": pdf.sha256,
            "title": pdf.title,
        },
        "analysis_artifact": ANALYSIS_ARTIFACT,
        "meta": meta.model_dump(mode="json"),
    }
