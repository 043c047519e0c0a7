"""How much one ICD-10-CM code says beyond another, and whether a note's words say it too.

A code's *detail* is the content words of its description once what only says detail is absent
is taken out ("unspecified", "without complications", "other"), normalized the way notes are
(American spelling, singular, canonical words): E11.9 → {type, 2, diabetes}; E11.65 adds
{hyperglycemia}. Comparing details answers the two questions a claim review asks of codes of the
same condition: does the documented code say more than the billed one (an upgrade), and, when it
says less, do the words around its evidence carry the billed code's extra detail anyway (the note
said "cellulitis of the left lower leg", the coder found only "cellulitis")?
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from services.analyzer.coding import codeset
from services.analyzer.coding.terminology import clean_description, icd10_terminology
from services.analyzer.coding.words import BARRIER, WITHOUT_KINDS, split_words

_PARENS = re.compile(r"\([^)]*\)")
# A description's "without ..." clause, unless "without" names a kind ("migraine without aura")
# or comes as "with or without".
_KINDS = "|".join(" ".join(kind) for kind in WITHOUT_KINDS)
_WITHOUT_CLAUSE = re.compile(
    rf"(?<!\bor )\bwithout\b(?!\s+(?:{_KINDS})\b)((?:(?!\swith\s).)*)", re.IGNORECASE
)
# What a "without" clause may deny that names no condition: "without complications" is the
# default of a category (E11.9), not a denial of any one complication.
_DEFAULT_DENIALS = frozenset({"complication", "complications"})
# Clauses of a note: negation does not reach past these.
_CLAUSE_END = re.compile(r"[.;!?\n]|\bbut\b|\bhowever\b", re.IGNORECASE)
_NEGATION_REACH = 6  # content tokens a negation word reaches forward in its clause
# What only says a detail is absent: "without behavioral disturbance, psychotic disturbance...",
# ", unspecified eye", ", unspecified severity".
_ABSENT = re.compile(r"\bwithout\b(?:(?!\swith\s).)*|,\s*unspecified \w+(?=,|$)", re.IGNORECASE)
# Words that name no detail of their own.
_EMPTY = frozenset({"unspecified", "other", "nos", "specified", "uncomplicated", "without"})
# Words of a description a note need not repeat to support it: "limb" (the note says leg or
# arm), "side" ("left-sided"), "site", "region".
_GENERIC = frozenset({"limb", "side", "site", "region", "part", "organ", "structure"})
# A note's phrase → the description word it means.
_MEANS: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"both"}), "bilateral"),
    (frozenset({"uncontrolled"}), "hyperglycemia"),
    (frozenset({"poorly", "controlled"}), "hyperglycemia"),
    (frozenset({"decompensated"}), "acute"),
    (frozenset({"flare"}), "exacerbation"),
)


@cache
def detail(code: str) -> frozenset[str]:
    """The content words of ``code``'s description (see the module docstring)."""
    text = _ABSENT.sub(" ", _PARENS.sub(" ", codeset.description(code)))
    text = clean_description(text)
    return frozenset(icd10_terminology().tokens_of(text)) - _EMPTY


@cache
def denied(code: str) -> frozenset[str]:
    """The content words ``code``'s description denies in its "without" clause: I11.9
    "Hypertensive heart disease without heart failure" → {heart, failure}; K26.9 → {hemorrhage,
    perforation}; nothing for E11.9 "without complications" (the category's default)."""
    match = _WITHOUT_CLAUSE.search(_PARENS.sub(" ", codeset.description(code)))
    if match is None:
        return frozenset()
    words = frozenset(icd10_terminology().tokens_of(match.group(1)))
    return words - _EMPTY - _GENERIC - _DEFAULT_DENIALS


def denies(code: str, other: str) -> bool:
    """Whether ``code``'s "without" clause denies detail ``other`` adds to it: a contradiction,
    not a more specific reading (I11.9 / I11.0, K26.9 / K26.0; documented R65.20 "without
    septic shock" denies a billed R65.21's shock)."""
    return bool(denied(code) & (detail(other) - detail(code)))


def says_more(specific: str, general: str) -> bool:
    """Whether ``specific`` is a more specific code of the condition ``general`` names: its
    descendant, or a code of the same category whose detail strictly contains it."""
    if specific == general or codeset.category(specific) != codeset.category(general):
        return False
    if codeset.is_ancestor(general, specific):
        return True
    return detail(specific) > detail(general)


def detail_in_words(code: str, than: str, words: Iterable[str]) -> bool:
    """Whether ``words`` (normalized note tokens) carry every detail ``code`` adds to ``than``."""
    extra = detail(code) - detail(than) - _GENERIC
    if not extra:
        return False
    found = set(words)
    for needed, means in _MEANS:
        if needed <= found:
            found.add(means)
    return extra <= found


def note_words(text: str) -> frozenset[str]:
    """Normalized tokens of a stretch of note text, as :func:`detail` normalizes descriptions."""
    return frozenset(icd10_terminology().tokens_of(text))


def affirmed_words(text: str) -> frozenset[str]:
    """Normalized tokens of ``text`` that no negation in their clause denies: not within
    reach after a negation word ("no current exacerbation"), nor before a negation that closes
    the clause ("Exacerbation in past 30 days: [ ] Yes [x] No")."""
    normalizer = icd10_terminology().normalizer
    found: set[str] = set()
    bounds = [0, *(i for m in _CLAUSE_END.finditer(text) for i in m.span()), len(text)]
    for start, end in zip(bounds[::2], bounds[1::2], strict=True):
        tokens = [t.text for t in normalizer.tokens(split_words(text[start:end]))]
        if tokens and tokens[-1] == BARRIER:
            continue
        since_negation = _NEGATION_REACH
        for token in tokens:
            if token == BARRIER:
                since_negation = 0
                continue
            since_negation += 1
            if since_negation > _NEGATION_REACH:
                found.add(token)
    return frozenset(found)


# Words of external-cause descriptions that name no mechanism.
_CAUSE_WORDS = frozenset(
    {"contact", "accident", "injured", "type", "cause", "external", "occurrence", "place",
     "person", "initial", "encounter", "activity", "status", "involving", "noncollision"}
)  # fmt: skip


def mechanism_in_words(code: str, words: Iterable[str]) -> bool:
    """Whether ``words`` describe the mechanism an external-cause code names (any one of its
    content words; place, activity and status codes (Y) name none and need none)."""
    mechanism = detail(code) - _CAUSE_WORDS - _GENERIC
    if code.startswith("Y") or not mechanism:
        return True
    return bool(mechanism & set(words))
