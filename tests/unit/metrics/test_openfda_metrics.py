"""openFDA traffic on /metrics: requests by status class, 429s and cache hits."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import generate_latest

from clinrelay.openfda_fixture.server import Fault
from services.ingestor.cer.dataset import fetch_cer_dataset
from services.ingestor.openfda.fetching import FetchLimits
from services.ingestor.openfda.query import Query, product_search
from shared.events.cer import QueryPurpose
from shared.intake.ndc import cer_request
from shared.metrics.openfda import OpenFdaMetrics
from tests.metrics_text import value
from tests.unit.ingestor.openfda_fixture import fixture_client

LETAIRIS = "61958-0801"


def _page() -> str:
    return generate_latest().decode()


async def test_throttled_requests_and_cache_hits_are_counted() -> None:
    fx = fixture_client(observer=OpenFdaMetrics())
    fx.state.faults.append(Fault(429, times=2, headers={"Retry-After": "2"}))
    before = _page()
    await fx.client.total(
        Query(QueryPurpose.PRODUCT_REPORTS, search=product_search([LETAIRIS], None, None))
    )
    after = _page()
    assert (
        value(after, "clinrelay_openfda_throttled_total")
        - value(before, "clinrelay_openfda_throttled_total")
        == 2
    )
    assert (
        value(after, "clinrelay_openfda_requests_total", status="4xx")
        - value(before, "clinrelay_openfda_requests_total", status="4xx")
        == 2
    )
    assert (
        value(after, "clinrelay_openfda_requests_total", status="2xx")
        - value(before, "clinrelay_openfda_requests_total", status="2xx")
        == 1
    )

    request = cer_request(LETAIRIS)
    now = datetime(2025, 1, 1, tzinfo=UTC)
    await fetch_cer_dataset(request, fx.client, FetchLimits(), retrieved_at=now)
    before = _page()
    await fetch_cer_dataset(request, fx.client, FetchLimits(), retrieved_at=now)
    after = _page()
    assert value(after, "clinrelay_openfda_cache_hits_total") > value(
        before, "clinrelay_openfda_cache_hits_total"
    )
