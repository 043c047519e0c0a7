"""The coding report as FHIR: what the notes support, as provisional Conditions an EHR can file.

Bundle (collection):

- ``DiagnosticReport`` with the PDF in ``presentedForm`` and the summary as ``conclusion``;
- ``Patient``: the de-identified subject (gender only, tagged pseudonymised): the receiving
  system links it to its own patient through the report id, which it asked for;
- ``Encounter`` and ``DocumentReference`` stubs for the surrogate encounter and note ids the
  analysis refers to (the note text itself is not exported);
- one ``Condition`` per suggested code, category encounter-diagnosis, evidence pointing at the
  notes it rests on, the de-identified snippet in ``note``; and one per excluded mention the
  notes negate, hedge or place in the past, marked not reportable. The assertion is coded:
  ``verificationStatus`` (present → confirmed, uncertain → provisional, negated → refuted),
  ``clinicalStatus`` (resolved for a past condition) and the :data:`ASSERTION_EXTENSION`; the
  inference score is the decimal :data:`SCORE_EXTENSION`. Every one is tagged machine-suggested:
  a coder confirms it before it is billed;
- ``DetectedIssue`` per billed-not-documented, documented-not-billed and specificity finding;
- ``Device`` (clinrelay) and a ``Provenance`` for the pipeline run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.renderer.coding.tables import encounter_heading
from services.renderer.coding.view import coding_summary
from services.renderer.fhir.common import (
    FINDING_SYSTEM,
    ICD10CM,
    JSON,
    REPORT_KIND_SYSTEM,
    BundleBuilder,
    pdf_attachment,
    provenance,
    report_identifier,
    software_device,
)
from services.renderer.meta import ReportMeta
from shared.events.coding import (
    Assertion,
    BilledCodeFinding,
    CareSetting,
    CodeSuggestion,
    CodingAnalysis,
    EncounterCoding,
    SpecificityUpgrade,
)

_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_SETTING_CLASS = {
    CareSetting.OUTPATIENT: ("AMB", "ambulatory"),
    CareSetting.INPATIENT: ("IMP", "inpatient encounter"),
    CareSetting.EMERGENCY: ("EMER", "emergency"),
}
_PSEUDONYMISED = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "PSEUDED",
    "display": "pseudonymized",
}
_FINDINGS = {
    "billed-not-documented": ("Billed code not supported by the documentation", "moderate"),
    "documented-not-billed": ("Documented condition not on the claim", "low"),
    "specificity-upgrade": ("A more specific code is documented than billed", "low"),
}


def build_coding_bundle(analysis: CodingAnalysis, meta: ReportMeta, pdf: bytes) -> JSON:
    """The FHIR R4 collection Bundle of a coding report (unvalidated JSON; see ``bundle.py``)."""
    builder = BundleBuilder(meta)
    device = builder.add("device", software_device(meta))
    patient = builder.add("patient", _patient(analysis))
    produced: list[JSON] = []
    encounters: list[JSON] = []
    for encounter in analysis.encounters:
        encounter_ref = builder.add(
            f"encounter/{encounter.encounter_id}", _encounter(encounter, patient)
        )
        encounters.append(encounter_ref)
        for note_id in _note_ids(encounter):
            builder.add(f"note/{note_id}", _note(note_id, patient, encounter_ref))
        for suggestion in encounter.suggestions:
            produced.append(
                builder.add(
                    f"condition/{encounter.encounter_id}/{suggestion.code}",
                    _condition(builder, suggestion, patient, encounter_ref, meta),
                )
            )
        for mention in encounter.excluded:
            if mention.assertion in _EXPORTED_EXCLUSIONS:
                produced.append(
                    builder.add(
                        f"condition/{encounter.encounter_id}/{mention.code}/"
                        f"{mention.assertion.value}",
                        _condition(builder, mention, patient, encounter_ref, meta, False),
                    )
                )
        produced += _detected_issues(builder, encounter, patient, device)
    report = builder.add("report", _diagnostic_report(analysis, meta, pdf, patient, encounters))
    builder.add(
        "provenance",
        provenance(
            builder,
            [report, *produced],
            device,
            {
                "identifier": report_identifier(meta),
                "display": "FHIR encounter Bundle submitted for this report "
                "(de-identified before analysis)",
            },
        ),
    )
    return builder.bundle()


def _patient(analysis: CodingAnalysis) -> JSON:
    return {
        "resourceType": "Patient",
        "meta": {"security": [_PSEUDONYMISED]},
        "gender": analysis.demographics.sex.value,
    }


def _encounter(encounter: EncounterCoding, patient: JSON) -> JSON:
    code, display = _SETTING_CLASS.get(encounter.setting, ("", ""))
    encounter_class = (
        {"system": _ACT_CODE, "code": code, "display": display}
        if code
        else {
            "system": "http://terminology.hl7.org/CodeSystem/v3-NullFlavor",
            "code": "UNK",
            "display": "unknown",
        }
    )
    resource: JSON = {
        "resourceType": "Encounter",
        "meta": {"security": [_PSEUDONYMISED]},
        "identifier": [{"system": "urn:clinrelay:encounter", "value": encounter.encounter_id}],
        "status": "finished",
        "class": encounter_class,
        "subject": patient,
    }
    if encounter.type:
        resource["type"] = [{"text": encounter.type}]
    if encounter.period_start:
        resource["period"] = {"start": encounter.period_start}
    return resource


def _note_ids(encounter: EncounterCoding) -> list[str]:
    cited = {
        item.note_id
        for suggestion in (*encounter.suggestions, *encounter.excluded)
        for item in suggestion.evidence
    }
    return sorted(set(encounter.note_ids) | cited)


def _note(note_id: str, patient: JSON, encounter: JSON) -> JSON:
    return {
        "resourceType": "DocumentReference",
        "meta": {"security": [_PSEUDONYMISED]},
        "identifier": [{"system": "urn:clinrelay:note", "value": note_id}],
        "status": "current",
        "description": f"Clinical note {note_id} (surrogate id; text not included)",
        "subject": patient,
        "content": [{"attachment": {"title": f"Clinical note {note_id}"}}],
        "context": {"encounter": [encounter]},
    }


ASSERTION_EXTENSION = "urn:clinrelay:fhir:extension:assertion"
"""valueCode: how the note asserts the condition (present, negated, uncertain, hypothetical,
historical, family) — the mention's ConText assertion."""
SCORE_EXTENSION = "urn:clinrelay:fhir:extension:inference-score"
"""valueDecimal 0–1: how closely the note text matches the code's terms (not a probability)."""
REPORTABLE_EXTENSION = "urn:clinrelay:fhir:extension:reportable"
"""valueBoolean: whether the code is reportable for the encounter (false for exclusions)."""
_SUGGESTED_TAG = {
    "system": "urn:clinrelay:fhir:tag",
    "code": "machine-suggested",
    "display": "Suggested from the note text; for review by a certified coder",
}
_VERIFICATION = {
    Assertion.PRESENT: ("confirmed", "Confirmed"),
    Assertion.HISTORICAL: ("confirmed", "Confirmed"),
    Assertion.FAMILY: ("confirmed", "Confirmed"),
    Assertion.UNCERTAIN: ("provisional", "Provisional"),
    Assertion.NEGATED: ("refuted", "Refuted"),
    Assertion.HYPOTHETICAL: ("unconfirmed", "Unconfirmed"),
}
_EXPORTED_EXCLUSIONS = frozenset({Assertion.NEGATED, Assertion.UNCERTAIN, Assertion.HISTORICAL})
_ENCOUNTER_DIAGNOSIS = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/condition-category",
            "code": "encounter-diagnosis",
            "display": "Encounter Diagnosis",
        }
    ]
}


def _coded(system: str, code: str, display: str) -> JSON:
    return {"coding": [{"system": system, "code": code, "display": display}]}


def _status(suggestion: CodeSuggestion, reportable: bool) -> dict[str, JSON]:
    """``verificationStatus`` and, when it applies, ``clinicalStatus`` of a suggestion."""
    code, display = _VERIFICATION[suggestion.assertion]
    statuses = {
        "verificationStatus": _coded(
            "http://terminology.hl7.org/CodeSystem/condition-ver-status", code, display
        )
    }
    if suggestion.assertion is Assertion.NEGATED:
        return statuses  # a refuted condition carries no clinical status (FHIR con-5)
    resolved = suggestion.assertion is Assertion.HISTORICAL and not reportable
    clinical = ("resolved", "Resolved") if resolved else ("active", "Active")
    statuses["clinicalStatus"] = _coded(
        "http://terminology.hl7.org/CodeSystem/condition-clinical", *clinical
    )
    return statuses


def _condition(
    builder: BundleBuilder,
    suggestion: CodeSuggestion,
    patient: JSON,
    encounter: JSON,
    meta: ReportMeta,
    reportable: bool = True,
) -> JSON:
    annotations = [
        {
            "text": f"Evidence in note {item.note_id}, characters {item.start}–{item.end} "
            f"(de-identified): “{' '.join(item.text.split())}”"
        }
        for item in suggestion.evidence
    ]
    found = (
        f"Suggested by clinrelay from the note text (score {suggestion.score:.2f}, "
        f"{suggestion.assertion.value})."
        if reportable
        else f"Found by clinrelay, not reportable for this encounter ({suggestion.assertion.value}"
        f"{': ' + suggestion.rationale if suggestion.rationale else ''})."
    )
    annotations.append({"text": found})
    resource: JSON = {
        "resourceType": "Condition",
        "meta": {"tag": [_SUGGESTED_TAG]},
        "extension": [
            {"url": ASSERTION_EXTENSION, "valueCode": suggestion.assertion.value},
            {"url": SCORE_EXTENSION, "valueDecimal": round(suggestion.score, 3)},
            {"url": REPORTABLE_EXTENSION, "valueBoolean": reportable},
        ],
        **_status(suggestion, reportable),
        "category": [_ENCOUNTER_DIAGNOSIS],
        "code": {
            "coding": [
                {"system": ICD10CM, "code": suggestion.code, "display": suggestion.description}
            ],
            "text": suggestion.description,
        },
        "subject": patient,
        "encounter": encounter,
        "recordedDate": meta.generated_at.isoformat(),
        "note": annotations,
    }
    cited = _cited(builder, suggestion)
    if cited:
        resource["evidence"] = [{"detail": cited}]
    return resource


@dataclass(frozen=True)
class _Findings:
    """What every DetectedIssue of one encounter refers to."""

    builder: BundleBuilder
    encounter: EncounterCoding
    patient: JSON
    device: JSON

    @property
    def where(self) -> str:
        return encounter_heading(self.encounter)

    def notes(self) -> list[JSON]:
        return [self.builder.reference(f"note/{n}") for n in _note_ids(self.encounter)]

    def condition(self, code: str) -> list[JSON]:
        """The Condition for ``code`` in this encounter, when one was exported."""
        if code not in {s.code for s in self.encounter.suggestions}:
            return []
        return [self.builder.reference(f"condition/{self.encounter.encounter_id}/{code}")]

    def add(self, key: str, finding: str, **fields: Any) -> JSON:
        role = f"issue/{self.encounter.encounter_id}/{finding}/{key}"
        return self.builder.add(
            role, _issue(self.builder, finding, self.patient, self.device, **fields)
        )


def _detected_issues(
    builder: BundleBuilder, encounter: EncounterCoding, patient: JSON, device: JSON
) -> list[JSON]:
    findings = _Findings(builder, encounter, patient, device)
    comparison = encounter.comparison
    return [
        *(_billed_not_documented(findings, f) for f in comparison.billed_not_documented),
        *(_documented_not_billed(findings, s) for s in comparison.documented_not_billed),
        *(_specificity_upgrade(findings, u) for u in comparison.specificity_upgrades),
    ]


def _billed_not_documented(findings: _Findings, finding: BilledCodeFinding) -> JSON:
    return findings.add(
        finding.code,
        "billed-not-documented",
        detail=f"{findings.where}: {finding.code} is billed but not supported. {finding.reason}",
        codes=[(finding.code, finding.description)],
        evidence=findings.notes(),
    )


def _documented_not_billed(findings: _Findings, suggestion: CodeSuggestion) -> JSON:
    return findings.add(
        suggestion.code,
        "documented-not-billed",
        detail=f"{findings.where}: the notes support {suggestion.code} "
        f"({suggestion.description}), which the claim does not list.",
        codes=[(suggestion.code, suggestion.description)],
        evidence=_cited(findings.builder, suggestion) or findings.notes(),
        implicated=findings.condition(suggestion.code),
    )


def _specificity_upgrade(findings: _Findings, upgrade: SpecificityUpgrade) -> JSON:
    code = upgrade.suggested.code
    return findings.add(
        f"{upgrade.billed_code}/{code}",
        "specificity-upgrade",
        detail=f"{findings.where}: {upgrade.billed_code} is billed; the notes support the more "
        f"specific {code} ({upgrade.suggested.description}).",
        codes=[
            (upgrade.billed_code, upgrade.billed_description),
            (code, upgrade.suggested.description),
        ],
        evidence=_cited(findings.builder, upgrade.suggested) or findings.notes(),
        implicated=findings.condition(code),
    )


def _cited(builder: BundleBuilder, suggestion: CodeSuggestion) -> list[JSON]:
    return [
        builder.reference(f"note/{n}") for n in sorted({e.note_id for e in suggestion.evidence})
    ]


def _issue(
    builder: BundleBuilder,
    finding: str,
    patient: JSON,
    device: JSON,
    *,
    detail: str,
    codes: list[tuple[str, str | None]],
    evidence: list[JSON],
    implicated: list[JSON] | None = None,
) -> JSON:
    display, severity = _FINDINGS[finding]
    resource: JSON = {
        "resourceType": "DetectedIssue",
        "status": "preliminary",
        "code": {
            "coding": [{"system": FINDING_SYSTEM, "code": finding, "display": display}],
            "text": display,
        },
        "severity": severity,
        "patient": patient,
        "identifiedDateTime": builder.meta.generated_at.isoformat(),
        "author": device,
        "detail": detail,
        "evidence": [
            {
                "code": [
                    {"coding": [{"system": ICD10CM, "code": code, **({"display": d} if d else {})}]}
                    for code, d in codes
                ],
                **({"detail": evidence} if evidence else {}),
            }
        ],
    }
    if implicated:
        resource["implicated"] = implicated
    return resource


def _diagnostic_report(
    analysis: CodingAnalysis,
    meta: ReportMeta,
    pdf: bytes,
    patient: JSON,
    encounters: list[JSON],
) -> JSON:
    resource: JSON = {
        "resourceType": "DiagnosticReport",
        "identifier": [report_identifier(meta)],
        "status": "final",
        "code": {
            "coding": [
                {
                    "system": REPORT_KIND_SYSTEM,
                    "code": "coding",
                    "display": "Clinical coding review",
                }
            ],
            "text": "Clinical coding review (ICD-10-CM, billed versus documented)",
        },
        "subject": patient,
        "issued": meta.generated_at.isoformat(),
        "conclusion": coding_summary(analysis),
        "presentedForm": [pdf_attachment(pdf, "Clinical coding review", meta)],
    }
    if len(encounters) == 1:
        resource["encounter"] = encounters[0]
    dates = sorted(e.period_start for e in analysis.encounters if e.period_start)
    if dates:
        resource["effectivePeriod"] = {"start": dates[0], "end": dates[-1]}
    return resource
