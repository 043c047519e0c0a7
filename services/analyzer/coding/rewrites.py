"""Codes rewritten by what the mention's own sentence says: a status instead of the condition
(a known peanut allergy is Z91.010, not an allergic reaction T78.40XA; HIV documented as never
having caused an illness is Z21, not B20), or nothing (an allergy with no allergen named).

The rows are data (``data/status_rewrites.tsv``): code prefix, what it becomes, and the words of
the sentence that decide it. Pure: a code and a sentence in, a code (or None) out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from services.analyzer.coding import codeset
from services.analyzer.coding.data import table_rows
from services.analyzer.coding.specificity import unspecified_child

TABLE = "status_rewrites.tsv"
KEEP, DROP = "=", "-"


@dataclass(frozen=True)
class Rewrite:
    prefix: str
    new: str
    pattern: re.Pattern[str]


@lru_cache(maxsize=1)
def rewrites() -> tuple[Rewrite, ...]:
    rows = []
    for row in table_rows(TABLE):
        if len(row) != 3:
            raise ValueError(f"rewrite row needs PREFIX<TAB>NEW<TAB>PATTERN: {row!r}")
        prefix, new, pattern = (cell.strip() for cell in row)
        if new not in (KEEP, DROP) and not codeset.is_code(new):
            raise ValueError(f"rewrite row names an unknown code: {new!r}")
        rows.append(Rewrite(prefix, new, re.compile(pattern, re.IGNORECASE)))
    return tuple(rows)


def rewritten(code: str, sentence: str) -> str | None:
    """``code`` as its ``sentence`` says it should be reported: the same code, another code,
    or None (not reported)."""
    for row in rewrites():
        if code.startswith(row.prefix) and row.pattern.search(sentence):
            if row.new == KEEP:
                return code
            if row.new == DROP:
                return None
            if codeset.is_billable(row.new):
                return row.new
            return unspecified_child(row.new) or row.new
    return code


# An open wound of chapter 19 (S01, S11 … S91: laceration, puncture) whose sentence calls it a
# bite is the "open bite" code of its site (the 5th character 5: S61.431A → S61.451A).
_OPEN_WOUND = re.compile(r"^S\d1\.\d[1-4]")
_BITE = re.compile(r"\bbit(?:e|es|ten)\b", re.IGNORECASE)


def as_bite(code: str, sentences: list[str]) -> str:
    """``code`` as an open bite when one of its ``sentences`` says the wound is a bite."""
    if not _OPEN_WOUND.match(code) or not any(_BITE.search(s) for s in sentences):
        return code
    bite = code[:5] + "5" + code[6:]
    return bite if codeset.is_billable(bite) else code
