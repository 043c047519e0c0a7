"""The openFDA client and the CER fetcher against the fixture server (real openFDA content)."""

from datetime import UTC, date, datetime

import pytest

from clinrelay.openfda_fixture.server import Fault, FixtureState
from services.ingestor.cer.dataset import fetch_cer_dataset
from services.ingestor.openfda.client import OpenFdaError, next_link
from services.ingestor.openfda.fetching import FetchLimits
from services.ingestor.openfda.query import Query, product_search
from shared.events.cer import QueryPurpose
from shared.events.faers_case import DrugRole
from shared.intake.ndc import cer_request
from tests.unit.ingestor.openfda_fixture import fixture_client

LETAIRIS = "61958-0801"  # ambrisentan: 61 of the bundled real reports list it
NOW = datetime(2025, 1, 1, tzinfo=UTC)


async def test_cer_dataset_for_a_product_in_the_fixture() -> None:
    fx = fixture_client()
    dataset = await fetch_cer_dataset(
        cer_request(LETAIRIS), fx.client, FetchLimits(page_size=1000), retrieved_at=NOW
    )
    assert dataset.matched_total == 61
    assert len(dataset.cases) == 61
    assert dataset.fetched == 61
    assert not dataset.truncated
    assert dataset.dropped_ndc_mismatch == 0
    assert dataset.missing_openfda == 0
    assert {case.role for case in dataset.cases} == {DrugRole.SUSPECT}
    assert dataset.product.brand_names == ("LETAIRIS",)
    assert dataset.product.generic_names == ("AMBRISENTAN",)
    assert dataset.product.matched_product_ndcs == (LETAIRIS,)
    assert dataset.source.meta_last_updated == date(2014, 3, 31)
    counts = dataset.counts
    assert counts.product_reports == 61
    assert counts.database_reports == len(fx.state.reports)
    product = {row.term: row.count for row in counts.product_event_counts}
    database = {row.term: row.count for row in counts.database_event_counts}
    assert product["Dyspnoea"] == 10
    assert database["Dyspnoea"] == 11
    assert dataset.fallback is not None
    assert dataset.fallback.search == 'patient.drug.medicinalproduct:("LETAIRIS" "AMBRISENTAN")'
    assert dataset.fallback.total == 61
    # Every query is recorded for the appendix, and none carries an API key.
    purposes = {record.purpose for record in dataset.queries}
    assert {
        QueryPurpose.PRODUCT_REPORTS,
        QueryPurpose.PRODUCT_EVENT_COUNTS,
        QueryPurpose.DATABASE_TOTAL,
        QueryPurpose.DATABASE_EVENT_COUNTS,
        QueryPurpose.FALLBACK,
    } <= purposes
    assert all("api_key" not in record.url for record in dataset.queries)
    # The NDC was searched exactly and quoted, never tokenised.
    # A 5-4 product code may be a padded 5-3 one: both spellings are searched, exactly and quoted.
    assert dataset.queries[0].search == (
        'patient.drug.openfda.product_ndc.exact:("61958-0801" "61958-801")'
    )


async def test_zero_matches_is_not_found_not_a_failure() -> None:
    fx = fixture_client()
    response = await fx.client.total(
        Query(QueryPurpose.PRODUCT_REPORTS, search=product_search(["0000-0001"], None, None))
    )
    assert response.not_found
    assert response.total == 0
    nil = await fetch_cer_dataset(
        cer_request("0000-0001"), fx.client, FetchLimits(), retrieved_at=NOW
    )
    # A product without reports is a nil report, not a failure; the database total still tells
    # the reader how big FAERS is in the window.
    assert nil.matched_total == 0
    assert nil.cases == ()
    assert nil.counts.database_reports == len(fx.state.reports)
    assert nil.queries[0].not_found


async def test_rate_limited_then_success_backs_off_with_jitter() -> None:
    fx = fixture_client()
    fx.state.faults.append(Fault(429, times=2, headers={"Retry-After": "2"}))
    response = await fx.client.total(
        Query(QueryPurpose.PRODUCT_REPORTS, search=product_search([LETAIRIS], None, None))
    )
    assert response.total == 61
    assert len(fx.sleeps.delays) == 2
    # Retry-After is a floor; jitter stays under the exponential ceiling (1 s, then 2 s).
    assert all(2.0 <= delay <= 8.0 for delay in fx.sleeps.delays)
    assert fx.client.network_requests == 3


async def test_server_errors_are_retried_then_reported_as_transient() -> None:
    fx = fixture_client(max_retries=2)
    fx.state.faults.append(Fault(500, times=10))
    with pytest.raises(OpenFdaError) as caught:
        await fx.client.total(Query(QueryPurpose.DATABASE_TOTAL))
    assert not caught.value.permanent
    assert "SERVER_ERROR" in caught.value.message
    assert fx.client.network_requests == 3
    delays = fx.sleeps.delays
    assert len(delays) == 2
    assert 0 <= delays[0] <= 1.0
    assert 0 <= delays[1] <= 2.0


async def test_bad_request_is_permanent() -> None:
    fx = fixture_client()
    with pytest.raises(OpenFdaError) as caught:
        await fx.client.fetch("http://openfda.fixture/drug/event.json?limit=5000")
    assert caught.value.permanent
    assert "Limit cannot exceed 1000" in caught.value.message


async def test_pagination_follows_search_after_links() -> None:
    fx = fixture_client()
    dataset = await fetch_cer_dataset(
        cer_request(LETAIRIS), fx.client, FetchLimits(page_size=10), retrieved_at=NOW
    )
    assert len(dataset.cases) == 61
    assert len({case.safetyreportid for case in dataset.cases}) == 61
    record = next(r for r in dataset.queries if r.sort == "receivedate:desc")
    assert record.pages == 7
    assert sum("search_after=" in q for q in fx.state.requests) == 6
    assert all("skip=0" in q for q in fx.state.requests if "search_after=" in q)


async def test_download_cap_truncates_but_counts_cover_everything() -> None:
    fx = fixture_client()
    dataset = await fetch_cer_dataset(
        cer_request(LETAIRIS),
        fx.client,
        FetchLimits(page_size=10, max_reports=25),
        retrieved_at=NOW,
    )
    assert dataset.truncated
    assert dataset.fetched == 25
    assert len(dataset.cases) == 25
    assert dataset.matched_total == 61
    assert dataset.counts.product_reports == 61


async def test_tokenised_search_trap_report_is_dropped_and_counted() -> None:
    # openFDA's real answer to an un-quoted product_ndc search: one report, without 50242-051.
    state = FixtureState()
    exact = product_search(["50242-051"], None, None)
    state.aliases[exact] = "event_product_ndc_50242-051_seriousnessdeath.json"
    fx = fixture_client(state)
    dataset = await fetch_cer_dataset(
        cer_request("50242-051-21"), fx.client, FetchLimits(), retrieved_at=NOW
    )
    assert dataset.cases == ()
    assert dataset.matched_total == 59_744  # the recorded search's total
    assert dataset.dropped_ndc_mismatch == 1
    assert "1 report(s) returned by openFDA did not list the NDC" in dataset.notices[0]


async def test_tokenised_search_in_the_fixture_matches_unrelated_reports() -> None:
    fx = fixture_client()
    tokenised = await fx.client.total(
        Query(QueryPurpose.PRODUCT_REPORTS, search="patient.drug.openfda.product_ndc:50242-051")
    )
    exact = await fx.client.total(
        Query(QueryPurpose.PRODUCT_REPORTS, search=product_search(["50242-051"], None, None))
    )
    assert tokenised.total > 0
    assert exact.not_found


@pytest.mark.parametrize("recording", ["missingopenfda.json", "empty.json"])
async def test_reports_without_openfda_block_are_counted_apart(recording: str) -> None:
    state = FixtureState()
    state.aliases[product_search(["0407-0690"], None, None)] = recording
    fx = fixture_client(state)
    dataset = await fetch_cer_dataset(
        cer_request("0407-0690"), fx.client, FetchLimits(), retrieved_at=NOW
    )
    assert dataset.cases == ()
    assert dataset.missing_openfda == 1
    assert dataset.dropped_ndc_mismatch == 0


async def test_cache_serves_repeat_queries_until_the_data_release_changes() -> None:
    fx = fixture_client()
    request = cer_request(LETAIRIS)
    await fetch_cer_dataset(request, fx.client, FetchLimits(), retrieved_at=NOW)
    first = fx.client.network_requests
    again = await fetch_cer_dataset(request, fx.client, FetchLimits(), retrieved_at=NOW)
    # Only the live probe goes out; everything else comes from the cache of the same release.
    assert fx.client.network_requests == first + 1
    assert any(record.from_cache for record in again.queries)
    fx.state.last_updated = date(2014, 6, 30)
    refreshed = await fetch_cer_dataset(request, fx.client, FetchLimits(), retrieved_at=NOW)
    assert fx.client.network_requests == first * 2 + 1
    assert refreshed.source.meta_last_updated == date(2014, 6, 30)
    assert all(e[1].last_updated == date(2014, 6, 30) for e in fx.cache.entries.values())


async def test_api_key_is_sent_but_never_recorded() -> None:
    fx = fixture_client(api_key="secret-key-123")
    dataset = await fetch_cer_dataset(
        cer_request(LETAIRIS), fx.client, FetchLimits(), retrieved_at=NOW
    )
    assert "secret-key-123" not in dataset.model_dump_json()
    assert all("secret-key-123" not in url for url, _ in fx.cache.entries.values())


async def test_date_window_is_applied_to_every_query() -> None:
    fx = fixture_client()
    request = cer_request(LETAIRIS, since=date(2014, 3, 12), until=date(2014, 3, 31))
    dataset = await fetch_cer_dataset(request, fx.client, FetchLimits(), retrieved_at=NOW)
    assert dataset.matched_total == 61
    # The database total shrinks to the window too (the bundled reports span 2008-2014).
    assert dataset.counts.database_reports < len(fx.state.reports)
    windowed = [r for r in dataset.queries if r.purpose is not QueryPurpose.FALLBACK]
    assert all(r.search and "receivedate:[20140312 TO 20140331]" in r.search for r in windowed)
    before = cer_request(LETAIRIS, since=date(2014, 1, 1), until=date(2014, 3, 11))
    nil = await fetch_cer_dataset(before, fx.client, FetchLimits(), retrieved_at=NOW)
    assert nil.matched_total == 0
    assert all("receivedate:[20140101 TO 20140311]" in (r.search or "") for r in nil.queries[:2])


def test_next_link_parsing() -> None:
    header = '<https://api.fda.gov/drug/event.json?search=x&skip=0&search_after=0%3D1>; rel="next"'
    assert (
        next_link(header)
        == "https://api.fda.gov/drug/event.json?search=x&skip=0&search_after=0%3D1"
    )
    assert next_link(None) is None
    assert next_link('<https://x>; rel="prev"') is None
