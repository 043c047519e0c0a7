"""What the renderer stores for a finished report, by name, and what the gateway serves from it.

The renderer writes every artifact below; the gateway reads them back as bytes, so neither needs
the other's code (``GET /v1/reports/{id}/fhir`` serves :data:`FHIR_ARTIFACT` as stored).
"""

from __future__ import annotations

PDF_ARTIFACT = "report.pdf"
PDF_MEDIA_TYPE = "application/pdf"
ANALYSIS_ARTIFACT = "analysis.json"
ANALYSIS_MEDIA_TYPE = "application/json"
FHIR_ARTIFACT = "report.fhir.json"
FHIR_MEDIA_TYPE = "application/fhir+json"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
CASES_ARTIFACT = "cases.csv"
DRUG_TABLES = ("events", "disproportionality", "seriousness", "trend", "alerts")
DEVICE_TABLES = ("event_types", "device_problems", "patient_problems", "trend", "alerts")
TABLE_NAMES = tuple(dict.fromkeys((*DRUG_TABLES, *DEVICE_TABLES)))


def table_artifact(name: str) -> str:
    """The artifact name of the table export ``name`` (one of :data:`TABLE_NAMES`)."""
    return f"tables/{name}.csv"
