"""Body mass index codes (Z68) beside the weight diagnosis they qualify.

ICD-10-CM Official Guidelines I.B.14 and I.C.21.c.3: a BMI code is reported only with an
associated reportable diagnosis (obesity E66, overweight, underweight or malnutrition), and the
BMI may come from any clinician's documentation. Adults: Z68.1 (≤ 19.9) to Z68.45 (≥ 70). A
note that gives a BMI percentile (children) is left alone: Z68.5x needs the patient's age.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

_BMI = re.compile(
    r"\b(?:BMI|body mass index)\b(?:\s*(?:of|is|was|now|today|:|=))*\s*(\d{2}(?:\.\d+)?)\b"
    r"(?!\s*\+|\s*-\s*\d)",  # "30+", "30-39.9": a class (Synthea's finding), not a measurement
    re.IGNORECASE,
)
_PERCENTILE = re.compile(r"\bpercentile\b|\d\s*(?:st|nd|rd|th)\s*%ile", re.IGNORECASE)
_WEIGHT_DIAGNOSES = ("E66", "R63.6", "E40", "E41", "E42", "E43", "E44", "E45", "E46")


@dataclass(frozen=True)
class BmiValue:
    value: float
    start: int
    end: int
    text: str


def bmi_values(text: str) -> list[BmiValue]:
    """Adult BMI values stated in ``text`` (none when the note speaks in percentiles)."""
    if _PERCENTILE.search(text):
        return []
    return [
        BmiValue(float(m.group(1)), m.start(), m.end(), m.group())
        for m in _BMI.finditer(text)
        if 10 <= float(m.group(1)) <= 150
    ]


def bmi_code(value: float) -> str:
    """The adult Z68 code of a BMI value."""
    if value < 20:
        return "Z68.1"
    if value < 40:
        return f"Z68.{int(value)}"
    for upper, code in ((45, "Z68.41"), (50, "Z68.42"), (60, "Z68.43"), (70, "Z68.44")):
        if value < upper:
            return code
    return "Z68.45"


def reportable(coded: Collection[str]) -> bool:
    """Whether the encounter codes a weight diagnosis a BMI code may accompany."""
    return any(c.startswith(_WEIGHT_DIAGNOSES) for c in coded)
