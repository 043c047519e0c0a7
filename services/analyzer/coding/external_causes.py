"""External causes of an injury (ICD-10-CM chapter 20, Guidelines I.C.20) from how the note says
it happened ("missed a step going down the stairs" → W10.9XXA, "cut with a kitchen knife" →
W26.0XXA).

An external cause code is secondary to the injury it explains and takes the injury's 7th
character. Here it is added only for an injury's initial encounter (A): at a follow-up the cause
may be reported but is not expected, so it is left to the coder. One per encounter, the most
specific mechanism the maintained table (``data/external_causes.tsv``) finds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from services.analyzer.coding import codeset
from services.analyzer.coding.data import table_rows
from services.analyzer.coding.rules import is_injury

TABLE = "external_causes.tsv"


@dataclass(frozen=True)
class ExternalCause:
    code: str
    start: int
    end: int
    text: str


@lru_cache(maxsize=1)
def _table() -> tuple[tuple[str, re.Pattern[str]], ...]:
    rows = []
    for row in table_rows(TABLE):
        if len(row) != 2:
            raise ValueError(f"external cause row needs CODE<TAB>PATTERN: {row!r}")
        rows.append((row[0].strip(), re.compile(row[1].strip(), re.IGNORECASE)))
    return tuple(rows)


def initial_injury(codes: Iterable[str]) -> str | None:
    """The first injury code at its initial encounter (7th character A), if any."""
    return next(
        (c for c in sorted(codes) if is_injury(c) and codeset.is_extended(c) and c.endswith("A")),
        None,
    )


def external_cause(texts: Sequence[str], injury: str) -> tuple[int, ExternalCause] | None:
    """The external cause the notes ``texts`` give for ``injury`` (an initial-encounter injury
    code): (index of the note, the cause), or None when no mechanism in the table is told."""
    letter = injury[-1]
    for base, pattern in _table():
        for index, text in enumerate(texts):
            match = pattern.search(text)
            if match is None:
                continue
            code = base + letter
            if codeset.is_billable(code):
                return index, ExternalCause(code, match.start(), match.end(), match.group())
    return None
