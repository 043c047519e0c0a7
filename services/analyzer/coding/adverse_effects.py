"""Adverse effects of drugs taken as prescribed (Guidelines I.C.19.e.5.a): "chemotherapy-induced
nausea", "hyponatremia due to hydrochlorothiazide (adverse effect)" → the drug class's T-code
with the adverse-effect character (T45.1X5A, T50.2X5A), beside the effect itself.

The drug classes are a maintained table (``data/adverse_effects.tsv``); the note must tie the
drug to an effect ("-induced", "toxicity", "adverse/side effect of", "due to", "caused by"), and
no negation may stand just before ("no side effects from metformin").

Poisonings (I.C.19.e.5.b) come from the same table: an overdose, poisoning or ingestion of the
drug ("intentional overdose of diphenhydramine", "acetaminophen poisoning") is its T-code with the
intent in place of the adverse-effect 5 — 2 intentional self-harm when the line (else the note)
says intentional, suicide attempt or self-harm, 3 assault, 4 undetermined, else 1 accidental
(the guideline's default when intent is not documented).

Underdosing (I.C.19.e.5.c) too: a drug taken less than prescribed or not at all ("insulin
underdosing", "underdosing of apixaban") is its T-code with 6 in place of the 5, and no adverse
effect of that class is coded beside it (the drug did too little, not harm).
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
def _drug_rows() -> tuple[tuple[str, str], ...]:
    """(adverse-effect code without its 7th character, drug names as a regex alternation)."""
    rows = []
    for row in table_rows(TABLE):
        if len(row) != 2:
            raise ValueError(f"adverse effect row needs CODE<TAB>DRUGS: {row!r}")
        rows.append((row[0].strip(), row[1].strip()))
    return tuple(rows)


_OPTIONAL = re.compile(r"\(\?:[^()]*\)\?|.\?")


@lru_cache(maxsize=1)
def _drug_stems() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Per row, the literal start of each drug name ("chemo(?:therapy)?" → "chemo", "ssris?" →
    "ssri"): a row's patterns are searched only in a note holding one of them (speed)."""
    return tuple(
        (code, tuple(_OPTIONAL.sub("", name).split(" ")[0].lower() for name in drugs.split("|")))
        for code, drugs in _drug_rows()
    )


def _rows_named(text: str) -> set[str]:
    """The codes of the rows whose drug names may occur in ``text`` (a fast prefilter)."""
    lower = text.lower()
    return {code for code, stems in _drug_stems() if any(stem in lower for stem in stems)}


@lru_cache(maxsize=1)
def _rows() -> tuple[tuple[str, re.Pattern[str]], ...]:
    rows = []
    for code, drugs in _drug_rows():
        pattern = (
            rf"\b(?:{drugs})\b[\s-]*(?:induced|related|associated|toxicity)\b|"
            rf"\b(?:adverse\s+effects?|side\s+effects?|induced\s+by|due\s+to|secondary\s+to|"
            rf"caused\s+by|toxicity)\s+(?:of\s+|from\s+|to\s+)?(?:[\w/-]+\s+){{0,3}}?"
            rf"\b(?:{drugs})\b"
        )
        rows.append((code, re.compile(pattern, re.IGNORECASE)))
    return tuple(rows)


def adverse_effects(texts: Sequence[str]) -> list[AdverseEffect]:
    """The drug classes the notes ``texts`` say caused an adverse effect (one per class)."""
    found: list[AdverseEffect] = []
    named = [_rows_named(text) for text in texts]
    for base, pattern in _rows():
        code = base + "A"
        if not codeset.is_billable(code):
            continue
        if any(f.code[:5] == code[:5] for f in found):
            continue  # one per subcategory: a named drug's row (ibuprofen) before its class's
        for index, text in enumerate(texts):
            if base not in named[index]:
                continue
            hit = _first_affirmed(pattern, text)
            if hit is not None:
                found.append(AdverseEffect(code, index, hit.start(), hit.end(), hit.group()))
                break
    return found


@lru_cache(maxsize=1)
def _underdosing_rows() -> tuple[tuple[str, re.Pattern[str]], ...]:
    rows = []
    for code, drugs in _drug_rows():
        pattern = (
            rf"\b(?:{drugs})\b[\s-]*underdos\w*|"
            rf"\bunderdos\w*\s+(?:of\s+|with\s+|on\s+)?(?:[\w/-]+\s+){{0,2}}?\b(?:{drugs})\b"
        )
        rows.append((code[:-1] + "6", re.compile(pattern, re.IGNORECASE)))
    return tuple(rows)


def underdosings(texts: Sequence[str]) -> list[AdverseEffect]:
    """The drug classes the notes ``texts`` say were underdosed (one per class), as their
    underdosing T-code (6th character 6), initial encounter."""
    found: list[AdverseEffect] = []
    if not any("underdos" in text.lower() for text in texts):
        return found
    for base, pattern in _underdosing_rows():
        code = base + "A"
        if not codeset.is_billable(code) or any(f.code[:5] == code[:5] for f in found):
            continue
        for index, text in enumerate(texts):
            hit = _first_affirmed(pattern, text)
            if hit is not None:
                found.append(AdverseEffect(code, index, hit.start(), hit.end(), hit.group()))
                break
    return found


def _first_affirmed(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The first match of ``pattern`` in ``text`` that no negation in the 40 characters before
    it denies."""
    for match in pattern.finditer(text):
        if not _NEGATED_BEFORE.search(text, max(0, match.start() - 40), match.start()):
            return match
    return None


_POISONING = (
    r"\b(?:{drugs})\b[\s-]*(?:overdose|poisoning|ingestion|toxic\s+ingestion)\b|"
    r"\b(?:overdose|overdosed|poisoning|ingestion)\s+(?:of\s+|on\s+|with\s+)?"
    r"(?:[\w./~'-]+\s+){{0,4}}?\b(?:{drugs})\b"
)
_POISONING_WORD = re.compile(r"\b(?:overdosed?|poisoning|ingestion)\b", re.IGNORECASE)
_INTENTS = (
    ("2", re.compile(r"\bintentional(?!ly\s+un)|\bsuicid\w*|\bself[\s-]*harm|\bdeliberate", re.I)),
    ("3", re.compile(r"\bassault\w*|\bpoisoned\s+by\s+(?:another|someone)", re.I)),
    ("4", re.compile(r"\bundetermined\b|\bintent\s+(?:unknown|unclear)", re.I)),
    ("1", re.compile(r"\baccidental\w*|\bunintentional\w*", re.I)),
)


@lru_cache(maxsize=1)
def _poisoning_rows() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple(
        (code, re.compile(_POISONING.format(drugs=drugs), re.IGNORECASE))
        for code, drugs in _drug_rows()
    )


def poisonings(texts: Sequence[str]) -> list[AdverseEffect]:
    """The drug classes the notes ``texts`` document an overdose or poisoning of (one per class),
    with the intent character the note supports."""
    found = []
    named = [_rows_named(t) if _POISONING_WORD.search(t) else set() for t in texts]
    for base, pattern in _poisoning_rows():
        for index, text in enumerate(texts):
            if base not in named[index]:
                continue
            hit = _first_affirmed(pattern, text)
            if hit is None:
                continue
            code = base[:-1] + _intent(text, hit.start(), hit.end()) + "A"
            if codeset.is_billable(code):
                found.append(AdverseEffect(code, index, hit.start(), hit.end(), hit.group()))
                break
    return found


def _intent(text: str, start: int, end: int) -> str:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start : len(text) if line_end < 0 else line_end]
    for where in (line, text):
        for digit, cue in _INTENTS:
            if cue.search(where):
                return digit
    return "1"
