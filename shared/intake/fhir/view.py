"""The validated entries of one Bundle, and the references clinrelay follows between them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shared.intake.fhir.parsed import UnresolvedReference
from shared.intake.fhir.references import IndexedResource, ReferenceIndex, Resolution
from shared.intake.fhir.validation import ValidEntry


class BundleView:
    """Validated entries by index and type, with reference following that records failures."""

    def __init__(self, entries: Iterable[ValidEntry]) -> None:
        self.entries: dict[int, ValidEntry] = {entry.ref.index: entry for entry in entries}
        self._by_type: dict[str, list[ValidEntry]] = {}
        for entry in self.entries.values():
            self._by_type.setdefault(entry.ref.resource_type, []).append(entry)
        self.references = ReferenceIndex(
            IndexedResource(
                entry=entry.ref.index,
                resource_type=entry.ref.resource_type,
                resource_id=entry.ref.resource_id,
                full_url=entry.full_url,
                request_url=entry.request_url,
            )
            for entry in self.entries.values()
        )
        self.unresolved: list[UnresolvedReference] = []

    def of_type(self, resource_type: str) -> list[ValidEntry]:
        return self._by_type.get(resource_type, [])

    def resolve(self, reference: Any) -> Resolution:
        """Resolve a Reference model without recording anything."""
        return self.references.resolve(reference.reference if reference is not None else None)

    def follow(self, reference: Any, location: str, expected_type: str) -> ValidEntry | None:
        """The entry a Reference points at, if it is in the Bundle and of ``expected_type``.

        A reference that cannot be followed is recorded (location and reason, never its value);
        a display-only reference (no ``reference`` element) is not an error and is not recorded.
        """
        if reference is None or not reference.reference:
            return None
        resolution = self.references.resolve(reference.reference)
        if resolution.entry is None:
            reason = resolution.unresolved_reason or "not in the Bundle"
            self.unresolved.append(UnresolvedReference(location=location, reason=reason))
            return None
        if resolution.target_type != expected_type:
            self.unresolved.append(
                UnresolvedReference(
                    location=location,
                    reason=(
                        f"points at {_a(resolution.target_type)}, expected {_a(expected_type)}"
                    ),
                )
            )
            return None
        return self.entries[resolution.entry]


def _a(resource_type: str | None) -> str:
    name = resource_type or "unknown resource"
    return f"an {name}" if name[0].lower() in "aeiou" else f"a {name}"
