"""``parse_bundle``: a FHIR R4 Bundle in, everything the coding report needs out (with PHI)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from shared.intake.fhir.claims import EncounterBilling, billing_by_encounter, read_claims
from shared.intake.fhir.demographics import has_medicaid, read_patient
from shared.intake.fhir.diagnoses import read_conditions, recorded_diagnoses
from shared.intake.fhir.document import RawEntry, load_bundle_document
from shared.intake.fhir.elements import chronological_key
from shared.intake.fhir.encounters import read_encounters
from shared.intake.fhir.errors import Problem
from shared.intake.fhir.known_phi import collect_known_phi
from shared.intake.fhir.notes import read_notes
from shared.intake.fhir.parsed import (
    NoteLink,
    ParsedBundle,
    ParsedDiagnosis,
    ParsedEncounter,
    ParsedNote,
)
from shared.intake.fhir.validation import validate_entries
from shared.intake.fhir.view import BundleView
from shared.intake.known_phi import KnownPhi


def parse_bundle(
    raw: bytes | str | Mapping[str, Any],
    *,
    strict: bool = False,
    depth: str = "read",
    harvest_phi: bool = True,
) -> ParsedBundle:
    """Read a FHIR R4 Bundle (JSON bytes/text, or an already decoded mapping).

    Accepts Bundle types transaction, batch, collection, searchset, document and message. Every
    entry is validated, to ``depth``: "read" checks every resource's structure and the values of
    the elements clinrelay reads, "full" every value with the FHIR R4B models as well (see
    :mod:`shared.intake.fhir.validation`). Problems in the resources clinrelay reads raise
    :class:`~shared.intake.fhir.errors.BundleError` (so do invalid JSON and a body that is not
    a Bundle), problems in other resources become ``warnings`` unless ``strict``. Unresolvable
    and conditional references never raise: they are listed in ``unresolved_references``.

    ``harvest_phi=False`` leaves ``known_phi`` empty (the gateway only admits the Bundle; the
    ingestor, which de-identifies, harvests it).

    The result holds PHI (notes, names, ids) and must not leave the ingestor.
    """
    document = load_bundle_document(raw, depth=depth)
    validated = validate_entries(document.entries, strict=strict, depth=depth)
    view = BundleView(validated.valid)
    warnings = list(validated.warnings) + _duplicate_url_warnings(document.entries)

    conditions = read_conditions(view)
    notes_found = read_notes(view)
    claims = read_claims(view, conditions)
    encounters = read_encounters(view)
    by_entry = {encounter.source.index: encounter for encounter in encounters}

    notes, duplicates = _drop_duplicate_notes(_link_notes(notes_found.notes, by_entry))
    conditions = _link_conditions(conditions, by_entry)
    billing, unlinked_claims = billing_by_encounter(claims, set(by_entry))
    assembled = tuple(
        _assemble(view, encounter, notes, billing.get(encounter.source.index), conditions)
        for encounter in encounters
    )
    patient, patient_count = read_patient(view)
    return ParsedBundle(
        bundle_type=document.bundle_type,
        resource_counts=_resource_counts(document.entries),
        patient=patient,
        patient_count=patient_count,
        encounters=assembled,
        unlinked_notes=tuple(n for n in notes if n.encounter_entry is None),
        duplicate_notes=duplicates,
        unlinked_conditions=tuple(d for d in conditions.values() if d.encounter_entry is None),
        claims=tuple(claims),
        unlinked_claims=unlinked_claims,
        skipped_attachments=tuple(notes_found.skipped),
        unresolved_references=tuple(view.unresolved),
        warnings=tuple(warnings),
        known_phi=collect_known_phi(view, validated.ignored) if harvest_phi else KnownPhi(),
        medicaid=has_medicaid(view, patient, patient_count),
    )


def _link_notes(
    notes: list[ParsedNote], encounters: Mapping[int, ParsedEncounter]
) -> list[ParsedNote]:
    """Notes linked to an encounter outside the case (e.g. entered in error) become unlinked;
    unlinked notes go to the only encounter when the Bundle has exactly one."""
    only = next(iter(encounters)) if len(encounters) == 1 else None
    return [_relink(note, encounters, only) for note in notes]


def _relink(
    note: ParsedNote, encounters: Mapping[int, ParsedEncounter], only: int | None
) -> ParsedNote:
    if note.encounter_entry in encounters:
        return note
    if only is not None:
        return note.model_copy(update={"encounter_entry": only, "link": NoteLink.ONLY_ENCOUNTER})
    return note.model_copy(update={"encounter_entry": None, "link": NoteLink.UNLINKED})


def _link_conditions(
    conditions: dict[int, ParsedDiagnosis], encounters: Mapping[int, ParsedEncounter]
) -> dict[int, ParsedDiagnosis]:
    """Conditions naming no encounter of the case belong to the only encounter, if there is one."""
    only = next(iter(encounters)) if len(encounters) == 1 else None
    return {
        index: (
            condition
            if condition.encounter_entry in encounters
            else condition.model_copy(update={"encounter_entry": only})
        )
        for index, condition in conditions.items()
    }


def _drop_duplicate_notes(notes: list[ParsedNote]) -> tuple[list[ParsedNote], int]:
    """US Core exporters (Synthea among them) put the same note in a DiagnosticReport and a
    DocumentReference; the same text for the same encounter is read once."""
    seen: set[tuple[int | None, str]] = set()
    kept = []
    for note in notes:
        key = (note.encounter_entry, " ".join(note.text.split()))
        if key in seen:
            continue
        seen.add(key)
        kept.append(note)
    return kept, len(notes) - len(kept)


def _assemble(
    view: BundleView,
    encounter: ParsedEncounter,
    notes: list[ParsedNote],
    billing: EncounterBilling | None,
    conditions: dict[int, ParsedDiagnosis],
) -> ParsedEncounter:
    index = encounter.source.index
    own_notes = sorted(
        (n for n in notes if n.encounter_entry == index),
        key=lambda n: (chronological_key(n.date), n.source.index),
    )
    billing = billing or EncounterBilling()
    return encounter.model_copy(
        update={
            "notes": tuple(own_notes),
            "diagnoses": tuple(recorded_diagnoses(view, view.entries[index], conditions)),
            "billed_diagnoses": tuple(billing.diagnoses),
            "billed_items": tuple(billing.items),
            "claims": tuple(billing.claims),
        }
    )


def _resource_counts(entries: tuple[RawEntry, ...]) -> dict[str, int]:
    counts = Counter(
        str(entry.resource.get("resourceType")) for entry in entries if entry.resource is not None
    )
    return dict(sorted(counts.items()))


def _duplicate_url_warnings(entries: tuple[RawEntry, ...]) -> list[Problem]:
    seen: set[str] = set()
    warnings = []
    for entry in entries:
        if entry.full_url and entry.resource is not None:
            if entry.full_url in seen:
                warnings.append(
                    Problem(
                        f"Bundle.entry[{entry.index}].fullUrl",
                        "repeats an earlier entry's fullUrl; references resolve to the first",
                    )
                )
            seen.add(entry.full_url)
    return warnings
