"""Diagnoses the record states in structured form: Condition and Encounter.diagnosis."""

from __future__ import annotations

from typing import Any

from shared.events.coding import DiagnosisSource
from shared.intake.fhir.elements import code_of, concepts
from shared.intake.fhir.parsed import ParsedDiagnosis
from shared.intake.fhir.validation import ValidEntry
from shared.intake.fhir.view import BundleView


def read_conditions(view: BundleView) -> dict[int, ParsedDiagnosis]:
    """Every Condition not entered in error, by entry index, with its encounter link."""
    conditions = {}
    for entry in view.of_type("Condition"):
        condition = entry.model
        if code_of(condition.verificationStatus) == "entered-in-error":
            continue
        encounter = view.follow(condition.encounter, f"{entry.ref.label}.encounter", "Encounter")
        conditions[entry.ref.index] = diagnosis_from_condition(
            entry,
            DiagnosisSource.CONDITION,
            encounter_entry=encounter.ref.index if encounter is not None else None,
        )
    return conditions


def diagnosis_from_condition(
    entry: ValidEntry, source: DiagnosisSource, **details: Any
) -> ParsedDiagnosis:
    """A diagnosis carrying a Condition's codes and statuses; ``details`` add use, rank..."""
    condition = entry.model
    return ParsedDiagnosis(
        concepts=concepts(condition.code),
        text=condition.code.text if condition.code is not None else None,
        source=source,
        clinical_status=code_of(condition.clinicalStatus),
        verification_status=code_of(condition.verificationStatus),
        categories=tuple(code for c in condition.category or () if (code := code_of(c))),
        condition=entry.ref,
        **details,
    )


def encounter_diagnoses(
    view: BundleView, encounter: ValidEntry, conditions: dict[int, ParsedDiagnosis]
) -> list[ParsedDiagnosis]:
    """Encounter.diagnosis entries that point at a Condition of the Bundle, with use and rank."""
    found = []
    for index, diagnosis in enumerate(encounter.model.diagnosis or ()):
        if view.resolve(diagnosis.condition).target_type == "Procedure":
            continue  # Encounter.diagnosis may name the procedure that was the reason
        location = f"{encounter.ref.label}.diagnosis[{index}].condition"
        target = view.follow(diagnosis.condition, location, "Condition")
        if target is None or target.ref.index not in conditions:
            continue
        found.append(
            diagnosis_from_condition(
                target,
                DiagnosisSource.ENCOUNTER,
                use=code_of(diagnosis.use),
                rank=diagnosis.rank,
                encounter_entry=encounter.ref.index,
            )
        )
    return found


def recorded_diagnoses(
    view: BundleView, encounter: ValidEntry, conditions: dict[int, ParsedDiagnosis]
) -> list[ParsedDiagnosis]:
    """The encounter's diagnoses: its Encounter.diagnosis list (with use and rank), then the
    Conditions that name this encounter and are not in that list — one entry per Condition."""
    listed = encounter_diagnoses(view, encounter, conditions)
    seen = {d.condition.index for d in listed if d.condition is not None}
    linked = [
        diagnosis
        for index, diagnosis in conditions.items()
        if diagnosis.encounter_entry == encounter.ref.index and index not in seen
    ]
    return listed + linked
