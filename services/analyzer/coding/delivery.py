"""The codes of a delivery encounter, read from the forms obstetric notes write them in.

FY2026 Official Guidelines, Chapter 15:

- I.C.15.b.5 / I.C.15.n: every delivery record carries the *outcome of delivery* (Z37): single
  liveborn Z37.0, single stillborn Z37.1, twins both liveborn Z37.2; and the weeks of gestation
  (Z3A, ``gestation.py``);
- I.C.15.n: O80 is for a full-term, single, liveborn, uncomplicated vaginal delivery only — never
  beside another Chapter 15 code;
- the complications notes list in their own words: a perineal laceration by degree (O70.0–O70.3,
  a third-degree one unspecified O70.20 unless 3a/3b/3c), a postpartum hemorrhage (O72.1 after the
  placenta, uterine atony included — not O62.2, the labour's inertia; O72.0 with a retained
  placenta or in the third stage; O72.2 delayed or secondary), anemia after delivery (O90.81,
  with D62 for acute blood loss), a group B streptococcus carrier in childbirth (O99.824).

Each rule applies only when the note documents a delivery that happened (a delivered baby, SVD,
an outcome), never to a plan ("delivery planned at 39 weeks").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DELIVERED = re.compile(
    r"\b(?:N?SVD|(?:spontaneous |operative |assisted )?vaginal delivery|delivered|liveborn|"
    r"live[- ]born|stillborn|apgars?|cesarean (?:delivery|section)|c-?section|LTCS|"
    r"(?:vacuum|forceps)[- ]assisted (?:vaginal )?delivery)\b",
    re.IGNORECASE,
)
_PLANNED = re.compile(
    r"\b(?:plan\w*|schedul\w*|will|would|consider\w*|discuss\w*|if|awaiting|desires?)\b"
    r"[^.\n]{0,30}$",
    re.IGNORECASE,
)
_VAGINAL = re.compile(
    r"\b(?:N?SVD|spontaneous vaginal delivery|vaginal delivery|delivered vaginally)\b", re.I
)
_OPERATIVE = re.compile(r"\b(?:c-?section|cesarean|vacuum|forceps|LTCS)\b", re.IGNORECASE)
_TWINS = re.compile(r"\btwins?\b|\bdi-?di\b|\bmo-?di\b", re.IGNORECASE)
_STILLBORN = re.compile(r"\bstillb(?:orn|irth)\b|\bfetal demise\b|\bIUFD\b", re.IGNORECASE)
_LIVEBORN = re.compile(
    r"\blive[- ]?born\b|\blive birth\b|\bapgars?\b|\bviable (?:male|female) infant\b|"
    r"\bbaby (?:boy|girl)\b|\bhealthy (?:male|female|infant|newborn)\b",
    re.IGNORECASE,
)
_LACERATION = re.compile(
    r"\b(first|1st|second|2nd|third|3rd|fourth|4th)[- ]degree\s+(?:perineal\s+|vaginal\s+)?"
    r"(?:laceration|tear)\b(?:\s*\((3[abc])\))?",
    re.IGNORECASE,
)
_DEGREE = {"first": "O70.0", "1st": "O70.0", "second": "O70.1", "2nd": "O70.1"}
_DEGREE |= {"third": "O70.20", "3rd": "O70.20", "fourth": "O70.3", "4th": "O70.3"}
_THIRD = {"3a": "O70.21", "3b": "O70.22", "3c": "O70.23"}
_PPH = re.compile(r"\b(?:PPH|post-?partum (?:hemorrhage|haemorrhage|bleeding))\b", re.IGNORECASE)
_PPH_THIRD_STAGE = re.compile(r"\bretained placenta\b|\bthird[- ]stage\b", re.IGNORECASE)
_PPH_DELAYED = re.compile(r"\b(?:delayed|secondary|late)\s+(?:PPH|post-?partum)\b", re.I)
_ANEMIA = re.compile(
    r"\bpost-?partum (?:acute )?(?:blood loss )?an(?:a)?emia\b|\ban(?:a)?emia (?:of the )?"
    r"(?:puerperium|post-?partum)\b",
    re.IGNORECASE,
)
_GBS = re.compile(
    r"\b(?:GBS|group B strep\w*)\s*(?:\+|positive|pos\b|carrier|coloni[sz]\w*)", re.IGNORECASE
)
_NEGATED = re.compile(r"\b(?:no|not|without|negative|denies|r/o|rule out)\b[^.\n]{0,20}$", re.I)

SVD = "O80"
ATONY_IN_LABOUR = "O62.2"


@dataclass(frozen=True)
class Found:
    code: str
    start: int
    end: int
    text: str
    why: str


def delivered(text: str) -> bool:
    """Whether the note documents a delivery that happened."""
    return any(
        not _negated(text, m.start()) and not _PLANNED.search(_line_before(text, m.start()))
        for m in _DELIVERED.finditer(text)
    )


def delivery_codes(text: str) -> list[Found]:
    """The outcome and the complications the note's delivery shows (empty without one), one
    item per place the note names each (a narrative and a discharge-diagnosis list both)."""
    if not delivered(text):
        return []
    found = [*_outcome(text), *_hemorrhage(text), *_anemia(text), *_gbs(text)]
    for match in _every(_LACERATION, text):
        degree = match.group(1).lower()
        code = _THIRD.get((match.group(2) or "").lower()) or _DEGREE[degree]
        found.append(_found(code, match, "perineal laceration during delivery, by its degree"))
    return found


def uncomplicated_vaginal(text: str, other_obstetric: bool) -> list[Found]:
    """O80 where the note names the delivery: a spontaneous vaginal delivery of a single
    liveborn with no other Chapter 15 code (empty otherwise)."""
    if other_obstetric or _OPERATIVE.search(text) or _TWINS.search(text):
        return []
    if _STILLBORN.search(text):
        return []
    why = "an uncomplicated vaginal delivery of a single liveborn (Section I.C.15.n)"
    return [_found(SVD, m, why) for m in _every(_VAGINAL, text)]


def _outcome(text: str) -> list[Found]:
    live = _every(_LIVEBORN, text)
    still = _every(_STILLBORN, text)
    if _TWINS.search(text) and live:
        return [_found("Z37.2", m, "outcome of delivery: twins, both liveborn") for m in live]
    if still and not _TWINS.search(text):
        return [_found("Z37.1", m, "outcome of delivery: single stillborn") for m in still]
    return [_found("Z37.0", m, "outcome of delivery: single liveborn") for m in live]


def _hemorrhage(text: str) -> list[Found]:
    matches = _every(_PPH, text)
    if _PPH_DELAYED.search(text):
        code, why = "O72.2", "delayed or secondary postpartum hemorrhage"
    elif _PPH_THIRD_STAGE.search(text):
        code, why = "O72.0", "third-stage hemorrhage (retained placenta)"
    else:
        code, why = "O72.1", "postpartum hemorrhage after the placenta (uterine atony)"
    return [_found(code, m, why) for m in matches]


def _anemia(text: str) -> list[Found]:
    return [_found("O90.81", m, "anemia of the puerperium") for m in _every(_ANEMIA, text)]


def _gbs(text: str) -> list[Found]:
    why = "group B streptococcus carrier in childbirth"
    return [_found("O99.824", m, why) for m in _every(_GBS, text)]


def _every(pattern: re.Pattern[str], text: str) -> list[re.Match[str]]:
    return [m for m in pattern.finditer(text) if not _negated(text, m.start())]


def _negated(text: str, start: int) -> bool:
    return bool(_NEGATED.search(_line_before(text, start)))


def _line_before(text: str, start: int) -> str:
    return text[text.rfind("\n", 0, start) + 1 : start]


def _found(code: str, match: re.Match[str], why: str) -> Found:
    return Found(code, match.start(), match.end(), match.group(), why)
