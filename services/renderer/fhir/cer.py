"""The drug-safety (CER) report as FHIR: a DiagnosticReport carrying the PDF.

FAERS reports are about many anonymous patients, so the report has no subject; the product is
named in the report's code text and the source (openFDA, with its last-updated date and the
exact queries) in the Provenance.
"""

from __future__ import annotations

from services.renderer.fhir.common import (
    JSON,
    REPORT_KIND_SYSTEM,
    BundleBuilder,
    pdf_attachment,
    provenance,
    software_device,
)
from services.renderer.fhir.common import report_identifier as _report_identifier
from services.renderer.meta import ReportMeta
from shared.events.cer import CerAnalysis


def build_cer_bundle(analysis: CerAnalysis, meta: ReportMeta, pdf: bytes) -> JSON:
    """The FHIR R4 collection Bundle of a CER report (unvalidated JSON; see ``bundle.py``)."""
    builder = BundleBuilder(meta)
    device = builder.add("device", software_device(meta))
    title = f"Drug safety report: {product_label(analysis)}"
    report: JSON = {
        "resourceType": "DiagnosticReport",
        "identifier": [_report_identifier(meta)],
        "status": "final",
        "code": {
            "coding": [
                {
                    "system": REPORT_KIND_SYSTEM,
                    "code": "cer",
                    "display": "Drug safety report (FAERS)",
                }
            ],
            "text": f"{title} (NDC {analysis.request.ndc}), FDA Adverse Event Reporting System",
        },
        "issued": meta.generated_at.isoformat(),
        "presentedForm": [pdf_attachment(pdf, title, meta)],
    }
    conclusion = " ".join(analysis.narrative.executive_summary)
    if conclusion:
        report["conclusion"] = conclusion
    period = analysis.period
    start, end = period.since or period.first_received, period.until or period.last_received
    if start and end:
        report["effectivePeriod"] = {"start": start.isoformat(), "end": end.isoformat()}
    report_ref = builder.add("report", report)
    source = analysis.source
    updated = (
        f", last updated {source.meta_last_updated.isoformat()}" if source.meta_last_updated else ""
    )
    builder.add(
        "provenance",
        provenance(
            builder,
            [report_ref],
            device,
            {
                "identifier": {"system": "urn:ietf:rfc:3986", "value": source.base_url},
                "display": f"openFDA {source.endpoint} (FAERS){updated}; "
                f"{len(analysis.queries)} queries, retrieved {source.retrieved_at.isoformat()}",
            },
        ),
    )
    return builder.bundle()


def product_label(analysis: CerAnalysis) -> str:
    """``Trulicity (dulaglutide)``, or the generic name, or the NDC when openFDA names nothing."""
    product = analysis.product
    brand = product.brand_names[0].title() if product.brand_names else None
    generic = product.generic_names[0].lower() if product.generic_names else None
    if brand and generic and brand.lower() != generic:
        return f"{brand} ({generic})"
    return brand or generic or f"NDC {analysis.request.ndc}"
