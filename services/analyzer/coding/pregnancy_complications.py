"""A condition of another chapter documented during a pregnancy: the O99 code that says it
complicates the pregnancy, by trimester, beside the condition's own code.

FY2026 Official Guidelines I.C.15.a: a condition of a pregnant patient is assumed to complicate
the pregnancy unless the provider documents that the pregnancy is incidental; Chapter 15 codes
come first, and O99 ("Other maternal diseases classifiable elsewhere but complicating pregnancy")
asks for an additional code to identify the specific condition. O99's subcategories follow the
chapters of the condition (anemia O99.01-, other blood O99.11-, obesity O99.21-, other
endocrine O99.28-, alcohol O99.31-, drugs O99.32-, tobacco O99.33-, other mental O99.34-,
nervous system O99.35-, circulatory O99.41-, respiratory O99.51-, digestive O99.61-, skin
O99.71-); what O99's Excludes2 notes send to a category of its own is not coded here —
diabetes (O24), malnutrition (O25), hypertension (O10–O16), hemorrhoids (O22.4), liver and
biliary disorders (O26.6), genitourinary infections (O23).

The 6th character is the trimester the note's gestational age falls in (Chapter 15's own
definition: first before 14 weeks 0 days, second until 28 weeks 0 days, third after); without a
stated age, "unspecified trimester". A delivery encounter (childbirth, the puerperium: its
own O99 characters) and a pregnancy the provider calls incidental (Z33.1) get none.

A previous cesarean delivery the notes of a pregnancy state ("prior LTCS", "previous cesarean,
low transverse", "history of C-section") is the scar the pregnancy is cared for with: O34.21-,
its 6th character the scar's type (low transverse 1, vertical or classical 2, else 9).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from services.analyzer.coding import codeset, gestation
from services.analyzer.coding.pending import NoteText, Pending, combined, from_rule, merge
from services.analyzer.coding.pipeline import clinical_pipeline
from services.analyzer.coding.sections import Section, section_at
from shared.events.coding import Assertion, MentionCategory

# (first category, last category, O99 subcategory or None when Chapter 15 has a category of its
# own for it); the first range that holds a code's category decides.
_BY_CHAPTER: tuple[tuple[str, str, str | None], ...] = (
    ("D50", "D64", "O99.01"),
    ("D65", "D89", "O99.11"),
    ("E08", "E13", None),
    ("E40", "E46", None),
    ("E66", "E66", "O99.21"),
    ("E00", "E89", "O99.28"),
    ("F10", "F10", "O99.31"),
    ("F17", "F17", "O99.33"),
    ("F11", "F19", "O99.32"),
    ("F01", "F99", "O99.34"),
    ("G00", "G99", "O99.35"),
    ("I10", "I16", None),
    ("I00", "I99", "O99.41"),
    ("J00", "J99", "O99.51"),
    ("K64", "K64", None),
    ("K70", "K87", None),
    ("K00", "K95", "O99.61"),
    ("L00", "L99", "O99.71"),
)
_DELIVERY = ("Z37", "O80")
_TRIMESTERS = ((14, "first"), (28, "second"), (99, "third"))
_INCIDENTAL = re.compile(r"\bincidental(?:ly)?\b[^.\n]{0,40}\bpregnan|\bpregnan\w*[^.\n]{0,40}"
                         r"\bincidental\b", re.IGNORECASE)  # fmt: skip


_PREVIOUS_CESAREAN = re.compile(
    r"\b(?<!no )(?:previous|prior|history of|hx of|h/o|s/p)\s+(?:(?:low[- ]transverse|classical|"
    r"(?:low )?vertical)\s+)?(?:c-?sections?|cesareans?(?: deliver(?:y|ies)| sections?)?|LTCS|"
    r"CS)\b(?P<rest>[^.\n]{0,60})",
    re.IGNORECASE,
)
_SCAR_TYPES = (
    (re.compile(r"\blow[- ]transverse\b|\bLTCS\b", re.I), "O34.211"),
    (re.compile(r"\bclassical\b|\bvertical\b", re.I), "O34.212"),
)


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    text: str


def complicating_subcategory(code: str) -> str | None:
    """The O99 subcategory for a condition complicating pregnancy (D50.9 → O99.01), or None."""
    category = codeset.category(code)
    return next((o99 for low, high, o99 in _BY_CHAPTER if low <= category <= high), None)


def trimester_code(subcategory: str, weeks: int | None) -> str | None:
    """The billable code of ``subcategory`` for the trimester ``weeks`` falls in."""
    which = "unspecified" if weeks is None else next(t for end, t in _TRIMESTERS if weeks < end)
    wanted = f"complicating pregnancy, {which} trimester"
    return next(
        (c for c in codeset.children(subcategory) if codeset.description(c).endswith(wanted)),
        None,
    )


def add_pregnancy_complications(notes: Sequence[NoteText], billed: dict[str, Pending]) -> None:
    """O99 codes for the encounter's current conditions when its notes are of a pregnancy (a
    gestational age stated, not called incidental) and not of a delivery (no outcome of
    delivery, Z37, and no O80 coded: Section I.C.15.b.5)."""
    text = "\n".join(n.text for n in notes)
    age = gestation.gestational_age(text)
    if age is None or _INCIDENTAL.search(text) or any(c.startswith(_DELIVERY) for c in billed):
        return
    _add_cesarean_scar(notes, billed)
    for code, pending in list(billed.items()):
        if pending.assertion is not Assertion.PRESENT or pending.category not in (
            MentionCategory.DIAGNOSIS,
            MentionCategory.SIGN,
            MentionCategory.SYMPTOM,
        ):
            continue
        subcategory = complicating_subcategory(code)
        o99 = trimester_code(subcategory, age.weeks) if subcategory else None
        if o99 is None or o99 in billed:
            continue
        billed[o99] = combined(
            o99,
            [pending],
            f"{codeset.description(code)} during a pregnancy at {age.weeks} weeks complicates "
            "it (Section I.C.15.a); the condition's own code stays beside it",
        )


def _add_cesarean_scar(notes: Sequence[NoteText], billed: dict[str, Pending]) -> None:
    """Every place the notes state the previous cesarean is evidence (the assessment's, not only
    the history's, decides whether the statement names it)."""
    if any(c.startswith("O34.21") for c in billed):
        return
    finder = clinical_pipeline().section_finder
    found = [(note, m) for note in notes for m in _PREVIOUS_CESAREAN.finditer(note.text)]
    if not found:
        return
    said = " ".join(m.group(0) for _, m in found)
    code = next((c for pattern, c in _SCAR_TYPES if pattern.search(said)), "O34.219")
    for note, match in found:
        merge(
            billed,
            code,
            from_rule(
                note.note_id,
                _Found(match.start(), match.end(), match.group(0)),
                code,
                0.9,
                "a previous cesarean delivery in a pregnancy: maternal care for its scar (O34.21-)",
                MentionCategory.DIAGNOSIS,
                section=_section_category(finder.sections(note.text), match.start()),
            ),
        )


def _section_category(sections: list[Section], offset: int) -> str | None:
    section = section_at(sections, offset)
    return section.category if section else None
