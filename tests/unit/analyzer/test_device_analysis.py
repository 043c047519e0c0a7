"""The device (MAUDE) analysis on the fixture's records: event types, problems, trends, alerts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.analyzer.device.analysis import ALL_REPORTS, analyze_device
from services.ingestor.device.dataset import fetch_device_dataset
from services.ingestor.openfda.fetching import FetchLimits
from shared.events.device import DeviceAnalysis, DeviceListingRow, DeviceRequest, DeviceScope
from tests.unit.ingestor.openfda_fixture import fixture_client

NOW = datetime(2025, 2, 1, tzinfo=UTC)


async def _analysis(request: DeviceRequest) -> tuple[DeviceAnalysis, tuple[DeviceListingRow, ...]]:
    fx = fixture_client()
    dataset = await fetch_device_dataset(request, fx.client, FetchLimits(), retrieved_at=NOW)
    result = analyze_device(dataset, dataset.cases, generated_at=NOW)
    return result.analysis, result.listing


async def test_event_types_problems_and_the_planted_spike() -> None:
    analysis, listing = await _analysis(
        DeviceRequest(scope=DeviceScope.PRODUCT_CODE, product_code="FRN")
    )
    totals = analysis.totals
    assert totals.analysed == 183
    assert totals.deaths + totals.injuries + totals.malfunctions <= 183
    types = {c.category: c.reports for c in analysis.event_types}
    assert sum(types.values()) == 183
    assert analysis.device_problems[0].term == "Occlusion Within Device"  # the spike's problem
    assert analysis.period.data_lock_point == date(2025, 1, 28)  # openFDA's release
    assert analysis.period.interval_start == date(2024, 1, 29)
    months = {(a.term, a.month) for a in analysis.trends.alerts if a.in_interval}
    assert ("Occlusion Within Device (device problem)", "2024-09") in months
    assert (ALL_REPORTS, "2024-09") in months
    assert all(a.month == "2024-09" for a in analysis.trends.alerts if a.in_interval)
    assert len(listing) == 183
    assert listing[0].date_received is not None
    assert listing[0].date_received >= listing[-1].date_received  # type: ignore[operator]
    assert "MAUDE has no denominator" in " ".join(analysis.narrative.executive_summary)


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (DeviceRequest(scope=DeviceScope.BRAND_NAME, brand_name="HEMOCHRON"), 1),
        (DeviceRequest(scope=DeviceScope.MANUFACTURER, manufacturer="BIOSITE"), 3),
    ],
)
async def test_small_device_searches(request_: DeviceRequest, expected: int) -> None:
    analysis, listing = await _analysis(request_)
    assert analysis.totals.analysed == expected == len(listing)
    assert not analysis.trends.alerts


async def test_a_device_without_reports_is_a_nil_report() -> None:
    analysis, listing = await _analysis(
        DeviceRequest(scope=DeviceScope.PRODUCT_CODE, product_code="ZZZ")
    )
    assert analysis.nil
    assert listing == ()
    assert analysis.narrative.executive_summary[0].startswith("Nil report.")
