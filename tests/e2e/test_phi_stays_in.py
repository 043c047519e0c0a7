"""Proof that PHI stays in the ingestor: known PHI planted in a Bundle's notes and structured
fields travels the whole road, and none of it is found in any message published after the ingestor,
in the logs, in error details, in the audit trail, in the PDF's text or in the FHIR output."""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aio_pika
import orjson
import pytest

from shared import logging as clinrelay_logging
from tests.e2e.road import fetch, follow, pdf_text, start_road
from tests.integration.bundles import note_bundle
from tests.integration.harness import Pipeline

FHIR = {"Content-Type": "application/fhir+json"}

# Synthetic person; the SSN is in a range the SSA never issues to real people.
PLANTED = {
    "given": "Johanna",
    "family": "Vandermeer",
    "mrn": "884213",
    "phone": "617-555-0142",
    "street": "12 Larch Lane",
    "city": "Dedham",
    "zip": "02026",
    "ssn": "536-22-8741",
    "email": "johanna.vandermeer@example.org",
    "dob": "06/02/1951",
    "visit": "03/14/2024",
    "daughter": "Marisol",
}

NOTE = f"""HISTORY OF PRESENT ILLNESS
Johanna Vandermeer (MRN {PLANTED["mrn"]}, DOB {PLANTED["dob"]}, SSN {PLANTED["ssn"]}) was seen
on {PLANTED["visit"]} at the clinic. She lives at {PLANTED["street"]}, {PLANTED["city"]} MA
{PLANTED["zip"]}; phone {PLANTED["phone"]}, e-mail {PLANTED["email"]}.
Her daughter {PLANTED["daughter"]} Vandermeer accompanied her.
Mrs. Vandermeer reports increased thirst. Type 2 diabetes mellitus with hyperglycemia.
Essential hypertension. Denies chest pain. No evidence of pneumonia.
Family history: mother had breast cancer.
Plan: continue metformin; recheck HbA1c in 3 months. Call Johanna with results.
"""


def planted_bundle() -> dict[str, Any]:
    bundle = note_bundle(NOTE)
    patient = bundle["entry"][0]["resource"]
    patient["telecom"] = [
        {"system": "phone", "value": PLANTED["phone"]},
        {"system": "email", "value": PLANTED["email"]},
    ]
    patient["identifier"] = [
        {"system": "urn:mrn", "value": PLANTED["mrn"]},
        {"system": "http://hl7.org/fhir/sid/us-ssn", "value": PLANTED["ssn"]},
    ]
    patient["address"] = [
        {"line": [PLANTED["street"]], "city": PLANTED["city"], "postalCode": PLANTED["zip"]}
    ]
    patient["birthDate"] = "1951-06-02"
    bundle["entry"].append(
        {
            "fullUrl": "urn:uuid:6f1f2c70-0000-4000-8000-000000000009",
            "resource": {
                "resourceType": "RelatedPerson",
                "id": "rp1",
                "patient": {"reference": "urn:uuid:6f1f2c70-0000-4000-8000-000000000001"},
                "name": [{"given": [PLANTED["daughter"]], "family": PLANTED["family"]}],
            },
        }
    )
    return bundle


def leaks(text: str) -> list[str]:
    """The planted values found in ``text`` (case-insensitively)."""
    lowered = text.lower()
    found = [name for name, value in PLANTED.items() if value.lower() in lowered]
    if "1951-06-02" in text:
        found.append("dob-iso")
    return found


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Everything the services log, rendered by clinrelay's own (PHI-filtering) log setup."""
    clinrelay_logging.configure("e2e", "DEBUG", "json")
    root = logging.getLogger()
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(root.handlers[0].formatter)
    root.addHandler(handler)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)


async def spy_on_bus(pipe: Pipeline) -> tuple[aio_pika.abc.AbstractConnection, list[bytes]]:
    """Copies of every message published on the events exchange from now on."""
    connection = await aio_pika.connect(pipe.amqp_url)
    channel = await connection.channel()
    queue = await channel.declare_queue(exclusive=True, auto_delete=True)
    await queue.bind(f"{pipe.namespace}.events", "#")
    bodies: list[bytes] = []

    async def keep(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        bodies.append(message.body + orjson.dumps(message.headers or {}, default=str))
        await message.ack()

    await queue.consume(keep)
    return connection, bodies


async def test_planted_phi_never_leaves_the_ingestor(
    pipeline: Pipeline, tmp_path: Path, captured_logs: io.StringIO
) -> None:
    await start_road(pipeline)
    connection, published = await spy_on_bus(pipeline)
    key = await pipeline.api_key("clinic")
    try:
        async with pipeline.client(key) as client:
            accepted = (
                await client.post(
                    "/v1/reports", content=orjson.dumps(planted_bundle()), headers=FHIR
                )
            ).json()
            pushed = await follow(accepted["links"]["ws"], key)
            report_id = accepted["id"]
            report = (await fetch(client, f"/v1/reports/{report_id}")).json()
            pdf = (await fetch(client, f"/v1/reports/{report_id}/pdf")).content
            fhir = (await fetch(client, f"/v1/reports/{report_id}/fhir")).text
            trail = (await fetch(client, f"/v1/reports/{report_id}/events")).text
    finally:
        await connection.close()

    assert report["status"] == "COMPLETE", report.get("error")
    after_ingestor = [body for body in published if b'"type":"report.requested"' not in body]
    assert len(after_ingestor) >= 6  # ingested, analyzed and the notifications
    for body in after_ingestor:
        assert leaks(body.decode()) == []
    assert leaks(orjson.dumps(pushed).decode()) == []
    assert leaks(orjson.dumps(report).decode()) == []
    assert leaks(trail) == []
    assert leaks(pdf_text(pdf, tmp_path)) == []
    fhir_text = fhir + "".join(
        base64.b64decode(part).decode("latin-1") for part in _attachments(orjson.loads(fhir))
    )
    assert leaks(fhir) == []
    assert "Vandermeer" not in fhir_text
    assert leaks(captured_logs.getvalue()) == []
    # The clinical content survived de-identification: the diabetes code is suggested.
    assert "E11.65" in pdf_text(pdf, tmp_path)


def _attachments(bundle: dict[str, Any]) -> Iterator[str]:
    for entry in bundle["entry"]:
        for form in entry["resource"].get("presentedForm", []):
            yield form["data"]


async def test_a_crash_while_holding_phi_reports_no_phi(
    pipeline: Pipeline, captured_logs: io.StringIO
) -> None:
    """The de-identifier itself blows up with PHI in its exception: the report fails closed, and
    the error, the audit trail, the parked message and the logs stay clean."""

    class Exploding:
        def deidentify_notes(self, notes: Any, known: Any) -> Any:
            raise RuntimeError(f"cannot handle note: {notes[0][:200]}")

    from services.ingestor.settings import IngestorSettings
    from services.ingestor.stage import IngestorStage

    await pipeline.start_gateway()
    await pipeline.start_relay()
    await pipeline.start_stage(IngestorStage(pipeline.settings(IngestorSettings), Exploding()))
    key = await pipeline.api_key("clinic")
    async with pipeline.client(key) as client:
        accepted = (
            await client.post("/v1/reports", content=orjson.dumps(planted_bundle()), headers=FHIR)
        ).json()
        row = await pipeline.wait_for_status(accepted["id"])
        report = (await fetch(client, f"/v1/reports/{accepted['id']}")).json()
        trail = (await fetch(client, f"/v1/reports/{accepted['id']}/events")).text

    pool = await pipeline.pool()
    parked = await pool.fetch("SELECT error_message, headers, body FROM dead_letters")
    assert row["status"] == "FAILED"
    assert report["error"]["message"] == (
        "The ingestor stage failed with an internal error (RuntimeError)."
    )
    assert leaks(orjson.dumps(report).decode()) == []
    assert leaks(trail) == []
    assert leaks(orjson.dumps([dict(p) for p in parked], default=str).decode()) == []
    assert leaks(captured_logs.getvalue()) == []
