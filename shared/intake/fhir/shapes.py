"""The structure of FHIR R4 JSON, checked without building the R4B models.

The element tables (which elements a type has, which repeat, which are required, which hold
other elements) are read once per type off the ``fhir.resources`` R4B models. :func:`shape_problems`
walks a resource's JSON against them and finds what the models would find about its structure:
unknown elements, an object where an array belongs and the reverse, a value where an object
belongs, missing required elements and nulls. It does not check the values of primitives (dates,
codes): the elements clinrelay reads get those checks from its own models
(:mod:`shared.intake.fhir.read_models`); full validation with the R4B models is a setting.

Problems come back as ``(path, message)`` with pydantic-style paths (``("period", "stop")``), in
the order the R4B models would list them (by the element's position in the resource).
"""

from __future__ import annotations

import datetime
import decimal
import functools
import types
import typing
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.resource import Resource
from pydantic import BaseModel

from shared.intake.fhir.errors import not_an_object

Path = tuple[int | str, ...]

# What a primitive element holds in JSON.
_STRING, _NUMBER, _BOOLEAN, _ANY = "string", "number", "boolean", "any"
_MOMENT = "moment"  # date, dateTime, instant, time: a string in FHIR JSON; the models take numbers
COMPLEX, RESOURCE = "complex", "resource"


@dataclass(frozen=True)
class Element:
    kind: str  # COMPLEX, RESOURCE or a primitive kind
    model: type[BaseModel] | None  # the R4B model class of a complex element
    repeats: bool
    position: int  # declaration order in the R4B model: the order problems are listed in
    targets: tuple[str, ...] = ()  # a Reference's allowed target types; () when any


@dataclass(frozen=True)
class Shape:
    elements: dict[str, Element]
    required: tuple[tuple[str, bool], ...]  # (JSON name, is a primitive)


@functools.cache
def shape_of(model: type[BaseModel]) -> Shape:
    """The element table of one R4B model class (built once)."""
    elements: dict[str, Element] = {}
    required: list[tuple[str, bool]] = []
    for position, (name, field) in enumerate(model.model_fields.items()):
        kind, child, repeats = _element_type(field.annotation)
        extra = field.json_schema_extra
        element = Element(kind, child, repeats, position, _reference_targets(extra))
        key = field.alias or name
        elements[key] = element
        elements.setdefault(name, element)  # the models also accept the Python name
        if isinstance(extra, dict) and extra.get("element_required"):
            required.append((key, True))
        elif field.is_required():
            required.append((key, False))
    return Shape(elements, tuple(required))


def _reference_targets(extra: object) -> tuple[str, ...]:
    allowed = extra.get("enum_reference_types") if isinstance(extra, dict) else None
    if not isinstance(allowed, list) or "Resource" in allowed:
        return ()
    return tuple(str(t) for t in allowed)


def _element_type(annotation: Any) -> tuple[str, type[BaseModel] | None, bool]:
    repeats = False
    while True:
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(arguments) != 1:
                return _ANY, None, False  # fhir_comments: a string or a list of strings
            annotation = arguments[0]
        elif origin in (list, typing.List):  # noqa: UP006 (the models use typing.List)
            repeats = True
            annotation = typing.get_args(annotation)[0]
        elif origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        else:
            break
    model_class = getattr(annotation, "get_model_klass", None)
    if model_class is not None:
        child = model_class()
        if child is Resource:
            return RESOURCE, None, repeats
        return COMPLEX, child, repeats
    return _primitive_kind(annotation), None, repeats


def _primitive_kind(annotation: Any) -> str:
    if annotation is bool:
        return _BOOLEAN
    if annotation in (int, float, decimal.Decimal):
        return _NUMBER
    if annotation in (datetime.date, datetime.datetime, datetime.time):
        return _MOMENT
    if annotation in (str, uuid.UUID):
        return _STRING
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return _STRING  # url: AnyUrl | str
    return _ANY


def resource_model(resource_type: object) -> type[BaseModel] | None:
    """The R4B model class of a resource type name, None for anything else (data types too)."""
    if not isinstance(resource_type, str) or not resource_type.isalpha():
        return None
    return _resource_model(resource_type)


@functools.lru_cache(maxsize=512)  # bounded: the names come from the input
def _resource_model(resource_type: str) -> type[BaseModel] | None:
    try:
        model_class = get_fhir_model_class(resource_type)
    except ValueError:
        return None
    return model_class if issubclass(model_class, Resource) else None


def shape_problems(resource: dict[str, Any], model: type[BaseModel]) -> list[tuple[Path, str]]:
    """Every structural problem of a resource's JSON, in the R4B models' order."""
    found = list(_walk(resource, shape_of(model), ()))
    order = shape_of(model).elements
    unknown = len(order) + 1
    return sorted(
        found,
        key=lambda problem: _position(order, problem[0], unknown),
    )


def _position(order: dict[str, Element], path: Path, unknown: int) -> int:
    element = order.get(str(path[0])) if path else None
    return element.position if element is not None else unknown


def _walk(node: dict[str, Any], shape: Shape, path: Path) -> Iterator[tuple[Path, str]]:
    elements = shape.elements
    unknown: list[Path] = []
    for key, value in node.items():
        element = elements.get(key)
        if element is None:
            if key != "resourceType" or not _is_resource_level(shape):
                unknown.append((*path, key))
        elif value is None:
            yield (*path, key), "null is not allowed in FHIR JSON"
        elif element.repeats:
            yield from _walk_list(value, element, (*path, key))
        else:
            yield from _walk_value(value, element, (*path, key))
    yield from _missing(node, shape, path)
    for where in unknown:
        yield where, "unknown element (not part of this FHIR R4 resource)"


def _walk_list(value: object, element: Element, path: Path) -> Iterator[tuple[Path, str]]:
    if not isinstance(value, list):
        yield path, "Input should be a valid list"
    elif element.kind in (COMPLEX, RESOURCE):
        if any(item is None for item in value):
            yield path, f"None is not allowed as an element of {path[-1]}"
            return
        for index, item in enumerate(value):
            yield from _walk_value(item, element, (*path, index))
    else:  # a null in a primitive array is the slot of an extension in its "_" sibling
        for index, item in enumerate(value):
            if item is not None:
                yield from _check_primitive(item, element.kind, (*path, index))


def _missing(node: dict[str, Any], shape: Shape, path: Path) -> Iterator[tuple[Path, str]]:
    for name, primitive in shape.required:
        if name in node:
            continue
        if not primitive:
            yield (*path, name), "Field required"
        elif f"_{name}" not in node:  # a required primitive may be only an extension
            yield (*path, name), f"Value for the field '{name}' is required."


def _walk_value(value: object, element: Element, path: Path) -> Iterator[tuple[Path, str]]:
    if element.kind == COMPLEX:
        if not isinstance(value, dict):
            yield path, not_an_object(value)
        elif element.model is not None:
            yield from _walk(value, shape_of(element.model), path)
    elif element.kind == RESOURCE:
        model = resource_model(value.get("resourceType")) if isinstance(value, dict) else None
        if not isinstance(value, dict):
            yield path, not_an_object(value)
        elif model is None:
            yield (*path, "resourceType"), "missing, or not a FHIR R4 resource type"
        else:
            yield from _walk(value, shape_of(model), path)
    else:
        yield from _check_primitive(value, element.kind, path)


def _check_primitive(value: object, kind: str, path: Path) -> Iterator[tuple[Path, str]]:
    if kind == _STRING and not isinstance(value, str):
        yield path, "Input should be a valid string"
    elif kind == _MOMENT and isinstance(value, dict | list | bool):
        # The R4B models read a number as a Unix time; a value checked here is let through as
        # they would (the elements clinrelay reads get the models' own check).
        yield path, "Input should be a valid date or datetime"
    elif kind in (_NUMBER, _BOOLEAN) and isinstance(value, dict | list):
        yield path, f"Input should be a valid {kind}"


def _is_resource_level(shape: Shape) -> bool:
    """A contained resource carries its own resourceType."""
    return "implicitRules" in shape.elements


def present_elements(node: dict[str, Any], shape: Shape) -> list[tuple[str, Element]]:
    """The elements a JSON object sets, in the R4B models' declaration order."""
    found = [(key, shape.elements[key]) for key in node if key in shape.elements]
    found.sort(key=lambda item: item[1].position)
    return found
