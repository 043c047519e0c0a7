"""Drug reports by NDC, ingredient and brand, and device reports by product code, brand and
manufacturer, against the openFDA fixture server (real FAERS and MAUDE records; the device
records it adds are generated from FDA's schema and labelled synthetic)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.ingestor.cer.dataset import fetch_cer_dataset
from services.ingestor.device.dataset import fetch_device_dataset
from services.ingestor.openfda.fetching import FetchLimits
from shared.events.cer import CerRequest, DrugScope
from shared.events.device import DeviceEventType, DeviceRequest, DeviceScope
from shared.events.faers_case import DrugRole
from shared.events.openfda import QueryPurpose
from shared.intake.ndc import cer_request
from tests.unit.ingestor.openfda_fixture import fixture_client

NOW = datetime(2025, 1, 1, tzinfo=UTC)
PREDNISONE_NDC = "0054-8724"  # Roxane's prednisone: its reports carry 62 product NDCs


async def test_an_ingredient_report_covers_every_product_and_labeler() -> None:
    fx = fixture_client()
    request = CerRequest(scope=DrugScope.INGREDIENT, ingredient="PREDNISONE")
    dataset = await fetch_cer_dataset(request, fx.client, FetchLimits(), retrieved_at=NOW)
    assert dataset.matched_total == 7
    assert len(dataset.cases) == 7
    assert dataset.queries[0].search == (
        '(patient.drug.openfda.substance_name.exact:"PREDNISONE" OR '
        'patient.drug.openfda.generic_name.exact:"PREDNISONE")'
    )
    product = dataset.product
    assert product.scope is DrugScope.INGREDIENT
    assert product.searched == "PREDNISONE"
    assert len(product.manufacturer_names) == 12
    assert len(product.listed_product_ndcs) == 62
    assert "RAYOS" in product.brand_names
    # Roles are kept per report; the analyzer decides which count.
    roles = [case.role for case in dataset.cases]
    assert roles.count(DrugRole.CONCOMITANT) == 4
    assert roles.count(DrugRole.SUSPECT) == 3


async def test_an_ndc_of_a_generic_says_it_is_in_effect_an_ingredient_report() -> None:
    fx = fixture_client()
    dataset = await fetch_cer_dataset(
        cer_request(PREDNISONE_NDC), fx.client, FetchLimits(), retrieved_at=NOW
    )
    assert dataset.matched_total == 7
    notice = next(n for n in dataset.notices if "harmonises a drug entry by name" in n)
    assert "62 product NDCs from 12 labeler(s)" in notice
    assert "prednisone" in notice


async def test_a_brand_report_matches_the_harmonised_brand_across_labelers() -> None:
    fx = fixture_client()
    request = CerRequest(scope=DrugScope.BRAND, brand="LETAIRIS")
    dataset = await fetch_cer_dataset(request, fx.client, FetchLimits(), retrieved_at=NOW)
    assert dataset.queries[0].search == 'patient.drug.openfda.brand_name.exact:"LETAIRIS"'
    assert len(dataset.cases) == 61
    assert dataset.product.brand_names == ("LETAIRIS",)
    assert dataset.fallback is not None
    assert '"LETAIRIS"' in dataset.fallback.search


async def test_the_listing_fields_come_from_the_report() -> None:
    fx = fixture_client()
    dataset = await fetch_cer_dataset(
        cer_request("61958-0801"), fx.client, FetchLimits(), retrieved_at=NOW
    )
    by_id = {case.safetyreportid: case for case in dataset.cases}
    with_onset = [c for c in dataset.cases if c.onset_days is not None]
    assert with_onset, "some Letairis reports carry both a start and an event date"
    case = with_onset[0]
    assert case.event_date is not None
    assert case.drug_start_date is not None
    assert case.onset_days == (case.event_date - case.drug_start_date).days
    assert any(c.reporter_qualification is not None for c in by_id.values())
    assert any(c.indications for c in by_id.values())
    assert all(c.company_number for c in by_id.values())
    assert any(c.duplicate_numbers for c in by_id.values())


async def test_ebgm_background_counts_are_fetched_per_product() -> None:
    fx = fixture_client()
    dataset = await fetch_cer_dataset(
        cer_request("61958-0801"),
        fx.client,
        FetchLimits(background_products=5),
        retrieved_at=NOW,
    )
    assert dataset.background is not None
    assert len(dataset.background.products) == 5
    top = dataset.background.products[0]
    assert top.name == "AMBRISENTAN"
    assert top.reports == 61
    margins = dataset.counts.database_event_counts
    assert all(0 <= i < len(margins) for i in top.event_indexes)
    purposes = [q.purpose for q in dataset.queries]
    assert purposes.count(QueryPurpose.BACKGROUND_EVENT_COUNTS) == 5
    none = await fetch_cer_dataset(
        cer_request("61958-0801"),
        fx.client,
        FetchLimits(background_products=0),
        retrieved_at=NOW,
    )
    assert none.background is None


async def test_a_data_lock_point_closes_every_query_window() -> None:
    fx = fixture_client()
    request = cer_request("61958-0801", data_lock_point=date(2014, 3, 11))
    dataset = await fetch_cer_dataset(request, fx.client, FetchLimits(), retrieved_at=NOW)
    assert dataset.matched_total == 0  # every Letairis report arrived on 12 March 2014
    windowed = [r for r in dataset.queries if r.purpose is not QueryPurpose.FALLBACK]
    assert all("receivedate:[19000101 TO 20140311]" in (r.search or "") for r in windowed)


async def test_device_reports_by_product_code() -> None:
    fx = fixture_client()
    request = DeviceRequest(scope=DeviceScope.PRODUCT_CODE, product_code="FRN")
    dataset = await fetch_device_dataset(
        request, fx.client, FetchLimits(page_size=50), retrieved_at=NOW
    )
    assert dataset.queries[0].endpoint == "/device/event.json"
    assert dataset.queries[0].search == 'device.device_report_product_code.exact:"FRN"'
    assert dataset.queries[0].pages == 4  # 183 reports, 50 a page, search_after links
    assert len(dataset.cases) == dataset.matched_total == 183
    assert dataset.device.product_codes == ("FRN",)
    assert dataset.device.device_names == ("Pump, Infusion",)
    assert sum(row.count for row in dataset.daily_received) == 183
    assert dataset.source.meta_last_updated == date(2025, 1, 28)
    kinds = {case.event_type for case in dataset.cases}
    assert {DeviceEventType.DEATH, DeviceEventType.INJURY, DeviceEventType.MALFUNCTION} <= kinds
    case = dataset.cases[0]
    assert case.product_problems
    assert case.patient_problems
    assert "SYNTHETIC" not in "".join(case.patient_problems)
    # The narrative (mdr_text) is never kept: it may name people.
    assert "mdr_text" not in case.model_dump_json()
    assert "SYNTHETIC RECORD" not in dataset.model_dump_json()


async def test_device_reports_by_brand_phrase_include_the_real_maude_record() -> None:
    fx = fixture_client()
    request = DeviceRequest(scope=DeviceScope.BRAND_NAME, brand_name="HEMOCHRON")
    dataset = await fetch_device_dataset(request, fx.client, FetchLimits(), retrieved_at=NOW)
    assert dataset.queries[0].search == 'device.brand_name:"hemochron"'
    (case,) = dataset.cases
    assert case.mdr_report_key == "538836"  # FDA's wide_sample.json
    assert case.event_type is DeviceEventType.INJURY
    assert case.patient_outcomes == ("Life Threatening", "Required Intervention")
    assert case.manufacturer_names == ("INTERNATIONAL TECHNIDYNE CORP.",)
    # The manufacturer's contact person in the record is not projected.
    assert "GRONOSTAJSKI" not in dataset.model_dump_json()


async def test_device_reports_by_manufacturer_and_nothing_found() -> None:
    fx = fixture_client()
    by_maker = DeviceRequest(scope=DeviceScope.MANUFACTURER, manufacturer="BIOSITE")
    dataset = await fetch_device_dataset(by_maker, fx.client, FetchLimits(), retrieved_at=NOW)
    assert len(dataset.cases) == 3  # three raw MAUDE rows of FDA's test data
    assert set(dataset.device.product_codes) == {"JPA", "MMI"}
    nothing = DeviceRequest(scope=DeviceScope.PRODUCT_CODE, product_code="ZZZ")
    empty = await fetch_device_dataset(nothing, fx.client, FetchLimits(), retrieved_at=NOW)
    assert empty.matched_total == 0
    assert empty.cases == ()
    assert empty.queries[0].not_found
