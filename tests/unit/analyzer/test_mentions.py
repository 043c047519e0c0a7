"""Sentences, sections and assertions on de-identified text."""

from __future__ import annotations

from services.analyzer.coding.mentions import find_mentions
from services.analyzer.coding.pipeline import clinical_pipeline
from services.analyzer.coding.segmentation import split_sentences
from shared.events.coding import Assertion


def assertions(text: str) -> dict[str, Assertion]:
    return {m.text: m.assertion for m in find_mentions(text)}


def test_phi_tags_do_not_merge_sentences() -> None:
    text = "Seen by [NAME] on [DATE]. Denies fever. [NAME] reports gout."
    assert [text[s.start : s.end] for s in split_sentences(text)][-1] == "[NAME] reports gout."
    assert assertions("Seen by [NAME] on [DATE]. Denies fever. [NAME] reports gout.") == {
        "fever": Assertion.NEGATED,
        "gout": Assertion.PRESENT,
    }


def test_surrogate_names_and_titles_do_not_split_or_leak() -> None:
    found = assertions("No cough. Dr. Maria Lopez notes asthma. Mr. Grant denies wheezing.")
    assert found["asthma"] is Assertion.PRESENT
    assert found["cough"] is Assertion.NEGATED
    assert found["wheezing"] is Assertion.NEGATED


def test_line_breaks_end_list_items() -> None:
    found = assertions("Denies fever\nAsthma\nGout")
    assert found == {
        "fever": Assertion.NEGATED,
        "Asthma": Assertion.PRESENT,
        "Gout": Assertion.PRESENT,
    }


def test_sections_are_recorded() -> None:
    mentions = find_mentions("Family History: asthma.\nAssessment: gout.")
    by_text = {m.text: m for m in mentions}
    assert by_text["asthma"].section == "family_history"
    assert by_text["asthma"].assertion is Assertion.FAMILY
    assert by_text["gout"].section == "observation_and_plan"
    assert by_text["gout"].assertion is Assertion.PRESENT


def test_mentions_carry_offsets_into_the_text() -> None:
    text = "Pt has right knee pain."
    (mention,) = find_mentions(text)
    assert text[mention.start : mention.end] == "right knee pain"


def test_pipeline_is_built_once_per_process() -> None:
    assert clinical_pipeline() is clinical_pipeline()
    assert clinical_pipeline().load_seconds < 5  # two small tables, no model
