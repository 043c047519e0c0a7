"""Raw openFDA reports → FaersCase, and the NDC check, on real recorded reports."""

import json
from pathlib import Path
from typing import Any

from services.ingestor.openfda.projection import (
    NdcCheck,
    ProjectionTally,
    ScopeMatcher,
    check_ndc,
    project_case,
)
from shared.events.faers_case import DrugRole, PatientSex, ReactionOutcome, SeriousnessCriterion
from shared.intake.ndc import cer_request

DATA = Path(__file__).parents[3] / "clinrelay/openfda_fixture/data/recorded"


def recorded_report(name: str) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((DATA / name).read_text())["results"][0]
    return report


def test_the_tokenised_match_does_not_list_the_ndc() -> None:
    report = recorded_report("event_product_ndc_50242-051_seriousnessdeath.json")
    assert check_ndc(report, ["50242-051"]) is NdcCheck.NOT_LISTED
    assert check_ndc(report, ["0407-0690"]) is NdcCheck.LISTED


def test_projection_of_a_real_report() -> None:
    report = recorded_report("event_product_ndc_50242-051_seriousnessdeath.json")
    tally = ProjectionTally(scope=ScopeMatcher.for_ndcs(["0407-0690"]))
    tally.add(report)
    (case,) = tally.cases
    assert case.safetyreportid == "10003633"
    assert str(case.receivedate) == "2014-03-12"
    assert case.serious is True
    assert SeriousnessCriterion.DEATH in case.seriousness
    assert case.role is DrugRole.SUSPECT
    assert case.age_years == 70.946
    assert case.reactions[0].pt == "Nephrogenic systemic fibrosis"
    assert case.reactions[0].outcome is ReactionOutcome.FATAL
    product = tally.product(cer_request("0407-0690"))
    assert product.brand_names == ("OMNISCAN",)
    assert product.matched_product_ndcs == ("0407-0690",)


def test_a_concomitant_product_is_kept_with_its_role() -> None:
    report = recorded_report("event_product_ndc_65862-659_seriousnesscongenitalanomali.json")
    tally = ProjectionTally(scope=ScopeMatcher.for_ndcs(["65862-659"]))
    tally.add(report)
    assert tally.cases[0].role is DrugRole.CONCOMITANT
    assert SeriousnessCriterion.CONGENITAL_ANOMALY in tally.cases[0].seriousness


def test_reports_without_openfda_are_counted_apart_and_duplicates_once() -> None:
    tally = ProjectionTally(scope=ScopeMatcher.for_ndcs(["0407-0690"]))
    tally.add({"patient": {"drug": [{"medicinalproduct": "X"}]}})
    tally.add({})
    report = recorded_report("event_product_ndc_50242-051_seriousnessdeath.json")
    tally.add(report)
    tally.add(report)
    assert tally.missing_openfda == 2
    assert tally.duplicates == 1
    assert len(tally.cases) == 1
    assert tally.processed == 4


def test_ages_in_other_units_and_impossible_ages() -> None:
    def age(value: str, unit: str) -> float | None:
        patient = {"patientonsetage": value, "patientonsetageunit": unit, "patientsex": "2"}
        return project_case({"patient": patient}, []).age_years

    assert age("6", "802") == 0.5
    assert age("3", "800") == 30.0
    assert age("14", "804") == round(14 / 365.25, 4)
    assert age("700", "801") is None  # a data-entry error, not a 700-year-old
    assert age("x", "801") is None
    assert project_case({"patient": {"patientsex": "2"}}, []).sex is PatientSex.FEMALE
