"""A test-only de-identifier: masks the Bundle's known PHI by exact match and shifts dates.

It is deliberately simple (the real one lives in services/ingestor/phi/); it lets the case
builder be tested against the NoteDeidentifier seam with behaviour a reader can predict.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta

from services.ingestor.phi.port import DeidentificationError, DeidentifiedNotes
from shared.intake.known_phi import KnownPhi

SHIFT = timedelta(days=-100)


class KnownPhiMasker:
    """Replaces every known name token, identifier and phone number; shifts dates by -100 days."""

    def __init__(
        self, *, fail: bool = False, drop_one: bool = False, keep_years: bool = True
    ) -> None:
        self.fail = fail
        self.drop_one = drop_one
        self.keep_years = keep_years
        self.calls: list[tuple[tuple[str, ...], KnownPhi]] = []

    def deidentify_notes(self, notes: Sequence[str], known: KnownPhi) -> DeidentifiedNotes:
        self.calls.append((tuple(notes), known))
        if self.fail:
            raise DeidentificationError("de-identification timed out")
        patterns = _patterns(known)
        counts: Counter[str] = Counter()
        cleaned = []
        for note in notes:
            text = note
            for tag, pattern in patterns:
                text, replaced = pattern.subn(f"[{tag}]", text)
                counts[tag] += replaced
            cleaned.append(text)
        if self.drop_one:
            cleaned.pop()
        return DeidentifiedNotes(
            texts=tuple(cleaned),
            spans_by_type=dict(counts),
            method="known-PHI masker (tests)",
            policy="tag",
            transform_date=shift_date,
            keep_years=self.keep_years,
        )


def shift_date(value: str) -> str | None:
    try:
        return (date.fromisoformat(value[:10]) + SHIFT).isoformat()
    except ValueError:
        return None


def _patterns(known: KnownPhi) -> list[tuple[str, re.Pattern[str]]]:
    names = {
        token
        for name in known.names
        for token in (*name.given, name.family or "", *(name.text or "").split())
        if len(token) > 2 and not token.endswith(".")
    }
    found = []
    for tag, values in (
        ("NAME", names),
        ("ID", set(known.identifiers)),
        ("PHONE", set(known.phones)),
    ):
        if values:
            alternatives = "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))
            found.append((tag, re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")))
    return found
