"""Hormone and HER2 receptor status of a cancer (category Z17), read from the forms notes use.

FY2026 ICD-10-CM, category Z17: "Use one code, as available, for each receptor: Z17.0, Z17.1,
Z17.2-, Z17.3-" — estrogen receptor positive Z17.0 / negative Z17.1, progesterone receptor
positive Z17.21 / negative Z17.22, HER2 positive Z17.31 / negative Z17.32; "Assign a code from
subcategory Z17.4- when only a combined receptor status is documented" — hormone receptor
positive with HER2 negative Z17.411 (HR+/HER2−), hormone receptor negative with HER2 negative
Z17.421 (HR−/HER2−, "triple negative" written so). Forms: "ER-positive", "ER+", "ER pos",
"estrogen receptor negative", "ER/PR+", "HER2-negative", "HER2 neu -", "HER2 1+" (negative),
"HER2 3+" (positive). Reported only beside a malignancy the encounter codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SIGN = (
    r"\s*(?:[-:]\s*|\s)?(?:receptors?\s*)?(?:status\s*)?"
    r"(?P<sign>positive|pos\b|\+(?!\d)|negative|neg\b|-(?![a-z])|−|(?P<ihc>[0-3])\s*\+)"
)
_RECEPTORS = re.compile(
    r"\b(?P<name>ER/PR|ER|PR|PgR|HER-?2(?:/neu)?(?:\s*neu)?|estrogen|progesterone|HR)" + _SIGN,
    re.IGNORECASE,
)
_CODES = {
    ("ER", True): "Z17.0",
    ("ER", False): "Z17.1",
    ("PR", True): "Z17.21",
    ("PR", False): "Z17.22",
    ("HER2", True): "Z17.31",
    ("HER2", False): "Z17.32",
}
_COMBINED = {(True, False): "Z17.411", (False, False): "Z17.421"}


@dataclass(frozen=True)
class ReceptorStatus:
    code: str
    start: int
    end: int
    text: str


def receptor_statuses(text: str) -> list[ReceptorStatus]:
    """One Z17 code per receptor the text states, each with the words that state it."""
    found: dict[str, ReceptorStatus] = {}
    combined: dict[str, tuple[bool, ReceptorStatus]] = {}
    for match in _RECEPTORS.finditer(text):
        if match.group("ihc") == "2":
            continue  # HER2 2+ is equivocal: no status until FISH says
        name = _receptor(match.group("name"))
        positive = _positive(match)
        if name == "HR":
            combined["HR"] = (positive, _status("", match))
            continue
        for receptor in ("ER", "PR") if name == "ER/PR" else (name,):
            code = _CODES[(receptor, positive)]
            found.setdefault(receptor, _status(code, match))
    if "HR" in combined and not found.keys() & {"ER", "PR"}:
        hr_positive, hr = combined["HR"]
        her2 = found.get("HER2")
        combined_code = _COMBINED.get((hr_positive, her2 is not None and her2.code == "Z17.31"))
        if combined_code is not None and her2 is not None:
            return [ReceptorStatus(combined_code, hr.start, her2.end, text[hr.start : her2.end])]
    return list(found.values())


def _receptor(name: str) -> str:
    lowered = name.lower()
    if lowered.startswith("her"):
        return "HER2"
    if lowered in ("er", "estrogen"):
        return "ER"
    if lowered in ("pr", "pgr", "progesterone"):
        return "PR"
    return "HR" if lowered == "hr" else "ER/PR"


def _positive(match: re.Match[str]) -> bool:
    if match.group("ihc") is not None:
        return match.group("ihc") == "3"  # HER2 IHC 3+ positive; 0 and 1+ negative
    return match.group("sign").lower() in ("positive", "pos", "+")


def _status(code: str, match: re.Match[str]) -> ReceptorStatus:
    return ReceptorStatus(code, match.start(), match.end(), match.group())
