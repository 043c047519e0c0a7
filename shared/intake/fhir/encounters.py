"""Encounters and the care setting whose coding rules apply to them."""

from __future__ import annotations

from shared.events.coding import CareSetting
from shared.intake.fhir.elements import chronological_key, first_label, iso
from shared.intake.fhir.parsed import ParsedEncounter
from shared.intake.fhir.validation import ValidEntry
from shared.intake.fhir.view import BundleView

ACT_CODE_SYSTEMS = frozenset(
    {
        "http://terminology.hl7.org/CodeSystem/v3-ActCode",
        "urn:oid:2.16.840.1.113883.5.4",
        "http://hl7.org/fhir/v3/ActCode",  # the STU3 URL, still sent by older exporters
    }
)

# Encounter.class (v3 ActEncounterCode) → the ICD-10-CM guideline section that applies.
# Observation stays, short stays and pre-admission testing are hospital outpatient services
# (ICD-10-CM Official Guidelines, Section IV), not inpatient admissions (Section II/III).
CARE_SETTING_BY_CLASS: dict[str, CareSetting] = {
    "AMB": CareSetting.OUTPATIENT,  # ambulatory
    "VR": CareSetting.OUTPATIENT,  # virtual
    "HH": CareSetting.OUTPATIENT,  # home health
    "FLD": CareSetting.OUTPATIENT,  # field
    "OBSENC": CareSetting.OUTPATIENT,  # observation encounter
    "SS": CareSetting.OUTPATIENT,  # short stay (same day, no admission)
    "PRENC": CareSetting.OUTPATIENT,  # pre-admission
    "IMP": CareSetting.INPATIENT,  # inpatient encounter
    "ACUTE": CareSetting.INPATIENT,  # inpatient acute
    "NONAC": CareSetting.INPATIENT,  # inpatient non-acute
    "EMER": CareSetting.EMERGENCY,
    # Lower-case class codes of older Synthea exports.
    "ambulatory": CareSetting.OUTPATIENT,
    "outpatient": CareSetting.OUTPATIENT,
    "wellness": CareSetting.OUTPATIENT,
    "urgentcare": CareSetting.OUTPATIENT,
    "virtual": CareSetting.OUTPATIENT,
    "home": CareSetting.OUTPATIENT,
    "inpatient": CareSetting.INPATIENT,
    "emergency": CareSetting.EMERGENCY,
}


def care_setting(class_system: str | None, class_code: str | None) -> CareSetting:
    """The care setting of an Encounter.class coding; OTHER when unknown or of another system."""
    if class_code is None or (class_system is not None and class_system not in ACT_CODE_SYSTEMS):
        return CareSetting.OTHER
    return CARE_SETTING_BY_CLASS.get(class_code, CareSetting.OTHER)


def read_encounters(view: BundleView) -> list[ParsedEncounter]:
    """Every Encounter not entered in error, ordered by start date (undated last), then entry."""
    encounters = [
        _read_encounter(view, entry)
        for entry in view.of_type("Encounter")
        if entry.model.status != "entered-in-error"
    ]
    return sorted(encounters, key=lambda e: (chronological_key(e.period_start), e.source.index))


def _read_encounter(view: BundleView, entry: ValidEntry) -> ParsedEncounter:
    encounter = entry.model
    coding = encounter.class_fhir
    period = encounter.period
    return ParsedEncounter(
        source=entry.ref,
        class_code=coding.code,
        class_system=coding.system,
        setting=care_setting(coding.system, coding.code),
        type=first_label(encounter.type),
        period_start=iso(period.start) if period else None,
        period_end=iso(period.end) if period else None,
        service_provider=_organization_name(view, entry, encounter.serviceProvider),
    )


def _organization_name(view: BundleView, entry: ValidEntry, reference: object) -> str | None:
    if reference is None:
        return None
    organization = view.follow(reference, f"{entry.ref.label}.serviceProvider", "Organization")
    if organization is not None and organization.model.name:
        return str(organization.model.name)
    display = getattr(reference, "display", None)
    return str(display) if display else None
