"""Each mention's kind, traits with scores and ranked alternatives, as Comprehend Medical gives
them (InferICD10CM: category, NEGATION / SIGN / SYMPTOM / PERTAINS_TO_FAMILY / HYPOTHETICAL /
LOW_CONFIDENCE with scores, ranked concepts)."""

from __future__ import annotations

from services.analyzer.coding.coder import NoteText, code_encounter
from services.analyzer.coding.traits import mention_category
from shared.events.coding import CareSetting, Mention, MentionCategory, TraitName


def mentions(text: str) -> dict[str, Mention]:
    coded = code_encounter([NoteText("N1", text)], CareSetting.OUTPATIENT)
    return {m.text: m for m in coded.mentions}


def trait_names(mention: Mention) -> list[TraitName]:
    return [t.name for t in mention.traits]


def test_a_negated_symptom_carries_symptom_and_negation_traits() -> None:
    found = mentions("Patient denies chest pain.")["chest pain"]
    assert found.category is MentionCategory.SYMPTOM
    assert trait_names(found) == [TraitName.SYMPTOM, TraitName.NEGATION]
    assert all(0 < t.score <= 1 for t in found.traits)


def test_a_relatives_condition_pertains_to_family() -> None:
    found = mentions("Mother had breast cancer.")["breast cancer"]
    assert found.category is MentionCategory.DIAGNOSIS
    assert TraitName.PERTAINS_TO_FAMILY in trait_names(found)


def test_a_hedged_diagnosis_is_low_confidence() -> None:
    found = mentions("Possible pneumonia.")["pneumonia"]
    assert TraitName.LOW_CONFIDENCE in trait_names(found)


def test_exam_findings_are_signs_and_complaints_symptoms() -> None:
    assert mention_category("R60.0", "ankle edema", "physical_exam") is MentionCategory.SIGN
    assert mention_category("R10.9", "abdominal pain", None) is MentionCategory.SYMPTOM
    assert mention_category("R94.31", "abnormal ECG", None) is MentionCategory.SIGN
    assert mention_category("Z79.4", "insulin", "medications") is MentionCategory.MEDICATION
    assert mention_category("Z90.49", "appendectomy", None) is MentionCategory.PROCEDURE
    assert mention_category("Z86.73", "old stroke", None) is MentionCategory.STATUS


def test_suggestions_carry_their_kind_traits_and_alternatives() -> None:
    coded = code_encounter([NoteText("N1", "Acute bronchitis.")], CareSetting.OUTPATIENT)
    (suggestion,) = coded.suggestions
    assert suggestion.category is MentionCategory.DIAGNOSIS
    assert [t.name for t in suggestion.traits] == [TraitName.DIAGNOSIS]
    assert all(c.code != suggestion.code for c in suggestion.alternatives)
    scores = [c.score for c in suggestion.candidates]
    assert scores == sorted(scores, reverse=True)
