"""Drug (CER) and device (MAUDE) safety reports as FHIR: a DiagnosticReport carrying the PDF,
and a DocumentReference carrying the case line listing (``cases.csv``).

FAERS reports are about many anonymous patients, so the report has no subject; what was searched
is named in the report's code text and the source (openFDA, with its last-updated date and the
exact queries) in the Provenance.
"""

from __future__ import annotations

import base64
import hashlib

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
from shared.events.device import DeviceAnalysis


def csv_attachment(content: bytes, title: str, meta: ReportMeta) -> JSON:
    """A CSV file as a FHIR Attachment (base64 data, size and R4's SHA-1 hash)."""
    return {
        "contentType": "text/csv",
        "language": "en",
        "data": base64.b64encode(content).decode("ascii"),
        "size": len(content),
        "hash": base64.b64encode(hashlib.sha1(content, usedforsecurity=False).digest()).decode(),
        "title": title,
        "creation": meta.generated_at.isoformat(),
    }


def case_listing_reference(
    builder: BundleBuilder, report_ref: JSON, cases_csv: bytes, rows: int, subject: str
) -> JSON:
    """The DocumentReference of a report's case line listing, related to the report."""
    meta = builder.meta
    return builder.add(
        "case-listing",
        {
            "resourceType": "DocumentReference",
            "identifier": [
                {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{meta.report_id}:cases.csv"}
            ],
            "status": "current",
            "docStatus": "final",
            "type": {
                "coding": [
                    {
                        "system": REPORT_KIND_SYSTEM,
                        "code": "case-line-listing",
                        "display": "Case line listing",
                    }
                ],
                "text": "Case line listing",
            },
            "date": meta.generated_at.isoformat(),
            "description": f"Line listing of {rows} case(s) for {subject}, one CSV line per case",
            "content": [{"attachment": csv_attachment(cases_csv, "cases.csv", meta)}],
            "context": {"related": [report_ref]},
        },
    )


def build_safety_bundle(
    analysis: CerAnalysis | DeviceAnalysis,
    meta: ReportMeta,
    pdf: bytes,
    cases_csv: bytes | None,
    *,
    code: str,
    display: str,
    database: str,
) -> JSON:
    """The Bundle of a drug or device safety report: DiagnosticReport (PDF), DocumentReference
    (case listing), the software Device and the Provenance naming openFDA."""
    builder = BundleBuilder(meta)
    device = builder.add("device", software_device(meta))
    title = f"{display}: {analysis.subject_label}"
    report: JSON = {
        "resourceType": "DiagnosticReport",
        "identifier": [_report_identifier(meta)],
        "status": "final",
        "code": {
            "coding": [{"system": REPORT_KIND_SYSTEM, "code": code, "display": display}],
            "text": f"{title}, {database}",
        },
        "issued": meta.generated_at.isoformat(),
        "presentedForm": [pdf_attachment(pdf, title, meta)],
    }
    conclusion = " ".join(analysis.narrative.executive_summary)
    if conclusion:
        report["conclusion"] = conclusion
    period = analysis.period
    start = period.since or period.first_received
    end = period.data_lock_point or period.until or period.last_received
    if start and end:
        report["effectivePeriod"] = {"start": start.isoformat(), "end": end.isoformat()}
    report_ref = builder.add("report", report)
    targets = [report_ref]
    if cases_csv is not None:
        rows = analysis.listing.rows if analysis.listing else analysis.totals.analysed
        targets.append(
            case_listing_reference(builder, report_ref, cases_csv, rows, analysis.subject_label)
        )
    source = analysis.source
    updated = (
        f", last updated {source.meta_last_updated.isoformat()}" if source.meta_last_updated else ""
    )
    builder.add(
        "provenance",
        provenance(
            builder,
            targets,
            device,
            {
                "identifier": {"system": "urn:ietf:rfc:3986", "value": source.base_url},
                "display": f"openFDA {source.endpoint}{updated}; "
                f"{len(analysis.queries)} queries, retrieved {source.retrieved_at.isoformat()}",
            },
        ),
    )
    return builder.bundle()


def build_cer_bundle(
    analysis: CerAnalysis, meta: ReportMeta, pdf: bytes, cases_csv: bytes | None = None
) -> JSON:
    """The FHIR R4 collection Bundle of a CER report (unvalidated JSON; see ``bundle.py``)."""
    return build_safety_bundle(
        analysis,
        meta,
        pdf,
        cases_csv,
        code="cer",
        display="Drug safety report (FAERS)",
        database="FDA Adverse Event Reporting System",
    )


def build_device_bundle(
    analysis: DeviceAnalysis, meta: ReportMeta, pdf: bytes, cases_csv: bytes | None = None
) -> JSON:
    """The FHIR R4 collection Bundle of a device (MAUDE) report."""
    return build_safety_bundle(
        analysis,
        meta,
        pdf,
        cases_csv,
        code="device",
        display="Device safety report (MAUDE)",
        database="FDA MAUDE medical device reports",
    )


def product_label(analysis: CerAnalysis) -> str:
    """How openFDA names the matched entries, ``Trulicity (dulaglutide)``, or the generic name,
    or the report's subject when openFDA names nothing. Never the report's title: that comes
    from what was searched (:attr:`CerAnalysis.subject_label`)."""
    product = analysis.product
    brand = product.brand_names[0].title() if product.brand_names else None
    generic = product.generic_names[0].lower() if product.generic_names else None
    if brand and generic and brand.lower() != generic:
        return f"{brand} ({generic})"
    return brand or generic or analysis.subject_label
