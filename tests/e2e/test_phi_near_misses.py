"""The whole Bundle is known PHI: notes that spell the patient, relatives, clinician, hospital,
address, phone, device serial and member id otherwise ("Zeb Quartermain", "QUARTERMAINE,
ZEBULON", "Tillie" for Mathilda) travel the whole road, and no form of them reaches a message
after the ingestor, the report, the audit trail or the PDF."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.e2e.road import fetch, follow, pdf_text, start_road
from tests.e2e.test_phi_stays_in import FHIR, spy_on_bus
from tests.integration.harness import Pipeline
from tests.near_miss import near_miss_bundle, survivors


async def test_near_miss_forms_of_the_bundles_phi_never_leave_the_ingestor(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    await start_road(pipeline)
    connection, published = await spy_on_bus(pipeline)
    key = await pipeline.api_key("clinic")
    try:
        async with pipeline.client(key) as client:
            accepted = (
                await client.post(
                    "/v1/reports", content=orjson.dumps(near_miss_bundle()), headers=FHIR
                )
            ).json()
            pushed = await follow(accepted["links"]["ws"], key)
            report = (await fetch(client, f"/v1/reports/{accepted['id']}")).json()
            pdf = pdf_text(
                (await fetch(client, f"/v1/reports/{accepted['id']}/pdf")).content, tmp_path
            )
            trail = (await fetch(client, f"/v1/reports/{accepted['id']}/events")).text
    finally:
        await connection.close()

    assert report["status"] == "COMPLETE", report.get("error")
    after_ingestor = [body for body in published if b'"type":"report.requested"' not in body]
    assert len(after_ingestor) >= 6
    for body in after_ingestor:
        assert survivors(body.decode()) == []
    assert survivors(orjson.dumps(pushed).decode()) == []
    assert survivors(orjson.dumps(report).decode()) == []
    assert survivors(trail) == []
    assert survivors(pdf) == []
    assert "E11.65" in pdf  # the diabetes the notes describe is still coded
