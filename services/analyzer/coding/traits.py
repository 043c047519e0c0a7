"""What kind of thing a mention names, and its traits with scores, as Comprehend Medical gives them.

InferICD10CM tags each medical condition with traits — DIAGNOSIS, SIGN or SYMPTOM for what it is,
NEGATION, PERTAINS_TO_FAMILY, HYPOTHETICAL, LOW_CONFIDENCE for how the text asserts it — each
with a score. clinrelay derives the same from its rules: the kind from the code the mention names
(and where it sits: a finding on examination is a sign, a complaint a symptom), the assertion
traits from ConText and the section, each scored by how direct its evidence is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from shared.events.coding import MentionCategory, Trait, TraitName

# Chapter 18 categories that are objective findings (examination, vital signs, results) rather
# than complaints: abnormal heart beat, murmurs, blood pressure readings, hemorrhage, abnormal
# breath sounds, organomegaly, skin changes, gait, reflexes, coma, shock, convulsions, fever,
# lymphadenopathy, edema, abnormal results (R70–R99).
_SIGN_CATEGORIES = frozenset(
    """R00 R01 R03 R04 R09 R16 R17 R18 R19 R22 R23 R25 R26 R27 R29 R31 R34 R40 R50 R56 R57 R58
    R59 R60 R61 R62 R63 R64 R65""".split()  # noqa: SIM905
)
_SIGN_SECTIONS = frozenset({"physical_exam", "labs_and_studies"})
_PROCEDURE_WORDS = re.compile(
    r"ectom|otom|ostom|plast|scopy|graft|bypass|replacement|transplant|amputat|repair|"
    r"resect|surgery|surgical|implant|stent|pacemaker|fusion|arthrodesis",
    re.IGNORECASE,
)
# Z codes that say a drug is taken long term.
_DRUG_USE = ("Z79",)

# ConText trait (as mentions.py names it) → Comprehend Medical trait.
ASSERTION_TRAITS = {
    "NEGATION": TraitName.NEGATION,
    "FAMILY": TraitName.PERTAINS_TO_FAMILY,
    "HYPOTHETICAL": TraitName.HYPOTHETICAL,
    "UNCERTAIN": TraitName.LOW_CONFIDENCE,
    "HISTORICAL": TraitName.PAST_HISTORY,
}
_KIND_TRAITS = {
    MentionCategory.DIAGNOSIS: TraitName.DIAGNOSIS,
    MentionCategory.SIGN: TraitName.SIGN,
    MentionCategory.SYMPTOM: TraitName.SYMPTOM,
}


def mention_category(code: str, text: str, section: str | None) -> MentionCategory:
    """The kind of thing a mention coded ``code`` names, from the code, its words and section."""
    if code.startswith(_DRUG_USE):
        return MentionCategory.MEDICATION
    if code.startswith("Z"):
        if _PROCEDURE_WORDS.search(text):
            return MentionCategory.PROCEDURE
        return MentionCategory.STATUS
    if code.startswith("R"):
        if code[:3] in _SIGN_CATEGORIES or code[:3] >= "R70" or section in _SIGN_SECTIONS:
            return MentionCategory.SIGN
        return MentionCategory.SYMPTOM
    return MentionCategory.DIAGNOSIS


def mention_traits(
    category: MentionCategory, score: float, assertion_traits: Iterable[tuple[str, float]]
) -> tuple[Trait, ...]:
    """The kind trait (scored like the match) followed by the assertion traits with their scores."""
    traits: list[Trait] = []
    kind = _KIND_TRAITS.get(category)
    if kind is not None:
        traits.append(Trait(name=kind, score=round(score, 3)))
    seen = set()
    for name, trait_score in assertion_traits:
        mapped = ASSERTION_TRAITS[name]
        if mapped not in seen:
            seen.add(mapped)
            traits.append(Trait(name=mapped, score=round(trait_score, 3)))
    return tuple(traits)
