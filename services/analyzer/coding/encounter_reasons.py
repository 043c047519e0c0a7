"""Encounter-reason codes (Guidelines I.C.21.c): the exam or treatment the visit is for — a
general adult exam (Z00.00/Z00.01), a well-child check (Z00.129/Z00.121), a pre-operative
evaluation (Z01.818), a sports physical (Z02.5), antineoplastic chemotherapy or immunotherapy
given at this visit (Z51.11, Z51.12).

The forms are a maintained table (``data/encounter_reasons.tsv``); an exam is read from the
note's opening (title, reason for visit), where a visit names what it is. "With abnormal
findings" (I.C.21.c.13) when the encounter also codes a current condition.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

from services.analyzer.coding.data import table_rows

TABLE = "encounter_reasons.tsv"
OPENING_CHARS = 300
# Codes that are not "findings" of an exam: statuses, histories, encounters, external causes.
_NOT_FINDINGS = ("Z", "V", "W", "X", "Y")


@dataclass(frozen=True)
class ReasonRow:
    where: str
    without: str
    with_findings: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Reason:
    code: str
    note_index: int
    start: int
    end: int
    text: str


@lru_cache(maxsize=1)
def _rows() -> tuple[ReasonRow, ...]:
    rows = []
    for row in table_rows(TABLE):
        if len(row) != 4 or row[0] not in ("opening", "note"):
            raise ValueError(f"encounter reason row needs WHERE<TAB>CODE<TAB>CODE<TAB>RE: {row!r}")
        rows.append(
            ReasonRow(row[0], row[1].strip(), row[2].strip(), re.compile(row[3].strip(), re.I))
        )
    return tuple(rows)


_EXAMS = ("Z00", "Z01", "Z02")  # one examination per encounter


def encounter_reasons(texts: Sequence[str], coded: Collection[str]) -> list[Reason]:
    """The encounter-reason codes the notes ``texts`` give, beside the ``coded`` codes."""
    findings = any(not c.startswith(_NOT_FINDINGS) for c in coded)
    found: list[Reason] = []
    exam = False
    for row in _rows():
        is_exam = row.without.startswith(_EXAMS)
        if is_exam and exam:
            continue
        for index, text in enumerate(texts):
            scope = text[:OPENING_CHARS] if row.where == "opening" else text
            match = row.pattern.search(scope)
            if match is None:
                continue
            code = row.with_findings if findings else row.without
            found.append(Reason(code, index, match.start(), match.end(), match.group()[:80]))
            exam = exam or is_exam
            break
    return found
