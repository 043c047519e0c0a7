"""Weeks of gestation (Z3A) beside the pregnancy codes they qualify.

ICD-10-CM Official Guidelines I.C.15.b.4 / I.C.21.c.3: Z3A codes give the weeks of gestation
on the maternal record, only with a Chapter 15 (O) code. "28 weeks 2 days", "28w2d", "GA 28 wks"
→ Z3A.28; fewer than 8 weeks → Z3A.01, more than 42 → Z3A.49.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from services.analyzer.coding import codeset

_WEEKS = re.compile(
    r"\b(?:GA\s*)?(\d{1,2})\s*(?:\+\s*\d\s*)?(?:weeks?|wks?|w)(?:\s*\d\s*(?:days?|d))?\b"
    r"(?!\s*(?:ago|later|after|before|postpartum|post-?partum|of (?:antibiotics|treatment)|"
    # the age a dating scan was done at ("EDD 8/31 by 8 wk US"), not today's
    r"(?:US|u/s|ultrasound|sono\w*|scan)\b))",
    re.IGNORECASE,
)
_PREGNANCY_CONTEXT = re.compile(
    r"\b(?:gestation\w*|pregnan\w*|G\d+\s*P\d+|GA|EGA|IUP|fundal|labou?r|delivery|"
    r"post-?partum|liveborn)\b"
)


@dataclass(frozen=True)
class GestationalAge:
    weeks: int
    start: int
    end: int
    text: str


def gestational_age(text: str) -> GestationalAge | None:
    """The first gestational age a pregnancy note states, if any."""
    if not _PREGNANCY_CONTEXT.search(text):
        return None
    for match in _WEEKS.finditer(text):
        weeks = int(match.group(1))
        if 1 <= weeks <= 45:
            return GestationalAge(weeks, match.start(), match.end(), match.group())
    return None


def weeks_code(weeks: int) -> str:
    if weeks < 8:
        return "Z3A.01"
    if weeks > 42:
        return "Z3A.49"
    code = f"Z3A.{weeks:02d}"
    return code if codeset.is_billable(code) else "Z3A.00"


def reportable(coded: Collection[str]) -> bool:
    """Z3A goes with a pregnancy (Chapter 15) code, never on its own."""
    return any(c.startswith("O") for c in coded)
