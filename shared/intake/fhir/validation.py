"""Validating each entry's resource: what clinrelay reads, or (a setting) everything in FHIR R4.

A problem in a resource type clinrelay reads (the Patient, its Encounters, notes, diagnoses,
claims, coverage and the people and places they name) rejects the Bundle. A problem in a resource
clinrelay does not read (a vital-signs Observation, say) only leaves that resource out, with a
warning: public reference data such as the Inferno US Core bundles carry such defects, and refusing
a coding report over a blood-pressure reading it never looks at would help nobody. ``strict=True``
makes every problem fatal.

Two depths (``Settings.fhir_validation``):

- ``"read"`` (the default): every resource's structure is checked against the R4 element tables
  (:mod:`shared.intake.fhir.shapes`: unknown elements, arrays, objects, required elements,
  nulls), and the values of the elements clinrelay reads with its own models
  (:mod:`shared.intake.fhir.read_models`). A date clinrelay never reads (an Observation's, a
  Patient's ``multipleBirthInteger``) is not checked.
- ``"full"``: every resource is validated with the ``fhir.resources`` R4B models as well; about
  four times the CPU.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from shared.intake.fhir.document import RawEntry
from shared.intake.fhir.errors import (
    BundleError,
    BundleErrorKind,
    Problem,
    join_location,
    problems_from_validation_error,
)
from shared.intake.fhir.parsed import EntryRef
from shared.intake.fhir.read_models import CONTAINED_TAGS, READ_MODELS, ReadResource
from shared.intake.fhir.shapes import resource_model, shape_of, shape_problems

READ_RESOURCE_TYPES = frozenset(READ_MODELS)
"""Resource types whose content clinrelay uses; a Bundle with an invalid one is rejected."""

VALIDATION_DEPTHS = ("read", "full")

# Ids of people are often their record numbers; such ids stay out of messages and logs.
_PERSON_TYPES = frozenset({"Patient", "RelatedPerson", "Person"})
_ID_PATTERN = re.compile(r"[A-Za-z0-9\-.]{1,64}")


@dataclass(frozen=True)
class ValidEntry:
    ref: EntryRef
    raw: dict[str, Any]
    model: Any  # the read_models instance for a type clinrelay reads, else None
    full_url: str | None
    request_url: str | None


@dataclass(frozen=True)
class IgnoredEntry:
    """A resource clinrelay does not read that the models rejected; kept for PHI harvesting."""

    ref: EntryRef
    raw: dict[str, Any]


@dataclass
class ValidatedEntries:
    valid: list[ValidEntry] = field(default_factory=list)
    ignored: list[IgnoredEntry] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    entries_without_resource: int = 0


def validate_entries(
    entries: Sequence[RawEntry], *, strict: bool = False, depth: str = "read"
) -> ValidatedEntries:
    """Validate every entry's resource to ``depth`` ("read" or "full", see the module doc); raise
    :class:`BundleError` listing every fatal problem."""
    if depth not in VALIDATION_DEPTHS:
        raise ValueError(f"unknown FHIR validation depth {depth!r}")
    result = ValidatedEntries()
    fatal: list[Problem] = []
    rejected: set[int] = set()
    for entry in entries:
        if entry.resource is None:
            result.entries_without_resource += 1  # e.g. a DELETE in a transaction
            continue
        model_class = resource_model(entry.resource.get("resourceType"))
        if model_class is None:
            # The unknown name is not repeated: it could be any text.
            where = f"entry[{entry.index}].resource.resourceType"
            fatal.append(Problem(where, "missing, or not a FHIR R4 resource type"))
            rejected.add(entry.index)
            continue
        ref = entry_ref(entry.index, entry.resource)
        read = ref.resource_type in READ_RESOURCE_TYPES
        if depth == "full":
            check_nulls = strict or read
            problems = _validate_resource(model_class, entry.resource, ref.label, check_nulls)
        else:
            problems = [
                Problem(join_location(ref.label, path), message)
                for path, message in shape_problems(entry.resource, model_class)
            ]
        model = None
        if read:
            model, value_problems = _read_model(ref.resource_type, entry.resource, ref.label)
            reported = {problem.location for problem in problems}
            problems += [p for p in value_problems if p.location not in reported]
            if depth == "read":
                problems = _in_element_order(problems, ref.label, model_class)
        if problems:
            if strict or ref.resource_type in READ_RESOURCE_TYPES:
                fatal.extend(problems)
                rejected.add(entry.index)
            else:
                result.ignored.append(IgnoredEntry(ref, entry.resource))
                result.warnings.extend(
                    Problem(
                        p.location,
                        f"{p.message}; resource ignored "
                        f"(clinrelay does not read {ref.resource_type})",
                    )
                    for p in problems
                )
            continue
        result.valid.append(
            ValidEntry(ref, entry.resource, model, entry.full_url, entry.request_url)
        )
    if fatal:
        noun, verb = _resources(len(rejected))
        raise BundleError(
            f"{noun} in the Bundle {verb} not valid FHIR R4.",
            fatal,
            kind=BundleErrorKind.INVALID_RESOURCES,
        )
    return result


def _validate_resource(
    model_class: Any, resource: dict[str, Any], where: str, check_nulls: bool
) -> list[Problem]:
    """Every problem the R4B models find. Nulls are looked for in the resources clinrelay reads
    (in the others a null is harmless and the search costs time)."""
    try:
        model_class.model_validate(resource)
        problems = []
    except ValidationError as error:
        problems = problems_from_validation_error(error, where)
    if check_nulls:
        reported = {problem.location for problem in problems}
        problems += [p for p in null_problems(resource, where) if p.location not in reported]
    return problems


def _read_model(
    resource_type: str, resource: dict[str, Any], where: str
) -> tuple[ReadResource | None, list[Problem]]:
    """The resource as clinrelay reads it, or the problems in the values it reads."""
    try:
        return READ_MODELS[resource_type].model_validate(resource), []
    except ValidationError as error:
        return None, problems_from_validation_error(error, where, union_tags=CONTAINED_TAGS)


def _in_element_order(problems: list[Problem], where: str, model_class: Any) -> list[Problem]:
    """Structure and value problems of one resource merged in the order the R4B models list
    them: by the position of the top-level element (unknown elements last)."""
    elements = shape_of(model_class).elements
    last = len(elements) + 1

    def position(problem: Problem) -> int:
        path = problem.location.removeprefix(where).lstrip(".")
        name = path.split(".", 1)[0].split("[", 1)[0]
        element = elements.get(name)
        return element.position if element is not None else last

    return sorted(problems, key=position)


def null_problems(resource: Mapping[str, Any], where: str) -> list[Problem]:
    """FHIR JSON has no ``null`` (only inside arrays of primitives that carry extensions); the
    R4B models read a ``null`` required element as absent without complaint, so we check."""
    return [
        Problem(join_location(where, path), "null is not allowed in FHIR JSON")
        for path in _null_paths(resource, ())
    ]


def _null_paths(node: object, path: tuple[int | str, ...]) -> Iterator[tuple[int | str, ...]]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if value is None:
                yield (*path, key)
            elif isinstance(value, Mapping | list):
                yield from _null_paths(value, (*path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            if isinstance(item, Mapping | list):
                yield from _null_paths(item, (*path, index))


def _resources(count: int) -> tuple[str, str]:
    return ("1 resource", "is") if count == 1 else (f"{count} resources", "are")


def entry_ref(index: int, resource: dict[str, Any]) -> EntryRef:
    """Where an entry sits, and whether its id is safe to show in messages."""
    resource_type = resource.get("resourceType")
    resource_id = resource.get("id")
    type_name = resource_type if isinstance(resource_type, str) else "(no resourceType)"
    if not isinstance(resource_id, str):
        return EntryRef(index=index, resource_type=type_name)
    identifiers = resource.get("identifier")
    identifier_values: set[object] = set()
    if isinstance(identifiers, list):
        identifier_values = {i.get("value") for i in identifiers if isinstance(i, dict)}
    elif isinstance(identifiers, dict):  # single Identifier (e.g. QuestionnaireResponse)
        identifier_values = {identifiers.get("value")}
    safe = (
        type_name not in _PERSON_TYPES
        and resource_id not in identifier_values
        and _ID_PATTERN.fullmatch(resource_id) is not None
    )
    return EntryRef(index=index, resource_type=type_name, resource_id=resource_id, id_is_safe=safe)
