"""A fracture the note calls osteoporotic, fragility or pathological in a patient with
osteoporosis: age-related osteoporosis with current pathological fracture (M80.0-), not the
traumatic fracture (S-) beside the osteoporosis (M81.0). Guidelines I.C.13.d.2: "Category M80
... is for patients with a known osteoporosis who suffer a fracture, even if the patient had a
minor fall or trauma, if that fall or trauma would not usually break a normal, healthy bone."

The site comes from the traumatic fracture code the note's words gave, the side from its
description, the 7th character from it too (A, D, G, K, P, S).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from services.analyzer.coding import codeset

_CUE = re.compile(
    r"\b(?:osteoporotic|fragility|pathologic(?:al)?|insufficiency)\s+(?:\w+\s+){0,3}fractures?\b|"
    r"\bfractures?\s+(?:due to|from|secondary to)\s+(?:\w+\s+){0,2}osteoporosis\b",
    re.IGNORECASE,
)
# Traumatic fracture (code prefix) → the M80.0- site digit.
_SITES: tuple[tuple[str, str], ...] = (
    ("S42.0", "1"),
    ("S42.1", "1"),
    ("S42.2", "2"),
    ("S42.3", "2"),
    ("S42.4", "2"),
    ("S52", "3"),
    ("S62", "4"),
    ("S72", "5"),
    ("S82.0", "6"),
    ("S82.1", "6"),
    ("S82.2", "6"),
    ("S82.3", "6"),
    ("S82.4", "6"),
    ("S82.5", "7"),
    ("S82.6", "7"),
    ("S82.8", "7"),
    ("S92", "7"),
    ("S22.0", "8"),
    ("S32.0", "8"),
)
_OSTEOPOROSIS = ("M81",)
PATHOLOGICAL_UNSPECIFIED = ("M84.4",)


# A cue the clause denies ("does not consider this a fragility fracture", "not a pathologic
# fracture"): a negation word among the few words before it, in the same sentence.
_DENIED_BEFORE = re.compile(
    r"\b(?:not|no|never|without|denies|n't|rather than)\b(?:[^.;\n]{0,40})$", re.IGNORECASE
)


def said_osteoporotic(text: str) -> bool:
    """The note calls a fracture osteoporotic, fragility or pathological, and does not deny it."""
    return any(
        not _DENIED_BEFORE.search(text, max(0, m.start() - 60), m.start())
        for m in _CUE.finditer(text)
    )


def combined(codes: Iterable[str]) -> tuple[str, str, str] | None:
    """(M80 code, the fracture code it replaces, the osteoporosis code) when ``codes`` hold
    osteoporosis and a traumatic fracture of a site M80 names, else None."""
    present = sorted(set(codes))
    osteoporosis = next((c for c in present if c.startswith(_OSTEOPOROSIS)), None)
    if osteoporosis is None:
        return None
    for code in present:
        site = next((digit for prefix, digit in _SITES if code.startswith(prefix)), None)
        if site is None or not codeset.is_extended(code):
            continue
        stage = code[-1]
        if site == "8":
            m80 = f"M80.08X{stage}"
        else:
            description = codeset.description(code).lower()
            side = "1" if "right" in description else "2" if "left" in description else "9"
            m80 = f"M80.0{site}{side}{stage}"
        if codeset.is_billable(m80):
            return m80, code, osteoporosis
    return None
