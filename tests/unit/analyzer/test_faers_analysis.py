"""The CER analysis from a hand-built dataset: tables, folding, signals, changes and narrative."""

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from services.analyzer.cer.aggregate import age_group, quarterly_trend
from services.analyzer.cer.analysis import analyze_cer
from services.analyzer.cer.changes import PreviousSignals, signal_changes
from services.analyzer.cer.presets import meets_preset
from services.analyzer.cer.signals import disproportionality_row, signal_table
from services.analyzer.cer.terms import fold_term, fold_terms
from shared.events.cer import (
    NO_DENOMINATOR_NOTICE,
    CerDataset,
    DisproportionalityCounts,
    OpenFdaSource,
    ProductIdentification,
    QueryPurpose,
    QueryRecord,
    SignalPreset,
    TermCount,
    TwoByTwo,
)
from shared.events.faers_case import DrugRole, FaersCase, PatientSex, Reaction, SeriousnessCriterion
from shared.intake.ndc import cer_request

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def case(n: int, *pts: str, **fields: object) -> FaersCase:
    fields.setdefault("role", DrugRole.SUSPECT)
    return FaersCase(
        safetyreportid=str(n), reactions=tuple(Reaction(pt=pt) for pt in pts), **fields
    )


def dataset(cases: tuple[FaersCase, ...], counts: DisproportionalityCounts) -> CerDataset:
    request = cer_request("61958-0801", signal_preset=SignalPreset.EVANS)
    return CerDataset(
        request=request,
        source=OpenFdaSource(
            base_url="http://x", meta_last_updated=date(2025, 1, 3), retrieved_at=NOW
        ),
        product=ProductIdentification(
            ndc=request.ndc,
            ndc_input=request.ndc_input,
            product_ndcs=request.product_ndcs,
            brand_names=("LETAIRIS",),
            generic_names=("AMBRISENTAN",),
        ),
        queries=(QueryRecord(purpose=QueryPurpose.PRODUCT_REPORTS, limit=1, url="http://x"),),
        matched_total=len(cases),
        fetched=len(cases),
        fetch_cap=5000,
        cases=cases,
        counts=counts,
    )


def test_term_folding_merges_case_and_spelling_variants() -> None:
    assert fold_term("DIARRHEA") == fold_term("Diarrhoea") == "diarrhoea"
    assert fold_term("Cerebral hemorrhage") == "cerebral haemorrhage"
    assert fold_term("Hemiplegia") == "hemiplegia"  # MedDRA keeps hemi- as it is
    assert fold_term("Hypoglycemia") == "hypoglycaemia"
    assert fold_term("Product size issue") == "product size issue"
    folded = fold_terms({"DRUG ADMINISTRATION ERROR": 3, "Drug administration error": 1})
    (term,) = folded.values()
    assert term.display == "Drug administration error"
    assert term.variants == ("DRUG ADMINISTRATION ERROR", "Drug administration error")
    assert next(iter(fold_terms(["EDEMA"]).values())).display == "Oedema"


def test_event_table_counts_reports_once_per_folded_term() -> None:
    cases = (
        case(1, "Nausea", "NAUSEA", serious=True),
        case(2, "Diarrhea", serious=False),
        case(3, "Diarrhoea", "Nausea", serious=True),
    )
    counts = DisproportionalityCounts(product_reports=3, database_reports=100)
    analysis = analyze_cer(dataset(cases, counts), cases, previous=None, generated_at=NOW).analysis
    rows = {row.pt: row for row in analysis.events}
    assert set(rows) == {"Nausea", "Diarrhoea"}
    assert rows["Nausea"].reports == 2
    assert rows["Nausea"].serious_reports == 2
    assert rows["Diarrhoea"].reports == 2
    assert rows["Diarrhoea"].share == pytest.approx(2 / 3)
    assert set(rows["Diarrhoea"].variants) == {"Diarrhea", "Diarrhoea"}


def test_seriousness_outcomes_sex_and_age() -> None:
    cases = (
        case(
            1,
            "Death",
            serious=True,
            seriousness=(SeriousnessCriterion.DEATH, SeriousnessCriterion.HOSPITALISATION),
            sex=PatientSex.FEMALE,
            age_years=70.0,
        ),
        case(2, "Rash", serious=False, sex=PatientSex.MALE, age_years=0.05),
        case(3, "Rash", sex=PatientSex.FEMALE, age_group_reported="adolescent"),
    )
    counts = DisproportionalityCounts(product_reports=3, database_reports=100)
    analysis = analyze_cer(dataset(cases, counts), cases, previous=None, generated_at=NOW).analysis
    summary = analysis.seriousness
    assert (summary.serious, summary.non_serious, summary.not_stated) == (1, 1, 1)
    criteria = {c.category: c.reports for c in summary.criteria}
    assert criteria["death"] == 1
    assert criteria["hospitalisation"] == 1
    assert criteria["disability"] == 0
    assert {c.category: c.reports for c in analysis.sex} == {"female": 2, "male": 1, "unknown": 0}
    ages = {c.category: c.reports for c in analysis.age_groups}
    assert ages["elderly"] == 1
    assert ages["neonate"] == 1  # 0.05 years is 18 days
    assert ages["adolescent"] == 1


def test_age_groups_follow_ich_e11_bounds() -> None:
    assert age_group(case(1, age_years=20 / 365.25)) == "neonate"
    assert age_group(case(1, age_years=1.99)) == "infant"
    assert age_group(case(1, age_years=11.9)) == "child"
    assert age_group(case(1, age_years=17.0)) == "adolescent"
    assert age_group(case(1, age_years=64.9)) == "adult"
    assert age_group(case(1, age_years=65.0)) == "elderly"
    assert age_group(case(1)) == "unknown"


def test_quarterly_trend_is_zero_filled() -> None:
    trend = quarterly_trend(
        (
            case(1, receivedate=date(2024, 2, 1), serious=True),
            case(2, receivedate=date(2024, 11, 30)),
            case(3),
        )
    )
    assert [(q.quarter, q.reports, q.serious) for q in trend] == [
        ("2024-Q1", 1, 1),
        ("2024-Q2", 0, 0),
        ("2024-Q3", 0, 0),
        ("2024-Q4", 1, 0),
    ]


def test_presets_decide_the_signal_flag() -> None:
    strong = disproportionality_row("X", TwoByTwo(a=20, b=180, c=380, d=9420), SignalPreset.EVANS)
    assert strong.signal
    assert strong.presets_met == (SignalPreset.EVANS, SignalPreset.EMA, SignalPreset.IC025)
    few = disproportionality_row("Y", TwoByTwo(a=2, b=0, c=10, d=1000), SignalPreset.EVANS)
    assert few.prr.value > 2
    assert not few.signal  # n < 3
    assert not meets_preset(few, SignalPreset.IC025)
    four = disproportionality_row("Z", TwoByTwo(a=4, b=96, c=40, d=9860), SignalPreset.EMA)
    assert meets_preset(four, SignalPreset.EVANS)
    assert not four.signal  # EMA needs 5 reports


def test_signal_table_folds_counts_and_skips_terms_without_background() -> None:
    counts = DisproportionalityCounts(
        product_reports=200,
        database_reports=10_000,
        product_event_counts=(
            TermCount(term="Diarrhoea", count=15),
            TermCount(term="DIARRHEA", count=5),
            TermCount(term="Headache", count=2),
            TermCount(term="Rare thing", count=4),
        ),
        database_event_counts=(
            TermCount(term="Diarrhoea", count=300),
            TermCount(term="Diarrhea", count=100),
            TermCount(term="Headache", count=500),
        ),
        terms_without_background=("Rare thing",),
    )
    table = signal_table(counts, SignalPreset.EVANS)
    rows = {row.pt: row for row in table.rows}
    assert set(rows) == {"Diarrhoea", "Headache"}
    assert rows["Diarrhoea"].table == TwoByTwo(a=20, b=180, c=380, d=9420)
    assert rows["Diarrhoea"].signal
    assert table.rows[0].pt == "Diarrhoea"  # signals first
    assert any("1 reaction(s) have no disproportionality" in n for n in table.notices)


def test_signal_changes_against_the_previous_report() -> None:
    previous = PreviousSignals(uuid4(), NOW, date(2024, 12, 1), ("Nausea", "Rash"))
    changes = signal_changes(["NAUSEA", "Headache"], previous)
    assert changes.new == ("Headache",)
    assert changes.disappeared == ("Rash",)
    assert changes.persisting == ("NAUSEA",)
    assert changes.changed
    first = signal_changes(["Headache"], None)
    assert not first.has_previous
    assert first.new == ()


def test_narrative_states_counts_preset_and_limitations_without_rates() -> None:
    cases = tuple(
        case(n, "Diarrhoea", serious=n % 2 == 0, receivedate=date(2024, 3, 1)) for n in range(20)
    )
    counts = DisproportionalityCounts(
        product_reports=200,
        database_reports=10_000,
        product_event_counts=(TermCount(term="Diarrhoea", count=20),),
        database_event_counts=(TermCount(term="Diarrhoea", count=400),),
    )
    previous = PreviousSignals(uuid4(), NOW, date(2024, 12, 1), ())
    analysis = analyze_cer(
        dataset(cases, counts), cases, previous=previous, generated_at=NOW
    ).analysis
    text = " ".join(" ".join(section) for section in analysis.narrative.model_dump().values())
    assert "product NDC 61958-0801" in text  # the scope names the subject, never a brand
    assert "PRR ≥ 2, χ² with Yates correction ≥ 4, and at least 3 reports" in text
    assert "New since the previous report" in analysis.narrative.new_signals[0]
    assert "Diarrhoea" in analysis.narrative.new_signals[0]
    assert NO_DENOMINATOR_NOTICE in analysis.narrative.limitations
    assert any("duplicate" in p for p in analysis.narrative.limitations)
    assert any("Under-reporting" in p for p in analysis.narrative.limitations)
    assert " rate " not in text.replace("no incidence or rate can", "")
    assert analysis.signal_changes.new == ("Diarrhoea",)
