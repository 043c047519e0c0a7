"""The verdict convention for a billed code that the notes document more specifically.

One rule, for the comparison and for every evaluation set's gold: a billed code is **supported,
with an upgrade owed** (``findings.upgrade``: ``[billed, better]``) when the notes document the
*same condition* more specifically — the coder read the note less specifically than it is
written, which costs revenue (and HCC capture) but bills nothing the notes do not say. It is **not
supported** only when the notes do not document the billed condition at all, deny it, state it as
history, or document it *differently* (another side, another encounter stage, abuse for
dependence, "without perforation" for a perforated diverticulitis, a normal for an abnormal exam):
those are the claims a payer takes back.

``better`` is an upgrade of ``billed`` when one of these holds:

1. ``billed`` is a category or subcategory that cannot be billed, and ``better`` is a code under
   it (I46 → I46.9, N18.3 → N18.31);
2. ``billed`` is an *unspecified* code — its description says "unspecified" or "NOS", or it is
   the category's ``.9`` default (E11.9 "without complications", I50.9) — and ``better`` is a
   code of its *family* (the nearest ancestor that is not itself unspecified: E11 for E11.9, S52.5
   for S52.501A, F10.12 for F10.129) that is not unspecified in turn — or whose own family lies
   strictly inside it (M54.9 → M54.50: low back pain is a dorsalgia; I50.9 → I50.20) — on no
   other side and of the same 7th character unless the billed one is "unspecified" (E11.9 →
   E11.22; S52.501A → S52.531A; M17.10 → M17.11; H66.92 → H66.002; E11.3299 → E11.3293);
3. ``better`` says strictly more about the same category without contradicting the billed code
   — neither description has a "without" clause (or "uncomplicated"): a documented "with"
   contradicts a billed "without", and a documented "without" a billed "with" (R65.21 billed
   "with septic shock", R65.20 documented "without");

and in none of 1–3 when the billed code's "without" clause names what ``better`` adds: I11.9
"without heart failure" is contradicted by I11.0, K26.9 "without hemorrhage" by K26.0, R65.20
"without septic shock" by R65.21, I25.10 "without angina" by I25.118 (E11.9's "without
complications" names none: it is the category's default, upgraded to E11.22);
4. ``better`` is a combination code that includes the billed condition (``COMBINATIONS``):
   hypertension with heart or kidney disease (I10 → I11–I13, Section I.C.9.a: the combination is
   the only correct code, so I10 is an under-coding to recode, not a claim to take back), angina
   in atherosclerotic heart disease, hyperglycemia in diabetes, an unspecified anemia or
   gastrointestinal bleeding the notes name the kind or source of (D64.9 → D62; K92.2 → K25.4).
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cache

from services.analyzer.coding import codeset
from services.analyzer.coding.code_detail import denies, detail, says_more

_UNSPECIFIED = re.compile(r"\bunspecified\b|\bNOS\b", re.IGNORECASE)
_WITHOUT = re.compile(r"\bwithout\b|\buncomplicated\b", re.IGNORECASE)
"""A billed description that says the condition has no complication: a documented complication
contradicts it (F10.20 "uncomplicated" is not upgraded to F10.21 "in remission")."""
_SIDES = re.compile(r"\b(right|left|bilateral)\b", re.IGNORECASE)
_BLEEDING = re.compile(
    r"\bwith (?:\w+ )?(?:bleeding|hemorrhage)\b|\bhematemesis\b|\bmelena\b", re.I
)

_ANEMIAS = (
    *(f"D{n}" for n in (50, 51, 52, 53, 55, 56, 57, 58, 59, 60, 61, 62, 63)),
    "D64.0",
    "D64.1",
    "D64.2",
    "D64.3",
    "D64.8",
)
# Billed code (prefix) → prefixes of combination codes that include its condition, and why.
COMBINATIONS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "I10",
        ("I11", "I12", "I13"),
        "hypertension with heart disease or chronic kidney disease is coded with the "
        "combination code (Section I.C.9.a)",
    ),
    ("I20", ("I25.11", "I25.7"), "angina is part of atherosclerotic heart disease with angina"),
    ("R73", ("E08.65", "E09.65", "E10.65", "E11.65", "E13.65"), "diabetes with hyperglycemia"),
    ("E16.2", ("E08.64", "E09.64", "E10.64", "E11.64", "E13.64"), "diabetes with hypoglycemia"),
    ("D64.9", _ANEMIAS, "the notes name the kind of anemia"),
    ("J44.9", ("J44.0", "J44.1"), "COPD with infection or exacerbation"),
    ("J18", ("J44.0",), "COPD with acute lower respiratory infection"),
    ("F32", ("F33",), "a recurrent major depressive disorder"),
    ("M54.5", ("M54.4",), "low back pain is part of lumbago with sciatica"),
)
_GI_BLEEDING = "K92.2"
_GI_BLEEDING_WHY = "the notes name the source of the gastrointestinal bleeding"


class UpgradeKind(StrEnum):
    MORE_SPECIFIC = "more_specific"
    COMBINATION = "combination"


def upgrade_kind(billed: str, better: str) -> UpgradeKind | None:
    """How ``better`` documents ``billed``'s condition more specifically, or None (see the
    module docstring)."""
    if billed == better or not (codeset.is_code(billed) and codeset.is_code(better)):
        return None
    if _more_specific(billed, better):
        return UpgradeKind.MORE_SPECIFIC
    if combination_reason(billed, better) is not None:
        return UpgradeKind.COMBINATION
    return None


def is_upgrade(billed: str, better: str) -> bool:
    return upgrade_kind(billed, better) is not None


def combination_reason(billed: str, better: str) -> str | None:
    """Why the combination code ``better`` includes ``billed``'s condition, or None."""
    if billed == _GI_BLEEDING and better.startswith("K") and _BLEEDING.search(_text(better)):
        return _GI_BLEEDING_WHY
    for prefix, combined, why in COMBINATIONS:
        if billed.startswith(prefix) and better.startswith(combined):
            return why
    return None


def states_additional(documented: str, billed: str) -> bool:
    """Whether ``documented`` states the condition of the unspecified ``billed`` code: the
    tabular's "use additional code" note of ``documented`` asks for ``billed``'s category, and
    ``documented``'s own description names that category's condition (E11.22 "with diabetic
    chronic kidney disease" asks for N18: a billed N18.9 is documented; I11.0 / I50.9). A note
    asking for what the code does not name — the organism of a UTI (N39.0 / B96.20), the organ
    dysfunction of severe sepsis (R65.21 / N17.9) — states nothing."""
    wanted = codeset.category(billed)
    return (
        is_unspecified(billed)
        and wanted in codeset.additional_categories(documented)
        and detail(wanted) <= detail(documented)
    )


def is_unspecified(code: str) -> bool:
    """A code that says less than a note can: "unspecified"/NOS, or the category's ``.9``."""
    return bool(_UNSPECIFIED.search(_text(code))) or code == f"{codeset.category(code)}.9"


def _more_specific(billed: str, better: str) -> bool:
    if codeset.category(billed) != codeset.category(better):
        return False
    if not codeset.is_billable(billed):
        return codeset.is_ancestor(billed, better)
    if not compatible(billed, better) or denies(billed, better):
        return False
    if is_unspecified(billed) and (
        not is_unspecified(better) or _strictly_under(family(better), family(billed))
    ):
        return codeset.is_ancestor(family(billed), better)
    if _WITHOUT.search(_text(billed)) or _WITHOUT.search(_text(better)):
        # A "without" on either side is a contradiction, not more detail: billed "without
        # perforation" for a perforation, billed "with septic shock" for "without septic shock".
        return False
    return says_more(better, billed)


def _strictly_under(code: str, ancestor: str) -> bool:
    return code != ancestor and codeset.is_ancestor(ancestor, code)


@cache
def family(code: str) -> str:
    """The nearest ancestor of ``code`` that is not itself unspecified (its category at most)."""
    current = code
    while True:
        up = codeset.parent(current)
        if up is None:
            return codeset.category(code)
        if not _UNSPECIFIED.search(_text(up)):
            return up
        current = up


def compatible(billed: str, better: str) -> bool:
    """No other side, no other 7th character — unless the billed one says it is unspecified
    ("unspecified eye" E11.3299 → bilateral E11.3293; fetus "not applicable or unspecified")."""
    sides = set(_SIDES.findall(_text(billed).lower()))
    if sides and sides != set(_SIDES.findall(_text(better).lower())):
        return False
    return _same_or_unspecified(
        codeset.seventh_character(billed), codeset.seventh_character(better)
    )


def conflicting(code: str, other: str) -> bool:
    """Whether two codes state different sides or different 7th characters (each stating one)."""
    sides = set(_SIDES.findall(_text(code).lower()))
    other_sides = set(_SIDES.findall(_text(other).lower()))
    if sides and other_sides and sides != other_sides:
        return True
    seventh, other_seventh = codeset.seventh_character(code), codeset.seventh_character(other)
    return not (
        _same_or_unspecified(seventh, other_seventh) or _same_or_unspecified(other_seventh, seventh)
    )


def _same_or_unspecified(billed: tuple[str, str] | None, better: tuple[str, str] | None) -> bool:
    if billed is None or better is None or billed[0] == better[0]:
        return True
    return bool(_UNSPECIFIED.search(billed[1]))


def _text(code: str) -> str:
    return codeset.description(code) if codeset.is_code(code) else ""
