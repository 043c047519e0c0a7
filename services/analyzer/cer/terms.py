"""MedDRA preferred terms as FAERS spells them, folded to one term per concept.

FAERS reactions are MedDRA preferred terms, but the text varies between submissions: upper case
("DRUG ADMINISTRATION ERROR"), stray spaces and dashes, and American spellings of terms MedDRA
writes the British way ("Diarrhea" for "Diarrhoea", "Hemorrhage" for "Haemorrhage"). Counting them
apart would split one event into several rows and understate each. MedDRA itself is licensed and
not shipped here, so the folding is by rule: case, whitespace, punctuation and a list of spelling
roots. A term keeps the most common spelling that is already in MedDRA's (British, mixed-case)
style; an ALL-CAPS-only term is shown in sentence case.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# American → British roots, as MedDRA spells preferred terms. Applied to the lower-cased text.
_SPELLING_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"(?<![ao])emi(a|c)\b", r"aemi\1"),  # anemia, ischemic, hypoglycemia, leukemia
        (r"\bhem(?=o|at|ang)", "haem"),  # hemorrhage, hematoma, hemangioma (not hemiplegia)
        (r"(?<![o])edema", "oedema"),  # edema, lymphedema
        (r"diarrhea", "diarrhoea"),
        (r"pnea\b", "pnoea"),  # dyspnea, apnea, tachypnea
        (r"\besophag", "oesophag"),
        (r"\bestrogen", "oestrogen"),
        (r"\bfet(al|us|o)", r"foet\1"),
        (r"\bped(iatric)", r"paed\1"),
        (r"orthopedic", "orthopaedic"),
        (r"gynecolog", "gynaecolog"),
        (r"\bcesarean", "caesarean"),
        (r"\bceliac", "coeliac"),
        (r"anesthe", "anaesthe"),
        (r"\btumor(s?)\b", r"tumour\1"),
        (r"\bbehavior", "behaviour"),
        (r"\bcolor", "colour"),
        (r"\blabor\b", "labour"),
        (r"(?<=[a-z]{3})iz(ation|ed|ing)\b", r"is\1"),  # hospitalization (not "size")
        (r"(?<=[a-z]{3})ize\b", "ise"),
    )
)

_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_QUOTES = re.compile(r"[\u2018\u2019\u02bc`]")
_SPACES = re.compile(r"\s+")


def fold_term(term: str) -> str:
    """The comparison key of a reaction term: lower case, British spelling, tidy punctuation."""
    key = _QUOTES.sub("'", _DASHES.sub("-", term))
    key = _SPACES.sub(" ", key.replace(" - ", "-")).strip().lower()
    for pattern, replacement in _SPELLING_RULES:
        key = pattern.sub(replacement, key)
    return key


def _is_meddra_style(spelling: str) -> bool:
    """Mixed case and already British (its own fold is itself, lower-cased)."""
    return not spelling.isupper() and fold_term(spelling) == _SPACES.sub(" ", spelling).lower()


def _sentence_case(key: str) -> str:
    return key[:1].upper() + key[1:]


@dataclass(frozen=True)
class FoldedTerm:
    """One concept: the spelling to show and every spelling that was folded into it."""

    key: str
    display: str
    variants: tuple[str, ...]


def fold_terms(spellings: Mapping[str, int] | Iterable[str]) -> dict[str, FoldedTerm]:
    """Group spellings by their folded key.

    Takes spellings with how often each occurred (or a plain iterable, each counting once) and
    returns, per key, the display spelling (the most frequent MedDRA-style one, or the key in
    sentence case) and the variants sorted by frequency then text.
    """
    counts: Counter[str] = Counter(spellings)
    by_key: dict[str, Counter[str]] = {}
    for spelling, count in counts.items():
        by_key.setdefault(fold_term(spelling), Counter())[spelling.strip()] += count
    folded: dict[str, FoldedTerm] = {}
    for key, variants in by_key.items():
        ordered = sorted(variants, key=lambda s: (-variants[s], s))
        styled = [s for s in ordered if _is_meddra_style(s)]
        if styled:
            display = _SPACES.sub(" ", styled[0])
            if display.islower():  # all lower case: MedDRA capitalises the first letter
                display = _sentence_case(display)
        else:
            display = _sentence_case(key)
        folded[key] = FoldedTerm(key=key, display=display, variants=tuple(ordered))
    return folded
