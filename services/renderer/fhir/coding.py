"""The coding report as FHIR: what the notes support, as provisional Conditions an EHR can file.

Bundle (collection):

- ``DiagnosticReport`` with the PDF in ``presentedForm`` and the summary as ``conclusion``;
- ``Patient``: the de-identified subject (gender only, tagged pseudonymised): the receiving
  system links it to its own patient through the report id, which it asked for;
- ``Encounter`` and ``DocumentReference`` stubs for the surrogate encounter and note ids the
  analysis refers to (the note text itself is not exported);
- one ``Condition`` per suggested code, ``verificationStatus`` provisional, category
  encounter-diagnosis, evidence pointing at the notes it rests on, the de-identified snippet
  in ``note``;
- ``DetectedIssue`` per billed-not-documented, documented-not-billed and specificity finding;
- ``Device`` (clinrelay) and a ``Provenance`` for the pipeline run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.renderer.coding_tables import encounter_heading
from services.renderer.coding_view import coding_summary
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


_PROVISIONAL = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            "code": "provisional",
            "display": "Provisional",
        }
    ]
}
_ENCOUNTER_DIAGNOSIS = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/condition-category",
            "code": "encounter-diagnosis",
            "display": "Encounter Diagnosis",
        }
    ]
}


def _condition(
    builder: BundleBuilder,
    suggestion: CodeSuggestion,
    patient: JSON,
    encounter: JSON,
    meta: ReportMeta,
) -> JSON:
    annotations = [
        {
            "text": f"Evidence in note {item.note_id}, characters {item.start}–{item.end} "
            f"(de-identified): “{' '.join(item.text.split())}”"
        }
        for item in suggestion.evidence
    ]
    annotations.append(
        {"text": f"Suggested by clinrelay from the note text (score {suggestion.score:.2f})."}
    )
    resource: JSON = {
        "resourceType": "Condition",
        "verificationStatus": _PROVISIONAL,
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
