"""The seam between FHIR parsing and de-identification inside the ingestor.

The FHIR parser collects the notes of a Bundle and the PHI its structured fields state
(:class:`~shared.intake.known_phi.KnownPhi`); a :class:`NoteDeidentifier` returns the notes
with PHI removed and a date transform that applies the same policy (shift or drop) to the dates
the case carries. Nothing that passes through here un-transformed may leave the ingestor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from shared.intake.known_phi import KnownPhi


class DeidentificationError(Exception):
    """De-identification failed; the report must fail closed (raw text never moves on).

    The message is shown to the client and must not contain PHI.
    """


class DeidentificationTimeout(DeidentificationError):
    """A note ran past its time budget: still fail closed, but another attempt may succeed."""


@dataclass(frozen=True)
class DeidentifiedNotes:
    texts: tuple[str, ...]
    """The input notes, in order, with PHI replaced according to the policy."""
    spans_by_type: Mapping[str, int]
    """How many PHI spans of each type were replaced (counts only, never values)."""
    method: str
    """Human-readable name and version of the de-identification method."""
    policy: str
    """The replacement policy applied: "tag", "surrogate" or "shift"."""
    transform_date: Callable[[str], str | None] = field(repr=False)
    """Maps an ISO date (or date-time) from the record to what may leave the ingestor, or None."""
    keep_years: bool = True
    """Whether a year on its own may leave the ingestor unchanged (Safe Harbor allows it)."""


class NoteDeidentifier(Protocol):
    def deidentify_notes(self, notes: Sequence[str], known: KnownPhi) -> DeidentifiedNotes:
        """De-identify all notes of one patient together (surrogates stay consistent).

        Raises :class:`DeidentificationError` when it cannot vouch for the result.
        """
        ...
