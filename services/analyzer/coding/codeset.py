"""The ICD-10-CM code set (FY2026, April update) as simple-icd-10-cm ships it.

Thin, typed access to what the rest of the coder needs: descriptions, inclusion terms, the
hierarchy and whether a code is billable (a leaf of the tabular list). Codes are accepted with or
without the dot and in any case; everything returned carries the dot, upper case.
"""

from __future__ import annotations

import re
import warnings
from functools import cache
from importlib.metadata import version

with warnings.catch_warnings():
    # simple-icd-10-cm 1.5 loads its data with importlib.resources' deprecated legacy API.
    warnings.simplefilter("ignore", DeprecationWarning)
    import simple_icd_10_cm as _icd

_CODE_SHAPE = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?$")
# "Methicillin susceptible": the index's default for Staphylococcus aureus (Sepsis,
# Staphylococcus aureus (methicillin susceptible) A41.01; Pneumonia, ... aureus J15.211), the
# resistant code needs the note to say so.
_DEFAULT_WORDS = re.compile(
    r"\bunspecified\b|\bwithout\b|\bNOS\b|\bmethicillin susceptible\b", re.IGNORECASE
)


def code_set_label() -> str:
    """Human-readable name of the code set in use, e.g. for the report header."""
    data_file = getattr(_icd.simple_icd_10_cm, "_all_codes_package_file_name", "")
    match = re.search(r"(\w+)-(\d{4})", data_file)
    update = f", {match.group(1)} {match.group(2)} update" if match else ""
    return f"ICD-10-CM FY2026{update} (simple-icd-10-cm {version('simple-icd-10-cm')})"


def normalize_code(code: str) -> str | None:
    """``e1165`` / ``E11.65`` / `` e11.65 `` → ``E11.65``; None when it is not an ICD-10-CM code."""
    raw = code.strip().upper().replace(" ", "")
    if not _CODE_SHAPE.match(raw):
        return None
    dotted = raw if "." in raw or len(raw) <= 3 else f"{raw[:3]}.{raw[3:]}"
    return dotted if _icd.is_valid_item(dotted) else None


def undotted(code: str) -> str:
    return code.replace(".", "")


@cache
def is_code(code: str) -> bool:
    """True for categories, subcategories and billable codes (not chapters or blocks)."""
    return bool(_icd.is_valid_item(code)) and bool(
        _icd.is_category_or_subcategory(code) or _icd.is_extended_subcategory(code)
    )


@cache
def is_billable(code: str) -> bool:
    return is_code(code) and bool(_icd.is_leaf(code))


@cache
def description(code: str) -> str:
    return str(_icd.get_description(code))


@cache
def inclusion_terms(code: str) -> tuple[str, ...]:
    return tuple(str(term) for term in _icd.get_inclusion_term(code))


@cache
def children(code: str) -> tuple[str, ...]:
    return tuple(str(child) for child in _icd.get_children(code))


@cache
def parent(code: str) -> str | None:
    """The code one level up, or None at a category (the library answers some categories, such
    as Z68, with the category itself)."""
    found = str(_icd.get_parent(code))
    return found if found and found != code and is_code(found) else None


def category(code: str) -> str:
    """The 3-character category, e.g. ``E11`` for ``E11.65``."""
    return code[:3]


@cache
def seven_character_extensions(code: str) -> dict[str, str]:
    """7th-character meanings that apply to ``code`` (inherited from its ancestors)."""
    return {str(k): str(v) for k, v in _icd.get_seven_chr_def(code).items()}


def is_default_code(code: str) -> bool:
    """An "unspecified"/"without"/NOS code: what a coder falls back to when the note says less."""
    return bool(_DEFAULT_WORDS.search(description(code)))


def all_codes() -> tuple[str, ...]:
    """Every category, subcategory and billable code (dotted)."""
    return tuple(code for code in _icd.get_all_codes(True) if is_code(code))


_NOTE_CODE = re.compile(r"\b([A-Z][0-9][0-9A-Z])(?:\.[0-9A-Z-]*)?")


@cache
def additional_categories(code: str) -> frozenset[str]:
    """Categories the tabular's "use additional code" notes of ``code`` and its ancestors ask
    for: E11.22 → {N18} ("to identify stage of chronic kidney disease (N18.1-N18.6)"); I13.0 →
    {I50, N18}."""
    found: set[str] = set()
    current: str | None = code
    while current is not None:
        note = str(_icd.get_use_additional_code(current) or "")
        found.update(m.group(1) for m in _NOTE_CODE.finditer(note))
        current = parent(current)
    return frozenset(found - {category(code)})


_NOTE_RANGE = re.compile(r"\b([A-Z])(\d\d)-\1(\d\d)\b")
_NOTE_REFERENCE = re.compile(r"\b[A-Z]\d[0-9A-Z](?:\.[0-9A-Z]+)?")


@cache
def excludes1(code: str) -> tuple[str, ...]:
    """Code prefixes the tabular's Excludes1 notes of ``code`` and its ancestors name — what is
    never coded together with it: N20.1 → (E83.59, N13.2); N39.0 → (…, N30, N13.6, N34); a range
    is spelled out by category (O13-O16 → O13, O14, O15, O16)."""
    found: list[str] = []
    current: str | None = code
    while current is not None:
        for note in _icd.get_excludes1(current) or ():
            text = _NOTE_RANGE.sub(
                lambda m: " ".join(
                    f"{m.group(1)}{n:02d}" for n in range(int(m.group(2)), int(m.group(3)) + 1)
                ),
                str(note),
            )
            found.extend(_NOTE_REFERENCE.findall(text))
        current = parent(current)
    return tuple(dict.fromkeys(found))


def is_ancestor(ancestor: str, code: str) -> bool:
    return bool(_icd.is_ancestor(ancestor, code))


def is_extended(code: str) -> bool:
    """True for seven-character codes (S22.49XA, and E11.3293 whose 7th character is a side)."""
    return bool(_icd.is_extended_subcategory(code))


@cache
def seventh_character(code: str) -> tuple[str, str] | None:
    """The 7th character of ``code`` and its meaning when an ancestor defines 7th characters
    (S52.531A → ("A", "initial encounter for closed fracture"); O36.5930 → ("0", "not
    applicable or unspecified")); None for a code without one — E11.3293's 7th character is
    the side, part of the code itself, not an extension."""
    if not is_extended(code):
        return None
    character = code[-1]
    ancestor = parent(code)
    while ancestor is not None:
        meanings = seven_character_extensions(ancestor)
        if meanings:
            return (character, meanings[character]) if character in meanings else None
        ancestor = parent(ancestor)
    return None
