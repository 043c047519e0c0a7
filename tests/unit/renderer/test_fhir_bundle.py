"""FHIR output: valid R4 (checked against the R4B models), and every reference resolves."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from services.renderer.fhir import FhirOutputError, build_report_bundle
from services.renderer.fhir.bundle import unresolved_references, validate_bundle
from services.renderer.meta import ReportMeta
from services.renderer.samples import (
    long_coding_analysis,
    sample_cer_analysis,
    sample_coding_analysis,
)

PDF = b"%PDF-1.7\n% a stand-in for the rendered report\n%%EOF\n"


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def by_url(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["fullUrl"]: e["resource"] for e in bundle["entry"]}


@pytest.fixture(scope="module")
def coding_bundle(meta: ReportMeta) -> dict[str, Any]:
    return build_report_bundle(
        "coding",
        sample_coding_analysis().model_dump(mode="json"),
        meta.model_dump(mode="json"),
        PDF,
    )


def test_coding_bundle_validates_against_r4b_and_references_resolve(
    coding_bundle: dict[str, Any],
) -> None:
    parsed = Bundle.model_validate(coding_bundle)
    assert parsed.type == "collection"
    assert unresolved_references(coding_bundle) == set()
    urls = [e["fullUrl"] for e in coding_bundle["entry"]]
    assert len(urls) == len(set(urls))
    assert all(u.startswith("urn:uuid:") for u in urls)


def test_diagnostic_report_carries_the_pdf(coding_bundle: dict[str, Any], meta: ReportMeta) -> None:
    (report,) = resources(coding_bundle, "DiagnosticReport")
    (form,) = report["presentedForm"]
    assert form["contentType"] == "application/pdf"
    assert base64.b64decode(form["data"]) == PDF
    assert base64.b64decode(form["hash"]) == hashlib.sha1(PDF, usedforsecurity=False).digest()
    assert form["size"] == len(PDF)
    assert form["title"] == "Clinical coding review"
    assert form["creation"] == meta.generated_at.isoformat()
    assert report["status"] == "final"
    assert "J44.9" in report["conclusion"]
    assert report["identifier"][0]["value"] == f"urn:uuid:{meta.report_id}"


def condition_codes(bundle: dict[str, Any], reportable: bool) -> set[str]:
    return {
        c["code"]["coding"][0]["code"]
        for c in resources(bundle, "Condition")
        if extension(c, "reportable")["valueBoolean"] is reportable
    }


def extension(resource: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [e for e in resource["extension"] if e["url"].endswith(name)]
    assert isinstance(found, dict)
    return found


def test_suggested_codes_are_conditions_with_coded_assertion_score_and_evidence(
    coding_bundle: dict[str, Any],
) -> None:
    suggestions = sample_coding_analysis().encounters[0].suggestions
    assert condition_codes(coding_bundle, reportable=True) == {s.code for s in suggestions}
    urls = by_url(coding_bundle)
    scores = {s.code: s.score for s in suggestions}
    for condition in resources(coding_bundle, "Condition"):
        assert condition["meta"]["tag"][0]["code"] == "machine-suggested"
        assert condition["code"]["coding"][0]["system"] == "http://hl7.org/fhir/sid/icd-10-cm"
        (evidence,) = condition["evidence"]
        targets = [urls[ref["reference"]] for ref in evidence["detail"]]
        assert {t["resourceType"] for t in targets} == {"DocumentReference"}
        if extension(condition, "reportable")["valueBoolean"]:
            code = condition["code"]["coding"][0]["code"]
            assert condition["verificationStatus"]["coding"][0]["code"] == "confirmed"
            assert condition["clinicalStatus"]["coding"][0]["code"] == "active"
            assert extension(condition, "assertion")["valueCode"] == "present"
            assert extension(condition, "inference-score")["valueDecimal"] == scores[code]
    conditions = resources(coding_bundle, "Condition")
    diabetes = next(c for c in conditions if c["code"]["coding"][0]["code"] == "E11.65")
    assert "A1c 9.4% today" in diabetes["note"][0]["text"]
    assert urls[diabetes["evidence"][0]["detail"][0]["reference"]]["identifier"][0]["value"] == "N1"


def test_negated_uncertain_and_past_mentions_are_conditions_coded_as_such(
    coding_bundle: dict[str, Any],
) -> None:
    # The sample excludes J18.9 (negated), C50.919 (family), E11.40 (uncertain), I21.4 (history).
    assert condition_codes(coding_bundle, reportable=False) == {"J18.9", "E11.40", "I21.4"}
    by_code = {c["code"]["coding"][0]["code"]: c for c in resources(coding_bundle, "Condition")}
    verification = {
        code: by_code[code]["verificationStatus"]["coding"][0]["code"]
        for code in ("J18.9", "E11.40", "I21.4")
    }
    assert verification == {"J18.9": "refuted", "E11.40": "provisional", "I21.4": "confirmed"}
    assert "clinicalStatus" not in by_code["J18.9"]
    assert by_code["I21.4"]["clinicalStatus"]["coding"][0]["code"] == "resolved"
    assert extension(by_code["J18.9"], "assertion")["valueCode"] == "negated"
    assert extension(by_code["E11.40"], "inference-score")["valueDecimal"] == 0.62


def test_claim_findings_become_detected_issues(coding_bundle: dict[str, Any]) -> None:
    issues = resources(coding_bundle, "DetectedIssue")
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for issue in issues:
        by_kind.setdefault(issue["code"]["coding"][0]["code"], []).append(issue)
    assert len(by_kind["billed-not-documented"]) == 1
    assert len(by_kind["documented-not-billed"]) == 4
    assert len(by_kind["specificity-upgrade"]) == 1
    (unsupported,) = by_kind["billed-not-documented"]
    assert unsupported["evidence"][0]["code"][0]["coding"][0]["code"] == "J44.9"
    urls = by_url(coding_bundle)
    for issue in by_kind["documented-not-billed"]:
        (implicated,) = issue["implicated"]
        assert urls[implicated["reference"]]["resourceType"] == "Condition"
        assert urls[issue["author"]["reference"]]["resourceType"] == "Device"


def test_provenance_covers_everything_the_run_produced(
    coding_bundle: dict[str, Any], meta: ReportMeta
) -> None:
    (provenance,) = resources(coding_bundle, "Provenance")
    targets = {t["reference"] for t in provenance["target"]}
    produced = {
        e["fullUrl"]
        for e in coding_bundle["entry"]
        if e["resource"]["resourceType"] in {"DiagnosticReport", "Condition", "DetectedIssue"}
    }
    assert targets == produced
    assert provenance["occurredPeriod"] == {
        "start": meta.requested_at.isoformat() if meta.requested_at else None,
        "end": meta.generated_at.isoformat(),
    }
    (agent,) = provenance["agent"]
    assert by_url(coding_bundle)[agent["who"]["reference"]]["version"][0]["value"] == "0.1.0"


def test_the_subject_is_a_tagged_pseudonymous_patient(coding_bundle: dict[str, Any]) -> None:
    (patient,) = resources(coding_bundle, "Patient")
    assert patient["gender"] == "female"
    assert patient["meta"]["security"][0]["code"] == "PSEUDED"
    assert set(patient) == {"resourceType", "id", "meta", "gender"}  # nothing identifying


def test_bundle_ids_are_stable_for_the_same_report(meta: ReportMeta) -> None:
    first = build_report_bundle("coding", sample_coding_analysis(), meta, PDF)
    second = build_report_bundle("coding", sample_coding_analysis(), meta, PDF)
    assert first == second


def test_many_encounters_keep_unique_ids_and_resolvable_references(meta: ReportMeta) -> None:
    bundle = build_report_bundle("coding", long_coding_analysis(encounters=3), meta, PDF)
    assert unresolved_references(bundle) == set()
    assert len(resources(bundle, "Encounter")) == 3
    (report,) = resources(bundle, "DiagnosticReport")
    assert "encounter" not in report  # several encounters: none is the report's


def test_cer_bundle_is_a_diagnostic_report_with_the_pdf(meta: ReportMeta) -> None:
    bundle = build_report_bundle("cer", sample_cer_analysis().model_dump(mode="json"), meta, PDF)
    Bundle.model_validate(bundle)
    assert unresolved_references(bundle) == set()
    (report,) = resources(bundle, "DiagnosticReport")
    assert base64.b64decode(report["presentedForm"][0]["data"]) == PDF
    assert "NDC 00002-1433-80" in report["code"]["text"]
    assert report["effectivePeriod"] == {"start": "2021-01-01", "end": "2024-12-31"}
    assert "1,258 reports passed the NDC check" in report["conclusion"]
    (provenance,) = resources(bundle, "Provenance")
    assert "last updated 2025-02-25" in provenance["entity"][0]["what"]["display"]


def test_payload_of_the_wrong_kind_is_a_clear_error(meta: ReportMeta) -> None:
    with pytest.raises(FhirOutputError, match="the stored cer report cannot be exported"):
        build_report_bundle("cer", sample_coding_analysis().model_dump(mode="json"), meta, PDF)
    with pytest.raises(FhirOutputError, match="cannot be exported"):
        build_report_bundle("invoice", {}, meta, PDF)


def test_validation_catches_invalid_resources_and_dangling_references(
    coding_bundle: dict[str, Any],
) -> None:
    broken = {**coding_bundle, "entry": [*coding_bundle["entry"]]}
    broken["entry"][0] = {
        "fullUrl": broken["entry"][0]["fullUrl"],
        "resource": {"resourceType": "Condition", "code": {"text": "no subject"}},
    }
    with pytest.raises(FhirOutputError, match=r"not valid R4: entry\.0\.resource\.subject"):
        validate_bundle(broken)
    dangling = {**coding_bundle, "entry": coding_bundle["entry"][1:]}  # drop the Device
    with pytest.raises(FhirOutputError, match="unresolved references"):
        validate_bundle(dangling)
