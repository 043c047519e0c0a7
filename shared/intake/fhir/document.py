"""Reading the submitted JSON and checking the Bundle envelope (type, entries, requests)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from shared.intake.fhir.errors import (
    BundleError,
    BundleErrorKind,
    Problem,
    join_location,
    problems_from_validation_error,
)
from shared.intake.fhir.shapes import shape_problems

ACCEPTED_BUNDLE_TYPES = ("transaction", "batch", "collection", "searchset", "document", "message")


@dataclass(frozen=True)
class RawEntry:
    """One ``Bundle.entry`` as submitted, with what identifies it in the Bundle."""

    index: int
    resource: dict[str, Any] | None
    full_url: str | None
    request_url: str | None
    request_method: str | None


@dataclass(frozen=True)
class BundleDocument:
    bundle_type: str
    entries: tuple[RawEntry, ...]


def load_bundle_document(
    raw: bytes | str | Mapping[str, Any], *, depth: str = "read"
) -> BundleDocument:
    """Parse JSON (if needed) and check the envelope; raise :class:`BundleError` when it is not
    a FHIR R4 Bundle of an accepted type. ``depth`` "full" validates the envelope with the R4B
    Bundle model, "read" checks its structure (the values read are the type, ``fullUrl`` and
    ``request``; see :mod:`shared.intake.fhir.validation`)."""
    document = _decode_json(raw) if isinstance(raw, bytes | str) else raw
    if not isinstance(document, Mapping):
        raise BundleError(
            f"The request body is {_kind(document)}, not a FHIR Bundle.",
            kind=BundleErrorKind.NOT_A_BUNDLE,
        )
    if document.get("resourceType") != "Bundle":
        found = document.get("resourceType")
        what = "has no resourceType" if found is None else "is not a FHIR Bundle (resourceType)"
        raise BundleError(f"The request body {what}.", kind=BundleErrorKind.NOT_A_BUNDLE)

    entries = document.get("entry", [])
    if not isinstance(entries, list):
        raise BundleError(
            "Bundle.entry must be an array.",
            [Problem("Bundle.entry", f"expected an array, got {_kind(entries)}")],
            kind=BundleErrorKind.NOT_A_BUNDLE,
        )
    _validate_envelope(document, entries, full=depth == "full")

    bundle_type = str(document.get("type"))
    if bundle_type not in ACCEPTED_BUNDLE_TYPES:
        raise BundleError(
            "The Bundle.type is not supported.",
            [Problem("Bundle.type", "must be one of " + ", ".join(ACCEPTED_BUNDLE_TYPES))],
            kind=BundleErrorKind.NOT_A_BUNDLE,
        )
    return BundleDocument(bundle_type, tuple(_raw_entry(i, e) for i, e in enumerate(entries)))


def _decode_json(raw: bytes | str) -> object:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        # orjson's message names the position and what was expected, never the content.
        raise BundleError(
            "The request body is not valid JSON.",
            [Problem(f"line {error.lineno} column {error.colno}", error.msg)],
            kind=BundleErrorKind.INVALID_JSON,
        ) from None


def _validate_envelope(document: Mapping[str, Any], entries: list[Any], *, full: bool) -> None:
    """Validate Bundle-level fields, resources left out (checked one by one)."""
    problems = [
        Problem(f"Bundle.entry[{index}]", f"expected an object, got {_kind(entry)}")
        for index, entry in enumerate(entries)
        if not isinstance(entry, Mapping)
    ]
    problems += [
        Problem(
            f"Bundle.entry[{index}].resource", f"expected an object, got {_kind(entry['resource'])}"
        )
        for index, entry in enumerate(entries)
        if isinstance(entry, Mapping)
        and "resource" in entry
        and not isinstance(entry["resource"], Mapping)
    ]
    if problems:
        raise BundleError("The Bundle's entries are malformed.", problems)
    envelope = dict(document)
    envelope["entry"] = [{k: v for k, v in entry.items() if k != "resource"} for entry in entries]
    if not envelope["entry"]:
        del envelope["entry"]
    if full:
        try:
            Bundle.model_validate(envelope)
        except ValidationError as error:
            problems = problems_from_validation_error(error, "Bundle")
        else:
            return
    else:
        problems = [
            Problem(join_location("Bundle", path), message)
            for path, message in shape_problems(envelope, Bundle)
        ]
        # What is read of the envelope: the type (checked against the accepted list), fullUrl
        # and request.url (strings, checked above).
    if problems:
        raise BundleError(
            "The Bundle is not valid FHIR R4.", problems, kind=BundleErrorKind.NOT_A_BUNDLE
        )


def _raw_entry(index: int, entry: Mapping[str, Any]) -> RawEntry:
    request = entry.get("request") or {}
    resource = entry.get("resource")
    return RawEntry(
        index=index,
        resource=dict(resource) if resource is not None else None,
        full_url=entry.get("fullUrl"),
        request_url=request.get("url"),
        request_method=request.get("method"),
    )


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "a JSON array"
    if isinstance(value, str):
        return "a JSON string"
    if isinstance(value, bool):
        return "a JSON boolean"
    if isinstance(value, int | float):
        return "a JSON number"
    if value is None:
        return "null"
    return "a JSON object"
