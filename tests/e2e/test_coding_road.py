"""A public Inferno US Core Bundle travels POST → ingestor → analyzer → renderer → PDF, with the
real stages as their services build them (process pools included), followed over the WebSocket."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.road import FIXTURES, fetch, follow, pdf_text, start_road
from tests.integration.harness import Pipeline

FHIR = {"Content-Type": "application/fhir+json"}
BUNDLE = FIXTURES / "fhir" / "inferno-uscore" / "uscore_bundle_patient_client_test.json"


async def test_inferno_bundle_becomes_a_pdf_followed_live(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    await start_road(pipeline)
    key = await pipeline.api_key("clinic")
    async with pipeline.client(key) as client:
        accepted = (
            await client.post("/v1/reports", content=BUNDLE.read_bytes(), headers=FHIR)
        ).json()
        messages = await follow(accepted["links"]["ws"], key)
        report_id = accepted["id"]
        report = (await fetch(client, f"/v1/reports/{report_id}")).json()
        pdf = (await fetch(client, f"/v1/reports/{report_id}/pdf")).content
        fhir = (await fetch(client, f"/v1/reports/{report_id}/fhir")).json()
        trail = (await fetch(client, f"/v1/reports/{report_id}/events")).json()

    assert report["status"] == "COMPLETE", report.get("error")
    assert report["progress_percent"] == 100
    assert report["processing_time_ms"] > 0
    summary = report["result"]["summary"]
    assert summary["encounters"] >= 1
    assert summary["suggested_codes"] >= 1

    # Live: a snapshot first, then every step in order, ending with COMPLETE and the close.
    assert messages[0]["type"] == "snapshot"
    steps = [m["current_step"] for m in messages[1:]]
    assert steps[-1] == "rendered"
    assert messages[-1]["status"] == "COMPLETE"
    assert messages[-1]["result"]["pdf"]["pages"] >= 1
    ids = [m["event_id"] for m in messages]
    assert ids == sorted(ids)

    assert trail["chain_valid"] is True
    assert [(e["actor"], e["step"]) for e in trail["events"]] == [
        ("gateway", "accepted"),
        ("ingestor", "ingesting"),
        ("ingestor", "ingested"),
        ("analyzer", "analyzing"),
        ("analyzer", "analyzed"),
        ("renderer", "rendering"),
        ("renderer", "rendered"),
    ]

    text = pdf_text(pdf, tmp_path)
    for heading in ("Clinical coding review", "Billed versus documented", "Suggested codes"):
        assert heading in text
    assert report_id in text

    assert fhir["resourceType"] == "Bundle"
    assert fhir["type"] == "collection"
    reports = [
        e["resource"] for e in fhir["entry"] if e["resource"]["resourceType"] == "DiagnosticReport"
    ]
    assert reports[0]["presentedForm"][0]["contentType"] == "application/pdf"
