"""CSV exports, the FHIR DocumentReference of the case listing, and the device report's PDF."""

from __future__ import annotations

import base64
import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from services.analyzer.device.analysis import analyze_device
from services.ingestor.device.dataset import fetch_device_dataset
from services.ingestor.openfda.fetching import FetchLimits
from services.renderer.exports import (
    CASE_HEADER,
    DEVICE_CASE_HEADER,
    cases_csv,
    cer_tables,
    device_cases_csv,
    device_tables,
)
from services.renderer.fhir import build_report_bundle
from services.renderer.meta import ReportMeta
from services.renderer.reports import render_cer_pdf, render_device_pdf
from services.renderer.samples import sample_case_listing, sample_cer_analysis
from shared.events.device import DeviceRequest, DeviceScope
from shared.events.faers_case import CaseListingRow, DrugRole
from shared.events.openfda import Z_95
from tests.unit.ingestor.openfda_fixture import fixture_client
from tests.unit.renderer.pdf_inspection import ink_fraction, page_image, pdf_text

DOCS = Path(__file__).parents[3] / "docs"


def _rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


def test_cases_csv_has_one_header_and_one_line_per_case() -> None:
    listing = sample_case_listing()
    rows = _rows(cases_csv(listing))
    assert rows[0] == list(CASE_HEADER)
    assert len(rows) == 1 + len(listing)
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["safetyreportid"] == "24817733"
    assert first["time_to_onset_days"] == "89"
    assert first["concomitant_drugs"] == "METFORMIN; ATORVASTATIN"
    assert first["in_interval"] == "yes"


def test_a_spreadsheet_formula_in_reported_text_is_defused() -> None:
    row = CaseListingRow(safetyreportid="1", reactions=("=HYPERLINK(evil)",), role=DrugRole.SUSPECT)
    line = _rows(cases_csv([row]))[1]
    assert line[CASE_HEADER.index("reactions")] == "'=HYPERLINK(evil)"


def test_every_table_exports() -> None:
    tables = cer_tables(sample_cer_analysis())
    assert set(tables) == {"events", "disproportionality", "seriousness", "trend", "alerts"}
    events = _rows(tables["events"])
    assert events[1][:4] == ["Nausea", "75", "12", "248"]
    disproportionality = _rows(tables["disproportionality"])
    header = disproportionality[0]
    eructation = dict(zip(header, disproportionality[1], strict=True))
    assert eructation["reaction"] == "Eructation"
    assert eructation["ebgm"] == "25.332"
    assert len(_rows(tables["trend"])) == 17


def test_the_fhir_bundle_carries_the_case_listing_as_a_document_reference(
    meta: ReportMeta,
) -> None:
    analysis = sample_cer_analysis()
    listing = cases_csv(sample_case_listing())
    bundle = build_report_bundle("cer", analysis, meta, b"%PDF-1.7 sample", listing)
    resources = {e["resource"]["resourceType"]: e for e in bundle["entry"]}
    reference = resources["DocumentReference"]["resource"]
    attachment = reference["content"][0]["attachment"]
    assert attachment["contentType"] == "text/csv"
    assert base64.b64decode(attachment["data"]) == listing
    assert (
        reference["context"]["related"][0]["reference"] == resources["DiagnosticReport"]["fullUrl"]
    )
    provenance = resources["Provenance"]["resource"]
    targets = {t["reference"] for t in provenance["target"]}
    assert resources["DocumentReference"]["fullUrl"] in targets
    code = resources["DiagnosticReport"]["resource"]["code"]["text"]
    assert code.startswith("Drug safety report (FAERS): NDC 00002-1433-80")


def test_z_is_the_same_in_code_and_docs() -> None:
    """The 95 % intervals use z = Φ⁻¹(0.975); docs/cer.md prints the same number."""
    assert f"{Z_95:.6f}" == "1.959964"
    text = (DOCS / "cer.md").read_text("utf-8")
    assert "1.959964" in text
    assert "1.96·" not in text
    assert "1.96 " not in text


async def test_a_device_report_renders_with_its_listing_and_exports(meta: ReportMeta) -> None:
    fx = fixture_client()
    request = DeviceRequest(scope=DeviceScope.PRODUCT_CODE, product_code="LZG")
    now = datetime(2025, 2, 1, tzinfo=UTC)
    dataset = await fetch_device_dataset(request, fx.client, FetchLimits(), retrieved_at=now)
    result = analyze_device(dataset, dataset.cases, generated_at=now)
    pdf = render_device_pdf(result.analysis, meta, result.listing)
    text = " ".join(pdf_text(pdf.content).split())
    assert "Device safety report" in text
    assert "product code LZG · medical device reports in MAUDE" in text
    assert "3.1 Event types" in text
    assert "Appendix A: medical device report listing" in text
    assert "MAUDE has no denominator" in text
    first = page_image(pdf.content, page=1)
    assert 0.02 < ink_fraction(first) < 0.5
    rows = _rows(device_cases_csv(result.listing))
    assert rows[0] == list(DEVICE_CASE_HEADER)
    assert len(rows) == 1 + result.analysis.totals.analysed
    tables = device_tables(result.analysis)
    assert _rows(tables["event_types"])[0][0] == "event_type"
    bundle = build_report_bundle(
        "device", result.analysis, meta, pdf.content, b"x" if rows else None
    )
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert "DocumentReference" in kinds


def test_the_sample_drug_report_still_renders_its_appendix(meta: ReportMeta) -> None:
    pdf = render_cer_pdf(sample_cer_analysis(), meta, sample_case_listing())
    assert pdf.pages >= 8
