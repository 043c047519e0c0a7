"""Reading common FHIR data types (CodeableConcept, dates) off the R4B models."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from shared.events.coding import CodedConcept
from shared.intake.fhir.parsed import Label


def concepts(codeable_concept: Any) -> tuple[CodedConcept, ...]:
    """The codings of a CodeableConcept that carry a code (system "" when the sender gave none)."""
    if codeable_concept is None:
        return ()
    return tuple(
        CodedConcept(system=coding.system or "", code=coding.code, display=coding.display)
        for coding in codeable_concept.coding or ()
        if coding.code
    )


def code_of(codeable_concept: Any, system: str | None = None) -> str | None:
    """The first code of a CodeableConcept (of ``system`` when given)."""
    for concept in concepts(codeable_concept):
        if system is None or concept.system == system:
            return concept.code
    return None


def label_of(codeable_concept: Any) -> Label | None:
    """A standard display when a coding has one, else the free text (marked as such)."""
    if codeable_concept is None:
        return None
    for coding in codeable_concept.coding or ():
        if coding.display and coding.display.strip():
            return Label(text=coding.display.strip(), coded=True)
    text = codeable_concept.text
    return Label(text=text.strip(), coded=False) if text and text.strip() else None


def first_label(codeable_concepts: Any) -> Label | None:
    for codeable_concept in codeable_concepts or ():
        label = label_of(codeable_concept)
        if label is not None:
            return label
    return None


def iso(value: Any) -> str | None:
    """A FHIR date/dateTime/instant as an ISO string (partial dates such as "1940" kept as is)."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def period_start(period: Any) -> str | None:
    return iso(period.start) if period is not None else None


def chronological_key(value: str | None) -> tuple[bool, datetime]:
    """Sort key for ISO dates of mixed precision and time zones; undated values sort last."""
    if not value:
        return True, datetime.max.replace(tzinfo=UTC)
    text = value
    if len(text) == 4:  # "1940"
        text += "-01-01"
    elif len(text) == 7:  # "1940-03"
        text += "-01"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return True, datetime.max.replace(tzinfo=UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return False, moment
