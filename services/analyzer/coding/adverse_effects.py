"""Adverse effects of drugs taken as prescribed (Guidelines I.C.19.e.5.a): "chemotherapy-induced
nausea", "hyponatremia due to hydrochlorothiazide (adverse effect)" → the drug class's T-code
with the adverse-effect character (T45.1X5A, T50.2X5A), beside the effect itself.

The drug classes are a maintained table (``data/adverse_effects.tsv``); the note must tie the
drug to an effect ("-induced", "toxicity", "adverse/side effect of", "due to", "caused by"), and
no negation may stand just before ("no side effects from metformin").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from services.analyzer.coding import codeset
from services.analyzer.coding.data import table_rows

TABLE = "adverse_effects.tsv"
_NEGATED_BEFORE = re.compile(
    r"\b(?:no|not|denies|denied|without|never|nor|tolerat\w*)\b[^.;\n]{0,25}$", re.IGNORECASE
)


@dataclass(frozen=True)
class AdverseEffect:
    code: str
    note_index: int
    start: int
    end: int
    text: str


@lru_cache(maxsize=1)
def _rows() -> tuple[tuple[str, re.Pattern[str]], ...]:
    rows = []
    for row in table_rows(TABLE):
        if len(row) != 2:
            raise ValueError(f"adverse effect row needs CODE<TAB>DRUGS: {row!r}")
        drugs = row[1].strip()
        pattern = (
            rf"\b(?:{drugs})\b[\s-]*(?:induced|related|associated|toxicity)\b|"
            rf"\b(?:adverse\s+effects?|side\s+effects?|induced\s+by|due\s+to|secondary\s+to|"
            rf"caused\s+by|toxicity)\s+(?:of\s+|from\s+|to\s+)?(?:[\w/-]+\s+){{0,3}}?"
            rf"\b(?:{drugs})\b"
        )
        rows.append((row[0].strip(), re.compile(pattern, re.IGNORECASE)))
    return tuple(rows)


def adverse_effects(texts: Sequence[str]) -> list[AdverseEffect]:
    """The drug classes the notes ``texts`` say caused an adverse effect (one per class)."""
    found = []
    for base, pattern in _rows():
        code = base + "A"
        if not codeset.is_billable(code):
            continue
        for index, text in enumerate(texts):
            hit = next(
                (
                    m
                    for m in pattern.finditer(text)
                    if not _NEGATED_BEFORE.search(text, max(0, m.start() - 40), m.start())
                ),
                None,
            )
            if hit is not None:
                found.append(AdverseEffect(code, index, hit.start(), hit.end(), hit.group()))
                break
    return found
