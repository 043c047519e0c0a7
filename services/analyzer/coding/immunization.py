"""Encounter for immunization (Z23, Guidelines I.C.21.c.2): a vaccine given at this encounter.

Z23 is reported when the note says a vaccine was administered today ("flu vaccine given", "Tdap
administered", "the patient was given the following immunizations"), never for a vaccine that
is due, up to date, declined or planned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CODE = "Z23"

_VACCINE = (
    r"(?:vaccines?|vaccinations?|immuni[sz]ations?|flu\s+shot|booster|tdap|dtap|td|mmr|"
    r"shingrix|prevnar|pneumovax|gardasil)"
)
_GIVEN = r"(?:given|administered|received\s+today|done\s+today|today)"
_ADMINISTERED = re.compile(
    rf"\b{_VACCINE}\b[^.\n;]{{0,30}}?\b{_GIVEN}\b|\b(?:given|administered)\b[^.\n;]{{0,40}}?"
    rf"\b{_VACCINE}\b",
    re.IGNORECASE,
)
_NOT_GIVEN = re.compile(
    r"\b(?:declin\w*|refus\w*|due|overdue|up to date|utd|deferred|defer|not given|next visit|"
    r"recommend\w*|discuss\w*|will|plan\w*|consider\w*|offered|allerg\w*|reaction)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Administered:
    start: int
    end: int
    text: str


def vaccine_administered(text: str) -> Administered | None:
    """Where ``text`` says a vaccine was given at this encounter, or None."""
    for match in _ADMINISTERED.finditer(text):
        if not _NOT_GIVEN.search(match.group()):
            return Administered(match.start(), match.end(), match.group())
    return None
