"""clinrelay's own models of the FHIR R4 elements it reads, and nothing else.

The readers (encounters, notes, diagnoses, claims, demographics) take these instead of the
``fhir.resources`` R4B models: validating a whole Bundle with the R4B models costs ~10 ms of CPU
per 100 KB, most of it on elements and resources clinrelay never looks at. The primitive types are
the R4B ones (``fhir_core``), so a date or a code is checked, converted and reported exactly as the
R4B models would. Unknown elements, arrays and objects in the wrong place, required elements and
nulls are checked for the whole resource by :mod:`shared.intake.fhir.shapes`; these models ignore
the elements they do not name.

Attribute names are the R4B models' (``class_fhir`` for ``class``), so the readers read the same.
"""

from __future__ import annotations

from typing import Annotated, Any

from fhir.resources.R4B.fhirtypes import (
    CodeType,
    DateTimeType,
    DateType,
    IdType,
    InstantType,
    PositiveIntType,
    StringType,
    UriType,
    UrlType,
)
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

# ---- data types -------------------------------------------------------------------------------


class Element(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Coding(Element):
    system: UriType | None = None
    code: CodeType | None = None
    display: StringType | None = None


class CodeableConcept(Element):
    coding: list[Coding] | None = None
    text: StringType | None = None


class Reference(Element):
    reference: StringType | None = None
    type: UriType | None = None
    display: StringType | None = None


class Period(Element):
    start: DateTimeType | None = None
    end: DateTimeType | None = None


class Identifier(Element):
    type: CodeableConcept | None = None
    system: UriType | None = None
    value: StringType | None = None


class Attachment(Element):
    """Read raw by the notes (the R4B models decode base64 leniently); typed here so that what
    the notes read is text."""

    contentType: CodeType | None = None
    data: str | None = None  # base64, checked strictly when the note is read
    url: UrlType | None = None


# ---- resources ---------------------------------------------------------------------------------


class ReadResource(Element):
    """A resource type clinrelay reads; the readers take the subclasses below."""

    id: IdType | None = None


class Patient(ReadResource):
    identifier: list[Identifier] | None = None
    gender: CodeType | None = None
    birthDate: DateType | None = None
    deceasedDateTime: DateTimeType | None = None


class RelatedPerson(ReadResource):
    birthDate: DateType | None = None


class Person(RelatedPerson):
    pass


class Practitioner(RelatedPerson):
    pass


class PractitionerRole(ReadResource):
    pass


class Organization(ReadResource):
    name: StringType | None = None
    alias: list[StringType] | None = None


class Location(Organization):
    pass


class EncounterDiagnosis(Element):
    condition: Reference | None = None
    use: CodeableConcept | None = None
    rank: PositiveIntType | None = None


class Encounter(ReadResource):
    status: CodeType | None = None
    class_fhir: Coding | None = Field(default=None, alias="class")
    type: list[CodeableConcept] | None = None
    period: Period | None = None
    serviceProvider: Reference | None = None
    diagnosis: list[EncounterDiagnosis] | None = None


class Condition(ReadResource):
    clinicalStatus: CodeableConcept | None = None
    verificationStatus: CodeableConcept | None = None
    category: list[CodeableConcept] | None = None
    code: CodeableConcept | None = None
    encounter: Reference | None = None


class DocumentReferenceContent(Element):
    attachment: Attachment | None = None


class DocumentReferenceContext(Element):
    encounter: list[Reference] | None = None
    period: Period | None = None


class DocumentReference(ReadResource):
    status: CodeType | None = None
    type: CodeableConcept | None = None
    category: list[CodeableConcept] | None = None
    date: InstantType | None = None
    description: StringType | None = None
    content: list[DocumentReferenceContent] | None = None
    context: DocumentReferenceContext | None = None


class DiagnosticReport(ReadResource):
    status: CodeType | None = None
    code: CodeableConcept | None = None
    encounter: Reference | None = None
    effectiveDateTime: DateTimeType | None = None
    effectivePeriod: Period | None = None
    issued: InstantType | None = None
    presentedForm: list[Attachment] | None = None


class Coverage(ReadResource):
    status: CodeType | None = None
    type: CodeableConcept | None = None
    beneficiary: Reference | None = None
    payor: list[Reference] | None = None


class OtherResource(Element):
    """A contained resource other than a Coverage: not read."""

    resourceType: str | None = None


def _contained_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "Coverage" if value.get("resourceType") == "Coverage" else "other"
    return "Coverage" if isinstance(value, Coverage) else "other"


CONTAINED_TAGS = frozenset({"Coverage", "other"})
"""Pydantic puts the tag of a tagged union in error locations; validation takes it out."""

Contained = Annotated[
    Annotated[Coverage, Tag("Coverage")] | Annotated[OtherResource, Tag("other")],
    Discriminator(_contained_kind),
]


class ClaimDiagnosis(Element):
    sequence: PositiveIntType | None = None
    type: list[CodeableConcept] | None = None
    diagnosisCodeableConcept: CodeableConcept | None = None
    diagnosisReference: Reference | None = None


class ClaimItem(Element):
    sequence: PositiveIntType | None = None
    diagnosisSequence: list[PositiveIntType] | None = None
    productOrService: CodeableConcept | None = None
    encounter: list[Reference] | None = None


class ClaimSupportingInfo(Element):
    valueReference: Reference | None = None


class ClaimInsurance(Element):
    coverage: Reference | None = None


class Claim(ReadResource):
    status: CodeType | None = None
    contained: list[Contained] | None = None
    diagnosis: list[ClaimDiagnosis] | None = None
    item: list[ClaimItem] | None = None
    supportingInfo: list[ClaimSupportingInfo] | None = None
    insurance: list[ClaimInsurance] | None = None

    def coverages(self) -> list[Coverage]:
        return [c for c in self.contained or () if isinstance(c, Coverage)]


class ExplanationOfBenefit(Claim):
    claim: Reference | None = None


READ_MODELS: dict[str, type[ReadResource]] = {
    model.__name__: model
    for model in (
        Patient,
        Encounter,
        Condition,
        DocumentReference,
        DiagnosticReport,
        Claim,
        ExplanationOfBenefit,
        Coverage,
        RelatedPerson,
        Person,
        Practitioner,
        PractitionerRole,
        Organization,
        Location,
    )
}
"""The resource types clinrelay reads, and the model each is read with."""
