"""Severe sepsis from sepsis and the acute organ dysfunction the note ties to it (I.C.1.d.1.a).

Guideline I.C.1.d.1.a(ii)–(iv): severe sepsis (R65.2-) is coded after the underlying infection
when the record documents sepsis *with an associated* acute organ dysfunction — "sepsis with acute
kidney injury", "AKI (sepsis-associated organ dysfunction)", "septic encephalopathy" — whether or
not the words "severe sepsis" are written. The association has to be documented: an acute organ
dysfunction the note puts down to another condition, or beside a sepsis it does not link to, is
no severe sepsis (a coder would query). R65.20 "without septic shock" unless shock is coded
(R65.21 comes from its own words).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

# Sepsis codes of the infection (A40/A41 and the organism-specific sepsis codes).
SEPSIS = ("A40", "A41", "A02.1", "A22.7", "A26.7", "A32.7", "A42.7", "B37.7", "A54.86", "B00.7")
# Acute organ dysfunctions the guideline and Coding Clinic name: kidney (N17), respiratory failure
# (J96.0-, J96.2-, ARDS J80), encephalopathy (G93.4-), hepatic failure (K72.0-), coagulopathy (D65).
ORGAN_DYSFUNCTION = ("N17", "J96.0", "J96.2", "J80", "G93.4", "K72.0", "D65")
SEVERE_SEPSIS, SEPTIC_SHOCK = "R65.20", "R65.21"

_LINK = re.compile(
    r"\bsep(?:sis|tic)\b|\borgan (?:dys)?function\b|\borgan failure\b", re.IGNORECASE
)
_OTHER_CAUSE = re.compile(
    r"\bnot\s+(?:due\s+to|from|related\s+to|caused\s+by|secondary\s+to|attribut(?:ed|able)\s+to)"
    r"\s+(?:the\s+|his\s+|her\s+)?(?:sep|infection)",
    re.IGNORECASE,
)
# The note says in so many words that the sepsis had no organ dysfunction.
_NONE = re.compile(r"\bno\s+(?:acute\s+)?organ\s+(?:dys)?function\b", re.IGNORECASE)


def linked(
    dysfunction_sentences: Sequence[str],
    dysfunction_texts: Sequence[str],
    sepsis_sentences: Sequence[str],
) -> bool:
    """True when the note ties the organ dysfunction to sepsis: a sentence that names it also
    names sepsis (or calls it organ dysfunction), or a sepsis sentence names it."""
    if any(_OTHER_CAUSE.search(s) for s in dysfunction_sentences):
        return False
    if any(_LINK.search(s) for s in dysfunction_sentences):
        return True
    return any(t.lower() in s.lower() for s in sepsis_sentences for t in dysfunction_texts)


def severe_sepsis_code(
    coded: Mapping[str, Sequence[tuple[str, str]]], texts: Iterable[str] = ()
) -> str | None:
    """R65.20 when ``coded`` (code → its evidence as (text, sentence)) holds a sepsis code and an
    acute organ dysfunction the note links to it, and neither severe sepsis nor shock is coded
    nor do the notes (``texts``) say there was no organ dysfunction."""
    if any(code.startswith("R65.2") for code in coded):
        return None
    if any(_NONE.search(text) for text in texts):
        return None
    sepsis = [ev for code, evs in coded.items() if code.startswith(SEPSIS) for ev in evs]
    if not sepsis:
        return None
    sepsis_sentences = [sentence for _, sentence in sepsis]
    for code, evidence in coded.items():
        if not code.startswith(ORGAN_DYSFUNCTION):
            continue
        texts = [text for text, _ in evidence]
        sentences = [sentence for _, sentence in evidence]
        if linked(sentences, texts, sepsis_sentences):
            return SEVERE_SEPSIS
    return None
