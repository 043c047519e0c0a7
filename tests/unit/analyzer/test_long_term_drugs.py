"""Long-term (current) drug therapy (Z79, I.C.21.c.3, I.C.4.a.3): a drug the patient might come
to take, or a class of drugs the note says is over, is no long-term use (session 7, room
codeinpt2; in other words than the development encounters)."""

from __future__ import annotations

import pytest

from services.analyzer.coding.long_term_drugs import drug_uses


@pytest.mark.parametrize(
    "text",
    [
        "A1c 8.1 on two oral agents; she is not yet a candidate for insulin.",
        "If A1c stays above 9 he may need insulin next year.",
        "Remains reluctant to use insulin despite counseling.",
    ],
)
def test_a_drug_only_in_prospect_is_not_taken(text: str) -> None:
    assert [u.code for u in drug_uses(text)] == []


def test_words_of_dose_after_a_drug_taken_do_not_undo_it() -> None:
    assert [u.code for u in drug_uses("Glargine 22 units nightly; dose may need titration.")] == [
        "Z79.4"
    ]


def test_a_note_saying_all_diabetes_drugs_are_over_takes_back_the_history() -> None:
    text = (
        "Two years after sleeve gastrectomy (pre-op on glipizide and insulin). She has been off "
        "all diabetic medications since last spring; on apixaban for a prior PE."
    )
    assert [u.code for u in drug_uses(text)] == ["Z79.01"]


def test_a_finished_course_is_not_taken() -> None:
    assert [u.code for u in drug_uses("Provoked DVT, finished apixaban in May.")] == []
