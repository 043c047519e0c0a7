"""Problems found in a submitted Bundle, reported without ever repeating the submitted values.

Everything a client sends may be PHI. Pydantic's own error strings end with
``input_value=...``, so messages here are built from an error's location, type and message only,
and a message that still contains a piece of the offending value is replaced by a generic one.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

MAX_PROBLEMS = 20
"""A Bundle with thousands of bad entries gets the first ones and a count, not a huge body."""

# Substrings of the offending value shorter than this are too common to betray anything
# ("1", "en"); longer ones are looked for in a message before it is released.
_MIN_ECHO_LENGTH = 3

# FHIR element names are lowerCamelCase; "_birthDate" holds a primitive's extensions.
_ELEMENT_NAME = re.compile(r"_?[a-z][A-Za-z0-9]{0,63}")
HIDDEN_ELEMENT = "(element name not shown)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is and what is wrong, never the value itself."""

    location: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"location": self.location, "message": self.message}


class BundleErrorKind(StrEnum):
    INVALID_JSON = "invalid_json"
    NOT_A_BUNDLE = "not_a_bundle"
    INVALID_RESOURCES = "invalid_resources"
    NOT_CODABLE = "not_codable"


class BundleError(ValueError):
    """The Bundle cannot be accepted. ``str(error)`` and :meth:`to_dict` are free of PHI.

    ``problems`` holds at most :data:`MAX_PROBLEMS` entries; ``problems_omitted`` says how many
    more were found.
    """

    def __init__(
        self,
        message: str,
        problems: Iterable[Problem] = (),
        *,
        kind: BundleErrorKind = BundleErrorKind.INVALID_RESOURCES,
    ) -> None:
        found = list(problems)
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.problems: tuple[Problem, ...] = tuple(found[:MAX_PROBLEMS])
        self.problems_omitted = max(0, len(found) - MAX_PROBLEMS)

    @property
    def status_code(self) -> int:
        """HTTP status for the gateway: 400 when the body is not JSON, 422 otherwise."""
        return 400 if self.kind is BundleErrorKind.INVALID_JSON else 422

    def to_dict(self) -> dict[str, Any]:
        """``{"message", "kind", "problems": [{"location", "message"}], "problems_omitted"}``;
        ``message`` is :func:`str` of the error (it names the first problem)."""
        return {
            "message": str(self),
            "kind": self.kind.value,
            "problems": [problem.to_dict() for problem in self.problems],
            "problems_omitted": self.problems_omitted,
        }

    def __str__(self) -> str:
        """The message, followed by the first problem unless the message already states it."""
        if not self.problems or self.problems[0].message in self.message:
            return self.message
        first = self.problems[0]
        more = len(self.problems) + self.problems_omitted - 1
        tail = f" (and {more} more)" if more else ""
        detail = first.message.removesuffix(".")
        return f"{self.message.removesuffix('.')}: {first.location}: {detail}{tail}."


def field_path(loc: Sequence[int | str]) -> str:
    """``("name", 0, "given", 1)`` → ``"name[0].given[1]"``.

    An unknown element's name comes from the input too: it is shown only when it looks like a
    FHIR element name (``effectivePeriod.stop``), never when it could be a value (``"Johanna"``).
    """
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "root":  # pydantic's marker for a model-level validator
            continue
        else:
            name = part if _ELEMENT_NAME.fullmatch(part) else HIDDEN_ELEMENT
            path += f".{name}" if path else name
    return path


def join_location(where: str, loc: Sequence[int | str]) -> str:
    """Location label of an entry plus a field path inside it: ``"entry[3] Encounter/a.class"``."""
    path = field_path(loc)
    return f"{where}.{path}" if path else where


def problems_from_validation_error(
    error: ValidationError, where: str, union_tags: Collection[str] = ()
) -> list[Problem]:
    """Turn a pydantic error into problems located under ``where``, without the input values.

    ``union_tags``: the tags of tagged unions in the model, which pydantic puts in locations
    (``contained[0].Coverage.status``) and FHIR paths do not have; they are left out."""
    problems = []
    for detail in error.errors(include_url=False, include_input=True):
        value = detail.get("input")
        message = _describe(detail["type"], detail["msg"], value)
        if any(fragment in message for fragment in _value_fragments(value)):
            message = f"invalid value ({detail['type']})"
        loc = detail["loc"]
        if union_tags:
            loc = tuple(part for part in loc if part not in union_tags)
        problems.append(Problem(join_location(where, loc), message))
    return problems


def _describe(error_type: str, message: str, value: object) -> str:
    if error_type == "json_invalid":
        # pydantic tries to read a string as JSON where an object is expected; its message
        # ("Invalid JSON: expected value at line 1 column 1") misleads the reader.
        return not_an_object(value)
    if error_type == "extra_forbidden":
        return "unknown element (not part of this FHIR R4 resource)"
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def not_an_object(value: object) -> str:
    """The problem with ``value`` where FHIR wants a JSON object, naming what was sent."""
    return f"expected a JSON object, got {_json_kind(value)}"


def _json_kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if value is None:
        return "null"
    return "an object"


def _value_fragments(value: object) -> set[str]:
    """Every scalar in the submitted value, as text, long enough to be worth hiding."""
    found: set[str] = set()
    stack: list[object] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif item is not None and not isinstance(item, bool):
            text = str(item)
            if len(text) >= _MIN_ECHO_LENGTH:
                found.add(text)
    return found
