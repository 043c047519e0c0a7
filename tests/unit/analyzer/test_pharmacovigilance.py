"""What a safety officer checks first: roles, interval vs cumulative, duplicates, power, ties,
EBGM beside PRR/ROR, trend alerts and nil reports — on hand-built data with known answers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from services.analyzer.cer.analysis import analyze_cer
from services.analyzer.cer.changes import PreviousSignals
from services.analyzer.cer.listing import SAME_DETAILS, SAME_NUMBER, duplicate_groups
from services.analyzer.cer.narrative import top_with_ties, trend_text
from services.analyzer.cer.power import assess_power
from services.analyzer.cer.product_side import product_side
from services.analyzer.surveillance.monthly import alert_key, last_complete_month, trend_alerts
from services.analyzer.surveillance.period import months_before, reporting_period
from shared.events.cer import (
    BackgroundProduct,
    CerDataset,
    DisproportionalityCounts,
    EbgmBackground,
    EventRow,
    OpenFdaSource,
    ProductIdentification,
    QuarterCount,
    QueryPurpose,
    QueryRecord,
    TermCount,
)
from shared.events.faers_case import DrugRole, FaersCase, PatientSex, Reaction
from shared.events.openfda import TrendSummary
from shared.intake.ndc import cer_request

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def case(n: int, *pts: str, **fields: object) -> FaersCase:
    fields.setdefault("role", DrugRole.SUSPECT)
    return FaersCase(
        safetyreportid=str(n), reactions=tuple(Reaction(pt=pt) for pt in pts), **fields
    )


def dataset(
    cases: tuple[FaersCase, ...],
    counts: DisproportionalityCounts,
    *,
    truncated: bool = False,
    matched: int | None = None,
    background: EbgmBackground | None = None,
    **request: object,
) -> CerDataset:
    req = cer_request("61958-0801", **request)  # type: ignore[arg-type]
    return CerDataset(
        request=req,
        source=OpenFdaSource(
            base_url="http://x", meta_last_updated=date(2024, 12, 31), retrieved_at=NOW
        ),
        product=ProductIdentification(ndc=req.ndc, ndc_input=req.ndc_input, product_ndcs=("x",)),
        queries=(QueryRecord(purpose=QueryPurpose.PRODUCT_REPORTS, limit=1, url="http://x"),),
        matched_total=matched if matched is not None else len(cases),
        fetched=len(cases),
        fetch_cap=5000,
        truncated=truncated,
        cases=cases,
        counts=counts,
        background=background,
    )


def test_suspect_only_is_the_default_and_concomitant_reports_are_counted_apart() -> None:
    cases = (
        case(1, "Rash"),
        case(2, "Rash", role=DrugRole.CONCOMITANT),
        case(3, "Nausea", role=DrugRole.CONCOMITANT),
        case(4, "Rash", role=DrugRole.INTERACTING),
    )
    counts = DisproportionalityCounts(
        product_reports=4,
        database_reports=1000,
        database_event_counts=(TermCount(term="Rash", count=50),),
    )
    suspect = analyze_cer(dataset(cases, counts), cases, previous=None, generated_at=NOW)
    totals = suspect.analysis.totals
    assert (totals.verified, totals.analysed, totals.concomitant) == (4, 1, 2)
    assert totals.product_counts == "cases"
    (row,) = suspect.analysis.disproportionality
    assert (row.table.a, row.table.a + row.table.b) == (1, 1)  # from the suspect report only
    both = analyze_cer(
        dataset(cases, counts, roles=(DrugRole.SUSPECT, DrugRole.CONCOMITANT)),
        cases,
        previous=None,
        generated_at=NOW,
    ).analysis
    assert both.totals.analysed == 3
    assert both.disproportionality[0].table.a == 2
    assert "suspect (primary or secondary) and concomitant" in " ".join(both.narrative.methods)


def test_capped_downloads_scale_the_count_queries_by_the_role_shares() -> None:
    cases = (
        case(1, "Rash"),
        case(2, "Rash", role=DrugRole.CONCOMITANT),
        case(3, "Nausea"),
        case(4, "Nausea"),
    )
    counts = DisproportionalityCounts(
        product_reports=400,
        product_event_counts=(
            TermCount(term="Rash", count=200),
            TermCount(term="Nausea", count=90),
        ),
        database_reports=100_000,
        database_event_counts=(
            TermCount(term="Rash", count=2000),
            TermCount(term="Nausea", count=900),
        ),
    )
    side = product_side(
        counts, cases, cases[:1] + cases[2:], truncated=True, roles=[DrugRole.SUSPECT]
    )
    assert side.source == "estimated"
    assert side.product_reports == 300  # 400 × 3/4
    assert side.event_counts == {"rash": 100, "nausea": 90}  # rash 1 of 2 suspect, nausea 2/2


def test_interval_and_cumulative_counts_side_by_side() -> None:
    cases = (
        case(1, "Rash", receivedate=date(2023, 6, 1), serious=True),
        case(2, "Rash", receivedate=date(2024, 3, 1), serious=True),
        case(3, "Rash", "Nausea", receivedate=date(2024, 11, 1), serious=False),
    )
    counts = DisproportionalityCounts(product_reports=3, database_reports=1000)
    analysis = analyze_cer(
        dataset(cases, counts, data_lock_point=date(2024, 12, 31)),
        cases,
        previous=None,
        generated_at=NOW,
    ).analysis
    assert analysis.period.data_lock_point == date(2024, 12, 31)
    assert analysis.period.interval_start == date(2024, 1, 1)  # 12 months by default
    rash = next(e for e in analysis.events if e.pt == "Rash")
    assert (rash.interval_reports, rash.reports) == (2, 3)
    assert (rash.interval_serious_reports, rash.serious_reports) == (1, 2)
    assert analysis.totals.interval_analysed == 2
    assert analysis.seriousness.interval_serious == 1
    assert analysis.seriousness.interval_non_serious == 1


def test_periods() -> None:
    assert months_before(date(2024, 3, 31), 1) == date(2024, 2, 29)
    request = cer_request("61958-0801", until=date(2024, 6, 30), interval_start=date(2024, 4, 1))
    period = reporting_period(request, date(2025, 1, 1), [date(2024, 5, 1)])
    assert period.data_lock_point == date(2024, 6, 30)  # until, before openFDA's release
    assert period.interval_start == date(2024, 4, 1)
    assert last_complete_month(date(2024, 6, 30)) == 2024 * 12 + 5  # June counts
    assert last_complete_month(date(2024, 6, 29)) == 2024 * 12 + 4  # June is not over


def test_duplicate_suspects_by_number_and_by_details() -> None:
    same_patient = {
        "sex": PatientSex.FEMALE,
        "age_years": 61.4,
        "country": "US",
        "event_date": date(2024, 5, 2),
    }
    cases = [
        case(1, "Rash", company_number="GILEAD-1"),
        case(2, "Rash", duplicate_numbers=("GILEAD-1",)),
        case(3, "Rash", "NAUSEA", **same_patient),
        case(4, "Nausea", "Rash", **same_patient),
        case(5, "Rash", "Nausea", **{**same_patient, "age_years": None}),  # unknown never matches
        case(6, "Rash"),
    ]
    flagged = duplicate_groups(cases)
    assert flagged == {0: (1, SAME_NUMBER), 1: (1, SAME_NUMBER), 2: (2, SAME_DETAILS),
                       3: (2, SAME_DETAILS)}  # fmt: skip


def test_power_warnings() -> None:
    assert assess_power([], 61, 103).warnings[0].startswith("The background holds only 103")
    assert "59% of all reports" in assess_power([], 61, 103).warnings[1]
    assert assess_power([], 500, 5_000_000).warnings == ()


def test_ties_are_named() -> None:
    rows = [
        EventRow(pt=name, reports=n, share=0.1)
        for name, n in (("A", 9), ("B", 5), ("C", 3), ("D", 3), ("E", 3), ("F", 1))
    ]
    shown, tied = top_with_ties(rows, 3)
    assert [e.pt for e in shown] == ["A", "B", "C"]
    assert [e.pt for e in tied] == ["D", "E"]
    text = trend_text(
        [QuarterCount(quarter="2024-Q1", reports=4), QuarterCount(quarter="2024-Q2", reports=4)],
        TrendSummary(),
    )
    assert "the busiest quarters were 2024-Q1 and 2024-Q2, with 4 reports each" in text[0]


def test_ebgm_sits_beside_prr_and_ror_with_a_background_prior() -> None:
    cases = tuple(case(n, "Rash" if n < 12 else "Nausea") for n in range(30))
    margins = (
        *(TermCount(term=f"T{i}", count=100 + 37 * i) for i in range(40)),
        TermCount(term="Rash", count=60),
        TermCount(term="Nausea", count=900),
    )
    background = EbgmBackground(
        products=tuple(
            BackgroundProduct(
                name=f"P{p}",
                reports=400 + 50 * p,
                event_indexes=tuple(range(40)),
                event_counts=tuple(1 + (p * 7 + i * 3) % 9 for i in range(40)),
            )
            for p in range(5)
        ),
        requested=5,
    )
    counts = DisproportionalityCounts(
        product_reports=30, database_reports=50_000, database_event_counts=margins
    )
    analysis = analyze_cer(
        dataset(cases, counts, background=background), cases, previous=None, generated_at=NOW
    ).analysis
    assert analysis.ebgm_prior is not None
    assert analysis.ebgm_prior.fitted_on == "background"
    assert analysis.ebgm_prior.cells == 200
    rash = next(r for r in analysis.disproportionality if r.pt == "Rash")
    assert rash.ebgm is not None
    assert rash.ebgm.eb05 < rash.ebgm.ebgm < rash.ebgm.eb95
    # Shrinkage: the EBGM of 12 reports where 0.036 were expected sits below the raw ratio.
    assert rash.ebgm.ebgm < rash.table.a / rash.expected
    assert "EBGM" in " ".join(analysis.narrative.signals)


def test_monthly_trend_alerts_mark_the_interval_and_what_is_new() -> None:
    base = [(month, 2) for month in range(1, 13)] + [(month, 2) for month in range(1, 9)]
    pairs = []
    for index, (month, n) in enumerate(base):
        year = 2023 if index < 12 else 2024
        pairs += [("rash", date(year, month, 5))] * n
    pairs += [("rash", date(2024, 9, 5))] * 14  # the spike
    pairs += [("rash", date(2024, 10, 5))] * 2
    summary = trend_alerts(
        pairs,
        date(2024, 10, 31),
        interval_start=date(2024, 7, 1),
        display={"rash": "Rash"},
        previous=frozenset({alert_key("Rash", "2023-01")}),
    )
    (alert,) = summary.alerts
    assert (alert.term, alert.month, alert.reports) == ("Rash", "2024-09", 14)
    assert alert.in_interval
    assert alert.new
    again = trend_alerts(
        pairs,
        date(2024, 10, 31),
        interval_start=date(2024, 7, 1),
        display={"rash": "Rash"},
        previous=frozenset({alert_key("Rash", "2024-09")}),
    )
    assert not again.alerts[0].new  # the previous report already raised it


def test_a_nil_report_when_no_report_has_a_selected_role() -> None:
    cases = (case(1, "Rash", role=DrugRole.CONCOMITANT),)
    counts = DisproportionalityCounts(product_reports=1, database_reports=100)
    previous = PreviousSignals(uuid4(), NOW, date(2024, 12, 1), ())
    result = analyze_cer(dataset(cases, counts), cases, previous=previous, generated_at=NOW)
    analysis = result.analysis
    assert analysis.nil
    assert result.listing == ()
    summary = " ".join(analysis.narrative.executive_summary)
    assert "Nil report." in summary
    assert "none of them as suspect" in summary
    assert "does not show that the product is safe" in summary


@pytest.mark.parametrize("spelling", ["DIARRHOEA", "diarrhoea  "])
def test_listing_rows_fold_reaction_spellings(spelling: str) -> None:
    cases = (case(1, spelling, "Diarrhea", receivedate=date(2024, 1, 1)),)
    counts = DisproportionalityCounts(product_reports=1, database_reports=100)
    listing = analyze_cer(dataset(cases, counts), cases, previous=None, generated_at=NOW).listing
    assert listing[0].reactions == ("Diarrhoea",)
