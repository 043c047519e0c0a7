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
from typing import Any

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
from shared.events.cer import CaseListingRef, CaseListingRow, CerAnalysis
from shared.events.coding import CodingAnalysis
from shared.events.device import DeviceAnalysis, DeviceListingRow
from shared.events.envelope import ReportKind

log = structlog.get_logger(__name__)


class AnalysisPayloadError(ValueError):
    """The event's payload is not an analysis of the report's kind (a permanent failure)."""


ListingLoader = Callable[
    [CaseListingRef, type[CaseListingRow] | type[DeviceListingRow]],
    Awaitable[tuple[CaseListingRow, ...] | tuple[DeviceListingRow, ...]],
]
Analysis = CodingAnalysis | CerAnalysis | DeviceAnalysis
_MODELS: dict[ReportKind, type[Analysis]] = {
    ReportKind.CODING: CodingAnalysis,
    ReportKind.CER: CerAnalysis,
    ReportKind.DEVICE: DeviceAnalysis,
}


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
    model = _MODELS[ReportKind(kind)]
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
    exports: dict[str, bytes] = {}
    if isinstance(analysis, CodingAnalysis):
        pdf = await pool.render_coding(analysis, meta)
    elif isinstance(analysis, CerAnalysis):
        drug_rows: tuple[CaseListingRow, ...] = ()
        if analysis.listing is not None and load_listing is not None:
            loaded = await load_listing(analysis.listing, CaseListingRow)
            drug_rows = tuple(r for r in loaded if isinstance(r, CaseListingRow))
        pdf = await pool.render_cer(analysis, meta, drug_rows)
        exports[CASES_ARTIFACT] = cases_csv(drug_rows)
        tables = cer_tables(analysis)
        exports.update({table_artifact(name): table for name, table in tables.items()})
    else:
        device_rows: tuple[DeviceListingRow, ...] = ()
        if analysis.listing is not None and load_listing is not None:
            loaded = await load_listing(analysis.listing, DeviceListingRow)
            device_rows = tuple(r for r in loaded if isinstance(r, DeviceListingRow))
        pdf = await pool.render_device(analysis, meta, device_rows)
        exports[CASES_ARTIFACT] = device_cases_csv(device_rows)
        tables = device_tables(analysis)
        exports.update({table_artifact(name): table for name, table in tables.items()})
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
