"""Status and encounter-reason codes a note states in its own words (Guidelines I.C.21.c):
attention to an artificial opening (Z43) or its status (Z93), a urinary catheter changed
(Z46.6), follow-up after completed cancer treatment (Z08), cardiac devices and grafts (Z95),
dependence on a ventilator, dialysis, a wheelchair or home oxygen (Z99), and Alzheimer's
disease (G30) with its dementia (F02.8x, ``alzheimer_dementia``).

The forms are a maintained table (``data/status_codes.tsv``), one code per family. A match
counts only when its own clause has no cue undoing it: negated ("no pacemaker"), planned or
considered ("colostomy reversal planned", "candidate for CABG"), taken down or removed, temporary,
or a relative's. Pure: note texts in, found codes out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

from services.analyzer.coding import codeset
from services.analyzer.coding.data import table_rows

TABLE = "status_codes.tsv"
_CLAUSE_END = re.compile(r"[.;\n]")
# Cues before the match in its clause (list items split at commas: "no syncope, ICD in situ").
_UNDONE_BEFORE = re.compile(
    r"\b(?:no|not|denies|denied|without|never|negative for|r/o|rule out|candidate for|"
    r"referr?(?:ed|al) for|evaluat\w* for|consider\w*|discuss\w*|recommend\w*|plan(?:s|ned)? for|"
    r"planning|needs?|will need|may need|would|if|declin\w*|refus\w*|temporary|transcutaneous|"
    r"scheduled for|awaiting|going for|to undergo|pre-?op(?:erative)? for|prior to|planned|"
    r"proposed|transvenous|removal of|removed|explant\w*|reversal of|takedown of|family|mother|"
    r"father|sister|brother|son|daughter|grand\w+|aunt|uncle)\b",
    re.IGNORECASE,
)
# Cues after the match in its sentence.
_UNDONE_AFTER = re.compile(
    r"\b(?:reversal|reversed|take-?down|closure|closed|removed|discontinued|planned|"
    r"pending|scheduled(?: for)?|to be placed|recommended|considered|declined|refused|"
    r"was not|not indicated|candidate)\b",
    re.IGNORECASE,
)
_WINDOW = 60
# Codes never reported beside codes of these prefixes: follow-up after completed cancer treatment
# (Z08) is not a visit for a malignancy still being treated (C00–D49 current).
NOT_BESIDE = {"Z08": ("C",)}
# Codes reported only beside a code of these prefixes: the follow-up (Z08) is of a cancer the
# encounter codes as history (Z85), not of one a plan says to watch for ("surveillance for
# hepatocellular carcinoma" in cirrhosis).
ONLY_BESIDE = {"Z08": ("Z85",)}


@dataclass(frozen=True)
class StatusRow:
    family: str
    code: str
    needs: re.Pattern[str] | None
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class StatusCode:
    code: str
    family: str
    note_index: int
    start: int
    end: int
    text: str


@lru_cache(maxsize=1)
def _rows() -> tuple[StatusRow, ...]:
    rows = []
    for row in table_rows(TABLE):
        if len(row) != 4:
            raise ValueError(f"status row needs FAMILY<TAB>CODE<TAB>NEEDS<TAB>RE: {row!r}")
        family, code, needs, pattern = (cell.strip() for cell in row)
        if not codeset.is_billable(code):
            raise ValueError(f"status row names no billable code: {code!r}")
        rows.append(
            StatusRow(
                family,
                code,
                None if needs == "-" else re.compile(needs, re.IGNORECASE),
                re.compile(pattern, re.IGNORECASE),
            )
        )
    return tuple(rows)


def status_codes(
    texts: Sequence[str],
    coded: Collection[str] = (),
    skip: Callable[[int, int], bool] | None = None,
) -> list[StatusCode]:
    """The status and encounter-reason codes the notes ``texts`` state, one per family, beside
    the ``coded`` codes; ``skip(note_index, offset)`` passes over places that are not the
    patient's (family history)."""
    found: list[StatusCode] = []
    done: set[str] = set()
    for row in _rows():
        if row.family in done:
            continue
        if any(c.startswith(NOT_BESIDE.get(row.code, ())) for c in coded):
            continue
        needed = ONLY_BESIDE.get(row.code)
        if needed and not any(c.startswith(needed) for c in coded):
            continue
        hit = _first(row, texts, skip)
        if hit is not None:
            found.append(hit)
            done.add(row.family)
    return found


def _first(
    row: StatusRow, texts: Sequence[str], skip: Callable[[int, int], bool] | None
) -> StatusCode | None:
    for index, text in enumerate(texts):
        if row.needs is not None and row.needs.search(text) is None:
            continue
        for match in row.pattern.finditer(text):
            if _undone(text, match.start(), match.end()):
                continue
            if skip is not None and skip(index, match.start()):
                continue
            return StatusCode(
                row.code, row.family, index, match.start(), match.end(), match.group()[:80]
            )
    return None


def _undone(text: str, start: int, end: int) -> bool:
    """Whether a cue of the match's own clause says it is not (or not yet, or no longer) so."""
    before = _CLAUSE_END.split(text[max(0, start - _WINDOW) : start])[-1].split(",")[-1]
    after = _CLAUSE_END.split(text[end : end + _WINDOW])[0]
    return bool(_UNDONE_BEFORE.search(before) or _UNDONE_AFTER.search(after))


# Dementia in other diseases (F02) runs parallel to unspecified dementia (F03): F03.90 → F02.80,
# F03.911 → F02.811, F03.A0 → F02.A0 ... Alzheimer's disease is "code first" for it (I.C.5.d).
def alzheimer_dementia(
    coded: Sequence[str], texts: Sequence[str], clause: str
) -> tuple[str, tuple[str, ...]] | None:
    """The F02 code for the dementia of Alzheimer's disease and the F03 codes it replaces: the
    most specific F03 code's parallel when one is coded, else F02.80, F02.811 when ``clause``
    (Alzheimer's own) says agitation; None when the notes name no dementia and none is coded."""
    unspecified = tuple(sorted((c for c in coded if c.startswith("F03.")), key=len, reverse=True))
    code = "F02.80"
    for old in unspecified:
        parallel = "F02.8" + old[5:] if old.startswith("F03.9") else "F02." + old[4:]
        if codeset.is_billable(parallel):
            code = parallel
            break
    if not unspecified and not any(_DEMENTIA.search(text) for text in texts):
        return None
    if code == "F02.80" and re.search(r"\bagitat\w*", clause, re.IGNORECASE):
        code = "F02.811"
    return code, unspecified


_DEMENTIA = re.compile(r"\bdementia\b|\bmajor neurocognitive disorder\b", re.IGNORECASE)
