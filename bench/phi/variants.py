"""Rewrite every PHI span of an annotated note as a surrogate in another surface form.

A rule written against one note's "Dr. Crowley" should find "DR CROWLEY", "dr. crowley",
"Dr. J. Okonkwo-Baptiste" and "Dr. Hope" in the same place; a rule that finds "Quartermain 2"
should find "Ellison 11" and "QUORBELD 4". :func:`rewrite` keeps the note's words and replaces
each PHI mention (neighbouring gold spans of one category joined, see
:func:`bench.phi.annotated.mentions`) with a surrogate drawn from :mod:`bench.phi.forms`, and
returns the rewritten note with its new gold spans — one per word of the surrogate, labelled
with the form it was written in. Recall on rewritten development notes is what the rules are
written against (``python -m bench.phi.variant_eval``).

Categories are i2b2 2014's (PATIENT, DOCTOR, HOSPITAL, ...) or physionet-deid's (PTName,
HCPName, Location, ...). Categories that are not identifiers (PROFESSION, STATE, COUNTRY,
DEPARTMENT) and traps are kept as written.
"""

from __future__ import annotations

import random
import re

from bench.phi import forms
from bench.phi.annotated import TRAP, AnnotatedNote, GoldSpan, mentions

PERSON = frozenset(
    ("PTName", "HCPName", "RelativeProxyName", "PATIENT", "DOCTOR", "NAME", "PERSON")
)
KEPT = frozenset(("PROFESSION", "STATE", "COUNTRY", "DEPARTMENT", TRAP))
_FACILITY_WORDS = re.compile(
    r"\b(?:hospital|hosp|medical|center|centre|clinic|health|infirmary|general|memorial"
    r"|rehab|manor|home|institute)\b",
    re.I,
)


def _location(  # noqa: PLR0911
    rng: random.Random, original: str, after: str
) -> forms.Generated:
    """physionet-deid's Location: a hospital, a ward before its floor number, or a town."""
    if _FACILITY_WORDS.search(original):
        return forms.hospital(rng)
    if re.match(r"\s?\d", after) or re.search(r"\d$", original):
        value, form = forms.ward(rng)
        return value + (original[-1] if original[-1].isdigit() else ""), form
    if " " not in original.strip():
        choice = rng.choice(("ward", "city", "hospital_bare", "hospital_acronym", "faith"))
        if choice == "ward":
            return forms.ward(rng)
        if choice == "city":
            return forms.city(rng)
        if choice == "faith":
            return forms.hospital(rng, form="faith_bare")
        return forms.hospital(rng, form="bare_surname" if choice == "hospital_bare" else "acronym")
    return rng.choice((forms.hospital, forms.city, forms.organisation))(rng)


def surrogate(  # noqa: PLR0911
    rng: random.Random, category: str, original: str, after: str = ""
) -> forms.Generated | None:
    """A surrogate for a mention of ``category`` (None: keep the original)."""
    if category in KEPT:
        return None
    if category in PERSON:
        return forms.person(rng)
    table = {
        "PTNameInitial": forms.initials,
        "USERNAME": forms.username,
        "HOSPITAL": forms.hospital,
        "ORGANIZATION": forms.organisation,
        "CITY": forms.city,
        "STREET": forms.street,
        "ZIP": forms.postcode,
        "LOCATION-OTHER": forms.other_location,
        "ROOM": forms.room,
        "Date": forms.date,
        "DATE": forms.date,
        "Phone": forms.phone,
        "PHONE": forms.phone,
        "FAX": forms.phone,
        "Age": forms.age,
        "AGE": forms.age,
        "EMAIL": forms.email,
        "URL": forms.url,
    }
    if category in ("DateYear", "YEAR"):
        return forms.year(rng, original)
    if category == "Location":
        return _location(rng, original, after)
    if category in ("DATE",) and re.fullmatch(r"'?\d{2}|\d{4}", original.strip()):
        return forms.year(rng, original)
    if category in table:
        made = table[category](rng)  # type: ignore[operator,unused-ignore]
        return _in_case_of(original, made) if category == "ZIP" else made
    made = forms.identifier(rng, "IDNUM" if category == "Other" else category)
    return _in_case_of(original, made)


def _in_case_of(original: str, made: forms.Generated) -> forms.Generated:
    """A number or postcode typed in lower case (``k4418220``, ``v6m 1z6``) is rewritten in lower
    case too: notes typed in lower case write their codes so."""
    letters = [c for c in original if c.isalpha()]
    if letters and all(c.islower() for c in letters) and any(c.isalpha() for c in made[0]):
        return made[0].lower(), made[1] + "/lower"
    return made


def _words(start: int, text: str) -> list[tuple[int, int]]:
    """Offsets of the words (letters/digits runs with inner punctuation) of ``text``."""
    return [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", text)]


def rewrite(note: AnnotatedNote, rng: random.Random, *, suffix: str = "v") -> AnnotatedNote:
    """``note`` with every PHI mention replaced by a surrogate in a random surface form.

    The new gold spans are one per word of each surrogate (so a half-masked "John [NAME]"
    counts as a miss in word-level scoring), each labelled with its category and form.
    """
    out: list[str] = []
    spans: list[GoldSpan] = []
    pos = 0
    length = 0
    for number, mention in enumerate(mentions(note, _joinable(note))):
        before = note.text[pos : mention.start]
        out.append(before)
        length += len(before)
        original = note.text[mention.start : mention.end]
        made = surrogate(rng, mention.category, original, note.text[mention.end : mention.end + 3])
        value, form = made if made is not None else (original, "kept")
        for start, end in _words(length, value):
            spans.append(GoldSpan(start, end, mention.category, form, number))
        out.append(value)
        length += len(value)
        pos = mention.end
    out.append(note.text[pos:])
    return AnnotatedNote(f"{note.id}/{suffix}", "".join(out), tuple(spans), note.kind, note.meta)


def _joinable(note: AnnotatedNote) -> set[str]:
    return {s.category for s in note.spans if s.category in PERSON or s.category == "Location"}
