"""Drug reports by ingredient, device reports, nil reports and trend alerts on the tenant's feed,
through the real gateway, stages and notifier (openFDA played by the fixture server)."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import websockets

from services.ingestor.scheduler.scheduler import Scheduler
from services.ingestor.scheduler.submit import ReportSubmitter
from tests.e2e.road import fetch, pdf_text, start_road
from tests.integration.harness import Pipeline
from tests.unit.renderer.pdf_inspection import ink_fraction, page_image
from tests.unit.renderer.pdf_inspection import pdf_text as page_text


async def _wait_complete(pipeline: Pipeline, report_id: str) -> None:
    row = await pipeline.wait_for_status(report_id, timeout=180)
    assert row["status"] == "COMPLETE", row["error_message"]


def _csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


async def test_an_ingredient_report_with_listing_exports_and_fhir(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    await start_road(pipeline, openfda=True)
    key = await pipeline.api_key("pharmaco")
    async with pipeline.client(key) as client:
        response = await client.post(
            "/v1/reports", json={"kind": "cer", "ingredient": "ambrisentan"}
        )
        assert response.status_code == 202, response.text
        report_id = response.json()["id"]
        await _wait_complete(pipeline, report_id)
        report = (await fetch(client, f"/v1/reports/{report_id}")).json()
        pdf = (await fetch(client, f"/v1/reports/{report_id}/pdf")).content
        cases = await fetch(client, f"/v1/reports/{report_id}/cases.csv")
        events = (await fetch(client, f"/v1/reports/{report_id}/tables/events.csv")).content
        fhir = (await fetch(client, f"/v1/reports/{report_id}/fhir")).json()
        missing = await client.get(f"/v1/reports/{report_id}/tables/nonsense.csv")
    summary = report["result"]["summary"]
    assert summary["scope"] == "ingredient"
    assert summary["subject"] == "Ambrisentan (active ingredient)"
    assert summary["reports_analysed"] == 61
    assert "cases.csv" in report["result"]["exports"]
    text = pdf_text(pdf, tmp_path)
    assert "Ambrisentan (active ingredient) · adverse event reports in FAERS" in text
    assert "Appendix A: case line listing" in text
    assert "EB05–EB95" in text
    assert cases.headers["content-type"].startswith("text/csv")
    rows = _csv(cases.content)
    assert rows[0][0] == "safetyreportid"
    assert len(rows) == 62  # one header line, one line per case
    assert _csv(events)[0][0] == "reaction"
    assert missing.status_code == 422
    kinds = [entry["resource"]["resourceType"] for entry in fhir["entry"]]
    assert "DocumentReference" in kinds
    # Look at the pages: the cover is not blank and the listing is on a landscape page.
    pages = [page_image(pdf, page=n) for n in range(1, 4)]
    assert 0.02 < ink_fraction(pages[0]) < 0.5


async def test_a_product_without_reports_completes_with_a_nil_report(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    await start_road(pipeline, openfda=True)
    key = await pipeline.api_key("pharmaco")
    async with pipeline.client(key) as client:
        response = await client.post("/v1/reports", json={"kind": "cer", "ndc": "0000-0001"})
        report_id = response.json()["id"]
        await _wait_complete(pipeline, report_id)
        pdf = (await fetch(client, f"/v1/reports/{report_id}/pdf")).content
        cases = (await fetch(client, f"/v1/reports/{report_id}/cases.csv")).content
    text = pdf_text(pdf, tmp_path)
    assert "Drug safety report (nil report)" in text
    assert "Nil report." in text
    assert len(_csv(cases)) == 1  # the header alone


async def _feed(url: str, key: str, events: list[dict[str, Any]], stop: asyncio.Event) -> None:
    async with websockets.connect(f"{url}/v1/ws/reports?token={key}&kind=device") as socket:
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(socket.recv(), timeout=0.5)
            except TimeoutError:
                continue
            events.append(orjson.loads(raw))


async def _until(events: list[dict[str, Any]], report_id: str, timeout: float = 180) -> None:
    async with asyncio.timeout(timeout):
        while not any(
            e.get("report_id") == report_id and e.get("status") == "COMPLETE" for e in events
        ):
            await asyncio.sleep(0.1)


async def test_a_scheduled_device_refresh_raises_a_trend_alert_on_the_tenant_feed(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    await start_road(pipeline, openfda=True)
    key = await pipeline.api_key("devices")
    pool = await pipeline.pool()
    async with pipeline.client(key) as client:
        created = await client.post(
            "/v1/schedules", json={"kind": "device", "product_code": "FRN", "every": "P1D"}
        )
        assert created.status_code == 201, created.text
        schedule_id = created.json()["id"]
        events: list[dict[str, Any]] = []
        stop = asyncio.Event()
        assert pipeline.notifier_url is not None
        listener = asyncio.create_task(_feed(pipeline.notifier_url, key, events, stop))
        await asyncio.sleep(0.5)  # the feed is live before the refresh starts
        release = {"value": date(2025, 1, 28)}

        async def probe(kind: str) -> date:
            assert kind == "device"
            return release["value"]

        scheduler = Scheduler(pool, owner="test", probe=probe, submit=ReportSubmitter(pool))
        (first,) = await scheduler.run_due()
        assert first.outcome == "regenerated"
        await _until(events, str(first.report_id))
        # A new data release, the same spike: the next refresh raises no alert again.
        release["value"] = date(2025, 2, 25)
        await pool.execute(
            "UPDATE schedules SET next_run_at = now() - interval '1 second' WHERE id = $1",
            schedule_id,
        )
        (second,) = await scheduler.run_due()
        await _until(events, str(second.report_id))
        stop.set()
        await listener
        cases = (await fetch(client, f"/v1/reports/{first.report_id}/cases.csv")).content
        problems = await fetch(client, f"/v1/reports/{first.report_id}/tables/device_problems.csv")
        pdf = (await fetch(client, f"/v1/reports/{first.report_id}/pdf")).content
    alerts = [e for e in events if e.get("outcome") == "alert"]
    assert [a["report_id"] for a in alerts] == [str(first.report_id)]
    notice = alerts[0]["alert"]
    assert notice["type"] == "trend_alert"
    assert notice["kind"] == "device"
    assert notice["subject"] == "product_code:FRN"
    assert notice["schedule_id"] == schedule_id
    months = {(a["term"], a["month"]) for a in notice["alerts"]}
    assert ("Occlusion Within Device (device problem)", "2024-09") in months
    assert "Trend alert for product code FRN" in alerts[0]["message"]
    # The alert is an audit event of the report too, so a reconnecting client can replay it.
    audit = await pool.fetch(
        "SELECT outcome FROM report_events WHERE report_id = $1 ORDER BY seq", first.report_id
    )
    assert "alert" in [row["outcome"] for row in audit]
    assert len(_csv(cases)) == 184
    assert _csv(problems.content)[1][0] == "Occlusion Within Device"
    text = pdf_text(pdf, tmp_path)
    assert "Device safety report" in text
    assert "Monthly trend alerts" in text
    listing_page = next(n for n in range(1, 30) if "Appendix A" in page_text(pdf, page=n))
    image = page_image(pdf, page=listing_page)
    assert image.width > image.height
