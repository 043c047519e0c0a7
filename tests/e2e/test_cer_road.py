"""A drug-safety (CER) report travels the same road: NDC → openFDA (the fixture server, real
recorded FAERS content) → statistics → PDF with charts, through the real stages."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.road import fetch, follow, pdf_text, start_road
from tests.integration.harness import Pipeline

CER_HEADINGS = (
    "Drug safety report",
    "1. Executive summary",
    "2. Data sources and methods",
    "3.4 Signals of disproportionate reporting",
    "4. Limitations",
    "Queries sent to openFDA",
)


async def test_ndc_becomes_a_drug_safety_pdf(pipeline: Pipeline, tmp_path: Path) -> None:
    await start_road(pipeline, openfda=True)
    key = await pipeline.api_key("pharmaco")
    async with pipeline.client(key) as client:
        # An 11-digit form of Letairis' product NDC: normalised by the gateway.
        response = await client.post("/v1/reports", json={"kind": "cer", "ndc": "61958080101"})
        assert response.status_code == 202, response.text
        accepted = response.json()
        messages = await follow(accepted["links"]["ws"], key)
        report = (await fetch(client, f"/v1/reports/{accepted['id']}")).json()
        pdf = (await fetch(client, f"/v1/reports/{accepted['id']}/pdf")).content
        fhir = (await fetch(client, f"/v1/reports/{accepted['id']}/fhir")).json()
        invalid = await client.post("/v1/reports", json={"kind": "cer", "ndc": "12-34"})

    assert report["status"] == "COMPLETE", report.get("error")
    assert report["request"]["ndc"] == "61958-0801-01"
    assert "61958-0801" in report["request"]["product_ndcs"]

    assert report["result"]["summary"]["reports_analysed"] == 61
    assert messages[-1]["status"] == "COMPLETE"
    text = pdf_text(pdf, tmp_path)
    for heading in CER_HEADINGS:
        assert heading in text
    assert "LETAIRIS" in text.upper()
    assert "denominator" in text.lower()  # FAERS has none, and the report says so

    kinds = {entry["resource"]["resourceType"] for entry in fhir["entry"]}
    assert "DiagnosticReport" in kinds
    assert invalid.status_code == 422
    assert "5-4-2" in invalid.json()["error"]["message"]
