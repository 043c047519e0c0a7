"""``build_report_bundle``: the one call the gateway makes for ``GET /v1/reports/{id}/fhir``.

Input is what the pipeline stored for a finished report: the analysis payload the renderer
rendered (the ``analysis.json`` artifact), the report metadata (``result["meta"]``) and the PDF
bytes (the ``report.pdf`` artifact). Output is a JSON-ready FHIR R4 Bundle of type collection,
validated against the ``fhir.resources`` R4B models, in which every reference resolves to an
entry of the Bundle.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from services.renderer.fhir.cer import build_cer_bundle, build_device_bundle
from services.renderer.fhir.coding import build_coding_bundle
from services.renderer.fhir.common import JSON
from services.renderer.meta import ReportMeta
from shared.events.cer import CerAnalysis
from shared.events.coding import CodingAnalysis
from shared.events.device import DeviceAnalysis
from shared.events.envelope import ReportKind


class FhirOutputError(Exception):
    """The stored report cannot be exported as FHIR; the message says why (no content)."""


def build_report_bundle(
    kind: ReportKind | str,
    analysis: Mapping[str, Any] | CodingAnalysis | CerAnalysis | DeviceAnalysis,
    meta: ReportMeta | Mapping[str, Any],
    pdf: bytes,
    cases_csv: bytes | None = None,
) -> JSON:
    """The FHIR R4 Bundle of a finished report of ``kind``.

    ``analysis`` is the analysis payload (model or its JSON form), ``meta`` the report metadata
    the renderer used, ``pdf`` the rendered PDF, ``cases_csv`` a safety report's case line listing
    (a DocumentReference). Raises :class:`FhirOutputError` when the payload does not match the
    kind or the Bundle would not validate.
    """
    try:
        report_kind = ReportKind(kind)
        report_meta = meta if isinstance(meta, ReportMeta) else ReportMeta.model_validate(meta)
        if report_kind is ReportKind.CODING:
            coding = (
                analysis
                if isinstance(analysis, CodingAnalysis)
                else CodingAnalysis.model_validate(analysis)
            )
            bundle = build_coding_bundle(coding, report_meta, pdf)
        elif report_kind is ReportKind.DEVICE:
            device = (
                analysis
                if isinstance(analysis, DeviceAnalysis)
                else DeviceAnalysis.model_validate(analysis)
            )
            bundle = build_device_bundle(device, report_meta, pdf, cases_csv)
        else:
            cer = (
                analysis
                if isinstance(analysis, CerAnalysis)
                else CerAnalysis.model_validate(analysis)
            )
            bundle = build_cer_bundle(cer, report_meta, pdf, cases_csv)
    except ValueError as exc:  # includes pydantic's ValidationError
        raise FhirOutputError(
            f"the stored {kind} report cannot be exported: {_first_error(exc)}"
        ) from exc
    validate_bundle(bundle)
    return bundle


def validate_bundle(bundle: JSON) -> None:
    """Check ``bundle`` against the R4B models and that every reference resolves inside it."""
    try:
        Bundle.model_validate(bundle)
    except ValidationError as exc:
        raise FhirOutputError(f"the FHIR Bundle is not valid R4: {_first_error(exc)}") from exc
    dangling = unresolved_references(bundle)
    if dangling:
        raise FhirOutputError(f"the FHIR Bundle has unresolved references: {sorted(dangling)}")


def unresolved_references(bundle: JSON) -> set[str]:
    """Every ``reference`` in the Bundle that is not the ``fullUrl`` of one of its entries."""
    full_urls = {entry["fullUrl"] for entry in bundle.get("entry", [])}
    return {ref for ref in _references(bundle) if ref not in full_urls}


def _references(value: object) -> Iterator[str]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                yield item
            else:
                yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def _first_error(exc: ValueError) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {first['msg']}"
    return str(exc).splitlines()[0]
