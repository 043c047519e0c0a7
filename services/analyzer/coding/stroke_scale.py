"""The NIH Stroke Scale score beside an acute stroke (Guidelines I.C.18.e, R29.7-).

The NIHSS codes may be reported with an acute stroke code (I63 and the hemorrhages I60–I61),
from any clinician's documentation; the initial score is the one reported when several are
recorded ("NIHSS 8 on arrival, 3 at discharge"). Read here in the forms notes write it — "NIHSS
8", "NIHSS score of 14", "NIH stroke scale on arrival was 8", "stroke scale: 5" — and never from a
range or a goal. Pure: text in, code out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from services.analyzer.coding import codeset

ACUTE_STROKES = ("I60", "I61", "I63")
_SCALE = re.compile(
    r"\b(?:nihss|nih\s*ss|(?:nih\s+|national\s+institutes?\s+of\s+health\s+)?stroke\s+scale)"
    r"(?:\s+(?:score|total|on|at|upon|arrival|admission|presentation|initial(?:ly)?|of|was|is|"
    r"were|the|in|ed|er)){0,5}\s*[:=]?\s*(\d{1,2})\b(?!\s*(?:-|–|to)\s*\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Score:
    """An NIHSS score a note records: its R29.7- code and where it is written."""

    code: str
    start: int
    end: int
    text: str


def nihss_score(text: str) -> Score | None:
    """The first NIHSS score ``text`` records, as its R29.7- code, or None."""
    match = _SCALE.search(text)
    if match is None:
        return None
    score = int(match.group(1))
    code = f"R29.7{score:02d}"
    if score > 42 or not codeset.is_billable(code):
        return None
    return Score(code, match.start(), match.end(), match.group())


def with_acute_stroke(codes: Iterable[str]) -> bool:
    """Whether an acute stroke is coded, which the NIHSS code accompanies."""
    return any(code.startswith(ACUTE_STROKES) for code in codes)
