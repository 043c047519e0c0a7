"""Which mentions a certified coder would bill, by assertion and encounter setting.

ICD-10-CM Official Guidelines for Coding and Reporting:
- Uncertain diagnoses ("probable", "suspected", "rule out"...) are coded as if established for
  inpatient admissions (Section II.H, III.C) but never in outpatient or emergency encounters,
  where the symptoms are coded instead (Section IV.H). An encounter of unknown setting is treated
  as outpatient: the conservative reading.
- Negated and hypothetical conditions are never coded; a relative's condition is never the
  patient's (it may be reported with a Z80–Z84 family-history code when the note states it).
- A condition that no longer exists is reported with a personal-history code (Z85–Z87, I25.2
  for an old myocardial infarction) rather than as current; chronic conditions named in a
  history section are still current and coded (Section I.B.10 / IV.J).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.analyzer.coding import codeset
from shared.events.coding import Assertion, CareSetting


def is_injury(code: str) -> bool:
    """S00–T34: injuries, burns and frostbite (Chapter 19 codes with encounter 7th characters)."""
    return code.startswith("S") or ("T00" <= code[:3] <= "T34")


# Categories that do not resolve: documented anywhere in the record, they are current.
CHRONIC_CATEGORIES = frozenset(
    """E10 E11 E13 E03 E05 E66 E78 I10 I11 I12 I13 I25 I48 I50 N18 J44 J45 J43 G20 G30 G35 G40
    F01 F02 F03 F20 F31 F32 F33 F17 F10 F11 B20 K50 K51 M05 M06 M81 I73 G47 D63 D64 N40""".split()  # noqa: SIM905
)

# Acute episodes within a chronic category: a past diabetic ketoacidosis, hyperosmolar state or
# hypoglycemia ("one episode of DKA in 2019") is over, though the diabetes is not.
_ACUTE_EPISODE = re.compile(r"^E(?:08|09|10|11|13)\.(?:0|1|64)")

# Condition (code prefix) → personal-history code when the note says it is in the past.
HISTORY_CODES: tuple[tuple[str, str, str], ...] = (
    ("I21", "I25.2", "old myocardial infarction"),
    ("I22", "I25.2", "old myocardial infarction"),
    ("I63", "Z86.73", "personal history of cerebral infarction without residual deficits"),
    ("G45", "Z86.73", "personal history of TIA without residual deficits"),
    ("I26", "Z86.711", "personal history of pulmonary embolism"),
    ("I82.4", "Z86.718", "personal history of other venous thrombosis and embolism"),
    ("N20", "Z87.442", "personal history of urinary calculi"),
    ("N39.0", "Z87.440", "personal history of urinary tract infections"),
    ("J18", "Z87.01", "personal history of pneumonia (recurrent)"),
    ("C50", "Z85.3", "personal history of malignant neoplasm of breast"),
    ("C61", "Z85.46", "personal history of malignant neoplasm of prostate"),
    ("C18", "Z85.038", "personal history of other malignant neoplasm of large intestine"),
    ("C34", "Z85.118", "personal history of other malignant neoplasm of bronchus and lung"),
    ("C67", "Z85.51", "personal history of malignant neoplasm of bladder"),
    ("C43", "Z85.820", "personal history of malignant melanoma of skin"),
    ("C44", "Z85.828", "personal history of other malignant neoplasm of skin"),
    ("C", "Z85.9", "personal history of malignant neoplasm, unspecified"),
    ("F17", "Z87.891", "personal history of nicotine dependence"),
)
# Injuries (S00–T34) in the past: a healed fracture has a code of its own; any other healed
# injury is Z87.828. Never the injury code itself, whose 7th character would claim treatment.
_FRACTURE_HISTORY = ("Z87.81", "personal history of (healed) traumatic fracture")
_INJURY_HISTORY = ("Z87.828", "personal history of other (healed) physical injury and trauma")
_TBI_HISTORY = ("Z87.820", "personal history of traumatic brain injury")
# Healed minor injuries leave nothing a coder reports: a sprain, a laceration or a bruise of years
# ago is not the "significant" past injury Z87.828 is for.
_MINOR_INJURY = re.compile(
    r"\b(?:sprain|strain|laceration|contusion|abrasion|superficial|open wound|puncture wound|"
    r"blister|bite|burn of first degree|first degree)\b",
    re.IGNORECASE,
)

# Condition (code prefix) → family-history code when a relative has it.
FAMILY_CODES: tuple[tuple[str, str], ...] = (
    ("C50", "Z80.3"),
    ("C18", "Z80.0"),
    ("C61", "Z80.42"),
    ("C34", "Z80.1"),
    # By site, as category Z80 groups them (a relative's melanoma is "other organs", Z80.8).
    *((f"C{n}", "Z80.0") for n in range(15, 27)),
    *((f"C{n}", "Z80.2") for n in (30, 31, 32, 33, 37, 38, 39)),
    ("C56", "Z80.41"),
    *((f"C{n}", "Z80.49") for n in (51, 52, 53, 54, 55, 57, 58, 60, 63)),
    ("C62", "Z80.43"),
    ("C64", "Z80.51"),
    ("C67", "Z80.52"),
    *((f"C{n}", "Z80.59") for n in (65, 66, 68)),
    *((f"C{n}", "Z80.6") for n in range(91, 96)),
    *((f"C{n}", "Z80.7") for n in (81, 82, 83, 84, 85, 86, 88, 90, 96)),
    ("C80", "Z80.9"),
    ("C", "Z80.8"),
    ("E10", "Z83.3"),
    ("E11", "Z83.3"),
    ("I21", "Z82.49"),
    ("I25", "Z82.49"),
    ("I63", "Z82.3"),
    ("G30", "Z82.0"),
    ("I10", "Z82.49"),
)

_FAMILY_HISTORY_PREFIXES = ("Z80", "Z81", "Z82", "Z83", "Z84")
_PERSONAL_HISTORY_PREFIXES = ("Z85", "Z86", "Z87", "Z92", "I25.2")
# Status codes: what "status post", "history of" or "s/p" introduce is a present status.
_STATUS_PREFIXES = ("Z89", "Z90", "Z93", "Z94", "Z95", "Z96", "Z97", "Z98", "Z99")


@dataclass(frozen=True)
class BillingDecision:
    """Whether a mention's code is billed; ``code`` may differ (a history code instead)."""

    bill: bool
    code: str
    rationale: str


def billing_decision(
    code: str, assertion: Assertion, setting: CareSetting, *, resolved: bool = False
) -> BillingDecision:
    """Apply the guideline rules above to one mention's code. ``resolved``: the note says the
    past condition is over, so even a chronic one is not current."""
    if assertion is Assertion.FAMILY:
        return _family(code)
    if assertion is Assertion.HISTORICAL:
        return _historical(code, resolved)
    if assertion is Assertion.UNCERTAIN:
        return _uncertain(code, setting)
    if assertion is Assertion.PRESENT:
        return BillingDecision(True, code, "documented as present")
    if assertion is Assertion.NEGATED:
        return BillingDecision(False, code, "negated in the note: never coded")
    return BillingDecision(False, code, "hypothetical (instructions, risk, if/should): not coded")


def _past_injury(code: str) -> BillingDecision:
    description = codeset.description(code).lower()
    if "fracture" in description:
        history_code, meaning = _FRACTURE_HISTORY
    elif code.startswith("S06"):
        history_code, meaning = _TBI_HISTORY
    elif _MINOR_INJURY.search(description):
        return BillingDecision(
            False, code, "a healed minor injury: no history code is reported for it"
        )
    else:
        history_code, meaning = _INJURY_HISTORY
    return BillingDecision(True, history_code, f"past injury ({code}): {meaning}")


def _uncertain(code: str, setting: CareSetting) -> BillingDecision:
    if setting is CareSetting.INPATIENT:
        return BillingDecision(
            True, code, "uncertain diagnosis coded as if established (inpatient, Section II.H)"
        )
    article = "an" if setting.value[0] in "aeiou" else "a"
    return BillingDecision(
        False,
        code,
        f"uncertain diagnosis: not coded in {article} {setting.value} encounter (Section IV.H); "
        "code its symptoms",
    )


def _family(code: str) -> BillingDecision:
    if code.startswith(_FAMILY_HISTORY_PREFIXES):
        return BillingDecision(True, code, "family history stated in the note")
    for prefix, history_code in FAMILY_CODES:
        if code.startswith(prefix):
            return BillingDecision(
                True, history_code, f"relative's condition ({code}): family history"
            )
    return BillingDecision(False, code, "a relative's condition, not the patient's")


def _historical(code: str, resolved: bool = False) -> BillingDecision:
    if code.startswith(_PERSONAL_HISTORY_PREFIXES):
        return BillingDecision(True, code, "personal history stated in the note")
    if code.startswith(_STATUS_PREFIXES):
        return BillingDecision(True, code, "status after a past procedure or event")
    if code[:3] in CHRONIC_CATEGORIES and not resolved and not _ACUTE_EPISODE.match(code):
        return BillingDecision(True, code, "chronic condition named in the history: still current")
    for prefix, history_code, meaning in HISTORY_CODES:
        if code.startswith(prefix):
            return BillingDecision(True, history_code, f"past condition ({code}): {meaning}")
    if is_injury(code):
        return _past_injury(code)
    return BillingDecision(False, code, "past condition no longer present: not coded as current")
