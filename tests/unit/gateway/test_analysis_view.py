"""The JSON of GET /v1/reports/{id}/analysis, built from a stored coding analysis."""

from __future__ import annotations

from uuid import uuid4

from services.gateway.analysis import report_analysis
from services.gateway.app import create_app
from services.renderer.samples import sample_coding_analysis
from shared.events.coding import Comparison


def test_codes_excluded_findings_verdicts_and_revenue() -> None:
    report_id = uuid4()
    view = report_analysis(report_id, sample_coding_analysis())

    assert view.report_id == report_id
    assert view.claims_compared is True
    by_code = {c.code: c for c in view.codes}
    assert set(by_code) == {"E11.65", "I50.32", "E66.01", "Z68.41", "Z79.4", "E78.5", "G47.33"}
    diabetes = by_code["E11.65"]
    assert (diabetes.encounter, diabetes.assertion, diabetes.score) == ("E1", "present", 0.93)
    assert diabetes.category == "diagnosis"
    assert diabetes.evidence is not None
    assert (diabetes.evidence.note, diabetes.evidence.start) == ("N1", 412)
    assert "A1c 9.4% today" in diabetes.evidence.text
    assert [a.code for a in diabetes.alternatives] == ["E11.9"]
    assert diabetes.hcc == "HCC38"
    assert {(e.code, e.assertion) for e in view.excluded} == {
        ("J18.9", "negated"),
        ("C50.919", "family"),
        ("E11.40", "uncertain"),
        ("I21.4", "historical"),
    }
    assert view.findings.billed_not_documented == ["J44.9"]
    assert view.findings.documented_not_billed == ["I50.32", "E66.01", "Z68.41", "Z79.4"]
    assert view.findings.upgrade == [["E11.9", "E11.65"]]
    assert [(v.code, v.verdict) for v in view.verdicts] == [
        ("E11.9", "supported"),
        ("E78.5", "supported"),
        ("G47.33", "supported"),
        ("J44.9", "not_supported"),
    ]
    (encounter,) = view.encounters
    assert encounter.in_data_collection_year is True
    assert encounter.corrected_claim[0] == "E11.65"
    assert "J44.9" not in encounter.corrected_claim
    revenue = view.revenue
    assert revenue is not None
    # (1.210 − 0.552) and 0.319 and (1.210 − 0.871) raw RAF × 0.941 ÷ 1.067 × $12,000
    assert (revenue.revenue_gained, revenue.revenue_at_risk, revenue.net) == (
        6963.58,
        3375.96,
        3587.62,
    )
    assert revenue.review == "claim"
    assert revenue.at_risk_hccs == ["HCC280"]


def test_without_a_claim_nothing_is_documented_not_billed() -> None:
    analysis = sample_coding_analysis()
    encounter = analysis.encounters[0].model_copy(
        update={"comparison": Comparison(has_claim=False), "billed_diagnoses": ()}
    )
    view = report_analysis(uuid4(), analysis.model_copy(update={"encounters": (encounter,)}))
    assert view.claims_compared is False
    assert view.findings.documented_not_billed == []
    assert view.verdicts == []
    assert len(view.codes) == 7  # still what the notes document


def test_the_route_and_its_schema_are_in_the_openapi_document() -> None:
    document = create_app().openapi()
    operation = document["paths"]["/v1/reports/{report_id}/analysis"]["get"]
    assert set(operation["responses"]) >= {"200", "404", "409"}
    schema = document["components"]["schemas"]["ReportAnalysis"]
    assert {"codes", "excluded", "findings", "verdicts", "revenue"} <= set(schema["properties"])
    code = document["components"]["schemas"]["CodeOut"]["properties"]
    assert {"code", "description", "category", "assertion", "score", "evidence"} <= set(code)
    assert {"alternatives"} <= set(code)
