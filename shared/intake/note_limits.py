"""The longest note clinrelay takes: refused at the gateway, re-checked before de-identification.

De-identification is budgeted per note (CPU time scaled to its length, see
:mod:`services.ingestor.phi.budget`); a cap on the length keeps that budget bounded, so a note
that could never be de-identified in time is refused at once with 413 instead of failing later.
"""

from __future__ import annotations

from shared.intake.fhir.parsed import ParsedBundle


class NoteTooLong(ValueError):
    """A note is longer than the per-note limit. The message names where, never the text."""

    def __init__(self, location: str, length: int, limit: int) -> None:
        super().__init__(
            f"The note at {location} is {length:,} characters long; the limit per note is "
            f"{limit:,} characters (CLINRELAY_MAX_NOTE_CHARS). Split it into several notes."
        )
        self.location = location
        self.length = length
        self.limit = limit


def check_note_lengths(parsed: ParsedBundle, max_chars: int) -> None:
    """Raise :class:`NoteTooLong` for the first note over ``max_chars`` characters."""
    for note in parsed.notes:
        if len(note.text) > max_chars:
            location = f"{note.source.label} {note.attachment_path}"
            raise NoteTooLong(location, len(note.text), max_chars)
