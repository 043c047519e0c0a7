"""Deficits left by a past stroke, and the side and dominance of a paralysis.

ICD-10-CM Official Guidelines:
- I.C.9.d: a neurologic deficit that remains after a cerebrovascular disease (a hemiparesis, an
  aphasia, a dysphagia after a stroke of years ago) is coded with category I69, "Sequelae of
  cerebrovascular disease", naming the deficit and the kind of stroke. Z86.73 (history of stroke
  *without* residual deficits) is never coded beside I69.
- I.C.6.a / I.C.9.d.1: the dominant or non-dominant side of a hemiplegia or monoplegia follows
  the note's handedness; where it is not documented, the right side is dominant and the left
  non-dominant (ambidextrous: dominant).

Everything here is pure: text and codes in, codes out. The tables are maintained by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from services.analyzer.coding import codeset

# The stroke a deficit follows: code prefix of the stroke → the I69 subcategory of its sequelae.
STROKE_SEQUELAE: tuple[tuple[str, str], ...] = (
    ("I60", "I69.0"),  # nontraumatic subarachnoid hemorrhage
    ("I61", "I69.1"),  # nontraumatic intracerebral hemorrhage
    ("I62", "I69.2"),  # other nontraumatic intracranial hemorrhage
    ("I63", "I69.3"),  # cerebral infarction (and "stroke"/"CVA" NOS, indexed there)
)


@dataclass(frozen=True)
class Deficit:
    """A deficit code (prefix) and the digits its I69 sequela code adds to the subcategory."""

    prefix: str
    digits: str  # "5" + side digit for a paralysis; the full tail for the others ("20")
    sided: bool  # a paralysis: the last digit is side and dominance
    keep: bool  # "use additional code" for the deficit's type (dysphagia R13.1-)


DEFICITS: tuple[Deficit, ...] = (
    Deficit("G81", "5", True, False),  # hemiplegia and hemiparesis
    Deficit("G83.1", "4", True, False),  # monoplegia of lower limb
    Deficit("G83.2", "3", True, False),  # monoplegia of upper limb
    Deficit("R47.01", "20", False, False),  # aphasia
    Deficit("R47.02", "21", False, False),  # dysphasia
    Deficit("R47.1", "22", False, False),  # dysarthria
    Deficit("R13.1", "91", False, True),  # dysphagia (+ the R13.1- type)
    Deficit("R29.810", "92", False, False),  # facial weakness
    Deficit("R27.0", "93", False, False),  # ataxia
)

# Words that tie a deficit to a past stroke in its own sentence.
_SEQUELA_CUE = re.compile(
    r"\b(?:residual|sequelae?|late effects?|post[- ]?stroke|post[- ]?cva)\b|"
    r"\b(?:from|after|following|since|due to|secondary to|because of)\s+(?:\w+\s+){0,3}"
    r"(?:stroke|cva|infarcts?|infarction|hemorrhage|bleed)\b",
    re.IGNORECASE,
)
_SIDE = re.compile(
    r"\b(left|right)(?:[- ]sided)?\s+(?:\w+\s+){0,2}(?:hemipar|hemipleg|monopar|monopleg|"
    r"weakness|arm|leg|upper|lower|side)|"
    r"\b(?:hemipar\w*|hemipleg\w*|monopar\w*|monopleg\w*|weakness)\s+(?:of|on|affecting|"
    r"involving)\s+(?:the\s+)?(?:\w+\s+)?(left|right)\b|\b([LR])\s+(?:hemipar|hemipleg)",
    re.IGNORECASE,
)
_HANDED = re.compile(
    r"\b(left|right)[- ]hand(?:ed|[- ]dominant)\b|\b(left|right)[- ]dominant\b|"
    r"\b(ambidextrous)\b",
    re.IGNORECASE,
)
# Last digit of a sided paralysis code: (side, dominant) → digit (G81.9-, G83.1-, I69.35-...).
_SIDE_DIGIT = {
    ("right", True): "1",
    ("left", True): "2",
    ("right", False): "3",
    ("left", False): "4",
}


def paralysis_side_digit(sentence: str, note: str) -> str | None:
    """The side-and-dominance digit of a paralysis described in ``sentence`` (handedness read from
    the whole ``note``), or None when the side is not documented."""
    side_match = _SIDE.search(_without_handedness(sentence))
    if side_match is None:
        return None
    side = next(g for g in side_match.groups() if g).lower()
    side = {"l": "left", "r": "right"}.get(side, side)
    handed = _HANDED.search(note)
    if handed is None or handed.group(3):
        dominant = side == "right"  # I.C.6.a default; ambidextrous: right is dominant
    else:
        dominant = (handed.group(1) or handed.group(2)).lower() == side
    return _SIDE_DIGIT[(side, dominant)]


def _without_handedness(text: str) -> str:
    return _HANDED.sub(" ", text)


def deficit_of(code: str) -> Deficit | None:
    return next((d for d in DEFICITS if code.startswith(d.prefix)), None)


def sided_code(code: str, digit: str | None) -> str:
    """A paralysis code with its side-and-dominance digit (G81.90 + right → G81.91)."""
    found = deficit_of(code)
    if digit is None or found is None or not found.sided:
        return code
    candidate = code[:-1] + digit
    return candidate if codeset.is_billable(candidate) else code


def sequela_code(stroke: str, deficit: str) -> str | None:
    """The I69 code of ``deficit`` (a billable deficit code) after ``stroke`` (a stroke code), or
    None when the classification has none."""
    found = deficit_of(deficit)
    subcategory = next((s for prefix, s in STROKE_SEQUELAE if stroke.startswith(prefix)), None)
    if found is None or subcategory is None:
        return None
    tail = found.digits
    if found.sided:
        last = deficit[-1]
        tail += "9" if last == "0" else last
    code = subcategory + tail
    return code if codeset.is_billable(code) else None


_STROKE_WORD = r"(?:stroke|cva|infarcts?|infarction)"
# A stroke the sentence dates to a past year or calls a late effect: the stroke is over even when
# no history cue precedes it ("L MCA ischemic stroke 2023 leaving right hemiparesis", "dysphagia,
# late effect of the 2023 stroke", "since her 2022 stroke").
_PAST_STROKE = re.compile(
    rf"\b{_STROKE_WORD}\s+(?:in\s+|of\s+)?(?:19|20)\d\d\b|"
    rf"\b(?:19|20)\d\d\s+(?:\w+\s+){{0,2}}{_STROKE_WORD}\b|"
    rf"\b(?:late\s+effects?|sequelae?)\s+of\s+(?:\w+\s+){{0,3}}{_STROKE_WORD}\b|"
    rf"\b{_STROKE_WORD}\b[^.;]{{0,40}}\b(?:leaving|left\s+(?:him|her|them)\s+with)\b",
    re.IGNORECASE,
)
_ACUTE = re.compile(r"\b(?:acute|new|evolving|current)\b", re.IGNORECASE)


def past_stroke(sentences: Iterable[str]) -> bool:
    """Whether a stroke mentioned without a history cue is a past one: one of its ``sentences``
    dates it to a year or names it as a deficit's late effect, and none calls it acute or new."""
    listed = list(sentences)
    return any(_PAST_STROKE.search(s) for s in listed) and not any(_ACUTE.search(s) for s in listed)


def tied_to_a_stroke(deficit_sentence: str, stroke_sentences: set[str]) -> bool:
    """Whether the note ties the deficit to a stroke: in the same sentence as the past stroke, or
    with a sequela cue ("residual", "from her stroke", "post-CVA")."""
    return deficit_sentence in stroke_sentences or bool(_SEQUELA_CUE.search(deficit_sentence))
