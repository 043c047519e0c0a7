"""FHIR R4 output of a finished report: a collection Bundle an EHR can file.

:func:`build_report_bundle` is what ``GET /v1/reports/{id}/fhir`` serves.
"""

from services.renderer.fhir.bundle import FhirOutputError, build_report_bundle
from services.renderer.fhir.cer import build_cer_bundle
from services.renderer.fhir.coding import build_coding_bundle

__all__ = ["FhirOutputError", "build_cer_bundle", "build_coding_bundle", "build_report_bundle"]
