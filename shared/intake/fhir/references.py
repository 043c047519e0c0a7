"""Resolving FHIR references between the entries of one Bundle.

Supported forms (FHIR R4 §2.36 "Resolving references in Bundles", simplified to what senders use):

- ``urn:uuid:…`` / ``urn:oid:…``: the entry whose ``fullUrl`` is exactly that;
- ``Type/id`` (optionally ``/_history/n``): the entry holding that resource type and id, whether
  the id is in the resource or only in a transaction's ``request.url`` (``PUT Patient/85``);
- absolute URLs ``https://server/fhir/Type/id``: the entry with that ``fullUrl``, else by
  their trailing ``Type/id``.

Conditional references (``Practitioner?identifier=…``), references into ``contained`` resources
(``#id``) and references to resources not in the Bundle stay unresolved, with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_TYPE_ID = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")
_TYPE_PREFIX = re.compile(r"^([A-Z][A-Za-z]+)[/?]")


@dataclass(frozen=True)
class IndexedResource:
    entry: int
    resource_type: str
    resource_id: str | None
    full_url: str | None
    request_url: str | None


@dataclass(frozen=True)
class Resolution:
    """The outcome of following one reference."""

    entry: int | None
    """Index of the Bundle entry it points at, or None."""
    target_type: str | None
    """The resource type pointed at, when the entry or the reference text says."""
    unresolved_reason: str | None = None


class ReferenceIndex:
    """Lookup from every way an entry can be referred to, to the entry's index."""

    def __init__(self, resources: Iterable[IndexedResource]) -> None:
        self._by_full_url: dict[str, int] = {}
        self._by_type_id: dict[tuple[str, str], int] = {}
        self._types: dict[int, str] = {}
        for resource in resources:
            self._types[resource.entry] = resource.resource_type
            if resource.full_url:
                self._by_full_url.setdefault(resource.full_url, resource.entry)
            for type_id in _type_ids(resource):
                self._by_type_id.setdefault(type_id, resource.entry)

    def resource_type(self, entry: int) -> str | None:
        return self._types.get(entry)

    def resolve(self, reference: str | None) -> Resolution:
        """Follow ``Reference.reference``; never raises."""
        if not reference:
            return Resolution(None, None, "no reference")
        if reference.startswith("#"):
            return Resolution(None, None, "points into contained resources")
        entry = self._by_full_url.get(reference)
        if entry is not None:
            return Resolution(entry, self._types[entry])
        target_type = _type_from_text(reference)
        if "?" in reference:
            return Resolution(None, target_type, "conditional reference (not resolved)")
        match = _TYPE_ID.search(reference)
        if match is not None:
            entry = self._by_type_id.get((match.group(1), match.group(2)))
            if entry is not None:
                return Resolution(entry, self._types[entry])
        return Resolution(None, target_type, "not in the Bundle")


def _type_ids(resource: IndexedResource) -> Iterable[tuple[str, str]]:
    if resource.resource_id:
        yield resource.resource_type, resource.resource_id
    for url in (resource.request_url, resource.full_url):
        if url and "?" not in url:
            match = _TYPE_ID.search(url)
            if match is not None and match.group(1) == resource.resource_type:
                yield match.group(1), match.group(2)


def _type_from_text(reference: str) -> str | None:
    match = _TYPE_PREFIX.match(reference) or _TYPE_ID.search(reference.split("?", 1)[0])
    return match.group(1) if match else None
