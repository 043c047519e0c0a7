"""What was billed: Claim (and ExplanationOfBenefit) diagnoses and items, by encounter.

An ExplanationOfBenefit repeats its Claim: it is read only when the Claim it adjudicates is not
in the Bundle (a payer export carries EOBs alone), so nothing is counted twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from shared.events.coding import DiagnosisSource
from shared.intake.fhir.elements import code_of, concepts
from shared.intake.fhir.parsed import EntryRef, ParsedBilledItem, ParsedClaim, ParsedDiagnosis
from shared.intake.fhir.validation import ValidEntry
from shared.intake.fhir.view import BundleView

_WITHDRAWN_STATUSES = frozenset({"cancelled", "entered-in-error"})


def read_claims(view: BundleView, conditions: dict[int, ParsedDiagnosis]) -> list[ParsedClaim]:
    """Claims, and EOBs whose Claim is absent, with the encounters they bill for."""
    claims = [
        _read_claim(view, entry, conditions, DiagnosisSource.CLAIM)
        for entry in view.of_type("Claim")
        if entry.model.status not in _WITHDRAWN_STATUSES
    ]
    for entry in view.of_type("ExplanationOfBenefit"):
        adjudicated = view.resolve(entry.model.claim)
        if entry.model.status in _WITHDRAWN_STATUSES or adjudicated.target_type == "Claim":
            continue
        claims.append(_read_claim(view, entry, conditions, DiagnosisSource.EXPLANATION_OF_BENEFIT))
    return claims


def _read_claim(
    view: BundleView,
    entry: ValidEntry,
    conditions: dict[int, ParsedDiagnosis],
    source: DiagnosisSource,
) -> ParsedClaim:
    claim = entry.model
    label = entry.ref.label
    diagnoses = [
        _claim_diagnosis(view, entry.ref, i, diagnosis, conditions, source)
        for i, diagnosis in enumerate(claim.diagnosis or ())
    ]
    items = [_billed_item(view, entry.ref, i, item) for i, item in enumerate(claim.item or ())]
    encounters = _claim_encounters(view, label, claim, items, diagnoses, conditions)
    return ParsedClaim(
        source=entry.ref,
        encounter_entries=tuple(encounters),
        diagnoses=tuple(d for d in diagnoses if d is not None),
        items=tuple(items),
    )


def _claim_diagnosis(
    view: BundleView,
    claim: EntryRef,
    index: int,
    diagnosis: Any,
    conditions: dict[int, ParsedDiagnosis],
    source: DiagnosisSource,
) -> ParsedDiagnosis | None:
    use = code_of(diagnosis.type[0]) if diagnosis.type else None
    if diagnosis.diagnosisCodeableConcept is not None:
        concept = diagnosis.diagnosisCodeableConcept
        return ParsedDiagnosis(
            concepts=concepts(concept),
            text=concept.text,
            source=source,
            use=use,
            sequence=diagnosis.sequence,
            claim=claim,
        )
    location = f"{claim.label}.diagnosis[{index}].diagnosisReference"
    target = view.follow(diagnosis.diagnosisReference, location, "Condition")
    if target is None or target.ref.index not in conditions:
        return None
    condition = conditions[target.ref.index]
    return condition.model_copy(
        update={
            "source": source,
            "use": use,
            "sequence": diagnosis.sequence,
            "rank": None,
            "claim": claim,
        }
    )


def _billed_item(view: BundleView, claim: EntryRef, index: int, item: Any) -> ParsedBilledItem:
    location = f"{claim.label}.item[{index}]"
    encounters = []
    for position, reference in enumerate(item.encounter or ()):
        target = view.follow(reference, f"{location}.encounter[{position}]", "Encounter")
        if target is not None:
            encounters.append(target.ref.index)
    return ParsedBilledItem(
        sequence=item.sequence,
        service=concepts(item.productOrService),
        diagnosis_sequences=tuple(item.diagnosisSequence or ()),
        encounter_entries=tuple(encounters),
        claim=claim,
    )


def _claim_encounters(
    view: BundleView,
    label: str,
    claim: Any,
    items: list[ParsedBilledItem],
    diagnoses: list[ParsedDiagnosis | None],
    conditions: dict[int, ParsedDiagnosis],
) -> list[int]:
    """Encounters a claim bills for: its items' encounters, Encounters given as supporting
    information, else the one encounter all its diagnosed Conditions belong to."""
    found = _unique(e for item in items for e in item.encounter_entries)
    for index, info in enumerate(claim.supportingInfo or ()):
        if view.resolve(info.valueReference).target_type == "Encounter":
            location = f"{label}.supportingInfo[{index}].valueReference"
            target = view.follow(info.valueReference, location, "Encounter")
            if target is not None and target.ref.index not in found:
                found.append(target.ref.index)
    if found:
        return found
    condition_encounters = {
        conditions[d.condition.index].encounter_entry
        for d in diagnoses
        if d is not None and d.condition is not None
    }
    if len(condition_encounters) == 1 and None not in condition_encounters:
        return [e for e in condition_encounters if e is not None]
    return []


def _unique(values: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(values))


@dataclass
class EncounterBilling:
    claims: list[EntryRef] = field(default_factory=list)
    diagnoses: list[ParsedDiagnosis] = field(default_factory=list)
    items: list[ParsedBilledItem] = field(default_factory=list)


def billing_by_encounter(
    claims: Iterable[ParsedClaim], encounter_entries: set[int]
) -> tuple[dict[int, EncounterBilling], int]:
    """Spread claims over the encounters they bill for; returns the billing per encounter entry
    and how many claims could not be tied to any encounter.

    A claim tied to one encounter gives it all its diagnoses and items (claims usually link only
    their first item). A claim spanning several encounters gives each the items naming it, the
    diagnoses those items point at, and the diagnoses no item points at; its items that name no
    encounter stay unassigned. When the Bundle has a single encounter, unlinked claims go to it.
    """
    billing: dict[int, EncounterBilling] = {}
    unlinked = 0
    only = next(iter(encounter_entries)) if len(encounter_entries) == 1 else None
    for claim in claims:
        targets = [e for e in claim.encounter_entries if e in encounter_entries]
        if not targets and only is not None:
            targets = [only]
        if not targets:
            unlinked += 1
            continue
        for encounter in targets:
            share = billing.setdefault(encounter, EncounterBilling())
            share.claims.append(claim.source)
            if len(targets) == 1:
                share.items.extend(claim.items)
                share.diagnoses.extend(claim.diagnoses)
                continue
            items = [i for i in claim.items if encounter in i.encounter_entries]
            pointed = {s for i in claim.items for s in i.diagnosis_sequences}
            wanted = {s for i in items for s in i.diagnosis_sequences}
            share.items.extend(items)
            share.diagnoses.extend(
                d for d in claim.diagnoses if d.sequence in wanted or d.sequence not in pointed
            )
    return billing, unlinked
